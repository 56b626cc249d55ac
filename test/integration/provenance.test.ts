import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { DirectoryReader } from '../../lambdas/read/directory-reader';
import { keys } from '../../lambdas/contracts/table-design';
import { scimClient, startScimServer, type TestScimServer } from '../support/scim-server';
import { BULK_REQUEST, GROUP, PATCH, PROVISIONING_GROUP, PROVISIONING_USER, USER } from '../support/urns';

const OKTA = { 'User-Agent': 'Okta SCIM Client 1.0.0' };
const ENTRA = { 'User-Agent': 'Microsoft.AAD.Provisioning' };
const UNKNOWN = { 'User-Agent': 'curl/8.5.0' };
const TENANT = 'default';

let server: TestScimServer;
let scim: ReturnType<typeof scimClient>;
let reader: DirectoryReader;

beforeAll(async () => {
  server = await startScimServer();
  scim = scimClient(server);
  reader = new DirectoryReader(createDocumentClient(server.dynamoDbEndpoint), server.tableName);
});

afterAll(() => server?.close());

let serial = 0;
const userBody = (extra: Record<string, unknown> = {}) => {
  serial++;
  return { schemas: [USER], userName: `Prov.User${serial}@Example.com`, emails: [{ value: `Prov.User${serial}@Example.com`, type: 'work', primary: true }], ...extra };
};

const isoTime = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/);

describe('provenance', () => {
  it('records the creating IdP and the one that changed a user last, and shows them in the extension', async () => {
    const created = await scim('POST', '/Users', userBody(), OKTA);
    expect(created.status).toBe(201);
    expect(created.body.schemas).toContain(PROVISIONING_USER);
    expect(created.body[PROVISIONING_USER]).toEqual({ scimManaged: true, provisioningClient: 'Okta', provisionedAt: isoTime, lastChangedByIdpAt: created.body.meta.created });

    const replaced = await scim('PUT', `/Users/${created.body.id}`, { ...userBody(), userName: created.body.userName, title: 'Engineer' }, ENTRA);
    expect(replaced.status).toBe(200);
    expect(replaced.body[PROVISIONING_USER]).toMatchObject({ provisioningClient: 'Okta', provisionedAt: created.body.meta.created, lastChangedByIdpAt: replaced.body.meta.lastModified });

    const stored = await reader.getUser(TENANT, created.body.id);
    expect(stored?.provisionedBy).toEqual({ client: 'Okta', at: created.body.meta.created });
    expect(stored?.lastChangedBy).toEqual({ client: 'Entra ID', at: replaced.body.meta.lastModified });

    const patched = await scim('PATCH', `/Users/${created.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'Lead' }] }, UNKNOWN);
    expect(patched.status).toBe(200);
    expect((await reader.getUser(TENANT, created.body.id))?.lastChangedBy).toEqual({ client: 'other', at: patched.body.meta.lastModified });
  });

  it('records an unknown client as other', async () => {
    const created = await scim('POST', '/Users', userBody(), UNKNOWN);
    expect(created.body[PROVISIONING_USER].provisioningClient).toBe('other');
  });

  it("records who changed a group's members, and shows it on the group", async () => {
    const member = await scim('POST', '/Users', userBody(), OKTA);
    const group = await scim('POST', '/Groups', { schemas: [GROUP], displayName: `Prov Group ${serial}` }, OKTA);
    expect(group.body[PROVISIONING_GROUP]).toEqual({ scimManaged: true, provisioningClient: 'Okta', provisionedAt: isoTime, lastChangedByIdpAt: isoTime });

    const added = await scim('PATCH', `/Groups/${group.body.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: member.body.id }] }] }, ENTRA);
    expect(added.status).toBe(204);
    const read = await scim('GET', `/Groups/${group.body.id}`);
    expect(read.body.schemas).toEqual([GROUP, PROVISIONING_GROUP]);
    expect(read.body[PROVISIONING_GROUP]).toMatchObject({ provisioningClient: 'Okta', lastChangedByIdpAt: read.body.meta.lastModified });
    expect(read.body.meta.lastModified > group.body.meta.lastModified).toBe(true);
  });

  it('records the caller of POST /Bulk on what its operations create and change', async () => {
    const response = await scim(
      'POST',
      '/Bulk',
      {
        schemas: [BULK_REQUEST],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'u', data: userBody() },
          { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP], displayName: `Bulk Prov ${serial}`, members: [{ value: 'bulkId:u' }] } },
        ],
      },
      OKTA,
    );
    const [userOp, groupOp] = response.body.Operations;
    expect(Number(userOp.status)).toBe(201);
    expect(Number(groupOp.status)).toBe(201);
    const user = await scim('GET', userOp.location.slice(server.baseUrl.length));
    const group = await scim('GET', groupOp.location.slice(server.baseUrl.length));
    expect(user.body[PROVISIONING_USER].provisioningClient).toBe('Okta');
    expect(group.body[PROVISIONING_GROUP].provisioningClient).toBe('Okta');
  });
});

