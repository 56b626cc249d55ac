import { itemAttributes, REFUSAL } from '../../lambdas/contracts/table-design';
import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { allRoutes } from '../../lambdas/contracts/routes';
import { aUser } from '../support/builders';
import { type ScimClient, useScimServer } from '../support/scim-fixture';
import { USER, GROUP, PATCH, SEARCH, BULK_REQUEST as BULK } from '../support/urns';

/**
 * Tenant A's token against everything tenant B has: every route, every method, ids, filters,
 * lists, member changes. Each request must answer nothing of B, and B must be exactly as before,
 * item for item in the table. A new route fails `every route has a case` until it gets one.
 */

type Client = ScimClient;
type Response = Awaited<ReturnType<Client>>;

interface World {
  a: { userIds: string[]; groupId: string };
  b: { userIds: string[]; userNames: string[]; externalIds: string[]; groupId: string; groupName: string };
}

interface IsolationCase {
  /** The route as the route table names it. */
  route: string;
  what: string;
  method: string;
  path: (world: World) => string;
  body?: (world: World) => unknown;
  /** What A may be answered; anything about B is checked apart. */
  status: number[];
  /** More to check, as A. */
  then?: (response: Response, world: World, asA: Client) => Promise<void> | void;
}

const user = (userName: string, externalId: string) => aUser({ userName, externalId });
const patchOp = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });
const members = (ids: string[]) => ids.map((value) => ({ value }));
const listed = (response: Response) => (response.body?.Resources ?? []) as Array<{ id: string; members?: Array<{ value: string }> }>;
const noneFound = (response: Response) => expect(response.body.totalResults).toBe(0);

async function groupMemberIds(asA: Client, groupId: string): Promise<string[]> {
  const group = await asA('GET', `/Groups/${groupId}`);
  expect(group.status).toBe(200);
  return (group.body.members ?? []).map((member: { value: string }) => member.value);
}

/** A PATCH of A's own group naming B's users: it succeeds, and A's group ends with `expected` members only. */
function patchOfAGroup(what: string, operations: (world: World) => unknown[], expected: (world: World) => string[]): IsolationCase {
  return {
    route: 'PATCH /Groups/{id}',
    what,
    method: 'PATCH',
    path: (w) => `/Groups/${w.a.groupId}`,
    body: (w) => patchOp(...operations(w)),
    status: [200, 204],
    then: async (_r, w, asA) => expect(await groupMemberIds(asA, w.a.groupId)).toEqual(expected(w)),
  };
}

