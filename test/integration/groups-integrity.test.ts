import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys, MEMBER_PREFIX } from '../../lambdas/contracts/table-design';
import { memberRefs, sorted } from '../support/builders';
import { useScimServer } from '../support/scim-fixture';

const TENANT = 'default';

const scim = useScimServer({ ownStore: true });
let table: DynamoDBDocumentClient;

beforeAll(async () => {
  table = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: scim.server.dynamoDbEndpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
});
afterAll(() => table?.destroy());

interface User {
  id: string;
  userName: string;
}

const newUsers = (count: number): Promise<User[]> => scim.createUsers(count);
const newGroup = (members: User[] = []) => scim.createGroup({ members: memberRefs(members.map((member) => member.id)) });
const { patchGroup: patch, memberIds: memberIdsOf, groupIdsOf: groupsOfUser } = scim;

/** The group ids GET /Groups?filter=members.value eq "<user>" answers. */
async function groupsByMemberFilter(userId: string): Promise<string[]> {
  const response = await scim('GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${userId}"`)}&excludedAttributes=members&count=1000`);
  expect(response.status).toBe(200);
  expect(response.body.totalResults).toBe(response.body.Resources.length);
  return (response.body.Resources as Array<{ id: string }>).map((g) => g.id).sort();
}


/** Membership items of a group, read from the table itself (pk T#{tenant}#Group#{gid}, sk Member#{uid}). */
async function membershipItemsOfGroup(groupId: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const output = await table.send(
      new QueryCommand({
        TableName: scim.server.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :member)',
        ExpressionAttributeValues: { ':pk': `T#${TENANT}#Group#${groupId}`, ':member': MEMBER_PREFIX },
        Select: 'COUNT',
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    count += output.Count ?? 0;
    startKey = output.LastEvaluatedKey;
  } while (startKey);
  return count;
}

/** Membership items listed under a user. */
async function membershipItemsOfUser(userId: string): Promise<number> {
  const output = await table.send(
    new QueryCommand({
      TableName: scim.server.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': keys.memberOfCollection(TENANT), ':from': keys.memberOfRange(userId, userId).from, ':to': keys.memberOfRange(userId, userId).to },
      Select: 'COUNT',
      ConsistentRead: true,
    }),
  );
  return output.Count ?? 0;
}

/** A membership item written straight to the table, as a race between a PATCH and a DELETE can leave one. */
async function writeMembership(groupId: string, userId: string, extra: Record<string, unknown> = { itemType: 'Membership' }) {
  await table.send(
    new PutCommand({
      TableName: scim.server.tableName,
      Item: { ...keys.membership(TENANT, groupId, userId), tenant: TENANT, groupId, userId, ...extra },
    }),
  );
}

describe('deleting a user', () => {
  it("removes them from every group's member list at once, and from members.value filters", async () => {
    const [leaving, staying] = await newUsers(2);
    const groups = [await newGroup([leaving, staying]), await newGroup([leaving]), await newGroup([staying, leaving])];
    expect(await groupsByMemberFilter(leaving.id)).toEqual(sorted(groups.map((g) => g.id)));

    expect((await scim('DELETE', `/Users/${leaving.id}`)).status).toBe(204);
    // No waiting: the very next reads must not show the deleted user.
    expect(await memberIdsOf(groups[0].id)).toEqual([staying.id]);
    expect(await memberIdsOf(groups[1].id)).toEqual([]);
    expect(await memberIdsOf(groups[2].id)).toEqual([staying.id]);
    expect(await groupsByMemberFilter(leaving.id)).toEqual([]);
    const listed = await scim('GET', `/Groups?filter=${encodeURIComponent(`id eq "${groups[0].id}"`)}`);
    expect(listed.body.Resources[0].members.map((m: { value: string }) => m.value)).toEqual([staying.id]);
    expect(await groupsByMemberFilter(staying.id)).toEqual(sorted([groups[0].id, groups[2].id]));

    await scim.server.drainStreams();
    expect(await membershipItemsOfUser(leaving.id)).toBe(0);
    expect(await membershipItemsOfUser(staying.id)).toBe(2);
  });

  it("changes the group's version, so a conditional GET of the group never answers 304 with the deleted member", async () => {
    const [leaving, staying] = await newUsers(2);
    const group = await newGroup([leaving, staying]);
    const before = await scim('GET', `/Groups/${group.id}`);
    expect((await scim('DELETE', `/Users/${leaving.id}`)).status).toBe(204);
    // RFC 7644 §3.14 / RFC 7232 §3.2: the member list changed, so the old version must not match.
    const conditional = await scim('GET', `/Groups/${group.id}`, undefined, { 'If-None-Match': before.body.meta.version });
    expect({ status: conditional.status, members: (conditional.body?.members ?? []).map((m: { value: string }) => m.value) }).toEqual({
      status: 200,
      members: [staying.id],
    });
  });
});

describe('deleting a group', () => {
  it("answers 404 at once, leaves the members' groups attribute at once, and the cleanup removes its memberships", async () => {
    const [both, onlyDeleted] = await newUsers(2);
    const doomed = await newGroup([both, onlyDeleted]);
    const kept = await newGroup([both]);
    await scim.server.drainStreams();
    expect(await groupsOfUser(both.id)).toEqual(sorted([doomed.id, kept.id]));

    expect((await scim('DELETE', `/Groups/${doomed.id}`)).status).toBe(204);
    // Before any cleanup ran: every read path checks that the group exists.
    const [get, groupsOfBoth, groupsOfOnly, filterBoth, filterOnly, byUserName] = await Promise.all([
      scim('GET', `/Groups/${doomed.id}`),
      groupsOfUser(both.id),
      groupsOfUser(onlyDeleted.id),
      groupsByMemberFilter(both.id),
      groupsByMemberFilter(onlyDeleted.id),
      scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${both.userName}"`)}`),
    ]);
    expect(get.status).toBe(404);
    expect(groupsOfBoth).toEqual([kept.id]);
    expect(groupsOfOnly).toEqual([]);
    expect(filterBoth).toEqual([kept.id]);
    expect(filterOnly).toEqual([]);
    expect(byUserName.body.Resources[0].groups.map((g: { value: string }) => g.value)).toEqual([kept.id]);

    await scim.server.drainStreams();
    expect(await membershipItemsOfGroup(doomed.id)).toBe(0);
    expect(await membershipItemsOfGroup(kept.id)).toBe(1);
    expect(await memberIdsOf(kept.id)).toEqual([both.id]);
    expect(await groupsOfUser(both.id)).toEqual([kept.id]);
  });

  it('never shows a group that no longer exists, whatever memberships of it remain in the table', async () => {
    // Memberships of a deleted group that the cleanup has not reached yet. Written without
    // itemType so that the cleanup leaves them be and the state holds for the whole test.
    const [user] = await newUsers(1);
    const real = await newGroup([user]);
    const deleted = await newGroup([user]);
    expect((await scim('DELETE', `/Groups/${deleted.id}`)).status).toBe(204);
    await scim.server.drainStreams();
    const ghost = randomUUID();
    await writeMembership(deleted.id, user.id, {});
    await writeMembership(ghost, user.id, {});
    expect(await membershipItemsOfGroup(deleted.id)).toBe(1);

    expect(await groupsOfUser(user.id)).toEqual([real.id]);
    expect(await groupsByMemberFilter(user.id)).toEqual([real.id]);
    const page = await scim('GET', `/Users?filter=${encodeURIComponent(`id eq "${user.id}"`)}`);
    expect(page.body.Resources[0].groups.map((g: { value: string }) => g.value)).toEqual([real.id]);
    const byFilter = await scim('GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${user.id}" and displayName eq "${deleted.displayName}"`)}`);
    expect(byFilter.body.totalResults).toBe(0);
    expectNotFound(await scim('GET', `/Groups/${deleted.id}`));
    expectNotFound(await scim('GET', `/Groups/${ghost}`));
    // A write to the deleted group is refused rather than resurrecting it.
    expectNotFound(await patch(deleted.id, [{ op: 'add', path: 'members', value: [{ value: user.id }] }]));
    expect(await membershipItemsOfGroup(real.id)).toBe(1);
    expect(await membershipItemsOfGroup(deleted.id)).toBe(1);
  });
});

function expectNotFound(response: { status: number; body: any }) {
  expect({ status: response.status, scimStatus: response.body?.status }).toEqual({ status: 404, scimStatus: '404' });
}

describe('the asynchronous cleanup', () => {
  it('removes a membership orphaned by a race, and keeps a sound one', async () => {
    const [user, other] = await newUsers(2);
    const group = await newGroup([user]);
    await scim.server.drainStreams();
    const missingGroup = randomUUID();
    const missingUser = randomUUID();
    await writeMembership(missingGroup, user.id);
    await writeMembership(group.id, missingUser);
    // Written the same way, but sound: its group and user exist.
    await writeMembership(group.id, other.id);

    await scim.server.drainStreams();
    expect(await membershipItemsOfGroup(missingGroup)).toBe(0);
    expect(await memberIdsOf(group.id)).toEqual(sorted([user.id, other.id]));
    expect(await membershipItemsOfGroup(group.id)).toBe(2);
    expect(await groupsOfUser(user.id)).toEqual([group.id]);
  });

  /** Adds each user to the group and deletes it at once; says whether the group listed the user once both had answered. */
  async function addWhileDeleting(groupId: string, users: User[]) {
    return Promise.all(
      users.map(async (user) => {
        const [added, deleted] = await Promise.all([patch(groupId, [{ op: 'add', path: 'members', value: [{ value: user.id }] }]), scim('DELETE', `/Users/${user.id}`)]);
        const listed = (await memberIdsOf(groupId)).includes(user.id);
        return { added: added.status, deleted: deleted.status, listed };
      }),
    );
  }

  it('leaves no membership of users deleted while being added to a group, once the cleanup ran', async () => {
    const users = await newUsers(24);
    const group = await newGroup();
    const results = await addWhileDeleting(group.id, users);
    for (const { added, deleted } of results) expect({ added, deleted }).toEqual({ added: 204, deleted: 204 });
    await scim.server.drainStreams();
    expect(await memberIdsOf(group.id)).toEqual([]);
    expect(await membershipItemsOfGroup(group.id)).toBe(0);
  }, 30_000);

  it('does not list a user deleted while being added, right after both requests answered, whichever runs first', async () => {
    const users = await newUsers(40);
    const group = await newGroup();
    const results = await addWhileDeleting(group.id, users);
    // Whichever order the PATCH and the DELETE are taken in, the user is no member once both answered.
    expect({ deletedStillListed: results.filter((result) => result.listed).length }).toEqual({ deletedStillListed: 0 });
  }, 30_000);

  it('leaves no membership of a group deleted while members are being added to it', async () => {
    const users = await newUsers(24);
    const groups = await Promise.all(Array.from({ length: 8 }, () => newGroup()));
    const adds = groups.flatMap((group) =>
      [0, 1, 2].map((slice) => patch(group.id, [{ op: 'add', path: 'members', value: users.slice(slice * 8, slice * 8 + 8).map((u) => ({ value: u.id })) }])),
    );
    const deletes = groups.map((group) => scim('DELETE', `/Groups/${group.id}`));
    const statuses = await Promise.all([...adds, ...deletes]);
    // A PATCH that lost the race finds no group (404); the DELETEs all succeed.
    for (const response of statuses.slice(0, adds.length)) expect([204, 404]).toContain(response.status);
    for (const response of statuses.slice(adds.length)) expect(response.status).toBe(204);
    for (const user of users.slice(0, 3)) expect(await groupsOfUser(user.id)).toEqual([]);
    await scim.server.drainStreams();
    for (const group of groups) expect({ group: group.id, items: await membershipItemsOfGroup(group.id) }).toEqual({ group: group.id, items: 0 });
    for (const user of users.slice(0, 3)) expect(await membershipItemsOfUser(user.id)).toBe(0);
  }, 30_000);
});

describe('a 2,000-member group', () => {
  it('is built with PATCHes of 500, deleted with 204, hidden from every read at once, and its memberships cleaned up', async () => {
    const SIZE = 2000;
    const users = await newUsers(SIZE);
    const group = await newGroup();
    for (let start = 0; start < SIZE; start += 500) {
      const response = await patch(group.id, [{ op: 'add', path: 'members', value: users.slice(start, start + 500).map((u) => ({ value: u.id })) }]);
      expect(response.status).toBe(204);
    }
    const read = await scim('GET', `/Groups/${group.id}`);
    expect(read.status).toBe(200);
    expect(read.body.members).toHaveLength(SIZE);
    expect(((read.body.members as Array<{ value: string }>).map((m) => m.value)).sort()).toEqual(sorted(users.map((u) => u.id)));
    expect(await membershipItemsOfGroup(group.id)).toBe(SIZE);
    const sample = [users[0], users[777], users[1999]];
    for (const user of sample) expect(await groupsOfUser(user.id)).toEqual([group.id]);

    // The cleanup is held back, so the reads below surely run while all of it is still to do.
    await scim.server.pauseStreams();
    expect((await scim('DELETE', `/Groups/${group.id}`)).status).toBe(204);
    // While the cleanup has 2,000 memberships to go, no read path shows the group.
    const [get, lookup, unfiltered, usersPage, ...perUser] = await Promise.all([
      scim('GET', `/Groups/${group.id}`),
      scim('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${group.displayName}"`)}`),
      scim('GET', '/Groups?startIndex=1&count=1000&excludedAttributes=members'),
      scim('GET', '/Users?startIndex=1&count=100'),
      ...sample.map((user) => groupsOfUser(user.id)),
      ...sample.map((user) => groupsByMemberFilter(user.id)),
    ]);
    const pendingAfterReads = await membershipItemsOfGroup(group.id);
    expect(get.status).toBe(404);
    expect(lookup.body.totalResults).toBe(0);
    expect((unfiltered.body.Resources as Array<{ id: string }>).map((g) => g.id)).not.toContain(group.id);
    expect(usersPage.status).toBe(200);
    const listedGroups = (usersPage.body.Resources as Array<{ groups?: Array<{ value: string }> }>).flatMap((u) => (u.groups ?? []).map((g) => g.value));
    expect(listedGroups).not.toContain(group.id);
    expect(perUser).toEqual(perUser.map(() => []));
    // The reads above ran before the cleanup had finished (it answers at once, cleans later).
    expect(pendingAfterReads).toBeGreaterThan(0);

    scim.server.resumeStreams();
    await scim.server.drainStreams();
    expect(await membershipItemsOfGroup(group.id)).toBe(0);
    for (const user of sample) expect(await membershipItemsOfUser(user.id)).toBe(0);
    // 2,000 user creations on 2 shared cores.
  }, 180_000);
});
