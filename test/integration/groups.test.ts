import { expectScimError, unique } from '../support/scim-server';
import { useScimServer } from '../support/scim-fixture';
import { aGroup, sorted } from '../support/builders';
import { USER, GROUP, PATCH, LIST, PROVISIONING_GROUP } from '../support/urns';

const scim = useScimServer();


// Members each with a display name of their own, so a member's `display` shows whose it is.
const newUser = () => scim.createUser({ displayName: unique('Grace Hopper') });
const newUsers = (count: number) => scim.createUsers(count, () => ({ displayName: unique('Grace Hopper') }));
const { createGroup: newGroup, patchGroup: patch, memberIds } = scim;

const member = (user: { id: string; displayName?: string }) => ({ value: user.id, display: user.displayName });
const idsOf = (resources: Array<{ id: string }>) => resources.map((resource) => resource.id);

async function find(filter: string, extra = '') {
  const response = await scim('GET', `/Groups?filter=${encodeURIComponent(filter)}${extra}`);
  expect(response.status).toBe(200);
  return response.body;
}

describe('POST /Groups', () => {
  it('creates a group without members (Okta sends members: []) with 201, Location, ETag and meta', async () => {
    const body = aGroup({ externalId: unique('00g') });
    const response = await scim('POST', '/Groups', body);
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toContain('application/scim+json');
    const location = `${scim.server.baseUrl}/Groups/${response.body.id}`;
    expect(response.headers.get('location')).toBe(location);
    expect(response.headers.get('etag')).toBe(response.body.meta.version);
    expect(response.body).toMatchObject({
      schemas: [GROUP, PROVISIONING_GROUP],
      displayName: body.displayName,
      externalId: body.externalId,
      meta: { resourceType: 'Group', location },
    });
    expect(typeof response.body.id).toBe('string');
    expect(Date.parse(response.body.meta.created)).not.toBeNaN();
    expect(Date.parse(response.body.meta.lastModified)).not.toBeNaN();
    expect(response.body.members ?? []).toEqual([]);
    const read = await scim('GET', `/Groups/${response.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: response.body.id, displayName: body.displayName, meta: { resourceType: 'Group', version: response.body.meta.version } });
  });

  it('creates a group with members and lists them as {value}', async () => {
    const [first, second] = await newUsers(2);
    const response = await scim('POST', '/Groups', aGroup({ members: [member(first), member(second)] }));
    expect(response.status).toBe(201);
    expect(response.body.meta.resourceType).toBe('Group');
    const members = response.body.members as Array<Record<string, unknown>>;
    expect(members.map((m) => m.value).sort()).toEqual(sorted([first.id, second.id]));
    for (const entry of members) expect(typeof entry.value).toBe('string');
    expect(await memberIds(response.body.id)).toEqual(sorted([first.id, second.id]));
  });

  it('skips an unknown member id on create instead of refusing the group', async () => {
    const user = await newUser();
    const response = await scim('POST', '/Groups', aGroup({ members: [member(user), { value: 'no-such-user-0000' }] }));
    expect(response.status).toBe(201);
    expect(await memberIds(response.body.id)).toEqual([user.id]);
  });

  it('refuses a displayName that differs only in case with 409 uniqueness and keeps one group', async () => {
    const group = await newGroup();
    expectScimError(await scim('POST', '/Groups', aGroup({ displayName: group.displayName.toUpperCase() })), 409, 'uniqueness');
    const list = await find(`displayName eq "${group.displayName}"`);
    expect(list.totalResults).toBe(1);
    expect(idsOf(list.Resources)).toEqual([group.id]);
  });

  it('lets exactly one of 50 concurrent creates of one displayName in different cases win', async () => {
    const displayName = unique('racing-group-name');
    const variants = Array.from({ length: 50 }, (_, index) =>
      [...displayName].map((char, position) => ((index >> (position % 6)) & 1 ? char.toUpperCase() : char)).join(''),
    );
    const responses = await Promise.all(variants.map((name) => scim('POST', '/Groups', aGroup({ displayName: name }))));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(49);
    for (const response of responses.filter((r) => r.status === 409)) expect(response.body.scimType).toBe('uniqueness');
    const list = await find(`displayName eq "${displayName}"`, '&count=100');
    expect(list.totalResults).toBe(1);
    expect(list.Resources[0].id).toBe(responses.find((r) => r.status === 201)!.body.id);
  }, 30_000);

  it('answers 400 invalidValue when displayName is missing and creates nothing', async () => {
    const before = await scim('GET', '/Groups?count=0');
    expectScimError(await scim('POST', '/Groups', { schemas: [GROUP], members: [] }), 400, 'invalidValue');
    const after = await scim('GET', '/Groups?count=0');
    expect(after.body.totalResults).toBe(before.body.totalResults);
  });

  it('answers 400 invalidSyntax for malformed JSON', async () => {
    expectScimError(await scim('POST', '/Groups', '{"displayName": "Broken",'), 400, 'invalidSyntax');
  });
});

describe('GET /Groups', () => {
  it('reads a group by id with its members and ETag, and answers 404 for an unknown id', async () => {
    const user = await newUser();
    const group = await newGroup({ members: [member(user)] });
    const response = await scim('GET', `/Groups/${group.id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe(response.body.meta.version);
    expect(response.body).toMatchObject({ schemas: [GROUP, PROVISIONING_GROUP], id: group.id, displayName: group.displayName, meta: { resourceType: 'Group' } });
    expect(response.body.members.map((m: { value: string }) => m.value)).toEqual([user.id]);
    expectScimError(await scim('GET', '/Groups/00000000-0000-4000-8000-000000000000'), 404);
  });

  it('finds groups by displayName (case-insensitively), externalId, id, and members.value', async () => {
    const [inBoth, inOne, inNone] = await newUsers(3);
    const group = await newGroup({ externalId: unique('00gExt'), members: [member(inBoth), member(inOne)] });
    const other = await newGroup({ members: [member(inBoth)] });
    const cases: Array<[string, string[]]> = [
      [`displayName eq "${group.displayName.toUpperCase()}"`, [group.id]],
      [`displayName eq "${group.displayName.toLowerCase()}"`, [group.id]],
      [`externalId eq "${group.externalId}"`, [group.id]],
      [`id eq "${group.id}"`, [group.id]],
      [`members.value eq "${inOne.id}"`, [group.id]],
      [`members.value eq "${inBoth.id}"`, sorted([group.id, other.id])],
      [`members.value eq "${inNone.id}"`, []],
      [`displayName eq "${other.displayName}" and members.value eq "${inBoth.id}"`, [other.id]],
      [`displayName eq "${other.displayName}" and members.value eq "${inOne.id}"`, []],
      [`members[value eq "${inOne.id}"]`, [group.id]],
      [`members.value eq "${inOne.id}" or displayName eq "${other.displayName}"`, sorted([group.id, other.id])],
      [`Members.Value eq "${inOne.id}"`, [group.id]],
      // RFC 7643 §3.1: externalId is caseExact.
      [`externalId eq "${group.externalId.toUpperCase()}"`, []],
    ];
    for (const [filter, expected] of cases) {
      const list = await find(filter);
      expect({ filter, ids: sorted(idsOf(list.Resources)), total: list.totalResults }).toEqual({ filter, ids: expected, total: expected.length });
    }
  });

  it('answers an empty ListResponse for a displayName nobody has', async () => {
    const list = await find('displayName eq "no such group anywhere"', '&startIndex=1&count=100');
    expect(list).toEqual({ schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
  });

  it('pages with integer fields, itemsPerPage equal to what is returned, in a stable order', async () => {
    for (let index = 0; index < 5; index++) await newGroup();
    const all = await scim('GET', '/Groups?startIndex=1&count=1000');
    expect(all.status).toBe(200);
    const total = all.body.totalResults;
    expect(Number.isInteger(total)).toBe(true);
    expect(total).toBeGreaterThanOrEqual(5);
    expect(all.body.Resources).toHaveLength(total);
    const seen: string[] = [];
    for (let startIndex = 1; startIndex <= total; startIndex += 2) {
      const page = await scim('GET', `/Groups?startIndex=${startIndex}&count=2`);
      expect(page.body).toMatchObject({ schemas: [LIST], startIndex, totalResults: total });
      expect(Number.isInteger(page.body.itemsPerPage)).toBe(true);
      expect(page.body.itemsPerPage).toBe(page.body.Resources.length);
      expect(page.body.itemsPerPage).toBe(Math.min(2, total - startIndex + 1));
      seen.push(...idsOf(page.body.Resources));
    }
    expect(seen).toEqual(idsOf(all.body.Resources));
    const zero = await scim('GET', '/Groups?count=0');
    expect(zero.body).toMatchObject({ totalResults: total, itemsPerPage: 0, Resources: [] });
  });

  it('pages a members.value filter too', async () => {
    const user = await newUser();
    const groups = [];
    for (let index = 0; index < 3; index++) groups.push(await newGroup({ members: [member(user)] }));
    const filter = encodeURIComponent(`members.value eq "${user.id}"`);
    const first = await scim('GET', `/Groups?filter=${filter}&startIndex=1&count=2`);
    const second = await scim('GET', `/Groups?filter=${filter}&startIndex=3&count=2`);
    expect(first.body).toMatchObject({ totalResults: 3, startIndex: 1, itemsPerPage: 2 });
    expect(second.body).toMatchObject({ totalResults: 3, startIndex: 3, itemsPerPage: 1 });
    expect(sorted([...idsOf(first.body.Resources), ...idsOf(second.body.Resources)])).toEqual(sorted(groups.map((g) => g.id)));
  });

  it('leaves members out with excludedAttributes=members (Entra) and narrows with attributes=displayName', async () => {
    const user = await newUser();
    const group = await newGroup({ members: [member(user)] });
    const excluded = await scim('GET', `/Groups/${group.id}?excludedAttributes=members`);
    expect(excluded.status).toBe(200);
    expect(excluded.body.members).toBeUndefined();
    expect(excluded.body).toMatchObject({ id: group.id, displayName: group.displayName, meta: { resourceType: 'Group' } });
    const listed = await find(`displayName eq "${group.displayName}"`, '&excludedAttributes=members');
    expect(listed.Resources).toHaveLength(1);
    expect(listed.Resources[0].members).toBeUndefined();
    expect(listed.Resources[0].displayName).toBe(group.displayName);
    const narrowed = await scim('GET', `/Groups/${group.id}?attributes=displayName`);
    expect(narrowed.body).toEqual({ schemas: [GROUP], id: group.id, displayName: group.displayName });
    const narrowedList = await find(`id eq "${group.id}"`, '&attributes=displayName');
    expect(narrowedList.Resources).toEqual([{ schemas: [GROUP], id: group.id, displayName: group.displayName }]);
    const onlyMembers = await scim('GET', `/Groups/${group.id}?attributes=members`);
    expect(onlyMembers.body.members.map((m: { value: string }) => m.value)).toEqual([user.id]);
    expect(onlyMembers.body.displayName).toBeUndefined();
  });

  it('answers 400 invalidFilter for a malformed filter', async () => {
    for (const filter of ['displayName eq', 'displayName zz "x"', 'members[value eq "x"', '(displayName eq "x"']) {
      const response = await scim('GET', `/Groups?filter=${encodeURIComponent(filter)}`);
      expectScimError(response, 400, 'invalidFilter');
    }
  });
});

describe('PUT /Groups/{id}', () => {
  it('replaces the member list and renames, as Okta classic apps do', async () => {
    const [a, b, c] = await newUsers(3);
    const group = await newGroup({ members: [member(a), member(b)] });
    const read = (await scim('GET', `/Groups/${group.id}`)).body;
    const renamed = `${group.displayName} (renamed)`;
    // Okta echoes what it read, id and meta included.
    const response = await scim('PUT', `/Groups/${group.id}`, { ...read, displayName: renamed, members: [member(b), member(c)] });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: group.id, displayName: renamed, meta: { resourceType: 'Group' } });
    expect(response.body.meta.version).not.toBe(read.meta.version);
    expect(response.headers.get('etag')).toBe(response.body.meta.version);
    expect(response.body.members.map((m: { value: string }) => m.value).sort()).toEqual(sorted([b.id, c.id]));
    expect(await memberIds(group.id)).toEqual(sorted([b.id, c.id]));
    expect((await find(`displayName eq "${group.displayName}"`)).totalResults).toBe(0);
    expect(idsOf((await find(`displayName eq "${renamed.toUpperCase()}"`)).Resources)).toEqual([group.id]);
    expect(idsOf((await find(`members.value eq "${a.id}"`)).Resources)).toEqual([]);
    expect(idsOf((await find(`members.value eq "${c.id}"`)).Resources)).toEqual([group.id]);
    // The old name is free again, the new one taken.
    expect((await scim('POST', '/Groups', aGroup({ displayName: group.displayName }))).status).toBe(201);
    expectScimError(await scim('POST', '/Groups', aGroup({ displayName: renamed.toLowerCase() })), 409, 'uniqueness');
  });

  it('renames to another letter case of its own name', async () => {
    const group = await newGroup();
    const response = await scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP], displayName: group.displayName.toUpperCase() });
    expect(response.status).toBe(200);
    expect(response.body.displayName).toBe(group.displayName.toUpperCase());
    expect(idsOf((await find(`displayName eq "${group.displayName}"`)).Resources)).toEqual([group.id]);
  });

  it('clears the members when the body has none (RFC 7644 §3.5.1)', async () => {
    const [a, b] = await newUsers(2);
    const group = await newGroup({ members: [member(a), member(b)] });
    const response = await scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP], displayName: group.displayName });
    expect(response.status).toBe(200);
    expect(response.body.members ?? []).toEqual([]);
    expect(await memberIds(group.id)).toEqual([]);
    expect((await find(`members.value eq "${a.id}"`)).totalResults).toBe(0);
  });

  it('answers 404 for an unknown id and creates nothing', async () => {
    const user = await newUser();
    const body = aGroup({ members: [member(user)] });
    expectScimError(await scim('PUT', '/Groups/00000000-0000-4000-8000-00000000abcd', body), 404);
    expect((await find(`displayName eq "${body.displayName}"`)).totalResults).toBe(0);
    expect((await find(`members.value eq "${user.id}"`)).totalResults).toBe(0);
  });

  it('answers 409 when renaming onto another group\'s displayName, and changes nothing', async () => {
    const user = await newUser();
    const first = await newGroup();
    const second = await newGroup({ members: [member(user)] });
    const response = await scim('PUT', `/Groups/${second.id}`, { schemas: [GROUP], displayName: first.displayName.toUpperCase(), members: [] });
    expectScimError(response, 409, 'uniqueness');
    const after = await scim('GET', `/Groups/${second.id}`);
    expect(after.body.displayName).toBe(second.displayName);
    expect(after.body.meta.version).toBe(second.meta.version);
    expect(await memberIds(second.id)).toEqual([user.id]);
  });

  it('answers 400 invalidValue without displayName, and changes nothing', async () => {
    const user = await newUser();
    const group = await newGroup({ members: [member(user)] });
    expectScimError(await scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP], members: [] }), 400, 'invalidValue');
    const after = await scim('GET', `/Groups/${group.id}`);
    expect(after.body.displayName).toBe(group.displayName);
    expect(after.body.meta.version).toBe(group.meta.version);
    expect(await memberIds(group.id)).toEqual([user.id]);
  });
});

