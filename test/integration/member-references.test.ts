import { unique } from '../support/scim-server';
import { useScimServer } from '../support/scim-fixture';
import { aGroup, memberRefs, sorted } from '../support/builders';
import { GROUP, PATCH, USER } from '../support/urns';

const scim = useScimServer();

type Reference = Record<string, string>;
const byValue = (a: Reference, b: Reference) => a.value.localeCompare(b.value);

/** What the group shows of its members, as a client reads them: references, in a stable order. */
async function membersOf(groupId: string, query = ''): Promise<Reference[]> {
  const response = await scim('GET', `/Groups/${groupId}${query}`);
  expect(response.status).toBe(200);
  return [...(response.body.members ?? [])].sort(byValue);
}

async function newMembers() {
  const [ada, grace] = await scim.createUsers(2, (index) => ({ displayName: unique(index === 0 ? 'Ada' : 'Grace') }));
  return { ada, grace, ids: sorted([ada.id, grace.id]) };
}

describe('a group shows what /Schemas advertises of its members (RFC 7643 §4.2)', () => {
  it('answers every member with value, $ref (its location) and type "User", and no display by default', async () => {
    const { ids } = await newMembers();
    const created = await scim('POST', '/Groups', aGroup({ members: memberRefs(ids) }));
    expect(created.status).toBe(201);
    const expected = ids.map((id) => ({ value: id, $ref: `${scim.server.baseUrl}/Users/${id}`, type: 'User' }));
    expect([...created.body.members].sort(byValue)).toEqual(expected);
    expect(await membersOf(created.body.id)).toEqual(expected);
    const listed = await scim('GET', `/Groups?filter=${encodeURIComponent(`id eq "${created.body.id}"`)}`);
    expect([...listed.body.Resources[0].members].sort(byValue)).toEqual(expected);
  });

  it('points each $ref at the member itself', async () => {
    const { ada } = await newMembers();
    const group = await scim.createGroup({ members: memberRefs([ada.id]) });
    const [member] = await membersOf(group.id);
    expect(member.$ref.startsWith(scim.server.baseUrl)).toBe(true);
    const read = await scim('GET', member.$ref.slice(scim.server.baseUrl.length));
    expect({ status: read.status, id: read.body.id, location: read.body.meta.location }).toEqual({ status: 200, id: ada.id, location: member.$ref });
  });

  it('answers ?attributes=members.type,members.$ref with those of every member', async () => {
    const { ids } = await newMembers();
    const group = await scim.createGroup({ members: memberRefs(ids) });
    const response = await scim('GET', `/Groups/${group.id}?attributes=members.type,members.$ref`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      schemas: [GROUP],
      id: group.id,
      members: expect.arrayContaining(ids.map((id) => ({ type: 'User', $ref: `${scim.server.baseUrl}/Users/${id}` }))),
    });
    expect(response.body.members).toHaveLength(2);
    expect(await membersOf(group.id, '?attributes=members.value')).toEqual(ids.map((value) => ({ value })));
  });

  it('shows members.display (the displayName) when attributes asks for it, and a rename changes the ETag', async () => {
    const { ada, grace, ids } = await newMembers();
    const group = await scim.createGroup({ members: memberRefs(ids) });
    const asked = await scim('GET', `/Groups/${group.id}?attributes=members.display,members.value`);
    expect([...asked.body.members].sort(byValue)).toEqual(
      [
        { value: ada.id, display: ada.displayName },
        { value: grace.id, display: grace.displayName },
      ].sort(byValue),
    );
    const renamed = unique('Ada King');
    expect((await scim('PATCH', `/Users/${ada.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: renamed }] })).status).toBe(200);
    const again = await scim('GET', `/Groups/${group.id}?attributes=members.display`, undefined, { 'If-None-Match': asked.headers.get('etag')! });
    expect(again.status).toBe(200);
    expect(again.body.members).toEqual(expect.arrayContaining([{ display: renamed }]));
  });

  it('still leaves members out with excludedAttributes=members (Entra ID)', async () => {
    const { ids } = await newMembers();
    const group = await scim.createGroup({ members: memberRefs(ids) });
    const response = await scim('GET', `/Groups/${group.id}?excludedAttributes=members`);
    expect(response.status).toBe(200);
    expect(response.body.members).toBeUndefined();
  });
});

describe("a user's groups carry their $ref (RFC 7643 §4.1.2)", () => {
  it('answers value, $ref, display and type "direct", also with attributes=groups.$ref', async () => {
    const user = await scim.createUser();
    const group = await scim.createGroup({ members: memberRefs([user.id]) });
    const $ref = `${scim.server.baseUrl}/Groups/${group.id}`;
    const read = await scim('GET', `/Users/${user.id}`);
    expect(read.body.groups).toEqual([{ value: group.id, $ref, display: group.displayName, type: 'direct' }]);
    const narrowed = await scim('GET', `/Users/${user.id}?attributes=groups.$ref`);
    expect(narrowed.body).toEqual({ schemas: [USER], id: user.id, groups: [{ $ref }] });
    expect((await scim('GET', $ref.slice(scim.server.baseUrl.length))).body.id).toBe(group.id);
  });
});

describe('GET /Schemas advertises only what is returned', () => {
  it('names photos.value a reference to something external, and members.display as returned on request', async () => {
    const user = (await scim('GET', `/Schemas/${USER}`)).body;
    const photos = user.attributes.find((attribute: { name: string }) => attribute.name === 'photos');
    expect(photos.subAttributes.find((sub: { name: string }) => sub.name === 'value')).toMatchObject({ type: 'reference', referenceTypes: ['external'] });
    const group = (await scim('GET', `/Schemas/${GROUP}`)).body;
    const members = group.attributes.find((attribute: { name: string }) => attribute.name === 'members');
    const returned = Object.fromEntries(members.subAttributes.map((sub: { name: string; returned: string }) => [sub.name, sub.returned]));
    expect(returned).toEqual({ value: 'default', $ref: 'default', type: 'default', display: 'request' });
  });
});