const cases: IsolationCase[] = [
  // Lists and filters of users.
  { route: 'GET /Users', what: 'lists users', method: 'GET', path: () => '/Users?startIndex=1&count=200', status: [200], then: (r, w) => expect(listed(r).map((u) => u.id).sort()).toEqual([...w.a.userIds].sort()) },
  { route: 'GET /Users', what: "filters by B's userName", method: 'GET', path: (w) => `/Users?filter=${encodeURIComponent(`userName eq "${w.b.userNames[0]}"`)}`, status: [200], then: noneFound },
  { route: 'GET /Users', what: "filters by B's externalId", method: 'GET', path: (w) => `/Users?filter=${encodeURIComponent(`externalId eq "${w.b.externalIds[0]}"`)}`, status: [200], then: noneFound },
  { route: 'GET /Users', what: "filters by B's id", method: 'GET', path: (w) => `/Users?filter=${encodeURIComponent(`id eq "${w.b.userIds[0]}"`)}`, status: [200], then: noneFound },
  { route: 'GET /Users', what: "filters by B's email domain", method: 'GET', path: () => `/Users?filter=${encodeURIComponent('emails.value co "tenant-b.example"')}`, status: [200], then: noneFound },
  { route: 'GET /Users', what: "filters by B's userName prefix, or'ed", method: 'GET', path: (w) => `/Users?filter=${encodeURIComponent(`userName sw "b-" or externalId eq "${w.b.externalIds[1]}"`)}`, status: [200], then: noneFound },
  // One user of B, by id.
  { route: 'GET /Users/{id}', what: "gets B's user", method: 'GET', path: (w) => `/Users/${w.b.userIds[0]}`, status: [404] },
  { route: 'GET /Users/{id}', what: "gets B's user with attributes", method: 'GET', path: (w) => `/Users/${w.b.userIds[0]}?attributes=userName,groups`, status: [404] },
  { route: 'PUT /Users/{id}', what: "replaces B's user", method: 'PUT', path: (w) => `/Users/${w.b.userIds[0]}`, body: () => user('taken-over@tenant-a.example', 'a-ext'), status: [404] },
  { route: 'PATCH /Users/{id}', what: "deactivates B's user", method: 'PATCH', path: (w) => `/Users/${w.b.userIds[0]}`, body: () => patchOp({ op: 'replace', path: 'active', value: false }), status: [404] },
  { route: 'DELETE /Users/{id}', what: "deletes B's user", method: 'DELETE', path: (w) => `/Users/${w.b.userIds[1]}`, status: [404] },
  // A's namespace is its own: B's userName and externalId are free in A.
  {
    route: 'POST /Users',
    what: "creates a user with B's userName and externalId",
    method: 'POST',
    path: () => '/Users',
    body: (w) => user(w.b.userNames[0], w.b.externalIds[0]),
    status: [201],
    then: async (r, w, asA) => {
      expect(w.b.userIds).not.toContain(r.body.id);
      w.a.userIds.push(r.body.id);
      expect((await asA('DELETE', `/Users/${r.body.id}`)).status).toBe(204);
      w.a.userIds.pop();
    },
  },
  // Groups.
  { route: 'GET /Groups', what: 'lists groups', method: 'GET', path: () => '/Groups', status: [200], then: (r, w) => expect(listed(r).map((g) => g.id)).toEqual([w.a.groupId]) },
  { route: 'GET /Groups', what: "filters by B's group name", method: 'GET', path: (w) => `/Groups?filter=${encodeURIComponent(`displayName eq "${w.b.groupName}"`)}`, status: [200], then: noneFound },
  { route: 'GET /Groups', what: "filters groups by B's member", method: 'GET', path: (w) => `/Groups?filter=${encodeURIComponent(`members.value eq "${w.b.userIds[0]}"`)}`, status: [200], then: noneFound },
  { route: 'GET /Groups', what: 'lists groups without members', method: 'GET', path: () => '/Groups?excludedAttributes=members', status: [200], then: (r) => expect(r.body.totalResults).toBe(1) },
  { route: 'GET /Groups/{id}', what: "gets B's group", method: 'GET', path: (w) => `/Groups/${w.b.groupId}`, status: [404] },
  { route: 'PUT /Groups/{id}', what: "replaces B's group", method: 'PUT', path: (w) => `/Groups/${w.b.groupId}`, body: (w) => ({ schemas: [GROUP], displayName: 'taken over', members: members(w.a.userIds) }), status: [404] },
  { route: 'PATCH /Groups/{id}', what: "adds A's user to B's group", method: 'PATCH', path: (w) => `/Groups/${w.b.groupId}`, body: (w) => patchOp({ op: 'add', path: 'members', value: members(w.a.userIds) }), status: [404] },
  { route: 'PATCH /Groups/{id}', what: "empties B's group", method: 'PATCH', path: (w) => `/Groups/${w.b.groupId}`, body: () => patchOp({ op: 'replace', path: 'members', value: [] }), status: [404] },
  { route: 'DELETE /Groups/{id}', what: "deletes B's group", method: 'DELETE', path: (w) => `/Groups/${w.b.groupId}`, status: [404] },
  // B's user ids as members of A's groups are skipped, never linked.
  patchOfAGroup("adds B's users to A's group", (w) => [{ op: 'add', path: 'members', value: members(w.b.userIds) }], (w) => [w.a.userIds[0]]),
  patchOfAGroup(
    "replaces A's group members with B's users (Entra's path-less replace too)",
    (w) => [
      { op: 'replace', path: 'members', value: members(w.b.userIds) },
      { op: 'replace', value: { members: members(w.b.userIds) } },
    ],
    () => [],
  ),
  patchOfAGroup(
    "removes B's users from A's group",
    (w) => [
      { op: 'remove', path: `members[value eq "${w.b.userIds[0]}"]` },
      { op: 'add', path: 'members', value: members([w.a.userIds[0]]) },
    ],
    (w) => [w.a.userIds[0]],
  ),
  {
    route: 'PUT /Groups/{id}',
    what: "puts B's users into A's group",
    method: 'PUT',
    path: (w) => `/Groups/${w.a.groupId}`,
    body: (w) => ({ schemas: [GROUP], displayName: 'A team', members: members([...w.b.userIds, w.a.userIds[0]]) }),
    status: [200],
    then: (r, w) => expect((r.body.members ?? []).map((m: { value: string }) => m.value)).toEqual([w.a.userIds[0]]),
  },
  {
    route: 'POST /Groups',
    what: "creates a group named as B's, with B's users",
    method: 'POST',
    path: () => '/Groups',
    body: (w) => ({ schemas: [GROUP], displayName: w.b.groupName, members: members(w.b.userIds) }),
    status: [201],
    then: async (r, w, asA) => {
      expect(r.body.id).not.toBe(w.b.groupId);
      expect(r.body.members ?? []).toEqual([]);
      expect((await asA('DELETE', `/Groups/${r.body.id}`)).status).toBe(204);
    },
  },
  // Methods no route has are refused before anything is read (405 from the function in AWS, 404 from the local router).
  { route: 'GET /Users/{id}', what: "POSTs to B's user", method: 'POST', path: (w) => `/Users/${w.b.userIds[0]}`, body: () => ({}), status: [404, 405] },
  { route: 'GET /Groups/{id}', what: "POSTs to B's group", method: 'POST', path: (w) => `/Groups/${w.b.groupId}`, body: () => ({}), status: [404, 405] },
  // Searches by POST (RFC 7644 §3.4.3).
  {
    route: 'POST /Users/.search',
    what: "searches users by B's userName",
    method: 'POST',
    path: () => '/Users/.search',
    body: (w) => ({ schemas: [SEARCH], filter: `userName eq "${w.b.userNames[0]}" or emails.value co "tenant-b.example"` }),
    status: [200],
    then: noneFound,
  },
  { route: 'POST /Users/.search', what: 'searches all users', method: 'POST', path: () => '/Users/.search', body: () => ({ schemas: [SEARCH], sortBy: 'userName' }), status: [200], then: (r, w) => expect(listed(r).map((u) => u.id).sort()).toEqual([...w.a.userIds].sort()) },
  {
    route: 'POST /Groups/.search',
    what: "searches groups by B's name and member",
    method: 'POST',
    path: () => '/Groups/.search',
    body: (w) => ({ schemas: [SEARCH], filter: `displayName eq "${w.b.groupName}" or members.value eq "${w.b.userIds[0]}"` }),
    status: [200],
    then: noneFound,
  },
  {
    route: 'POST /.search',
    what: 'searches every resource type',
    method: 'POST',
    path: () => '/.search',
    body: () => ({ schemas: [SEARCH], count: 1000 }),
    status: [200],
    then: (r, w) => expect(listed(r).map((resource) => resource.id).sort()).toEqual([...w.a.userIds, w.a.groupId].sort()),
  },
  {
    route: 'POST /.search',
    what: "searches every resource type by B's values",
    method: 'POST',
    path: () => '/.search',
    body: (w) => ({ schemas: [SEARCH], filter: `userName sw "b-" or displayName eq "${w.b.groupName}" or id eq "${w.b.groupId}"` }),
    status: [200],
    then: noneFound,
  },
  // Bulk (RFC 7644 §3.7): every operation on B's ids is an id nobody has; references resolve within A.
  {
    route: 'POST /Bulk',
    what: "replaces, patches and deletes B's resources and links B's users by bulkId",
    method: 'POST',
    path: () => '/Bulk',
    body: (w) => ({
      schemas: [BULK],
      Operations: [
        { method: 'PUT', path: `/Users/${w.b.userIds[0]}`, data: user('bulk-taken@tenant-a.example', 'a-bulk') },
        { method: 'PATCH', path: `/Users/${w.b.userIds[1]}`, data: patchOp({ op: 'replace', path: 'active', value: false }) },
        { method: 'DELETE', path: `/Users/${w.b.userIds[2]}` },
        { method: 'PATCH', path: `/Groups/${w.b.groupId}`, data: patchOp({ op: 'add', path: 'members', value: members(w.a.userIds) }) },
        { method: 'DELETE', path: `/Groups/${w.b.groupId}` },
        { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP], displayName: 'Bulk team', members: [...members(w.b.userIds), { value: 'bulkId:u' }] } },
        { method: 'POST', path: '/Users', bulkId: 'u', data: user('bulk-user@tenant-a.example', 'a-bulk-2') },
      ],
    }),
    status: [200],
    then: async (r, w, asA) => {
      const results = r.body.Operations as Array<{ method: string; bulkId?: string; status: string; location?: string }>;
      expect(results.slice(0, 5).map((result) => result.status)).toEqual(['404', '404', '404', '404', '404']);
      const createdUser = results.find((result) => result.bulkId === 'u')!;
      const createdGroup = results.find((result) => result.bulkId === 'g')!;
      expect([createdUser.status, createdGroup.status]).toEqual(['201', '201']);
      const userId = createdUser.location!.split('/').pop()!;
      const groupId = createdGroup.location!.split('/').pop()!;
      expect(await groupMemberIds(asA, groupId)).toEqual([userId]);
      expect((await asA('DELETE', `/Groups/${groupId}`)).status).toBe(204);
      expect((await asA('DELETE', `/Users/${userId}`)).status).toBe(204);
    },
  },
  // Lower-case aliases (Microsoft's reference code) reach the same code.
  { route: 'GET /users', what: "filters by B's userName at /users", method: 'GET', path: (w) => `/users?filter=${encodeURIComponent(`userName eq "${w.b.userNames[0]}"`)}`, status: [200], then: noneFound },
  { route: 'GET /users/{id}', what: "gets B's user at /users", method: 'GET', path: (w) => `/users/${w.b.userIds[0]}`, status: [404] },
  { route: 'DELETE /groups/{id}', what: "deletes B's group at /groups", method: 'DELETE', path: (w) => `/groups/${w.b.groupId}`, status: [404] },
  // Discovery: the same for every tenant, and nothing of any.
  { route: 'GET /ServiceProviderConfig', what: 'reads the configuration', method: 'GET', path: () => '/ServiceProviderConfig', status: [200] },
  { route: 'GET /ResourceTypes', what: 'lists resource types', method: 'GET', path: () => '/ResourceTypes', status: [200] },
  { route: 'GET /ResourceTypes/{id}', what: 'reads a resource type', method: 'GET', path: () => '/ResourceTypes/User', status: [200] },
  { route: 'GET /Schemas', what: 'lists schemas', method: 'GET', path: () => '/Schemas', status: [200] },
  { route: 'GET /Schemas/{id}', what: 'reads a schema', method: 'GET', path: () => `/Schemas/${USER}`, status: [200] },
];

