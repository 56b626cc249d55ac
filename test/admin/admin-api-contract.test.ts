import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminApi, type AdminApi, type AdminRequest } from '../../lambdas/admin/admin-api';
import { tableAdmin, type TableAdmin } from '../../lambdas/admin/table-admin';
import { adminRoutes } from '../../lambdas/contracts/admin-routes';
import { LOCAL_SECRET_PREFIX, tenantSecretId } from '../../lambdas/contracts/tenancy';
import { FileSecretStore } from '../../lambdas/secrets/file-secret-store';
import { AWSPENDING } from '../../lambdas/tenancy/ports/secret-store';
import { localSecretsDir } from '../../lib/local/local-environment';
import { schemaProblems } from '../support/json-schema-check';
import { scimClient, startScimServer, type TestScimServer } from '../support/scim-server';

/**
 * The committed OpenAPI document is what the admin API answers: every route is called through
 * adminApi on the local store, and every answer's status must be one its operation lists, with a
 * body its schema admits. The document's own consistency is test/admin/admin-openapi.test.ts's.
 */

const document = JSON.parse(readFileSync(join(__dirname, '../../docs/admin-api.openapi.json'), 'utf8'));
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** Statuses only API Gateway answers: the function never sees those requests. */
const GATEWAY_ONLY = ['403', '413', '415', '429', '502', '504'];

type Responses = Record<string, { $ref?: string; content?: Record<string, { schema: Record<string, unknown> }> }>;

const templates = Object.entries(document.paths as Record<string, Record<string, { operationId: string; responses: Responses }>>).map(([path, item]) => ({
  pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  item,
}));

/** The operation (or unmatched case) the document says answers `method path`, and what it lists. */
function documented(method: string, path: string): { name: string; responses: Responses } {
  const matching = templates.filter(({ pattern }) => pattern.test(path));
  if (matching.length === 0) return { name: 'unknownPath', responses: document['x-unmatched-requests'].unknownPath };
  const operation = matching.map(({ item }) => item[method.toLowerCase()]).find(Boolean);
  if (!operation) return { name: 'otherMethod', responses: document['x-unmatched-requests'].otherMethod };
  return { name: operation.operationId, responses: operation.responses };
}

function bodySchema(responses: Responses, status: number): Record<string, unknown> | undefined {
  const listed = responses[String(status)];
  const response = listed?.$ref ? (schemaAt(listed.$ref) as Responses[string]) : listed;
  return response?.content?.['application/json'].schema;
}

const schemaAt = (reference: string) => reference.slice(2).split('/').reduce((node, part) => node[part], document);