describe('the provisioning extension', () => {
  it('is advertised read-only in /Schemas and as an optional extension in /ResourceTypes', async () => {
    const schema = await scim('GET', `/Schemas/${PROVISIONING_USER}`);
    expect(schema.status).toBe(200);
    const names = schema.body.attributes.map((attribute: any) => attribute.name);
    expect(names).toEqual(['scimManaged', 'provisioningClient', 'provisionedAt', 'lastChangedByIdpAt', 'role', 'roles', 'roleReason']);
    const all = [...schema.body.attributes, ...schema.body.attributes.flatMap((attribute: any) => attribute.subAttributes ?? [])];
    expect(all.every((attribute: any) => attribute.mutability === 'readOnly')).toBe(true);
    expect(schema.body.attributes.find((attribute: any) => attribute.name === 'roles').multiValued).toBe(true);

    const users = await scim('GET', '/ResourceTypes/User');
    expect(users.body.schemaExtensions).toContainEqual({ schema: PROVISIONING_USER, required: false });
    const groups = await scim('GET', '/ResourceTypes/Group');
    expect(groups.body.schemaExtensions).toEqual([{ schema: PROVISIONING_GROUP, required: false }]);
  });

  it('ignores what a client sends for it in PUT and PATCH', async () => {
    const created = await scim('POST', '/Users', { ...userBody(), [PROVISIONING_USER]: { scimManaged: false, role: 'owner', provisioningClient: 'JumpCloud' } }, OKTA);
    expect(created.status).toBe(201);
    const before = created.body[PROVISIONING_USER];
    expect(before).toEqual({ scimManaged: true, provisioningClient: 'Okta', provisionedAt: isoTime, lastChangedByIdpAt: isoTime });

    const forged = { scimManaged: false, provisioningClient: 'JumpCloud', provisionedAt: '2000-01-01T00:00:00Z', role: 'owner', roles: ['owner'] };
    const put = await scim('PUT', `/Users/${created.body.id}`, { ...created.body, [PROVISIONING_USER]: forged }, OKTA);
    expect(put.status).toBe(200);
    expect(put.body[PROVISIONING_USER]).toEqual({ ...before, lastChangedByIdpAt: put.body.meta.lastModified });

    const patch = await scim('PATCH', `/Users/${created.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { [PROVISIONING_USER]: forged } }] }, OKTA);
    expect(patch.status).toBe(200);
    expect(patch.body[PROVISIONING_USER]).toEqual({ ...before, lastChangedByIdpAt: patch.body.meta.lastModified });

    // RFC 7644 §3.5.2: a path naming a readOnly attribute is refused, and nothing changes.
    const byPath = await scim('PATCH', `/Users/${created.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: `${PROVISIONING_USER}:role`, value: 'owner' }] }, OKTA);
    expect(byPath.status).toBe(400);
    expect(byPath.body.scimType).toBe('mutability');
    expect((await scim('GET', `/Users/${created.body.id}`)).body[PROVISIONING_USER]).toEqual(patch.body[PROVISIONING_USER]);
  });

  it('shows the role the item carries in access, and the read library reads it', async () => {
    const created = await scim('POST', '/Users', userBody(), OKTA);
    const access = { role: 'admin', roles: ['admin', 'user'], roleReason: { source: 'group', group: { id: 'g-1', displayName: 'Admins' } }, settingsVersion: 3 };
    await createDocumentClient(server.dynamoDbEndpoint).send(
      new UpdateCommand({ TableName: server.tableName, Key: keys.resource(TENANT, 'User', created.body.id), UpdateExpression: 'SET access = :access', ExpressionAttributeValues: { ':access': access } }),
    );
    const read = await scim('GET', `/Users/${created.body.id}`);
    expect(read.body[PROVISIONING_USER]).toMatchObject({ role: 'admin', roles: ['admin', 'user'], roleReason: { source: 'group', value: 'g-1', display: 'Admins' } });
    // A SCIM write keeps what the role computation stored.
    await scim('PATCH', `/Users/${created.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'x' }] }, OKTA);
    const user = await reader.getUser(TENANT, created.body.id);
    expect(user).toMatchObject({ role: 'admin', roles: ['admin', 'user'], roleReason: access.roleReason, scimManaged: true });
  });
});

describe('the read library', () => {
  const tenant = 'reader-tenant';
  let reads: ReturnType<typeof scimClient>;
  const ids: string[] = [];
  let groupId: string;

  beforeAll(async () => {
    reads = scimClient({ baseUrl: server.baseUrl, token: await server.tenants().create(tenant) });
    for (let index = 0; index < 5; index++) {
      const response = await reads('POST', '/Users', {
        schemas: [USER],
        userName: `Reader.${index}@Example.com`,
        displayName: `Reader ${index}`,
        emails: [{ value: `Reader.${index}@Example.com`, type: 'work' }],
        active: index !== 2,
      }, OKTA);
      ids.push(response.body.id);
    }
    groupId = (await reads('POST', '/Groups', { schemas: [GROUP], displayName: 'Readers', members: [{ value: ids[0] }] }, OKTA)).body.id;
  });

  it('gets a user by id, typed, with its groups when asked', async () => {
    const user = await reader.getUser(tenant, ids[0], { groups: true });
    expect(user).toEqual({
      id: ids[0],
      userName: 'Reader.0@Example.com',
      active: true,
      displayName: 'Reader 0',
      emails: ['Reader.0@Example.com'],
      role: null,
      roles: [],
      roleReason: null,
      groups: [{ id: groupId, displayName: 'Readers' }],
      provisionedBy: { client: 'Okta', at: isoTime },
      lastChangedBy: { client: 'Okta', at: isoTime },
      scimManaged: true,
    });
    expect(await reader.getUser(tenant, 'no-such-id')).toBeUndefined();
    // Another tenant's id is not found in this one.
    expect(await reader.getUser(TENANT, ids[0])).toBeUndefined();
  });

  it('finds a user by userName in another case, and by email', async () => {
    expect((await reader.findByUserName(tenant, 'reader.1@EXAMPLE.COM'))?.id).toBe(ids[1]);
    expect(await reader.findByUserName(tenant, 'nobody@example.com')).toBeUndefined();
    expect((await reader.findByEmail(tenant, 'READER.3@example.com')).map((user) => user.id)).toEqual([ids[3]]);
  });

  it('lists users with a cursor, optionally only active ones', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await reader.listUsers(tenant, { limit: 2, cursor });
      seen.push(...page.users.map((user) => user.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].sort());

    const active = await reader.listUsers(tenant, { limit: 10, activeOnly: true });
    expect(active.users.map((user) => user.id).sort()).toEqual(ids.filter((_, index) => index !== 2).sort());
    expect(active.nextCursor).toBeUndefined();
  });

  it("reads a user's groups and the tenant's seat usage", async () => {
    expect(await reader.groupsOf(tenant, ids[0])).toEqual([{ id: groupId, displayName: 'Readers' }]);
    expect(await reader.groupsOf(tenant, ids[1])).toEqual([]);
    expect(await reader.seatUsage(tenant)).toEqual({ active: 4, limit: null });
  });
});