describe('PATCH /Groups/{id}', () => {
  it('adds members as Okta does and answers 204 with the new ETag', async () => {
    const [a, b] = await newUsers(2);
    const group = await newGroup();
    const response = await patch(group.id, [{ op: 'add', path: 'members', value: [member(a), member(b)] }]);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    const read = await scim('GET', `/Groups/${group.id}`);
    expect(read.body.meta.version).not.toBe(group.meta.version);
    expect(response.headers.get('etag')).toBe(read.body.meta.version);
    expect(await memberIds(group.id)).toEqual(sorted([a.id, b.id]));
  });

  it('removes one member with path members[value eq "…"]', async () => {
    const [a, b, c] = await newUsers(3);
    const group = await newGroup({ members: [member(a), member(b), member(c)] });
    const response = await patch(group.id, [{ op: 'remove', path: `members[value eq "${b.id}"]` }]);
    expect(response.status).toBe(204);
    expect(await memberIds(group.id)).toEqual(sorted([a.id, c.id]));
  });

  it('removes only the listed member with Entra\'s {"op":"Remove","path":"members","value":[…]}', async () => {
    const [a, b, c] = await newUsers(3);
    const group = await newGroup({ members: [member(a), member(b), member(c)] });
    const response = await patch(group.id, [{ op: 'Remove', path: 'members', value: [{ value: a.id }] }]);
    expect(response.status).toBe(204);
    expect(await memberIds(group.id)).toEqual(sorted([b.id, c.id]));
  });

  it('replaces members with a list, and clears them with []', async () => {
    const [a, b, c, d] = await newUsers(4);
    const group = await newGroup({ members: [member(a), member(b)] });
    expect((await patch(group.id, [{ op: 'replace', path: 'members', value: [member(b), member(c), member(d)] }])).status).toBe(204);
    expect(await memberIds(group.id)).toEqual(sorted([b.id, c.id, d.id]));
    expect((await patch(group.id, [{ op: 'replace', path: 'members', value: [] }])).status).toBe(204);
    expect(await memberIds(group.id)).toEqual([]);
    expect((await find(`members.value eq "${b.id}"`)).totalResults).toBe(0);
  });

  it('renames with a path-less replace carrying the unchanged id (Okta) and keeps the members', async () => {
    const user = await newUser();
    const group = await newGroup({ members: [member(user)] });
    const renamed = unique('Renamed');
    const response = await patch(group.id, [{ op: 'replace', value: { id: group.id, displayName: renamed } }]);
    expect(response.status).toBe(204);
    const read = await scim('GET', `/Groups/${group.id}`);
    expect(read.body).toMatchObject({ id: group.id, displayName: renamed });
    expect(await memberIds(group.id)).toEqual([user.id]);
    expect(idsOf((await find(`displayName eq "${renamed}"`)).Resources)).toEqual([group.id]);
    expect((await find(`displayName eq "${group.displayName}"`)).totalResults).toBe(0);
  });

  it('answers 409 uniqueness for a PATCH rename onto another group\'s displayName, and changes nothing', async () => {
    const first = await newGroup();
    const second = await newGroup();
    const response = await patch(second.id, [{ op: 'replace', value: { id: second.id, displayName: first.displayName.toUpperCase() } }]);
    expectScimError(response, 409, 'uniqueness');
    const after = await scim('GET', `/Groups/${second.id}`);
    expect(after.body.displayName).toBe(second.displayName);
    expect(after.body.meta.version).toBe(second.meta.version);
  });

  it('accepts the capitalised ops Entra ID sends', async () => {
    const [a, b, c] = await newUsers(3);
    const group = await newGroup();
    const renamed = unique('Entra Renamed');
    const response = await patch(group.id, [
      { op: 'Add', path: 'members', value: [{ value: a.id }, { value: b.id }, { value: c.id }] },
      { op: 'Replace', path: 'displayName', value: renamed },
      { op: 'Remove', path: 'members', value: [{ value: b.id }] },
    ]);
    expect(response.status).toBe(204);
    const read = await scim('GET', `/Groups/${group.id}`);
    expect(read.body.displayName).toBe(renamed);
    expect(await memberIds(group.id)).toEqual(sorted([a.id, c.id]));
    expect((await patch(group.id, [{ op: 'REMOVE', path: `members[value eq "${a.id}"]` }])).status).toBe(204);
    expect(await memberIds(group.id)).toEqual([c.id]);
  });

  it('treats adding an existing member as a no-op: no duplicate', async () => {
    const [a, b] = await newUsers(2);
    const group = await newGroup({ members: [member(a)] });
    const response = await patch(group.id, [
      { op: 'add', path: 'members', value: [member(a), member(b)] },
      { op: 'add', path: 'members', value: [member(a)] },
    ]);
    expect(response.status).toBe(204);
    expect((await patch(group.id, [{ op: 'add', path: 'members', value: [member(a)] }])).status).toBe(204);
    const read = await scim('GET', `/Groups/${group.id}`);
    expect(read.body.members.map((m: { value: string }) => m.value).sort()).toEqual(sorted([a.id, b.id]));
  });

  it('answers 204 to removing a non-member and changes no membership', async () => {
    const [a, outsider] = await newUsers(2);
    const group = await newGroup({ members: [member(a)] });
    expect((await patch(group.id, [{ op: 'remove', path: `members[value eq "${outsider.id}"]` }])).status).toBe(204);
    expect((await patch(group.id, [{ op: 'Remove', path: 'members', value: [{ value: outsider.id }] }])).status).toBe(204);
    expect((await patch(group.id, [{ op: 'remove', path: 'members[value eq "never-existed-0000"]' }])).status).toBe(204);
    expect(await memberIds(group.id)).toEqual([a.id]);
  });

  it('skips an unknown member id and a group id, and applies the rest (204, not 400)', async () => {
    const [a, b] = await newUsers(2);
    const otherGroup = await newGroup();
    const group = await newGroup();
    const response = await patch(group.id, [
      { op: 'add', path: 'members', value: [member(a), { value: '11111111-2222-4333-8444-555555555555' }, { value: otherGroup.id }, member(b)] },
    ]);
    expect(response.status).toBe(204);
    expect(await memberIds(group.id)).toEqual(sorted([a.id, b.id]));
    expect((await find(`members.value eq "${otherGroup.id}"`)).totalResults).toBe(0);
    const replaced = await patch(group.id, [{ op: 'replace', path: 'members', value: [{ value: 'ghost-user' }, member(b)] }]);
    expect(replaced.status).toBe(204);
    expect(await memberIds(group.id)).toEqual([b.id]);
  });

  it('answers 200 with the member list when ?attributes=members is asked', async () => {
    const [a, b] = await newUsers(2);
    const group = await newGroup({ members: [member(a)] });
    const response = await patch(group.id, [{ op: 'add', path: 'members', value: [member(b)] }], { query: '?attributes=members' });
    expect(response.status).toBe(200);
    expect(response.body.id).toBe(group.id);
    expect(response.body.members.map((m: { value: string }) => m.value).sort()).toEqual(sorted([a.id, b.id]));
    expect(response.headers.get('etag')).toBe((await scim('GET', `/Groups/${group.id}`)).body.meta.version);
  });

  it('refuses a member without a value with 400 invalidValue, applying none of the request', async () => {
    const [a, b] = await newUsers(2);
    const group = await newGroup({ members: [member(a)] });
    const alone = await patch(group.id, [{ op: 'add', path: 'members', value: [{ display: 'no value' }] }]);
    expectScimError(alone, 400, 'invalidValue');
    const mixed = await patch(group.id, [
      { op: 'replace', path: 'displayName', value: 'Should Not Stick' },
      { op: 'add', path: 'members', value: [member(b)] },
      { op: 'add', path: 'members', value: [{ display: 'no value' }] },
    ]);
    expectScimError(mixed, 400, 'invalidValue');
    const after = await scim('GET', `/Groups/${group.id}`);
    expect(after.body.displayName).toBe(group.displayName);
    expect(after.body.meta.version).toBe(group.meta.version);
    expect(await memberIds(group.id)).toEqual([a.id]);
  });

  it('takes the other member shapes: path-less add of members, or-ed value filters, and remove of the whole attribute', async () => {
    const [a, b, c, d] = await newUsers(4);
    const group = await newGroup();
    expect((await patch(group.id, [{ op: 'add', value: { members: [member(a), member(b), member(c), member(d)] } }])).status).toBe(204);
    expect(await memberIds(group.id)).toEqual(sorted([a.id, b.id, c.id, d.id]));
    expect((await patch(group.id, [{ op: 'remove', path: `members[value eq "${a.id}" or value eq "${b.id}"]` }])).status).toBe(204);
    expect(await memberIds(group.id)).toEqual(sorted([c.id, d.id]));
    expect((await patch(group.id, [{ op: 'replace', value: { id: group.id, displayName: group.displayName, members: [member(d)] } }])).status).toBe(204);
    expect(await memberIds(group.id)).toEqual([d.id]);
    // RFC 7644 §3.5.2.2: remove without a value or filter clears the attribute.
    expect((await patch(group.id, [{ op: 'remove', path: 'members' }])).status).toBe(204);
    expect(await memberIds(group.id)).toEqual([]);
  });

  it('answers 404 for an unknown group', async () => {
    const user = await newUser();
    expectScimError(await patch('00000000-0000-4000-8000-0000000000ff', [{ op: 'add', path: 'members', value: [member(user)] }]), 404);
    expect((await find(`members.value eq "${user.id}"`)).totalResults).toBe(0);
  });

  it('answers 400 invalidSyntax for a body that is not a PatchOp or is malformed JSON', async () => {
    const group = await newGroup();
    expectScimError(await patch(group.id, []), 400, 'invalidSyntax');
    expectScimError(await scim('PATCH', `/Groups/${group.id}`, '{"schemas": ["x"], "Operations": ['), 400, 'invalidSyntax');
    expect((await scim('GET', `/Groups/${group.id}`)).body.meta.version).toBe(group.meta.version);
  });
});

