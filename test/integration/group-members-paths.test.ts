/**
 * Every spelling of a member change reaches the memberships, never the stored group: what
 * GET /Groups/{id} shows is what `filter=members.value eq "…"` finds.
 */
import { randomUUID } from 'node:crypto';
import { scimClient, startScimServer, type TestScimServer, unique } from '../support/scim-server';
import { BULK_REQUEST, GROUP, PATCH, USER } from '../support/urns';

let server: TestScimServer;
let scim: ReturnType<typeof scimClient>;

beforeAll(async () => {
  server = await startScimServer();
  scim = scimClient(server);
});
afterAll(() => server.close());

async function newUser(): Promise<{ id: string }> {
  const response = await scim('POST', '/Users', { schemas: [USER], userName: `${unique('member')}@example.com` });
  expect(response.status).toBe(201);
  return response.body;
}

async function newGroup(body: Record<string, unknown> = {}): Promise<{ id: string }> {
  const response = await scim('POST', '/Groups', { schemas: [GROUP], displayName: unique('Paths'), ...body });
  expect(response.status).toBe(201);
  return response.body;
}

function patch(id: string, operations: unknown[]) {
  return scim('PATCH', `/Groups/${id}`, { schemas: [PATCH], Operations: operations });
}

async function shownMembers(groupId: string): Promise<string[]> {
  const response = await scim('GET', `/Groups/${groupId}`);
  expect(response.status).toBe(200);
  return ((response.body.members ?? []) as Array<{ value: string }>).map((member) => member.value).sort();
}

async function groupsWithMember(userId: string): Promise<string[]> {
  const response = await scim('GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${userId}"`)}`);
  expect(response.status).toBe(200);
  return (response.body.Resources as Array<{ id: string }>).map((group) => group.id);
}

/** GET and the members filter agree, for every user asked about. */
async function expectMembers(groupId: string, members: string[], nonMembers: string[] = []) {
  expect(await shownMembers(groupId)).toEqual([...members].sort());
  for (const userId of members) expect(await groupsWithMember(userId)).toEqual([groupId]);
  for (const userId of nonMembers) expect(await groupsWithMember(userId)).toEqual([]);
}

describe('a URN-qualified members path', () => {
  it('adds a known user: GET shows them and the members filter finds the group', async () => {
    const [user, group] = await Promise.all([newUser(), newGroup()]);
    expect((await patch(group.id, [{ op: 'add', path: `${GROUP}:members`, value: [{ value: user.id }] }])).status).toBe(204);
    await expectMembers(group.id, [user.id]);
  });

  it('skips an unknown id without a 400 and never shows it', async () => {
    const [user, group] = await Promise.all([newUser(), newGroup()]);
    const stranger = randomUUID();
    const response = await patch(group.id, [{ op: 'add', path: `${GROUP}:members`, value: [{ value: stranger }, { value: user.id }] }]);
    expect(response.status).toBe(204);
    await expectMembers(group.id, [user.id], [stranger]);
  });

  it('removes through a URN-qualified value filter', async () => {
    const [alice, bob] = await Promise.all([newUser(), newUser()]);
    const group = await newGroup({ members: [{ value: alice.id }, { value: bob.id }] });
    expect((await patch(group.id, [{ op: 'remove', path: `${GROUP}:members[value eq "${alice.id}"]` }])).status).toBe(204);
    await expectMembers(group.id, [bob.id], [alice.id]);
  });

  it('replaces the member list', async () => {
    const [alice, bob] = await Promise.all([newUser(), newUser()]);
    const group = await newGroup({ members: [{ value: alice.id }] });
    expect((await patch(group.id, [{ op: 'Replace', path: `${GROUP}:members`, value: [{ value: bob.id }] }])).status).toBe(204);
    await expectMembers(group.id, [bob.id], [alice.id]);
  });
});

describe('members inside a path-less value, a PUT and a Bulk request', () => {
  it('takes members from a path-less add, plain, URN-qualified or in the core schema object', async () => {
    const [alice, bob, carol] = await Promise.all([newUser(), newUser(), newUser()]);
    const group = await newGroup();
    const response = await patch(group.id, [
      { op: 'add', value: { members: [{ value: alice.id }] } },
      { op: 'add', value: { [`${GROUP}:members`]: [{ value: bob.id }, { value: randomUUID() }] } },
      { op: 'add', value: { [GROUP]: { members: [{ value: carol.id }] } } },
    ]);
    expect(response.status).toBe(204);
    await expectMembers(group.id, [alice.id, bob.id, carol.id]);
  });

  it('takes URN-qualified members from a PUT body', async () => {
    const [alice, bob] = await Promise.all([newUser(), newUser()]);
    const group = await newGroup({ members: [{ value: alice.id }] });
    const response = await scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP], displayName: unique('Put'), [`${GROUP}:members`]: [{ value: bob.id }] });
    expect(response.status).toBe(200);
    await expectMembers(group.id, [bob.id], [alice.id]);
  });

  it('takes a URN-qualified members path in a Bulk PATCH', async () => {
    const [user, group] = await Promise.all([newUser(), newGroup()]);
    const response = await scim('POST', '/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [
        { method: 'PATCH', path: `/Groups/${group.id}`, data: { schemas: [PATCH], Operations: [{ op: 'add', path: `${GROUP}:members`, value: [{ value: user.id }, { value: randomUUID() }] }] } },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.Operations[0].status).toMatch(/^20[04]$/);
    await expectMembers(group.id, [user.id]);
  });
});