describe('admin API answers as its OpenAPI document says', () => {
  let server: TestScimServer;
  let table: TableAdmin;
  let api: AdminApi;
  /** Statuses each operation (and unmatched case) answered, for the coverage check at the end. */
  const answered = new Map<string, Set<string>>();

  const check = async (target: AdminApi, method: string, path: string, extra: Omit<AdminRequest, 'method' | 'path'> = {}) => {
    const { status, body } = (await target({ method, path, ...extra })) as { status: number; body: any };
    const { name, responses } = documented(method, path);
    const schema = bodySchema(responses, status);
    const route = `${method} ${path} (${name})`;
    expect({ route, status, listed: schema !== undefined }).toEqual({ route, status, listed: true });
    expect({ route, status, problems: schemaProblems(schema!, body, document) }).toEqual({ route, status, problems: [] });
    answered.set(name, (answered.get(name) ?? new Set()).add(String(status)));
    return { status, body };
  };
  const call = (method: string, path: string, extra?: Omit<AdminRequest, 'method' | 'path'>) => check(api, method, path, extra);

  beforeAll(async () => {
    server = await startScimServer();
    table = tableAdmin({ tableName: server.tableName, endpoint: server.dynamoDbEndpoint });
    api = adminApi({
      tenants: server.tenants(),
      table: async () => table,
      connection: async () => ({ scimBaseUrl: server.baseUrl, target: `data directory ${server.dataDir}` }),
    });
  });
  afterAll(async () => {
    table.close();
    await server.close();
  });

  it('tenants and tokens: created, listed, read, disabled, enabled, rotated and revoked', async () => {
    expect((await call('GET', '/connection')).status).toBe(200);
    expect((await call('POST', '/tenants', { body: { name: 'acme' } })).status).toBe(201);
    expect((await call('POST', '/tenants', { body: { name: 'acme' } })).body.error.code).toBe('exists');
    expect((await call('POST', '/tenants', { body: { name: 'Not Valid' } })).status).toBe(400);
    expect((await call('GET', '/tenants')).body.tenants).toHaveLength(2);
    expect((await call('GET', '/tenants/acme')).status).toBe(200);
    expect((await call('POST', '/tenants/acme/disable')).body.disabled).toBe(true);
    expect((await call('POST', '/tenants/acme/enable')).body.disabled).toBe(false);
    expect((await call('POST', '/tenants/acme/token/rotate')).body.tenant.previous).toBeDefined();
    expect((await call('POST', '/tenants/acme/token/revoke')).body.revoked).toBe(true);
    expect((await call('POST', '/tenants/acme/token/revoke')).body.revoked).toBe(false);
  });

  it('settings: read, previewed, refused with every problem, saved, refused at a stale version', async () => {
    expect((await call('GET', '/tenants/acme/settings')).body.progress).toBeNull();
    const settings = { roles: ['admin', 'member'], defaultRole: 'member', groupRoles: [{ group: 'Admins', role: 'admin' }], seatLimit: 3 };
    expect((await call('POST', '/tenants/acme/settings/preview', { body: settings })).status).toBe(200);
    expect((await call('POST', '/tenants/acme/settings/preview', { body: { ...settings, defaultRole: 'owner' } })).body.error.problems).toHaveLength(1);
    expect((await call('PUT', '/tenants/acme/settings', { body: { settings: { roles: ['a', 'a'] }, expectedVersion: 0 } })).body.error.code).toBe('invalid_settings');
    expect((await call('PUT', '/tenants/acme/settings', { body: { settings } })).body.error.code).toBe('invalid_request');
    expect((await call('PUT', '/tenants/acme/settings', { body: { settings, expectedVersion: 0 } })).body.version).toBe(1);
    expect((await call('PUT', '/tenants/acme/settings', { body: { settings, expectedVersion: 0 } })).body.error.code).toBe('version_conflict');
    expect((await call('GET', '/tenants/acme/settings')).body.version).toBe(1);
  });

  it('the directory: users and groups a page at a time, a user, seats and activity, refusals in it too', async () => {
    const { token } = (await call('POST', '/tenants/acme/token/rotate')).body;
    const scim = scimClient({ baseUrl: server.baseUrl, token });
    const okta = { 'User-Agent': 'Okta SCIM Client 1.0.0' };
    const ids: string[] = [];
    for (const userName of ['ada', 'bob', 'carol']) {
      const created = await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName, active: true, emails: [{ value: `${userName}@example.com`, primary: true }] }, okta);
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    // A refused write (seats), and a conflict, so that the trail holds refusals and a seat event.
    expect((await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'dave', active: true }, okta)).status).toBe(403);
    expect((await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'ada' }, okta)).status).toBe(409);
    expect((await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Admins', externalId: 'admins-1', members: [{ value: ids[0] }] }, okta)).status).toBe(201);
    expect((await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Empty' })).status).toBe(201);
    await server.drainStreams();

    const first = await call('GET', '/tenants/acme/users', { query: { limit: '2' } });
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect((await call('GET', '/tenants/acme/users', { query: { limit: '2', cursor: first.body.nextCursor } })).body.users).toHaveLength(1);
    expect((await call('GET', '/tenants/acme/users', { query: { search: 'ada' } })).body.users).toHaveLength(1);
    expect((await call('GET', '/tenants/acme/users', { query: { limit: '0' } })).status).toBe(400);
    expect((await call('GET', '/tenants/acme/users/ada')).body.roleReason).toMatchObject({ source: 'group' });
    expect((await call('GET', '/tenants/acme/users/nobody')).status).toBe(404);
    expect((await call('GET', '/tenants/acme/groups', { query: { limit: '1' } })).body.nextCursor).toEqual(expect.any(String));
    expect((await call('GET', '/tenants/acme/groups')).body.groups).toHaveLength(2);
    expect((await call('GET', '/tenants/acme/seats')).body).toMatchObject({ used: 3, limit: 3 });
    const tenantTrail = (await call('GET', '/tenants/acme/activity')).body.entries.map((entry: any) => entry.type);
    expect(tenantTrail).toEqual(expect.arrayContaining(['tenant.settings_changed', 'tenant.seat_limit_reached']));
    expect((await call('GET', '/tenants/acme/activity', { query: { user: 'ada' } })).body.entries.map((entry: any) => entry.type)).toEqual(
      expect.arrayContaining(['user.created', 'group.member_added', 'user.role_changed']),
    );
    expect((await call('GET', '/tenants/acme/activity', { query: { group: 'Admins', type: 'group' } })).body.entries.length).toBeGreaterThan(0);
    expect((await call('GET', '/tenants/acme/activity', { query: { user: 'ada', group: 'Admins' } })).status).toBe(400);
    expect((await call('GET', '/tenants/acme/settings')).body.progress).toMatchObject({ version: 1 });
  });

  it('every route refuses a body that is not JSON (400), and every route of a tenant an unknown tenant (404)', async () => {
    for (const spec of Object.values(adminRoutes)) {
      const [method, template] = spec.split(' ');
      expect((await call(method, template.replace('{tenant}', 'acme').replace('{user}', 'ada'), { body: '{not json' })).status).toBe(400);
      if (template.includes('{tenant}')) expect((await call(method, template.replace('{tenant}', 'nobody').replace('{user}', 'ada'), { body: {} })).status).toBe(404);
    }
  });

  it('refuses to change a tenant whose token rotation has not finished (409)', async () => {
    expect((await call('POST', '/tenants', { body: { name: 'stuck' } })).status).toBe(201);
    const store = new FileSecretStore(localSecretsDir(server.dataDir));
    const secretId = tenantSecretId(LOCAL_SECRET_PREFIX, 'stuck');
    await store.put(secretId, 'interrupted-rotation', (await store.current(secretId))!, [AWSPENDING]);
    for (const action of ['disable', 'enable', 'token/revoke']) expect((await call('POST', `/tenants/stuck/${action}`)).body.error.code).toBe('conflict');
    expect((await call('DELETE', '/tenants/stuck')).status).toBe(200);
  });

  it('deletes a tenant, the default one only with force', async () => {
    expect((await call('DELETE', '/tenants/default')).body.error.code).toBe('conflict');
    expect((await call('DELETE', '/tenants/default', { query: { force: 'maybe' } })).status).toBe(400);
    expect((await call('DELETE', '/tenants/acme')).body.deleted.items).toBeGreaterThan(0);
    expect((await call('GET', '/tenants/acme')).status).toBe(404);
  });

  it('answers 404 for a path no route has and 405 for a route’s path with another method, as x-unmatched-requests says', async () => {
    expect((await call('GET', '/nothing')).status).toBe(404);
    expect((await call('GET', '/tenants/default/users/ada/groups')).status).toBe(404);
    expect((await call('PATCH', '/tenants/default')).status).toBe(405);
    expect((await call('DELETE', '/connection')).status).toBe(405);
  });

  it('answers a failure as the documented 500', async () => {
    const failing = adminApi({ tenants: server.tenants(), table: async () => table, connection: async () => Promise.reject(new Error('unreachable')) });
    expect((await check(failing, 'GET', '/connection')).body.error.code).toBe('internal');
  });

  it('was seen answering every status each operation lists, but those only API Gateway and a failure answer', () => {
    const expected = templates.flatMap(({ item }) =>
      Object.values(item).map(({ operationId, responses }) => ({ operationId, statuses: Object.keys(responses).filter((status) => !GATEWAY_ONLY.includes(status) && status !== '500') })),
    );
    expect(expected).toHaveLength(Object.keys(adminRoutes).length);
    for (const { operationId, statuses } of expected) expect({ operationId, answered: [...(answered.get(operationId) ?? [])].sort() }).toEqual({ operationId, answered: expect.arrayContaining(statuses) });
    expect([...answered.get('unknownPath')!]).toEqual(['404']);
    expect([...answered.get('otherMethod')!]).toEqual(['405']);
  });

  it('the check refuses a body that lacks a property, has an undeclared one or a malformed value, and a keyword it cannot check', () => {
    const tenant = { tenant: 'acme', disabled: false, current: { issuedAt: '2025-01-01T00:00:00.000Z', expiresAt: '2025-04-01T00:00:00.000Z' } };
    const schema = { $ref: '#/components/schemas/TenantStatus' };
    expect(schemaProblems(schema, tenant, document)).toEqual([]);
    expect(schemaProblems(schema, { tenant: 'acme' }, document)).toEqual(['$: lacks disabled']);
    expect(schemaProblems(schema, { ...tenant, token: 'x' }, document)).toEqual(['$: has token, which the schema does not declare']);
    expect(schemaProblems(schema, { ...tenant, current: { ...tenant.current, expiresAt: 'soon' } }, document)).toEqual(['$.current.expiresAt: "soon" is not a date-time']);
    expect(() => schemaProblems({ ...schema, patternProperties: {} }, tenant, document)).toThrow('unsupported keyword patternProperties');
  });
});
