import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { FORMAT_VERSION, foldCase, formatOf, keys, keyValue, legacyFold } from '../../lambdas/contracts/table-design';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { tableMigrations } from '../../lambdas/wiring/migrations';
import { runAdmin } from '../../lib/admin/admin-cli';
import { freePort } from '../../lib/local/dynamodb-local';
import { scimClient } from '../support/scim-server';
import { eventually } from '../support/eventually';

/**
 * The upgrade test: a directory written by an earlier build (its own tree, its own npm start and
 * admin CLI, over a data directory), then the current code on the same data directory. Every read
 * answers as before, the migration completes, and a second pass changes nothing.
 */
const ROOT = resolve(__dirname, '../..');

const STARTING_POINTS: { name: string; tag?: string; commit: string }[] = [
  // The first release: userNames keyed in lower case, no keyFold, no formatVersion.
  { name: 'v0.1.0, the first release', tag: 'v0.1.0', commit: '31ec2cc511cd1b6fb62f800dd3001646ba7e7070' },
  // The last state before formatVersion: RFC 8265 keys, no formatVersion.
  { name: '9267567, before format versions', commit: '926756767e68045584319838407d07a6a3816045' },
];

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Not the same key under lower case and under RFC 8265: fullwidth letters, a decomposed Å. */
const ADA = 'ＡＤＡ.Lovelace@example.com';
const ASA = 'A\u030asa.Berg@example.com';
const OPS = 'Ｏｐｓ Team';

const SETTINGS = { roles: ['admin', 'member'], defaultRole: 'member', groupRoles: [{ group: 'Engineers', role: 'admin' }], seatLimit: null, seatPolicy: 'reject' };

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The commit a tag names here, or undefined where the clone has no such tag. */
function tagCommit(tag: string): string | undefined {
  try {
    return git(['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`]);
  } catch {
    return undefined;
  }
}

/**
 * The build's tree at the pinned commit, beside the current node_modules. The commit, not the tag,
 * is what the test needs: a clone without tags (CI's) still holds it. Where the tag is present, it
 * must name that commit.
 */
async function extract(point: (typeof STARTING_POINTS)[number]): Promise<string> {
  let commit: string;
  try {
    commit = git(['rev-parse', '--verify', '--quiet', `${point.commit}^{commit}`]);
  } catch (error) {
    throw new Error(`The upgrade test needs this repository's history with ${point.commit} (git fetch --unshallow): ${(error as Error).message}`);
  }
  const tagged = point.tag === undefined ? undefined : tagCommit(point.tag);
  if (tagged !== undefined) expect(tagged).toBe(point.commit);
  const dir = await mkdtemp(join(tmpdir(), 'scim-upgrade-build-'));
  const archive = join(dir, 'build.tar');
  execFileSync('git', ['archive', '--format=tar', '-o', archive, commit], { cwd: ROOT });
  execFileSync('tar', ['-xf', archive, '-C', dir]);
  await rm(archive);
  await symlink(await realpath(join(ROOT, 'node_modules')), join(dir, 'node_modules'));
  return dir;
}

interface Running {
  baseUrl: string;
  token: string;
  output: () => string;
  stop(): Promise<void>;
}

/** npm start of the tree at `dir`: its base URL, and the default tenant's token (its last line). */
async function start(dir: string, dataDir: string, port: number): Promise<Running> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'bin/start.ts'], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), SCIM_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'SILENT' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const started = await Promise.race([
    eventually(async () => out, (text) => /Bearer token[^\n]*\n\S+\n/.test(text), { withinMs: 90_000 }).then(() => true),
    exited.then(() => false),
  ]);
  if (!started) throw new Error(`npm start in ${dir} exited:\n${out}\n${err}`);
  const lines = out.trim().split('\n');
  return {
    baseUrl: /SCIM base URL: (\S+)/.exec(out)![1],
    token: lines.at(-1)!.trim(),
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The earlier build's admin CLI, as its npm run admin runs it. */
function oldAdmin(dir: string, dataDir: string, args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', 'bin/admin.ts', ...args], { cwd: dir, env: { ...process.env, SCIM_DATA_DIR: dataDir }, encoding: 'utf8' });
}

/** The current admin CLI, in this process. */
async function admin(dataDir: string, args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin(args, { out: (line) => out.push(line), err: (line) => err.push(line) }, { ...process.env, SCIM_DATA_DIR: dataDir }, ROOT);
  return { code, out, err };
}

type Client = ReturnType<typeof scimClient>;

const user = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER],
  userName,
  name: { givenName: 'Given', familyName: userName.split('@')[0] },
  active: true,
  ...extra,
});

