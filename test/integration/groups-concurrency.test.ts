import { useScimServer } from '../support/scim-fixture';
import { memberRefs, membersOp, sorted } from '../support/builders';
import { GROUP, PATCH } from '../support/urns';

const scim = useScimServer({ ownStore: true });

const newUsers = async (count: number) => (await scim.createUsers(count)).map((user) => user.id);
const newGroup = (memberIds: string[] = []) => scim.createGroup({ members: memberRefs(memberIds) });
const { patchGroup: patch, memberIds: memberIdsOf } = scim;
const { add, removeByFilter, removeByValue } = membersOp;

type Operation = ReturnType<typeof add> | ReturnType<typeof removeByFilter> | ReturnType<typeof removeByValue>;

/** What a sequence of PATCHes does to a member set, applied in order (the RFC 7644 §3.5.2 semantics). */
function simulate(initial: Set<string>, patches: Operation[][]): Set<string> {
  const members = new Set(initial);
  for (const operations of patches) {
    for (const operation of operations) {
      if (operation.op === 'add') for (const { value } of (operation as ReturnType<typeof add>).value) members.add(value);
      else if ('value' in operation) for (const { value } of operation.value) members.delete(value);
      else members.delete(/value eq "([^"]+)"/.exec(operation.path)![1]);
    }
  }
  return members;
}

