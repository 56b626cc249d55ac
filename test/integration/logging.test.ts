import { allRoutes } from '../../lambdas/contracts/routes';
import { BULK_OPERATION_LOG_MESSAGE, REQUEST_LOG_MESSAGE, requestMetrics } from '../../lambdas/contracts/request-log';
import { useScimServer } from '../support/scim-fixture';
import { awsWorld } from '../support/token-stores';
import { BULK_REQUEST, GROUP, PATCH, SEARCH, USER } from '../support/urns';

// Everything the handlers log, at the most talkative level.
const scim = useScimServer({ environment: { POWERTOOLS_LOG_LEVEL: 'DEBUG' } });
let written = '';
const originals = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };

beforeAll(async () => {
  const capture = (chunk: unknown) => {
    written += String(chunk);
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
});
afterAll(async () => {
  process.stdout.write = originals.stdout;
  process.stderr.write = originals.stderr;
});

describe('logs', () => {
  it('record each request without its body or the Authorization header', async () => {
    const secretValue = `very-personal-${Date.now()}`;
    const created = await scim('POST', '/Users', { userName: `${secretValue}@example.com`, name: { familyName: secretValue } });
    expect(created.status).toBe(201);
    await scim('PATCH', `/Users/${created.body.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: secretValue }] });
    await scim('POST', '/Users', `{"userName": "${secretValue}",`);
    await fetch(`${scim.server.baseUrl}/Users`, { headers: { Authorization: 'Bearer wrong-but-still-secret-value' } });

    const bulk = await scim('POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: secretValue, data: { userName: `${secretValue}.bulk@example.com` } },
        { method: 'POST', path: '/Users', bulkId: 'again', data: { userName: `${secretValue}@example.com` } },
      ],
    });
    expect(bulk.body.Operations.map((operation: { status: string }) => operation.status)).toEqual(['201', '409']);
    const search = await scim('POST', '/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: `userName sw "${secretValue}"` });
    expect(search.body.totalResults).toBe(2);

    expect(written).toContain('"operation":"users.create"');
    expect(written).toContain('"resource":"/scim/v2/Users"');
    expect(written).toContain('"resource":"/scim/v2/Bulk"');
    expect(written).toMatch(/"message":"bulk operations".*"statuses":\{"201":1,"409":1\}/);
    expect(written).toContain('"status":201');
    expect(written).not.toContain(secretValue);
    expect(written).not.toContain(scim.server.token);
    expect(written).not.toContain('wrong-but-still-secret-value');
    expect(written.toLowerCase()).not.toContain('authorization');
  });

  it('never carry token material: tenants made, rotated and revoked, tokens used right, stale and wrong, the rotation function at work', async () => {
    const tenants = scim.server.tenants();
    const first = await tenants.create('logged');
    const second = await tenants.rotate('logged');
    await tenants.revoke('logged');
    await tenants.setDisabled('logged', true);
    const forged = `logged.${'f'.repeat(43)}`;
    for (const token of [first, second, forged, scim.server.token]) {
      await fetch(`${scim.server.baseUrl}/Users`, { headers: { Authorization: `Bearer ${token}` } });
    }
    // In AWS: Secrets Manager runs the rotation function's four steps.
    const world = await awsWorld();
    const rotated = await world.admin.create('aws-logged');
    const again = await world.admin.rotate('aws-logged');
    await world.close();

    expect(written).toContain('rotation step');
    for (const token of [first, second, forged, scim.server.token, rotated, again]) {
      const secretPart = token.slice(token.indexOf('.') + 1);
      expect({ token, logged: written.includes(secretPart) }).toEqual({ token, logged: false });
    }
  });
});

type Line = Record<string, any>;

/** The JSON lines written since `from`. */
function linesSince(from: number): Line[] {
  return written
    .slice(from)
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line);
}

/** Sends one request and returns its one request line (written before the response leaves). */
async function requestLine(send: () => Promise<{ status: number }>): Promise<{ status: number; line: Line; all: Line[] }> {
  const from = written.length;
  const response = await send();
  const all = linesSince(from);
  const requestLines = all.filter((line) => line.message === REQUEST_LOG_MESSAGE);
  expect(requestLines).toHaveLength(1);
  return { status: response.status, line: requestLines[0], all };
}

describe('request lines', () => {
  // What Okta sends; every request of this block comes "from Okta".
  const OKTA = { 'User-Agent': 'Okta SCIM Client 1.0.0' };
  const secretValue = `personal-${Date.now()}`;
  const ids: Record<string, string> = {};
  const covered = new Set<string>();
  const tenant = () => scim.server.token.slice(0, scim.server.token.indexOf('.'));
  const send = (method: string, path: string, body?: unknown) => () => scim(method, path, body, OKTA);

  /** The fields every line has: operation, tenant, client, duration, the gateway's request id, the function's name. */
  function expectCommonFields(line: Line, operation: string, status: number) {
    expect(line).toMatchObject({ operation, status, client: 'Okta', userAgent: OKTA['User-Agent'] });
    expect(typeof line.durationMs).toBe('number');
    expect(line.durationMs).toBeGreaterThanOrEqual(0);
    expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
    // The stack's metric filters count by it (lib/scim-operations.ts); locally functions are named as in the route table.
    expect(line[requestMetrics.functionNameField]).toBe(operation.split('.')[0]);
  }

  let made = 0;
  const user = () => ({ schemas: [USER], userName: `${secretValue}.${++made}@example.com`, name: { familyName: secretValue } });
  const group = () => ({ schemas: [GROUP], displayName: `${secretValue} ${++made}` });

  type Route = { operation: string; status: number; request: () => () => Promise<{ status: number }>; idOf?: 'user' | 'group' };
  // Every route, in an order that gives the later ones something to address; the 2xx each answers.
  const routes: Route[] = [
    { operation: 'users.create', status: 201, request: () => send('POST', '/Users', user()) },
    { operation: 'users.list', status: 200, request: () => send('GET', `/Users?filter=${encodeURIComponent(`userName sw "${secretValue}"`)}`) },
    { operation: 'users.search', status: 200, request: () => send('POST', '/Users/.search', { schemas: [SEARCH], filter: `name.familyName eq "${secretValue}"` }) },
    { operation: 'users.get', status: 200, request: () => send('GET', `/Users/${ids.user}`), idOf: 'user' },
    { operation: 'users.replace', status: 200, request: () => send('PUT', `/Users/${ids.user}`, user()), idOf: 'user' },
    { operation: 'users.patch', status: 200, request: () => send('PATCH', `/Users/${ids.user}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: secretValue }] }), idOf: 'user' },
    { operation: 'groups.create', status: 201, request: () => send('POST', '/Groups', group()) },
    { operation: 'groups.list', status: 200, request: () => send('GET', '/Groups') },
    { operation: 'groups.search', status: 200, request: () => send('POST', '/Groups/.search', { schemas: [SEARCH], filter: `displayName sw "${secretValue}"` }) },
    { operation: 'groups.get', status: 200, request: () => send('GET', `/Groups/${ids.group}`), idOf: 'group' },
    { operation: 'groups.replace', status: 200, request: () => send('PUT', `/Groups/${ids.group}`, { ...group(), members: [{ value: ids.user }] }), idOf: 'group' },
    {
      operation: 'groups.patch',
      status: 204,
      request: () => send('PATCH', `/Groups/${ids.group}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: `${secretValue} patched` }] }),
      idOf: 'group',
    },
    { operation: 'bulk.search', status: 200, request: () => send('POST', '/.search', { schemas: [SEARCH], filter: `userName sw "${secretValue}"` }) },
    { operation: 'bulk.bulk', status: 200, request: () => send('POST', '/Bulk', { schemas: [BULK_REQUEST], Operations: [{ method: 'POST', path: '/Users', bulkId: secretValue, data: user() }] }) },
    { operation: 'discovery.serviceProviderConfig', status: 200, request: () => send('GET', '/ServiceProviderConfig') },
    { operation: 'discovery.resourceTypes', status: 200, request: () => send('GET', '/ResourceTypes') },
    { operation: 'discovery.resourceType', status: 200, request: () => send('GET', '/ResourceTypes/User') },
    { operation: 'discovery.schemas', status: 200, request: () => send('GET', '/Schemas') },
    { operation: 'discovery.schema', status: 200, request: () => send('GET', `/Schemas/${USER}`) },
    { operation: 'groups.delete', status: 204, request: () => send('DELETE', `/Groups/${ids.group}`), idOf: 'group' },
    { operation: 'users.delete', status: 204, request: () => send('DELETE', `/Users/${ids.user}`), idOf: 'user' },
  ];

  it.each(routes)('$operation: operation, tenant, client, resource, status, duration and request id', async ({ operation, status, request, idOf }) => {
    const { status: answered, line } = await requestLine(request());
    expect(answered).toBe(status);
    expectCommonFields(line, operation, status);
    expect(line.tenant).toBe(tenant());
    expect(line.scimType).toBeUndefined();
    expect(line.code).toBeUndefined();
    const resourceType = { users: 'User', groups: 'Group' }[operation.split('.')[0]];
    expect(line.resourceType).toBe(resourceType);
    if (operation.endsWith('.create')) ids[operation.startsWith('users') ? 'user' : 'group'] = line.resourceId;
    if (operation.endsWith('.create')) expect(line.resourceId).toMatch(/^[0-9a-f-]{36}$/);
    else if (idOf) expect(line.resourceId).toBe(ids[idOf]);
    else expect(line.resourceId).toBeUndefined();
    covered.add(operation);
  });

  it('every route of the route table was logged above', () => {
    expect([...covered].sort()).toEqual([...new Set(allRoutes().map((route) => `${route.function}.${route.name}`))].sort());
  });

  it('a bulk request logs each operation: operation, resource id, status, and the reason of a failure', async () => {
    const taken = `${secretValue}.taken@example.com`;
    expect((await scim('POST', '/Users', { schemas: [USER], userName: taken })).status).toBe(201);
    const from = written.length;
    const response = await scim('POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: `${secretValue}-1`, data: user() },
        { method: 'POST', path: '/Users', bulkId: `${secretValue}-2`, data: { schemas: [USER], userName: taken } },
      ],
    });
    const [created, refused] = response.body.Operations;
    const lines = linesSince(from).filter((line) => line.message === BULK_OPERATION_LOG_MESSAGE);
    const request = linesSince(from).find((line) => line.message === REQUEST_LOG_MESSAGE)!;
    expect(lines).toHaveLength(2);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ operation: 'users.create', resourceType: 'User', resourceId: created.location.split('/').pop(), status: 201, tenant: tenant(), requestId: request.requestId }),
        expect.objectContaining({ operation: 'users.create', status: 409, scimType: 'uniqueness', code: 'uniqueness', requestId: request.requestId }),
      ]),
    );
    expect(refused.status).toBe('409');
  });

  describe('refusals say why, with scimType and a stable code', () => {
    it('401 without a token: no tenant to name', async () => {
      const { line } = await requestLine(() => fetch(`${scim.server.baseUrl}/Users`, { headers: OKTA }));
      expectCommonFields(line, 'users.list', 401);
      expect(line).toMatchObject({ code: 'token_missing' });
      expect(line.tenant).toBeUndefined();
    });

    it("401 with a wrong token: the tenant its prefix claims, never the token", async () => {
      const guess = `acme.${'s'.repeat(43)}`;
      const { line } = await requestLine(() => fetch(`${scim.server.baseUrl}/Groups`, { headers: { ...OKTA, Authorization: `Bearer ${guess}` } }));
      expectCommonFields(line, 'groups.list', 401);
      expect(line).toMatchObject({ tenant: 'acme', code: 'token_unknown' });
      expect(written).not.toContain('s'.repeat(43));
    });

    it('404 names the id asked for', async () => {
      const missing = '0f7e3e7c-0000-4000-8000-000000000000';
      const { line } = await requestLine(send('GET', `/Users/${missing}`));
      expectCommonFields(line, 'users.get', 404);
      expect(line).toMatchObject({ tenant: tenant(), resourceType: 'User', resourceId: missing, code: 'not_found' });
      expect(line.scimType).toBeUndefined();
    });

    it('409 uniqueness', async () => {
      const body = { schemas: [USER], userName: `${secretValue}.twice@example.com` };
      expect((await scim('POST', '/Users', body)).status).toBe(201);
      const { line } = await requestLine(send('POST', '/Users', body));
      expectCommonFields(line, 'users.create', 409);
      expect(line).toMatchObject({ scimType: 'uniqueness', code: 'uniqueness', resourceType: 'User' });
      expect(line.resourceId).toBeUndefined();
    });

    it('400 invalidFilter and invalidSyntax', async () => {
      const filter = await requestLine(send('GET', `/Users?filter=${encodeURIComponent(`userName xx "${secretValue}"`)}`));
      expectCommonFields(filter.line, 'users.list', 400);
      expect(filter.line).toMatchObject({ scimType: 'invalidFilter', code: 'invalid_filter' });
      const syntax = await requestLine(send('POST', '/Groups', `{"displayName": "${secretValue}",`));
      expectCommonFields(syntax.line, 'groups.create', 400);
      expect(syntax.line).toMatchObject({ scimType: 'invalidSyntax', code: 'invalid_syntax' });
    });

    it('403 at the seat limit: seat_limit, which the status alone does not tell', async () => {
      const inUse = await scim.admin.seatsInUse('default');
      await scim.admin.settings.set('default', { roles: [], defaultRole: null, groupRoles: [], seatLimit: inUse, seatPolicy: 'reject' });
      try {
        const { line } = await requestLine(send('POST', '/Users', user()));
        expectCommonFields(line, 'users.create', 403);
        expect(line).toMatchObject({ code: 'seat_limit', tenant: tenant() });
      } finally {
        await scim.admin.settings.set('default', { roles: [], defaultRole: null, groupRoles: [], seatLimit: null, seatPolicy: 'reject' });
      }
    });

    it('413 for a body over the limit, refused before it is read', async () => {
      const { line } = await requestLine(send('POST', '/Users', { ...user(), title: secretValue.repeat(Math.ceil(1_100_000 / secretValue.length)) }));
      expectCommonFields(line, 'users.create', 413);
      expect(line).toMatchObject({ code: 'payload_too_large', tenant: tenant(), resourceType: 'User' });
    });
  });

  it('carry no body value and no token, whatever the outcome', () => {
    expect(written).toContain(`"operation":"users.create"`);
    expect(written).not.toContain(secretValue);
    expect(written).not.toContain(scim.server.token.slice(scim.server.token.indexOf('.') + 1));
    expect(written.toLowerCase()).not.toContain('authorization');
  });
});
