import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { adminCli } from '../support/admin-cli';
import { localTenantAdmin } from '../../lambdas/admin/tenant-admin';
import { localSecretsDir } from '../../lib/local/local-environment';
import { DAY_MS } from '../../lambdas/contracts/tenancy';
import { awsWorld, PREFIX, type TokenWorld } from '../support/token-stores';
import { TenantTokenVerifier } from '../../lambdas/tenancy/token-verifier';
import { FileSecretStore } from '../../lambdas/secrets/file-secret-store';

const ROOT = resolve(__dirname, '../..');
const TOKEN = /^[a-z0-9][a-z0-9-]*\.[A-Za-z0-9_-]{43}$/;

const admin = adminCli;

/** Every file under a directory, with its content. */
async function filesUnder(directory: string): Promise<Array<{ path: string; content: string }>> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return Promise.all(
    entries.filter((entry) => entry.isFile()).map(async (entry) => ({ path: join(entry.parentPath, entry.name), content: await readFile(join(entry.parentPath, entry.name), 'utf8') })),
  );
}

describe('admin CLI against a local data directory', () => {
  let dataDir: string;
  const local = (...args: string[]) => admin(['--data-dir', dataDir, ...args]);
  const verify = (token: string, now?: number) =>
    new TenantTokenVerifier(new FileSecretStore(localSecretsDir(dataDir)), 'scim', { now: now === undefined ? undefined : () => now }).verify(`Bearer ${token}`);

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'scim-admin-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('tenants create prints the first token once, alone on the last line, and stores it only in the secret file', async () => {
    const run = await local('tenants', 'create', 'acme');
    expect(run).toMatchObject({ code: 0, err: [] });
    const token = run.out.at(-1)!;
    expect(token).toMatch(TOKEN);
    expect(token.startsWith('acme.')).toBe(true);
    expect(run.out.filter((line) => line.includes(token))).toEqual([token]);
    await expect(verify(token)).resolves.toEqual({ tenant: 'acme' });
    const holding = (await filesUnder(dataDir)).filter((file) => file.content.includes(token)).map((file) => file.path);
    expect(holding).toEqual([join(localSecretsDir(dataDir), 'scim%2Ftenants%2Facme%2Ftoken.json')]);
    expect((await local('tenants', 'create', 'acme')).code).toBe(1);
  });

  it('tenants list, disable and enable', async () => {
    await local('tenants', 'create', 'acme');
    const token = (await local('tenants', 'create', 'globex')).out.at(-1)!;
    expect((await local('tenants', 'disable', 'globex')).code).toBe(0);
    await expect(verify(token)).rejects.toMatchObject({ status: 401 });
    const list = await local('tenants', 'list');
    expect(list.code).toBe(0);
    expect(list.out.map((line) => line.split('\t').slice(0, 2))).toEqual([
      ['acme', 'enabled'],
      ['globex', 'disabled'],
    ]);
    expect(list.out.join('\n')).not.toContain(token);
    expect((await local('tenants', 'enable', 'globex')).code).toBe(0);
    await expect(verify(token)).resolves.toEqual({ tenant: 'globex' });
  });

  it('tokens rotate prints the new token last; the old works for the overlap; revoke ends it; show-expiry says when', async () => {
    const old = (await local('tenants', 'create', 'acme')).out.at(-1)!;
    const rotated = await local('tokens', 'rotate', 'acme');
    expect(rotated.code).toBe(0);
    const fresh = rotated.out.at(-1)!;
    expect(fresh).toMatch(TOKEN);
    expect(fresh).not.toBe(old);
    expect(rotated.out.join('\n')).not.toContain(old);
    await expect(verify(old)).resolves.toEqual({ tenant: 'acme' });
    await expect(verify(old, Date.now() + 7 * DAY_MS + 60_000)).rejects.toMatchObject({ status: 401 });

    const expiry = await local('tokens', 'show-expiry', 'acme');
    expect(expiry.code).toBe(0);
    expect(expiry.out.join('\n')).toMatch(/Token expires \d{4}-\d\d-\d\dT.* \(in 36[45] days\)/);
    expect(expiry.out.join('\n')).toMatch(/previous token works until/);
    expect(expiry.out.join('\n')).not.toContain(fresh);

    expect((await local('tokens', 'revoke', 'acme')).out.join('\n')).toMatch(/revoked/);
    await expect(verify(old)).rejects.toMatchObject({ status: 401 });
    await expect(verify(fresh)).resolves.toEqual({ tenant: 'acme' });
    expect((await local('tokens', 'revoke', 'acme')).out.join('\n')).toMatch(/nothing to revoke/);
  });

  it('takes its validity and overlap from the environment, like the rotation function', async () => {
    const run = await admin(['--data-dir', dataDir, 'tenants', 'create', 'acme'], { TOKEN_VALIDITY_DAYS: '30', TOKEN_OVERLAP_DAYS: '1' });
    const status = await localTenantAdmin(localSecretsDir(dataDir)).status('acme');
    expect(Date.parse(status.current!.expiresAt) - Date.parse(status.current!.issuedAt)).toBe(30 * DAY_MS);
    expect(run.out.join('\n')).toMatch(/in 29 days|in 30 days/);
  });

  it('answers usage errors with exit code 2 and unknown tenants with 1, on stderr', async () => {
    expect((await local()).code).toBe(0);
    for (const args of [['tenants'], ['tenants', 'create'], ['tokens', 'rotate', 'a', 'b'], ['tenants', 'list', 'x'], ['--bogus']]) {
      const run = await local(...args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.err.join('\n')).toContain('Usage');
    }
    const unknown = await local('tokens', 'rotate', 'nobody');
    expect(unknown).toMatchObject({ code: 1, out: [], err: ['No tenant "nobody". See: tenants list'] });
    expect((await local('tenants', 'create', 'Not_Valid')).err.join('\n')).toMatch(/not a valid tenant name/);
  });

  it('runs as `npm run admin -- …` with the token alone on the last line of stdout', async () => {
    const { stdout, stderr } = await promisify(execFile)('npm', ['run', 'admin', '--', 'tenants', 'create', 'acme'], {
      cwd: ROOT,
      env: { ...process.env, SCIM_DATA_DIR: dataDir },
    });
    const lines = stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^acme\.[A-Za-z0-9_-]{43}$/);
    expect(stdout.split(lines.at(-1)!)).toHaveLength(2);
    expect(stderr).not.toContain(lines.at(-1));
    await expect(verify(lines.at(-1)!)).resolves.toEqual({ tenant: 'acme' });
  }, 60_000);
});

describe('admin CLI against a deployed stack', () => {
  let world: TokenWorld;
  beforeEach(async () => {
    world = await awsWorld();
  });
  afterEach(() => world.close());

  it('creates and rotates through Secrets Manager and the rotation function, printing each token once', async () => {
    const stack = ['--stack', PREFIX.slice('scim/'.length), '--region', 'eu-west-1'];
    const created = await admin([...stack, 'tenants', 'create', 'acme']);
    expect(created).toMatchObject({ code: 0, err: [] });
    expect(created.out[0]).toMatch(/created in stack Test/);
    const token = created.out.at(-1)!;
    await expect(world.verifier().verify(`Bearer ${token}`)).resolves.toEqual({ tenant: 'acme' });

    const first = await admin([...stack, 'tokens', 'rotate', 'default']);
    expect(first.code).toBe(0);
    expect(first.out.join('\n')).toMatch(/No earlier token is still valid/);
    await expect(world.verifier().verify(`Bearer ${first.out.at(-1)}`)).resolves.toEqual({ tenant: 'default' });

    const list = await admin([...stack, 'tenants', 'list']);
    expect(list.out.map((line) => line.split('\t')[0])).toEqual(['acme', 'default']);
  });
});