/** Writes the directory through the earlier build; answers the ids the reads name. */
async function writeDirectory(main: Client, acme: Client) {
  const created = async (client: Client, path: string, body: unknown) => {
    const response = await client('POST', path, body);
    expect({ path, status: response.status, detail: response.body?.detail }).toEqual({ path, status: 201, detail: undefined });
    return response.body.id as string;
  };
  const users: Record<string, string> = {};
  users.ada = await created(main, '/Users', user(ADA, { externalId: 'ext-ada', emails: [{ value: 'Ada.Lovelace@Example.com', type: 'work', primary: true }] }));
  users.asa = await created(main, '/Users', user(ASA, { externalId: 'ext-asa', emails: [{ value: 'asa@example.com', type: 'home' }] }));
  users.bob = await created(main, '/Users', user('bob@example.com', { emails: [{ value: 'ｂｏｂ@example.com', type: 'work' }] }));
  for (let index = 0; index < 9; index++) {
    users[`user${index}`] = await created(main, '/Users', user(`user${index}@example.com`, { externalId: `ext-${index}`, active: index % 3 !== 0 }));
  }
  const groups: Record<string, string> = {};
  const members = (...names: string[]) => names.map((name) => ({ value: users[name] }));
  groups.engineers = await created(main, '/Groups', { schemas: [GROUP], displayName: 'Engineers', externalId: 'grp-eng', members: members('ada', 'asa', 'user0', 'user1') });
  groups.ops = await created(main, '/Groups', { schemas: [GROUP], displayName: OPS, members: members('bob') });
  groups.empty = await created(main, '/Groups', { schemas: [GROUP], displayName: 'Empty' });
  const acmeUsers = { ada: await created(acme, '/Users', user(ADA)), carol: await created(acme, '/Users', user('carol@acme.example')) };
  const acmeGroup = await created(acme, '/Groups', { schemas: [GROUP], displayName: 'Engineers', members: [{ value: acmeUsers.carol }] });
  return { users, groups, acmeUsers, acmeGroup };
}

type Directory = Awaited<ReturnType<typeof writeDirectory>>;

const filter = (expression: string, extra = '') => `?filter=${encodeURIComponent(expression)}${extra}`;

/** The reads whose answers must not change: [tenant, path]. */
function reads({ users, groups, acmeUsers, acmeGroup }: Directory): Array<['main' | 'acme' | 'nobody', string]> {
  return [
    ...Object.values(users).map((id) => ['main', `/Users/${id}`] as ['main', string]),
    ...Object.values(groups).map((id) => ['main', `/Groups/${id}`] as ['main', string]),
    ['main', '/Users'],
    ['main', '/Users?startIndex=1&count=5'],
    ['main', '/Users?startIndex=6&count=5'],
    ['main', '/Users?startIndex=11&count=5'],
    ['main', '/Users?count=0'],
    ['main', '/Groups'],
    ['main', '/Groups?startIndex=2&count=1'],
    ['main', `/Users${filter(`userName eq "${ADA}"`)}`],
    ['main', `/Users${filter(`userName eq "${ADA.toLowerCase()}"`)}`],
    ['main', `/Users${filter(`userName eq "${ASA}"`)}`],
    ['main', `/Users${filter(`userName eq "${ASA.toUpperCase()}"`)}`],
    ['main', `/Users${filter('userName eq "BOB@example.com"')}`],
    ['main', `/Users${filter('userName eq "nobody@example.com"')}`],
    ['main', `/Users${filter('externalId eq "ext-ada"')}`],
    ['main', `/Users${filter('externalId eq "ext-4"')}`],
    ['main', `/Users${filter('emails[type eq "work"].value eq "Ada.Lovelace@Example.com"')}`],
    ['main', `/Users${filter('emails[type eq "work"].value eq "ｂｏｂ@example.com"')}`],
    ['main', `/Users${filter('emails.value eq "ＢＯＢ@example.com"')}`],
    ['main', `/Users${filter('active eq false')}`],
    ['main', `/Users${filter('active eq true', '&startIndex=2&count=3')}`],
    ['main', `/Users${filter('userName sw "user"', '&count=4')}`],
    ['main', `/Groups${filter('displayName eq "Engineers"')}`],
    ['main', `/Groups${filter(`displayName eq "${OPS.toLowerCase()}"`)}`],
    ['main', `/Groups${filter('externalId eq "grp-eng"')}`],
    ['acme', '/Users'],
    ['acme', '/Groups'],
    ['acme', `/Groups/${acmeGroup}`],
    ['acme', `/Users/${acmeUsers.ada}`],
    ['acme', `/Users${filter(`userName eq "${ADA}"`)}`],
    ['acme', `/Users/${users.ada}`],
    ['main', `/Users/${acmeUsers.carol}`],
    ['nobody', '/Users'],
  ];
}