describe('concurrent membership PATCHes on one group', () => {
  it('16 clients adding and removing their own users leave exactly the member set the operations imply', async () => {
    const CLIENTS = 16;
    const PER_CLIENT = 10;
    const bystanders = await newUsers(4);
    const users = await newUsers(CLIENTS * PER_CLIENT);
    const group = await newGroup(bystanders);

    // Each client works through its own sequence; the clients run at once.
    const plans: Operation[][][] = Array.from({ length: CLIENTS }, (_, client) => {
      const own = users.slice(client * PER_CLIENT, (client + 1) * PER_CLIENT);
      const remove = (id: string) => (client % 2 === 0 ? removeByFilter(id) : removeByValue([id]));
      const plan: Operation[][] = [
        [add(own.slice(0, 4))],
        [add(own.slice(4, 7)), remove(own[1])],
        [add(own.slice(7, 10)), ...(client % 3 === 0 ? [remove(own[4]), remove(own[8])] : [])],
        [remove(own[2]), ...(client % 4 === 0 ? [add([own[1]])] : [])],
      ];
      if (client % 5 === 0) plan.push([removeByValue([own[0], own[3]])]);
      return plan;
    });
    const expected = new Set(bystanders);
    for (const plan of plans) for (const id of simulate(new Set(), plan)) expected.add(id);

    const statuses: number[][] = await Promise.all(
      plans.map(async (plan) => {
        const seen: number[] = [];
        for (const operations of plan) seen.push((await patch(group.id, operations)).status);
        return seen;
      }),
    );
    expect(statuses.flat().filter((status) => status !== 204)).toEqual([]);

    const actual = await memberIdsOf(group.id);
    const missing = sorted(expected).filter((id) => !actual.includes(id));
    const unexpected = actual.filter((id) => !expected.has(id));
    expect({ missing, unexpected }).toEqual({ missing: [], unexpected: [] });
    expect(actual).toEqual(sorted(expected));

    // The other read paths agree: the user's groups attribute and members.value filters.
    const removed = users.filter((id) => !expected.has(id));
    expect(removed.length).toBeGreaterThan(0);
    for (const id of [...removed.slice(0, 5), ...users.filter((u) => expected.has(u)).slice(0, 5)]) {
      const filtered = await scim('GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${id}"`)}&excludedAttributes=members`);
      expect({ id, total: filtered.body.totalResults }).toEqual({ id, total: expected.has(id) ? 1 : 0 });
      const user = await scim('GET', `/Users/${id}`);
      expect({ id, groups: (user.body.groups ?? []).map((g: { value: string }) => g.value) }).toEqual({ id, groups: expected.has(id) ? [group.id] : [] });
    }
  }, 60_000);

  it('16 clients adding the same users at once leave each of them a member exactly once', async () => {
    const users = await newUsers(10);
    const group = await newGroup();
    const responses = await Promise.all(Array.from({ length: 16 }, (_, client) => patch(group.id, [add(client % 2 ? users : [...users].reverse())])));
    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 204));
    expect(await memberIdsOf(group.id)).toEqual(sorted(users));
  }, 30_000);

  it('renames racing with member additions lose no member and end on one of the renames', async () => {
    const RENAMERS = 8;
    const ADDERS = 8;
    const users = await newUsers(ADDERS * 5);
    const group = await newGroup();
    const names = Array.from({ length: RENAMERS }, (_, index) => `${group.displayName} rename ${index}`);

    const renames = names.map((displayName, index) =>
      patch(
        group.id,
        // Okta's path-less replace carrying the unchanged id, or Entra ID's path form.
        index % 2 === 0 ? [{ op: 'replace', value: { id: group.id, displayName } }] : [{ op: 'Replace', path: 'displayName', value: displayName }],
      ),
    );
    const additions = Array.from({ length: ADDERS }, async (_, adder) => {
      const own = users.slice(adder * 5, (adder + 1) * 5);
      const first = await patch(group.id, [add(own.slice(0, 3))]);
      const second = await patch(group.id, [add(own.slice(3))]);
      return [first.status, second.status];
    });
    const renameStatuses = (await Promise.all(renames)).map((response) => ({ status: response.status, detail: response.body?.detail }));
    const addStatuses = (await Promise.all(additions)).flat();
    expect(renameStatuses.filter((r) => r.status !== 204)).toEqual([]);
    expect(addStatuses.filter((status) => status !== 204)).toEqual([]);

    const final = await scim('GET', `/Groups/${group.id}`);
    expect(names).toContain(final.body.displayName);
    expect(((final.body.members ?? []) as Array<{ value: string }>).map((m) => m.value).sort()).toEqual(sorted(users));

    // Only the final name is claimed: lookups find it alone, and every other name is free again.
    const lookup = async (displayName: string) =>
      (await scim('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}&excludedAttributes=members`)).body;
    expect((await lookup(final.body.displayName)).Resources.map((r: { id: string }) => r.id)).toEqual([group.id]);
    for (const name of [group.displayName, ...names.filter((name) => name !== final.body.displayName)]) {
      expect({ name, total: (await lookup(name)).totalResults }).toEqual({ name, total: 0 });
      const created = await scim('POST', '/Groups', { schemas: [GROUP], displayName: name });
      expect({ name, status: created.status }).toEqual({ name, status: 201 });
    }
  }, 60_000);

  it('membership PATCHes racing with the same If-Match version: one applies, the rest answer 412', async () => {
    const RACERS = 10;
    const users = await newUsers(RACERS);
    const group = await newGroup();
    const responses = await Promise.all(
      users.map((user) => scim('PATCH', `/Groups/${group.id}`, { schemas: [PATCH], Operations: [add([user])] }, { 'If-Match': group.meta.version })),
    );
    const statuses = responses.map((response) => response.status);
    const members = await memberIdsOf(group.id);
    // RFC 7644 §3.14 / RFC 7232: a request conditioned on version v applies only while the resource is at v.
    expect({ applied: statuses.filter((status) => status === 204).length, refused: statuses.filter((status) => status === 412).length, members: members.length }).toEqual({
      applied: 1,
      refused: RACERS - 1,
      members: 1,
    });
  }, 30_000);
});

describe('concurrent replacements of the whole member list', () => {
  const WRITERS = 4;
  const PER_WRITER = 25;
  let pool: string[];
  beforeAll(async () => {
    pool = await newUsers(WRITERS * PER_WRITER);
  }, 30_000);

  /**
   * Runs rounds of WRITERS concurrent replacements, each naming the group and its members
   * differently; after each round the group must be exactly what one of them wrote.
   */
  async function race(
    groupId: string,
    rounds: number,
    send: (body: { displayName: string; members: Array<{ value: string }> }) => Promise<{ status: number; body: any }>,
    expectedStatus: number,
    renames = true,
  ) {
    const outcomes: Array<{ round: number; nameFrom: number; membersFrom: number[]; memberCount: number }> = [];
    for (let round = 0; round < rounds; round++) {
      const bodies = Array.from({ length: WRITERS }, (_, writer) => ({
        displayName: `${groupId} round ${round} writer ${writer}`,
        members: pool.slice(writer * PER_WRITER, (writer + 1) * PER_WRITER).map((value) => ({ value })),
      }));
      const responses = await Promise.all(bodies.map(send));
      expect(responses.filter((response) => response.status !== expectedStatus).map((response) => ({ status: response.status, detail: response.body?.detail }))).toEqual([]);
      const final = await scim('GET', `/Groups/${groupId}`);
      const members = sorted(((final.body.members ?? []) as Array<{ value: string }>).map((m) => m.value));
      const membersFrom = bodies.flatMap((body, writer) => (body.members.some((m) => members.includes(m.value)) ? [writer] : []));
      const nameFrom = renames ? bodies.findIndex((body) => body.displayName === final.body.displayName) : membersFrom[0] ?? -1;
      const coherent = nameFrom >= 0 && JSON.stringify(sorted(bodies[nameFrom].members.map((m) => m.value))) === JSON.stringify(members);
      if (!coherent) outcomes.push({ round, nameFrom, membersFrom, memberCount: members.length });
    }
    return outcomes;
  }

  it('concurrent PUTs (Okta classic) leave the group exactly as one of them wrote it', async () => {
    const group = await newGroup();
    const blends = await race(group.id, 4, (body) => scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP], ...body }), 200);
    // RFC 7644 §3.5.1: each PUT replaces the whole resource, so the result is one of them, never a blend.
    expect(blends).toEqual([]);
  }, 60_000);

  it('concurrent PATCH replace of members (Okta catalog) leave exactly the member list of one of them', async () => {
    const group = await newGroup();
    const blends = await race(
      group.id,
      4,
      (body) => patch(group.id, [{ op: 'replace', path: 'members', value: body.members }]),
      204,
      // The name stays; only the member lists race.
      false,
    );
    // Concurrent PATCHes must compose as if applied one after another (as the add/remove ones above do): never a blend of two.
    expect(blends).toEqual([]);
  }, 60_000);
});
