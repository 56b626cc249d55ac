import { scimClient, startScimServer, type TestScimServer } from '../support/scim-server';
import { awsWorld } from '../support/token-stores';

let server: TestScimServer;
let written = '';
const originals = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };

beforeAll(async () => {
  // Everything the handlers log, at the most talkative level.
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  const capture = (chunk: unknown) => {
    written += String(chunk);
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  server = await startScimServer();
});
afterAll(async () => {
  process.stdout.write = originals.stdout;
  process.stderr.write = originals.stderr;
  delete process.env.POWERTOOLS_LOG_LEVEL;
  await server.close();
});

describe('logs', () => {
  it('record each request without its body or the Authorization header', async () => {
    const scim = scimClient(server);
    const secretValue = `very-personal-${Date.now()}`;
    const created = await scim('POST', '/Users', { userName: `${secretValue}@example.com`, name: { familyName: secretValue } });
    expect(created.status).toBe(201);
    await scim('PATCH', `/Users/${created.body.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: secretValue }] });
    await scim('POST', '/Users', `{"userName": "${secretValue}",`);
    await fetch(`${server.baseUrl}/Users`, { headers: { Authorization: 'Bearer wrong-but-still-secret-value' } });

    expect(written).toContain('"resource":"/scim/v2/Users"');
    expect(written).toContain('"status":201');
    expect(written).not.toContain(secretValue);
    expect(written).not.toContain(server.token);
    expect(written).not.toContain('wrong-but-still-secret-value');
    expect(written.toLowerCase()).not.toContain('authorization');
  });

  it('never carry token material: tenants made, rotated and revoked, tokens used right, stale and wrong, the rotation function at work', async () => {
    const tenants = server.tenants();
    const first = await tenants.create('logged');
    const second = await tenants.rotate('logged');
    await tenants.revoke('logged');
    await tenants.setDisabled('logged', true);
    const forged = `logged.${'f'.repeat(43)}`;
    for (const token of [first, second, forged, server.token]) {
      await fetch(`${server.baseUrl}/Users`, { headers: { Authorization: `Bearer ${token}` } });
    }
    // In AWS: Secrets Manager runs the rotation function's four steps.
    const world = await awsWorld();
    const rotated = await world.admin.create('aws-logged');
    const again = await world.admin.rotate('aws-logged');
    await world.close();

    expect(written).toContain('rotation step');
    for (const token of [first, second, forged, server.token, rotated, again]) {
      const secretPart = token.slice(token.indexOf('.') + 1);
      expect({ token, logged: written.includes(secretPart) }).toEqual({ token, logged: false });
    }
  });
});