async function answers(clients: Record<'main' | 'acme' | 'nobody', Client>, directory: Directory) {
  const answered: Array<{ read: string; status: number; body: unknown }> = [];
  for (const [tenant, path] of reads(directory)) {
    const response = await clients[tenant]('GET', path);
    answered.push({ read: `${tenant} ${path}`, status: response.status, body: response.body });
  }
  return answered;
}

/** `later` answers what `earlier` did: every field it had, equal (order of lists too); fields may be added. */
function expectStillAnswers(earlier: unknown, later: unknown, where: string) {
  if (Array.isArray(earlier)) {
    expect({ where, length: Array.isArray(later) ? later.length : later }).toEqual({ where, length: earlier.length });
    earlier.forEach((element, index) => expectStillAnswers(element, (later as unknown[])[index], `${where}[${index}]`));
  } else if (earlier !== null && typeof earlier === 'object') {
    expect({ where, isObject: later !== null && typeof later === 'object' && !Array.isArray(later) }).toEqual({ where, isObject: true });
    for (const [key, value] of Object.entries(earlier)) expectStillAnswers(value, (later as Record<string, unknown>)[key], `${where}.${key}`);
  } else {
    expect({ where, value: later }).toEqual({ where, value: earlier });
  }
}

/** Every item of the data directory's table, read with the current code's client. */
async function tableItems(dataDir: string): Promise<{ items: Array<Record<string, unknown>>; endpoint: string; tableName: string }> {
  const { endpoint, tableName } = JSON.parse(await readFile(join(dataDir, 'store.json'), 'utf8')) as { endpoint: string; tableName: string };
  const client = createDocumentClient(endpoint);
  const items: Array<Record<string, unknown>> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  client.destroy();
  return { items, endpoint, tableName };
}

