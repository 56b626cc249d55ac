import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { adminApi, type AdminRequest } from '../../lambdas/admin/admin-api';
import { tableAdmin, type TableAdmin } from '../../lambdas/admin/table-admin';
import { FileSecretStore } from '../../lambdas/secrets/file-secret-store';
import { runAdmin } from '../../lib/admin/admin-cli';
import { localSecretsDir } from '../../lib/local/local-environment';
import { writeStoreMarker } from '../../lib/local/local-store';
import { scimClient, startScimServer, type TestScimServer } from '../support/scim-server';

const ROOT = resolve(__dirname, '../..');
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describe('admin API over the local store', () => {
  let server: TestScimServer;
  let table: TableAdmin;
  let call: (method: string, path: string, extra?: Omit<AdminRequest, 'method' | 'path'>) => Promise<{ status: number; body: any }>;
  let acmeToken: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startScimServer();
    table = tableAdmin({ tableName: server.tableName, endpoint: server.dynamoDbEndpoint });
    const api = adminApi({
      tenants: server.tenants(),
      table: async () => table,
      connection: async () => ({ scimBaseUrl: server.baseUrl, target: `data directory ${server.dataDir}` }),
    });
    call = (method, path, extra = {}) => api({ method, path, ...extra }) as Promise<{ status: number; body: any }>;
  });
  afterAll(async () => {
    table.close();
    await server.close();
  });

  it('answers the connection, creates a tenant whose first token works for SCIM, and refuses a second one', async () => {
    expect(await call('GET', '/connection')).toEqual({ status: 200, body: { scimBaseUrl: server.baseUrl, target: expect.stringContaining(server.dataDir) } });
    const created = await call('POST', '/tenants', { body: JSON.stringify({ name: 'acme' }) });
    expect(created).toMatchObject({ status: 201, body: { tenant: { tenant: 'acme', disabled: false, current: { expiresAt: expect.any(String) } }, token: expect.stringMatching(/^acme\./) } });
    acmeToken = created.body.token;
    expect((await scimClient({ baseUrl: server.baseUrl, token: acmeToken })('GET', '/Users')).status).toBe(200);
    expect(await call('POST', '/tenants', { body: { name: 'acme' } })).toMatchObject({ status: 409, body: { error: { code: 'exists', message: expect.stringContaining('exists') } } });
    expect(await call('POST', '/tenants', { body: { name: 'Not Valid' } })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(await call('POST', '/tenants', { body: { nom: 'x' } })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', message: expect.stringContaining('name') } } });
    expect(await call('POST', '/tenants', { body: '{not json' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    const list = await call('GET', '/tenants');
    expect(list.body.tenants.map((tenant: any) => tenant.tenant)).toEqual(['acme', 'default']);
    expect(JSON.stringify(list.body)).not.toContain(acmeToken);
  });

  it('answers 404 for an unknown tenant, user or route, and 405 for a known path with another method', async () => {
    expect(await call('GET', '/tenants/nobody')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await call('GET', '/tenants/nobody/users')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await call('GET', '/tenants/acme/users/nobody@example.com')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await call('GET', '/nothing')).toMatchObject({ status: 404 });
    expect(await call('PATCH', '/tenants/acme')).toMatchObject({ status: 405, body: { error: { code: 'method_not_allowed' } } });
  });

  it('disables, enables, rotates (the previous token overlaps) and revokes', async () => {
    expect(await call('POST', '/tenants/acme/disable')).toMatchObject({ status: 200, body: { tenant: 'acme', disabled: true } });
    expect(await call('POST', '/tenants/acme/enable')).toMatchObject({ status: 200, body: { tenant: 'acme', disabled: false } });
    const rotated = await call('POST', '/tenants/acme/token/rotate');
    expect(rotated).toMatchObject({ status: 200, body: { token: expect.stringMatching(/^acme\./), tenant: { previous: { endsAt: expect.any(String) } } } });
    expect(rotated.body.token).not.toBe(acmeToken);
    acmeToken = rotated.body.token;
    expect(await call('POST', '/tenants/acme/token/revoke')).toMatchObject({ status: 200, body: { revoked: true } });
    expect((await call('GET', '/tenants/acme')).body.previous).toBeUndefined();
  });

  it('reads, previews, validates and saves settings, refusing a stale version', async () => {
    expect(await call('GET', '/tenants/acme/settings')).toMatchObject({ status: 200, body: { version: 0, settings: { roles: [] }, progress: null } });
    const invalid = await call('POST', '/tenants/acme/settings/preview', { body: { roles: ['admin'], defaultRole: 'owner', groupRoles: [], seatLimit: null } });
    expect(invalid).toMatchObject({ status: 400, body: { error: { code: 'invalid_settings', problems: ['defaultRole: "owner" is not one of roles'] } } });
    const settings = { roles: ['admin', 'member'], defaultRole: 'member', groupRoles: [{ group: 'Admins', role: 'admin' }], seatLimit: 10 };
    expect(await call('PUT', '/tenants/acme/settings', { body: { settings, expectedVersion: 0 } })).toMatchObject({ status: 200, body: { version: 1, changes: [] } });
    expect(await call('PUT', '/tenants/acme/settings', { body: { settings, expectedVersion: 0 } })).toMatchObject({ status: 409, body: { error: { code: 'version_conflict' } } });
    expect(await call('PUT', '/tenants/acme/settings', { body: { settings } })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', message: expect.stringContaining('expectedVersion') } } });
  });

  it('lists users (searched by userName or email prefix, a page at a time), a user, groups with counts and roles, seats and activity', async () => {
    const scim = scimClient({ baseUrl: server.baseUrl, token: acmeToken });
    for (const [userName, email] of [
      ['ada', 'ada.lovelace@example.com'],
      ['bob', 'bob@example.com'],
      ['carol', 'c.ada@example.com'],
    ]) {
      const created = await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName, active: true, emails: [{ value: email, primary: true }] }, { 'User-Agent': 'Okta SCIM Client 1.0.0' });
      expect(created.status).toBe(201);
      ids[userName] = created.body.id;
    }
    expect((await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Admins', members: [{ value: ids.ada }] })).status).toBe(201);
    await server.drainStreams();

    const all = await call('GET', '/tenants/acme/users');
    expect(all.body.users).toHaveLength(3);
    const ada = all.body.users.find((user: any) => user.userName === 'ada');
    expect(ada).toMatchObject({ email: 'ada.lovelace@example.com', active: true, role: 'admin', roleReason: { source: 'group', group: { displayName: 'Admins' } }, groups: [{ displayName: 'Admins' }], provisionedBy: { client: 'Okta' } });
    expect(all.body.users.find((user: any) => user.userName === 'bob')).toMatchObject({ role: 'member', roleReason: { source: 'default' } });

    expect((await call('GET', '/tenants/acme/users', { query: { search: 'ADA' } })).body.users.map((user: any) => user.userName)).toEqual(['ada']);
    expect((await call('GET', '/tenants/acme/users', { query: { search: 'c.ada@' } })).body.users.map((user: any) => user.userName)).toEqual(['carol']);
    const first = await call('GET', '/tenants/acme/users', { query: { limit: '2' } });
    expect(first.body.users).toHaveLength(2);
    const second = await call('GET', '/tenants/acme/users', { query: { limit: '2', cursor: first.body.nextCursor } });
    expect(second.body.users).toHaveLength(1);
    expect(second.body.nextCursor).toBeUndefined();
    expect(new Set([...first.body.users, ...second.body.users].map((user: any) => user.userName))).toEqual(new Set(['ada', 'bob', 'carol']));
    expect(await call('GET', '/tenants/acme/users', { query: { limit: '0' } })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });

    expect(await call('GET', '/tenants/acme/users/ADA')).toMatchObject({ status: 200, body: { id: ids.ada, role: 'admin' } });
    expect(await call('GET', `/tenants/acme/users/${ids.bob}`)).toMatchObject({ status: 200, body: { userName: 'bob' } });
    expect(await call('GET', '/tenants/acme/groups')).toMatchObject({ status: 200, body: { groups: [{ displayName: 'Admins', members: 1, roles: ['admin'] }] } });
    expect(await call('GET', '/tenants/acme/seats')).toEqual({ status: 200, body: { tenant: 'acme', used: 3, limit: 10, policy: 'reject' } });

    const tenantTrail = await call('GET', '/tenants/acme/activity', { query: { type: 'tenant.settings_changed' } });
    expect(tenantTrail.body.entries.map((entry: any) => entry.type)).toEqual(['tenant.settings_changed']);
    const adaTrail = await call('GET', '/tenants/acme/activity', { query: { user: 'ada' } });
    expect(adaTrail.body.entries.map((entry: any) => entry.type)).toEqual(expect.arrayContaining(['user.created', 'group.member_added']));
    expect(await call('GET', '/tenants/acme/activity', { query: { user: 'ada', group: 'Admins' } })).toMatchObject({ status: 400 });
    expect(await call('GET', '/tenants/acme/activity', { query: { since: 'yesterday' } })).toMatchObject({ status: 400 });
  });

  it('deletes a tenant: its secret and every item of its directory; the default tenant only with force', async () => {
    expect(await call('DELETE', '/tenants/default')).toMatchObject({ status: 409, body: { error: { code: 'conflict', message: expect.stringContaining('force') } } });
    const deleted = await call('DELETE', '/tenants/acme');
    expect(deleted).toMatchObject({ status: 200, body: { tenant: 'acme', deleted: { secret: true, items: expect.any(Number) } } });
    expect(deleted.body.deleted.items).toBeGreaterThan(10);
    expect(await call('GET', '/tenants/acme')).toMatchObject({ status: 404 });
    expect(existsSync(join(localSecretsDir(server.dataDir), FileSecretStore.fileName('scim/tenants/acme/token')))).toBe(false);
    // The directory is gone with it: a tenant of the same name starts empty.
    await call('POST', '/tenants', { body: { name: 'acme' } });
    expect(await call('GET', '/tenants/acme/users')).toMatchObject({ status: 200, body: { users: [] } });
    expect(await call('GET', '/tenants/acme/settings')).toMatchObject({ body: { version: 0 } });
    expect(await call('DELETE', '/tenants/acme')).toMatchObject({ status: 200 });
  });

  it('tenants delete in the CLI: refuses the default tenant without --force, and says what it deleted', async () => {
    writeStoreMarker(server.dataDir, server.dynamoDbEndpoint, server.tableName);
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runAdmin(['--data-dir', server.dataDir, ...args], { out: (line) => out.push(line), err: (line) => err.push(line) }, {}, ROOT);
      return { code, out, err };
    };
    const token = (await run('tenants', 'create', 'globex')).out.at(-1)!;
    expect((await scimClient({ baseUrl: server.baseUrl, token })('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'gina' })).status).toBe(201);
    const refused = await run('tenants', 'delete', 'default');
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toContain('--force');
    const deleted = await run('tenants', 'delete', 'globex');
    expect(deleted).toMatchObject({ code: 0, err: [] });
    expect(deleted.out.join('\n')).toMatch(/Tenant "globex" deleted[\s\S]*Deleted \d+ items of its directory/);
    expect((await run('tenants', 'list')).out.join('\n')).not.toContain('globex');
    expect((await run('tenants', 'delete', 'globex')).code).toBe(1);
    expect((await run('tenants', 'list', '--force')).code).toBe(2);
  });
});