describe("the user's groups attribute", () => {
  it('lists the groups a user is in with value and display, follows renames, and drops removed ones', async () => {
    const user = await newUser();
    const first = await newGroup({ members: [member(user)] });
    const second = await newGroup({ members: [member(user)] });
    const groupsOf = async () => {
      const response = await scim('GET', `/Users/${user.id}`);
      expect(response.status).toBe(200);
      return ((response.body.groups ?? []) as Array<{ value: string; display: string }>)
        .map(({ value, display }) => ({ value, display }))
        .sort((x, y) => x.value.localeCompare(y.value));
    };
    const expected = (groups: Array<{ id: string; displayName: string }>) =>
      groups.map((g) => ({ value: g.id, display: g.displayName })).sort((x, y) => x.value.localeCompare(y.value));

    expect(await groupsOf()).toEqual(expected([first, second]));
    const byFilter = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`);
    expect(byFilter.body.Resources[0].groups.map((g: { value: string }) => g.value).sort()).toEqual(sorted([first.id, second.id]));

    const renamed = unique('Renamed for user');
    expect((await patch(first.id, [{ op: 'replace', value: { id: first.id, displayName: renamed } }])).status).toBe(204);
    expect(await groupsOf()).toEqual(expected([{ id: first.id, displayName: renamed }, second]));

    expect((await patch(second.id, [{ op: 'remove', path: `members[value eq "${user.id}"]` }])).status).toBe(204);
    expect(await groupsOf()).toEqual(expected([{ id: first.id, displayName: renamed }]));

    expect((await patch(first.id, [{ op: 'replace', path: 'members', value: [] }])).status).toBe(204);
    expect(await groupsOf()).toEqual([]);
  });

  it('keeps memberships when a PUT /Users echoes groups: [] (read-only, ignored), and honours attributes/excludedAttributes', async () => {
    const user = await newUser();
    const group = await newGroup({ members: [member(user)] });
    const read = (await scim('GET', `/Users/${user.id}`)).body;
    expect(read.groups.map((g: { value: string }) => g.value)).toEqual([group.id]);
    const put = await scim('PUT', `/Users/${user.id}`, { ...read, groups: [], displayName: 'Changed by PUT' });
    expect(put.status).toBe(200);
    expect(put.body.groups.map((g: { value: string }) => g.value)).toEqual([group.id]);
    expect(await memberIds(group.id)).toEqual([user.id]);
    const only = await scim('GET', `/Users/${user.id}?attributes=groups`);
    expect(only.body).toEqual({ schemas: [USER], id: user.id, groups: [expect.objectContaining({ value: group.id, display: group.displayName })] });
    const without = await scim('GET', `/Users/${user.id}?excludedAttributes=groups`);
    expect(without.body.groups).toBeUndefined();
    expect(without.body.userName).toBe(user.userName);
  });

  it("changes the user's version when their groups change, so a conditional GET never answers 304 with stale groups", async () => {
    const user = await newUser();
    const group = await newGroup();
    const before = await scim('GET', `/Users/${user.id}`);
    expect(before.body.groups).toBeUndefined();
    expect((await patch(group.id, [{ op: 'add', path: 'members', value: [member(user)] }])).status).toBe(204);
    // RFC 7644 §3.14 / RFC 7232 §3.2: 304 only while the representation is unchanged; it now lists the group.
    const conditional = await scim('GET', `/Users/${user.id}`, undefined, { 'If-None-Match': before.body.meta.version });
    expect({ status: conditional.status, groups: (conditional.body?.groups ?? []).map((g: { value: string }) => g.value) }).toEqual({ status: 200, groups: [group.id] });
  });

  it('refuses to change a user\'s groups through the User resource', async () => {
    const user = await newUser();
    const group = await newGroup();
    const response = await scim('PATCH', `/Users/${user.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'groups', value: [{ value: group.id }] }] });
    expect(response.status).toBe(400);
    expect(await memberIds(group.id)).toEqual([]);
  });
});

