import { useScimServer } from '../support/scim-fixture';
import { awsWorld } from '../support/token-stores';

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
