import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../lambdas/contracts/table-design';
import { DirectoryReader } from '../../lambdas/read/directory-reader';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { aUser } from '../support/builders';
import { useScimServer } from '../support/scim-fixture';
import { unique } from '../support/scim-server';
import { PATCH } from '../support/urns';

const TENANT = 'default';
const scim = useScimServer();
let table: ReturnType<typeof createDocumentClient>;
beforeAll(() => {
  table = createDocumentClient(scim.server.dynamoDbEndpoint);
});
afterAll(() => table.destroy());

/** What the app reads: the access stored on the user's item. */
async function accessOf(userId: string) {
  const { Item } = await table.send(new GetCommand({ TableName: scim.server.tableName, Key: keys.resource(TENANT, 'User', userId), ConsistentRead: true }));
  return Item?.access as { role: string | null; roles: string[]; roleReason: Record<string, unknown> } | undefined;
}

const newUser = async (extra: Record<string, unknown> = {}) => (await scim.createUser(aUser(extra))).id;
const newGroup = async (displayName: string, members: string[] = []) => (await scim.createGroup({ displayName, members: members.map((value) => ({ value })) })).id;
const members = (op: 'add' | 'remove', groupId: string, userIds: string[]) => (op === 'add' ? scim.addMembers(groupId, userIds) : scim.removeMembers(groupId, userIds));
const settle = () => scim.server.drainStreams();
const admin = { settings: { set: (tenant: string, input: unknown) => scim.admin.settings.set(tenant, input) } };

describe('roles from groups', () => {
  // Group names are per tenant and unique; each scenario names its own.
  const name = (base: string) => `${base} ${unique('g')}`;

  it("Tability: the highest-priority group wins; leaving it falls back to the next, then to the default", async () => {
    const [owners, admins, users, readonly] = [name('Owners'), name('Admins'), name('Users'), name('Readonly')];
    await admin.settings.set(TENANT, {
      roles: ['owner', 'admin', 'user', 'readonly'],
      defaultRole: 'user',
      groupRoles: [
        { group: owners, role: 'owner' },
        { group: admins.toUpperCase(), role: 'admin' },
        { group: users, role: 'user' },
        { group: readonly, role: 'readonly' },
      ],
      seatLimit: null,
    });
    await settle();
    const alice = await newUser();
    const readonlyGroup = await newGroup(readonly, [alice]);
    const adminGroup = await newGroup(admins);
    expect(await accessOf(alice)).toMatchObject({ role: 'readonly', roles: ['readonly'] });

    await members('add', adminGroup, [alice]);
    expect(await accessOf(alice)).toEqual({ role: 'admin', roles: ['admin', 'readonly'], roleReason: { source: 'group', group: { id: adminGroup, displayName: admins } }, settingsVersion: expect.any(Number) });

    // What the app's backend sees through the read library.
    const reader = new DirectoryReader(table, scim.server.tableName);
    expect((await reader.listUsers(TENANT, { role: 'admin' })).users.map((user) => user.id)).toContain(alice);
    expect((await reader.getUser(TENANT, alice))).toMatchObject({ role: 'admin', roles: ['admin', 'readonly'] });

    await members('remove', adminGroup, [alice]);
    expect(await accessOf(alice)).toMatchObject({ role: 'readonly', roles: ['readonly'] });
    expect((await reader.listUsers(TENANT, { role: 'admin' })).users.map((user) => user.id)).not.toContain(alice);
    await members('remove', readonlyGroup, [alice]);
    expect(await accessOf(alice)).toMatchObject({ role: 'user', roles: ['user'], roleReason: { source: 'default' } });
  });

  it("Holistics: a mapping set before users arrive gives new users the default, and mapped groups their role", async () => {
    const analysts = name('Analysts');
    await admin.settings.set(TENANT, { roles: ['admin', 'analyst', 'viewer'], defaultRole: 'viewer', groupRoles: [{ group: analysts, role: 'analyst' }], seatLimit: null });
    await settle();
    const bob = await newUser();
    expect(await accessOf(bob)).toMatchObject({ role: 'viewer', roleReason: { source: 'default' } });
    await newGroup(analysts, [bob]);
    expect(await accessOf(bob)).toMatchObject({ role: 'analyst' });
  });

  it("Okta: userType set per assignment overrides the groups while it names a known role", async () => {
    const admins = name('Admins');
    await admin.settings.set(TENANT, { roles: ['owner', 'admin', 'viewer'], defaultRole: 'viewer', groupRoles: [{ group: admins, role: 'admin' }], roleAttribute: 'userType', seatLimit: null });
    await settle();
    const carol = await newUser({ userType: 'owner' });
    await newGroup(admins, [carol]);
    expect(await accessOf(carol)).toMatchObject({ role: 'owner', roles: ['owner', 'admin'], roleReason: { source: 'attribute', attribute: 'userType' } });
    await scim('PATCH', `/Users/${carol}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'userType', value: 'Employee' }] });
    expect(await accessOf(carol)).toMatchObject({ role: 'admin', roleReason: { source: 'group' } });
  });

  it("Entra ID: the primary app role in roles wins", async () => {
    await admin.settings.set(TENANT, { roles: ['admin', 'editor', 'viewer'], defaultRole: null, groupRoles: [], roleAttribute: 'roles', seatLimit: null });
    await settle();
    const dave = await newUser({ roles: [{ value: 'viewer' }, { value: 'editor', primary: true }] });
    expect(await accessOf(dave)).toMatchObject({ role: 'editor', roles: ['editor', 'viewer'] });
    const erin = await newUser();
    expect(await accessOf(erin)).toMatchObject({ role: null, roles: [] });
  });

  it('a rename into a mapped name, a group delete and a settings change reach every member', async () => {
    const [team, admins] = [name('Team'), name('Admins')];
    await admin.settings.set(TENANT, { roles: ['admin', 'member'], defaultRole: 'member', groupRoles: [{ group: admins, role: 'admin' }], seatLimit: null });
    await settle();
    const ids = [await newUser(), await newUser(), await newUser()];
    const groupId = await newGroup(team, ids);
    for (const id of ids) expect(await accessOf(id)).toMatchObject({ role: 'member' });

    expect((await scim('PATCH', `/Groups/${groupId}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: admins }] })).status).toBe(204);
    await settle();
    for (const id of ids) expect(await accessOf(id)).toMatchObject({ role: 'admin', roleReason: { source: 'group', group: { id: groupId, displayName: admins } } });

    const { after } = await admin.settings.set(TENANT, { roles: ['admin', 'member', 'guest'], defaultRole: 'guest', groupRoles: [{ group: admins, role: 'member' }], seatLimit: null });
    await settle();
    for (const id of ids) expect(await accessOf(id)).toMatchObject({ role: 'member' });
    // What `settings show` reports: the background application finished over every user of the tenant.
    const progress = await scim.admin.settings.progress(TENANT);
    expect(progress).toMatchObject({ version: after.version, finished: true });
    expect(progress!.done).toBe(progress!.total);
    expect(progress!.total).toBeGreaterThanOrEqual(ids.length);

    expect((await scim('DELETE', `/Groups/${groupId}`)).status).toBe(204);
    await settle();
    for (const id of ids) expect(await accessOf(id)).toMatchObject({ role: 'guest', roleReason: { source: 'default' } });
  });
});