describe('If-Match on groups', () => {
  it('answers 412 for a wrong version on PATCH, PUT and DELETE and changes nothing', async () => {
    const [a, b] = await newUsers(2);
    const group = await newGroup({ members: [member(a)] });
    const wrong = { 'If-Match': 'W/"999"' };
    expectScimError(await patch(group.id, [{ op: 'add', path: 'members', value: [member(b)] }], { headers: wrong }), 412);
    expectScimError(await patch(group.id, [{ op: 'replace', path: 'displayName', value: 'Nope' }], { headers: wrong }), 412);
    expectScimError(await scim('PUT', `/Groups/${group.id}`, { schemas: [GROUP], displayName: 'Nope', members: [member(b)] }, wrong), 412);
    expectScimError(await scim('DELETE', `/Groups/${group.id}`, undefined, wrong), 412);
    const after = await scim('GET', `/Groups/${group.id}`);
    expect(after.status).toBe(200);
    expect(after.body.displayName).toBe(group.displayName);
    expect(after.body.meta.version).toBe(group.meta.version);
    expect(await memberIds(group.id)).toEqual([a.id]);

    // The current version is accepted, and the next request must name the new one.
    const applied = await patch(group.id, [{ op: 'add', path: 'members', value: [member(b)] }], { headers: { 'If-Match': group.meta.version } });
    expect(applied.status).toBe(204);
    expectScimError(await patch(group.id, [{ op: 'remove', path: `members[value eq "${a.id}"]` }], { headers: { 'If-Match': group.meta.version } }), 412);
    expect(await memberIds(group.id)).toEqual(sorted([a.id, b.id]));
    expect((await scim('DELETE', `/Groups/${group.id}`, undefined, { 'If-Match': applied.headers.get('etag')! })).status).toBe(204);
  });
});