const scim = useScimServer();
let asA: Client;
let asB: Client;
const world: World = { a: { userIds: [], groupId: '' }, b: { userIds: [], userNames: [], externalIds: [], groupId: '', groupName: '' } };

/** Every item of a tenant, straight from the table. */
async function itemsOf(tenant: string): Promise<Array<Record<string, unknown>>> {
  const client = createDocumentClient(scim.server.dynamoDbEndpoint);
  const items: Array<Record<string, unknown>> = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: scim.server.tableName, ConsistentRead: true, ExclusiveStartKey }));
    items.push(...(page.Items ?? []).filter((item) => String(item.pk).startsWith(`T#${tenant}#`)));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items.sort((x, y) => `${x.pk} ${x.sk}`.localeCompare(`${y.pk} ${y.sk}`));
}

/** B as B sees it, through the HTTP adapter. */
async function bAsB() {
  const users = await asB('GET', '/Users?count=200');
  const groups = await asB('GET', '/Groups');
  return { users: users.body, groups: groups.body };
}

let bItems: Array<Record<string, unknown>>;
let bView: Awaited<ReturnType<typeof bAsB>>;

beforeAll(async () => {
  const tenants = scim.server.tenants();
  asA = scim.as(await tenants.create('tenant-a'));
  asB = scim.as(await tenants.create('tenant-b'));

  for (const index of [1, 2, 3]) {
    const userName = `b-user-${index}@tenant-b.example`;
    const created = await asB('POST', '/Users', user(userName, `b-ext-${index}`));
    expect(created.status).toBe(201);
    world.b.userIds.push(created.body.id);
    world.b.userNames.push(userName);
    world.b.externalIds.push(`b-ext-${index}`);
  }
  world.b.groupName = 'B engineering';
  const bGroup = await asB('POST', '/Groups', { schemas: [GROUP], displayName: world.b.groupName, members: members(world.b.userIds) });
  expect(bGroup.status).toBe(201);
  world.b.groupId = bGroup.body.id;

  const aUser = await asA('POST', '/Users', user('a-user@tenant-a.example', 'a-ext-1'));
  world.a.userIds.push(aUser.body.id);
  const aGroup = await asA('POST', '/Groups', { schemas: [GROUP], displayName: 'A team', members: members(world.a.userIds) });
  world.a.groupId = aGroup.body.id;

  await scim.server.drainStreams();
  bItems = await itemsOf('tenant-b');
  bView = await bAsB();
  expect(bItems.length).toBeGreaterThanOrEqual(3 + 1 + 3 * 2);
  expect(bView.users.totalResults).toBe(3);
});

