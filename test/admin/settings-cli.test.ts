import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminCli } from '../support/admin-cli';
import { tableAdmin } from '../../lambdas/admin/table-admin';
import { ensureTable } from '../../lib/local/local-environment';
import { writeStoreMarker } from '../../lib/local/local-store';
import { dynamoDbEndpoint } from '../support/scim-server';

const holistics = {
  roles: ['admin', 'analyst', 'viewer'],
  defaultRole: 'viewer',
  groupRoles: [
    { group: 'BI Admins', role: 'admin' },
    { group: 'Analysts', role: 'analyst' },
  ],
  seatLimit: 25,
};

describe('admin CLI: settings show and set, on the store of a running npm start', () => {
  let dataDir: string;
  let tableName: string;
  const run = (...args: string[]) => adminCli(['--data-dir', dataDir, ...args]);
  const settingsFile = async (content: unknown) => {
    const file = join(dataDir, `settings-${randomUUID()}.json`);
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'scim-settings-'));
    tableName = `test-${randomUUID()}`;
    await ensureTable(dynamoDbEndpoint(), tableName);
    // What npm start leaves while it runs: the CLI shares its store instead of starting another.
    writeStoreMarker(dataDir, dynamoDbEndpoint(), tableName);
    expect((await run('tenants', 'create', 'acme')).code).toBe(0);
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('shows the defaults before anything is set, as a document that set takes back', async () => {
    const shown = await run('settings', 'show', 'acme');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out.join('\n'))).toEqual({ roles: [], defaultRole: null, groupRoles: [], seatLimit: null, seatPolicy: 'reject' });
    expect(shown.err.join(' ')).toContain('default settings');
  });

  it('validates, saves a new version, says what changed, and keeps the earlier version', async () => {
    const set = await run('settings', 'set', 'acme', '--file', await settingsFile(holistics));
    expect(set).toMatchObject({ code: 0, err: [] });
    expect(set.out[0]).toMatch(/saved as version \d+/);
    expect(set.out).toEqual(expect.arrayContaining(['  defaultRole: null → "viewer"', '  seatLimit: null → 25', '  group mapping added: {"group":"BI Admins","role":"admin"}']));

    const shown = await run('settings', 'show', 'acme');
    expect(JSON.parse(shown.out.join('\n'))).toEqual({ ...holistics, seatPolicy: 'reject' });

    const again = await run('settings', 'set', 'acme', '--file', await settingsFile({ ...holistics, seatLimit: 30 }));
    expect(again.out).toEqual(expect.arrayContaining(['  seatLimit: 25 → 30']));
    const table = tableAdmin({ endpoint: dynamoDbEndpoint(), tableName });
    try {
      const [latest, previous] = await table.settings.history('acme', 2);
      expect(latest.version).toBe(previous.version + 1);
      expect(latest.settings.seatLimit).toBe(30);
      expect(previous.settings.seatLimit).toBe(25);
    } finally {
      table.close();
    }
  });

  it('refuses invalid settings with every problem, and saves nothing', async () => {
    const before = (await run('settings', 'show', 'acme')).out.join('\n');
    const refused = await run('settings', 'set', 'acme', '--file', await settingsFile({ ...holistics, defaultRole: 'owner', seatLimit: 'ten' }));
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toMatch(/not saved/);
    expect(refused.err.join('\n')).toMatch(/seatLimit: /);
    expect((await run('settings', 'show', 'acme')).out.join('\n')).toBe(before);

    const unreadable = await run('settings', 'set', 'acme', '--file', await settingsFile('{ not json'));
    expect(unreadable.code).toBe(1);
    expect(unreadable.err.join(' ')).toMatch(/Could not read .* as JSON/);
  });

  it('refuses an unknown tenant, and set without --file', async () => {
    expect((await run('settings', 'show', 'nobody')).code).toBe(1);
    expect((await run('settings', 'set', 'acme')).code).toBe(2);
  });

  it('never loses a concurrent change: of two saves from the same version, one is refused', async () => {
    const table = tableAdmin({ endpoint: dynamoDbEndpoint(), tableName });
    try {
      const { version } = await table.settings.get('acme');
      const results = await Promise.allSettled([
        table.settings.set('acme', { ...holistics, seatLimit: 40 }, version),
        table.settings.set('acme', { ...holistics, seatLimit: 41 }, version),
      ]);
      expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
      const saved = results.find((result) => result.status === 'fulfilled') as PromiseFulfilledResult<{ after: { settings: { seatLimit: number } } }>;
      expect((await table.settings.get('acme')).settings.seatLimit).toBe(saved.value.after.settings.seatLimit);
      expect((results.find((result) => result.status === 'rejected') as PromiseRejectedResult).reason.name).toBe('SettingsConflictError');
    } finally {
      table.close();
    }
  });
});

describe('admin CLI: settings without a running npm start', () => {
  it('starts the data directory\'s own store for the command, and stops it after', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'scim-settings-own-'));
    try {
      const run = (...args: string[]) => adminCli(['--data-dir', dataDir, ...args]);
      expect((await run('tenants', 'create', 'acme')).code).toBe(0);
      const file = join(dataDir, 'settings.json');
      await writeFile(file, JSON.stringify(holistics));
      expect((await run('settings', 'set', 'acme', '--file', file)).code).toBe(0);
      // Saved to the data directory's database: a second store started over it reads them back.
      const shown = await run('settings', 'show', 'acme');
      expect(JSON.parse(shown.out.join('\n'))).toMatchObject({ defaultRole: 'viewer', seatLimit: 25 });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