describe('conditional GET of a group', () => {
  it('answers 304 for the current version and 200 once the members changed', async () => {
    const [a, b] = await newUsers(2);
    const group = await newGroup({ members: [member(a)] });
    expect((await scim('GET', `/Groups/${group.id}`, undefined, { 'If-None-Match': group.meta.version })).status).toBe(304);
    expect((await patch(group.id, [{ op: 'add', path: 'members', value: [member(b)] }])).status).toBe(204);
    const changed = await scim('GET', `/Groups/${group.id}`, undefined, { 'If-None-Match': group.meta.version });
    expect(changed.status).toBe(200);
    expect(changed.body.members.map((m: { value: string }) => m.value).sort()).toEqual(sorted([a.id, b.id]));
    expect(Date.parse(changed.body.meta.lastModified)).toBeGreaterThanOrEqual(Date.parse(group.meta.lastModified));
  });
});

describe('DELETE /Groups/{id}', () => {
  it('deletes, then answers 404, and frees the displayName', async () => {
    const user = await newUser();
    const group = await newGroup({ members: [member(user)] });
    expect((await scim('DELETE', `/Groups/${group.id}`)).status).toBe(204);
    expectScimError(await scim('GET', `/Groups/${group.id}`), 404);
    expectScimError(await scim('DELETE', `/Groups/${group.id}`), 404);
    expectScimError(await patch(group.id, [{ op: 'add', path: 'members', value: [member(user)] }]), 404);
    expect((await find(`displayName eq "${group.displayName}"`)).totalResults).toBe(0);
    const again = await scim('POST', '/Groups', aGroup({ displayName: group.displayName }));
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(group.id);
    expect(await memberIds(again.body.id)).toEqual([]);
  });
});