describe("tenant A's token against tenant B's data", () => {
  it.each(cases.map((c) => [`${c.method} ${c.what}`, c] as const))('%s: answers nothing of B and changes nothing of B', async (_name, c) => {
    const body = c.body?.(world);
    const response = await asA(c.method, c.path(world), body);
    expect(c.status.includes(response.status) ? 'as expected' : { status: response.status, body: response.body }).toBe('as expected');
    await c.then?.(response, world, asA);

    // Nothing of B in what A was told: its ids and values, unless A itself sent them.
    const path = c.path(world);
    const sent = `${path} ${JSON.stringify(body ?? '')}`;
    const markers = [...world.b.userIds, world.b.groupId, ...world.b.userNames, ...world.b.externalIds, world.b.groupName].filter((marker) => !sent.includes(marker));
    const told = `${response.text} ${[...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}`;
    for (const marker of markers) expect({ marker, found: told.includes(marker) }).toEqual({ marker, found: false });
    // A refusal about B's id is word for word the refusal about an id nobody has: A cannot tell B's exist.
    if (response.status >= 400) {
      const bIds = [...world.b.userIds, world.b.groupId];
      const swap = (text: string, from: string[], to: string[]) => from.reduce((result, id, index) => result.split(id).join(to[index]), text);
      const nobody = bIds.map(() => randomUUID());
      const probe = await asA(c.method, swap(path, bIds, nobody), body === undefined ? undefined : JSON.parse(swap(JSON.stringify(body), bIds, nobody)));
      expect({ status: probe.status, text: swap(probe.text, nobody, bIds) }).toEqual({ status: response.status, text: response.text });
    }

    // B is exactly as it was, item for item, and as B sees itself; nothing of A's refers to B.
    await scim.server.drainStreams();
    expect(await itemsOf('tenant-b')).toEqual(bItems);
    expect(await bAsB()).toEqual(bView);
    // A's own trail of its refused writes names the ids A sent (a 404 for each): A's request, not B's data.
    const aItems = JSON.stringify((await itemsOf('tenant-a')).filter((item) => item[itemAttributes.itemType] !== REFUSAL));
    for (const id of [...world.b.userIds, world.b.groupId]) expect({ id, inA: aItems.includes(id) }).toEqual({ id, inA: false });
  });

  it('every route in the route table has at least one case (lower-case aliases run the same code)', () => {
    const covered = new Set(cases.map((c) => c.route));
    const canonical = allRoutes().filter((route) => !route.alias);
    expect(canonical.map((route) => `${route.method} ${route.path}`).filter((route) => !covered.has(route))).toEqual([]);
  });
});

describe("tenant B's own token", () => {
  it('still sees and changes all of its data after everything A tried', async () => {
    const group = await asB('GET', `/Groups/${world.b.groupId}`);
    expect(group.status).toBe(200);
    expect(group.body.members.map((m: { value: string }) => m.value).sort()).toEqual([...world.b.userIds].sort());
    expect((await asB('PATCH', `/Users/${world.b.userIds[0]}`, patchOp({ op: 'replace', path: 'active', value: false }))).status).toBe(200);
    expect((await asB('DELETE', `/Users/${world.b.userIds[2]}`)).status).toBe(204);
  });
});