describe.each(STARTING_POINTS)('upgrading from $name', (point) => {
  it('answers every read as before, completes its migration, changes nothing on a second pass, and takes writes', async () => {
    const started = Date.now();
    const build = await extract(point);
    const dataDir = await mkdtemp(join(tmpdir(), 'scim-upgrade-data-'));
    const port = await freePort();
    let running: Running | undefined;
    try {
      // The earlier build writes the directory.
      running = await start(build, dataDir, port);
      const acmeToken = oldAdmin(build, dataDir, ['tenants', 'create', 'acme']).trim().split('\n').at(-1)!;
      const settingsFile = join(dataDir, 'settings.json');
      await writeFile(settingsFile, JSON.stringify(SETTINGS));
      oldAdmin(build, dataDir, ['settings', 'set', 'default', '--file', settingsFile]);
      const old = running;
      const clientsOf = (server: Running) => ({
        main: scimClient(server),
        acme: scimClient({ baseUrl: server.baseUrl, token: acmeToken }),
        nobody: scimClient({ baseUrl: server.baseUrl, token: `${server.token.split('.')[0]}.not-the-token` }),
      });
      const directory = await writeDirectory(clientsOf(old).main, clientsOf(old).acme);
      // The roles the earlier build applies in the background, before it stops.
      const { endpoint, tableName } = JSON.parse(await readFile(join(dataDir, 'store.json'), 'utf8')) as { endpoint: string; tableName: string };
      const raw = createDocumentClient(endpoint);
      await eventually(
        async () => (await raw.send(new GetCommand({ TableName: tableName, Key: keys.resource('default', 'User', directory.users.ada) }))).Item?.access?.role,
        (role) => role === 'admin',
        { withinMs: 30_000 },
      );
      raw.destroy();
      const before = await answers(clientsOf(old), directory);
      expect(before.filter((answer) => answer.status !== 200).map((answer) => [answer.read, answer.status])).toEqual([
        [`acme /Users/${directory.users.ada}`, 404],
        [`main /Users/${directory.acmeUsers.carol}`, 404],
        ['nobody /Users', 401],
      ]);
      const formatsBefore = new Set((await tableItems(dataDir)).items.map(formatOf));
      expect(formatsBefore).toEqual(new Set([1]));
      await old.stop();
      running = undefined;

      // The current code on the same data directory: the migration runs at start.
      running = await start(ROOT, dataDir, port);
      expect(running.output()).toMatch(/Migration 0001-format-2-rfc8265-keys \(format 1 to 2\): complete, \d+ items moved/);
      const after = await answers(clientsOf(running), directory);
      expect(after.map((answer) => answer.read)).toEqual(before.map((answer) => answer.read));
      before.forEach((answer, index) => {
        expect({ read: answer.read, status: after[index].status }).toEqual({ read: answer.read, status: answer.status });
        expectStillAnswers(answer.body, after[index].body, answer.read);
      });

      // Progress says complete; every item is in the current format; a second pass moves nothing.
      const status = await admin(dataDir, ['migrations', 'status']);
      expect(status.code).toBe(0);
      const [progress] = status.out.map((line) => JSON.parse(line));
      expect(progress).toMatchObject({ id: '0001-format-2-rfc8265-keys', status: 'complete', conflicts: 0, segments: '4/4 done' });
      expect(progress.migrated).toBeGreaterThan(30);
      const upgraded = await tableItems(dataDir);
      expect(new Set(upgraded.items.map(formatOf))).toEqual(new Set([FORMAT_VERSION]));
      // Names are keyed by RFC 8265 alone now, whichever fold the earlier build used.
      const claim = (fold: (value: string) => string, name: string) =>
        upgraded.items.find((item) => item.pk === keys.unique('default', 'User', 'userName', keyValue(fold(name))).pk)?.id;
      for (const [name, id] of [[ADA, directory.users.ada], [ASA, directory.users.asa]]) {
        expect({ name, current: claim(foldCase, name), legacy: claim(legacyFold, name) }).toEqual({ name, current: id, legacy: undefined });
      }
      const again = await tableMigrations(createDocumentClient(upgraded.endpoint), upgraded.tableName).run({ again: true, itemsPerSecond: 5000 });
      expect(again.progress.map((pass) => pass.segments.reduce((sum, segment) => sum + segment.migrated + segment.conflicts, 0))).toEqual([0]);
      expect((await admin(dataDir, ['migrations', 'run'])).code).toBe(0);

      // The settings and the role they gave, as the earlier build left them.
      const settings = await admin(dataDir, ['settings', 'show', 'default']);
      expectStillAnswers(SETTINGS, JSON.parse(settings.out.join('\n')), 'settings');
      const shown = await admin(dataDir, ['users', 'show', 'default', ADA.toLowerCase()]);
      expect(JSON.parse(shown.out.join('\n'))).toMatchObject({ id: directory.users.ada, role: 'admin', active: true });

      // Writes: a legacy user changes; its names (every fold of them) stay taken; memberships change.
      const main = clientsOf(running).main;
      const patched = await main('PATCH', `/Users/${directory.users.ada}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'Ada' }] });
      expect(patched.status).toBe(200);
      expect((await main('GET', `/Users/${directory.users.ada}`)).body.displayName).toBe('Ada');
      for (const taken of [ADA, ADA.toLowerCase(), ADA.normalize('NFKC'), ASA.normalize('NFC').toLowerCase()]) {
        const refused = await main('POST', '/Users', user(taken));
        expect({ taken, status: refused.status, scimType: refused.body?.scimType }).toEqual({ taken, status: 409, scimType: 'uniqueness' });
      }
      expect((await main('POST', '/Groups', { schemas: [GROUP], displayName: 'OPS TEAM' })).status).toBe(409);
      const found = await main('GET', `/Users${filter(`userName eq "${ADA.normalize('NFKC')}"`)}`);
      expect(found.body.Resources.map((resource: { id: string }) => resource.id)).toEqual([directory.users.ada]);
      const added = await main('PATCH', `/Groups/${directory.groups.ops}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: directory.users.ada }] }] });
      expect([200, 204]).toContain(added.status);
      const ops = await main('GET', `/Groups/${directory.groups.ops}`);
      expect(ops.body.members.map((member: { value: string }) => member.value).sort()).toEqual([directory.users.ada, directory.users.bob].sort());
      const created = await main('POST', '/Users', user('new.after.upgrade@example.com'));
      expect(created.status).toBe(201);
      expect((await main('GET', '/Users?count=0')).body.totalResults).toBe(13);
      console.log(`Upgrade from ${point.name}: ${Math.round((Date.now() - started) / 1000)} s`);
    } finally {
      await running?.stop();
      await rm(dataDir, { recursive: true, force: true });
      await rm(build, { recursive: true, force: true });
    }
  }, 240_000);
});
