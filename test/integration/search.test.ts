import { randomUUID } from 'node:crypto';
import { expectScimError } from '../support/scim-server';
import { useScimServer } from '../support/scim-fixture';
import { USER, GROUP, SEARCH, LIST, ERROR } from '../support/urns';

const scim = useScimServer();

/** Everything this file creates shares a prefix no other run or test file uses. */
const RUN = `search-${randomUUID().slice(0, 8)}`;
const users: Array<{ id: string; userName: string }> = [];
const groups: Array<{ id: string; displayName: string }> = [];

beforeAll(async () => {
  for (const index of [1, 2, 3, 4, 5]) {
    const response = await scim('POST', '/Users', {
      schemas: [USER],
      userName: `${RUN}.user${index}@example.com`,
      displayName: `${RUN} person ${index}`,
      name: { givenName: 'Grace', familyName: `Hopper${index}` },
      emails: [{ value: `${RUN}.user${index}@example.com`, type: 'work', primary: true }],
      title: index % 2 === 0 ? 'even' : 'odd',
    });
    expect(response.status).toBe(201);
    users.push(response.body);
  }
  for (const index of [1, 2]) {
    const response = await scim('POST', '/Groups', {
      schemas: [GROUP],
      displayName: `${RUN} person group ${index}`,
      members: users.slice(0, index + 1).map((user) => ({ value: user.id })),
    });
    expect(response.status).toBe(201);
    groups.push(response.body);
  }
});

function search(path: string, body: Record<string, unknown>) {
  return scim('POST', path, { schemas: [SEARCH], ...body });
}

const runFilter = `userName sw "${RUN}."`;
const query = (parameters: Record<string, string>) => `?${new URLSearchParams(parameters).toString().replace(/\+/g, '%20')}`;
const ids = (body: any) => (body.Resources as Array<{ id: string }>).map((resource) => resource.id);

describe('POST /{ResourceType}/.search (RFC 7644 §3.4.3)', () => {
  it('answers exactly what GET with the same parameters answers', async () => {
    const parameters = { filter: runFilter, attributes: 'userName,emails', startIndex: '2', count: '2' };
    const get = await scim('GET', `/Users${query(parameters)}`);
    const post = await search('/Users/.search', { filter: runFilter, attributes: ['userName', 'emails'], startIndex: 2, count: 2 });
    expect(get.status).toBe(200);
    expect(post.status).toBe(200);
    expect(post.headers.get('content-type')).toContain('application/scim+json');
    expect(post.body).toEqual(get.body);
    expect(post.body).toMatchObject({ schemas: [LIST], totalResults: 5, startIndex: 2, itemsPerPage: 2 });
    for (const resource of post.body.Resources) {
      expect(Object.keys(resource).sort()).toEqual(['emails', 'id', 'schemas', 'userName']);
    }
  });

  it('pages through every match with startIndex and count', async () => {
    const seen: string[] = [];
    for (let startIndex = 1; startIndex <= 5; startIndex += 2) {
      const page = await search('/Users/.search', { filter: runFilter, startIndex, count: 2 });
      expect(page.body).toMatchObject({ totalResults: 5, startIndex, itemsPerPage: Math.min(2, 5 - startIndex + 1) });
      seen.push(...ids(page.body));
    }
    expect(seen.sort()).toEqual(users.map((user) => user.id).sort());
  });

  it('takes excludedAttributes as an array, and numbers as strings', async () => {
    const response = await search('/Users/.search', { filter: `${runFilter} and title eq "even"`, excludedAttributes: ['emails', 'name'], count: '10' });
    expect(response.status).toBe(200);
    expect(response.body.totalResults).toBe(2);
    for (const resource of response.body.Resources) {
      expect(resource.emails).toBeUndefined();
      expect(resource.name).toBeUndefined();
      expect(resource.userName).toMatch(new RegExp(`^${RUN}\\.user[24]@`));
      expect(resource.meta.resourceType).toBe('User');
    }
  });

  it('reads attribute names case-insensitively, as it does the body keys', async () => {
    const response = await scim('POST', '/Users/.search', { SCHEMAS: [SEARCH], Filter: `USERNAME eq "${users[0].userName.toUpperCase()}"`, ATTRIBUTES: ['USERNAME'] });
    expect(response.status).toBe(200);
    expect(response.body.Resources).toEqual([{ schemas: [USER], id: users[0].id, userName: users[0].userName }]);
  });

  it('accepts sortBy and sortOrder without changing which resources match', async () => {
    const response = await search('/Users/.search', { filter: runFilter, sortBy: 'userName', sortOrder: 'descending', count: 10 });
    expect(response.status).toBe(200);
    expect(response.body.totalResults).toBe(5);
    expect(ids(response.body).sort()).toEqual(users.map((user) => user.id).sort());
  });

  it('searches groups by member, members excluded, as GET does', async () => {
    const filter = `members.value eq "${users[2].id}" and displayName sw "${RUN}"`;
    const post = await search('/Groups/.search', { filter, excludedAttributes: ['members'] });
    const get = await scim('GET', `/Groups${query({ filter, excludedAttributes: 'members' })}`);
    expect(post.status).toBe(200);
    expect(post.body).toEqual(get.body);
    expect(ids(post.body)).toEqual([groups[1].id]);
    expect(post.body.Resources[0].members).toBeUndefined();
  });

  it('with an empty SearchRequest lists as GET without parameters does', async () => {
    const post = await search('/Groups/.search', {});
    const get = await scim('GET', '/Groups');
    expect(post.status).toBe(200);
    expect(post.body.totalResults).toBe(get.body.totalResults);
    expect(post.body.totalResults).toBeGreaterThanOrEqual(2);
  });

  describe('refuses a malformed SearchRequest with a SCIM error', () => {
    it.each([
      ['a body that is not JSON', '{"schemas": [', 'invalidSyntax'],
      ['no body at all', undefined, 'invalidSyntax'],
      ['a JSON array', [SEARCH], 'invalidSyntax'],
      ['a body without schemas', { filter: runFilter }, 'invalidSyntax'],
      ['another message schema', { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], filter: runFilter }, 'invalidSyntax'],
      ['a filter that is not a string', { schemas: [SEARCH], filter: { userName: 'x' } }, 'invalidSyntax'],
      ['attributes that are objects', { schemas: [SEARCH], attributes: [{ name: 'userName' }] }, 'invalidSyntax'],
      ['a filter that does not parse', { schemas: [SEARCH], filter: 'userName eq' }, 'invalidFilter'],
      ['a count that is not an integer', { schemas: [SEARCH], count: 'ten' }, 'invalidValue'],
    ])('%s', async (_what, body, scimType) => {
      const response = await scim('POST', '/Users/.search', body);
      expectScimError(response, 400, scimType);
    });
  });

  it('needs a token like every other route', async () => {
    const response = await fetch(`${scim.server.baseUrl}/Users/.search`, { method: 'POST', body: JSON.stringify({ schemas: [SEARCH] }) });
    expect(response.status).toBe(401);
  });

  it('is not mistaken for a user called ".search"', async () => {
    const response = await scim('GET', '/Users/.search');
    expect(response.status).not.toBe(200);
    expect(response.body.schemas).toEqual([ERROR]);
  });
});

describe('POST /.search across resource types (RFC 7644 §3.4.3)', () => {
  const everyone = `displayName sw "${RUN} person"`;
  const allIds = () => [...users.map((user) => user.id), ...groups.map((group) => group.id)];

  it('lists users, then groups, as one ListResponse, each with its own resourceType', async () => {
    const response = await search('/.search', { filter: everyone });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ schemas: [LIST], totalResults: 7, startIndex: 1, itemsPerPage: 7 });
    const types = response.body.Resources.map((resource: any) => resource.meta.resourceType);
    expect(types).toEqual(['User', 'User', 'User', 'User', 'User', 'Group', 'Group']);
    expect(ids(response.body).slice(0, 5).sort()).toEqual(users.map((user) => user.id).sort());
    expect(ids(response.body).slice(5).sort()).toEqual(groups.map((group) => group.id).sort());
    for (const resource of response.body.Resources) {
      expect(resource.meta.location).toBe(`${scim.server.baseUrl}/${resource.meta.resourceType}s/${resource.id}`);
    }
  });

  it('runs startIndex and count across the concatenation', async () => {
    const straddling = await search('/.search', { filter: everyone, startIndex: 4, count: 3 });
    expect(straddling.body).toMatchObject({ totalResults: 7, startIndex: 4, itemsPerPage: 3 });
    expect(straddling.body.Resources.map((resource: any) => resource.meta.resourceType)).toEqual(['User', 'User', 'Group']);

    const seen: string[] = [];
    for (let startIndex = 1; startIndex <= 7; startIndex += 2) {
      const page = await search('/.search', { filter: everyone, startIndex, count: 2 });
      expect(page.body).toMatchObject({ totalResults: 7, startIndex, itemsPerPage: Math.min(2, 8 - startIndex) });
      seen.push(...ids(page.body));
    }
    expect(seen.sort()).toEqual(allIds().sort());

    const onlyGroups = await search('/.search', { filter: everyone, startIndex: 6 });
    expect(ids(onlyGroups.body).sort()).toEqual(groups.map((group) => group.id).sort());
    const pastTheEnd = await search('/.search', { filter: everyone, startIndex: 8 });
    expect(pastTheEnd.body).toMatchObject({ totalResults: 7, itemsPerPage: 0, Resources: [] });
    const countOnly = await search('/.search', { filter: everyone, count: 0 });
    expect(countOnly.body).toMatchObject({ totalResults: 7, itemsPerPage: 0, Resources: [] });
  });

  it('resolves attributes per type', async () => {
    const response = await search('/.search', { filter: everyone, attributes: ['userName', 'displayName'] });
    expect(response.status).toBe(200);
    for (const resource of response.body.Resources.slice(0, 5)) expect(Object.keys(resource).sort()).toEqual(['displayName', 'id', 'schemas', 'userName']);
    for (const resource of response.body.Resources.slice(5)) {
      expect(resource.schemas).toEqual([GROUP]);
      expect(Object.keys(resource).sort()).toEqual(['displayName', 'id', 'schemas']);
    }
    const withoutMembers = await search('/.search', { filter: everyone, excludedAttributes: ['members', 'emails'] });
    for (const resource of withoutMembers.body.Resources) {
      expect(resource.members).toBeUndefined();
      expect(resource.emails).toBeUndefined();
      expect(resource.displayName).toMatch(new RegExp(`^${RUN} person`));
    }
  });

  it('treats an attribute only one type has as unassigned on the other: userName finds no group, members no user', async () => {
    const byUserName = await search('/.search', { filter: `userName sw "${RUN}."` });
    expect(byUserName.body.totalResults).toBe(5);
    expect(byUserName.body.Resources.every((resource: any) => resource.meta.resourceType === 'User')).toBe(true);

    const byMember = await search('/.search', { filter: `members.value eq "${users[0].id}"` });
    expect(byMember.body.totalResults).toBe(2);
    expect(ids(byMember.body).sort()).toEqual(groups.map((group) => group.id).sort());

    // RFC 7643 §2.5: unassigned is never equal to a value, so `ne` holds for the type without it.
    const notThatUser = await search('/.search', { filter: `${everyone} and userName ne "${users[0].userName}"` });
    expect(notThatUser.body.totalResults).toBe(6);
    expect(ids(notThatUser.body)).not.toContain(users[0].id);
    expect(ids(notThatUser.body)).toEqual(expect.arrayContaining(groups.map((group) => group.id)));
  });

  it('accepts sortBy and sortOrder without changing which resources match', async () => {
    const response = await search('/.search', { filter: everyone, sortBy: 'displayName', sortOrder: 'ascending' });
    expect(response.status).toBe(200);
    expect(ids(response.body).sort()).toEqual(allIds().sort());
  });

  it('refuses cursor paging, which is per resource type, with 400 invalidValue', async () => {
    expectScimError(await search('/.search', { filter: everyone, cursor: '' }), 400, 'invalidValue');
  });

  it.each([
    ['a body that is not JSON', '{"schemas":', 'invalidSyntax'],
    ['a body without the SearchRequest schema', { schemas: [LIST], filter: everyone }, 'invalidSyntax'],
    ['a filter that does not parse', { schemas: [SEARCH], filter: 'displayName sw' }, 'invalidFilter'],
    ['a filter that no type can evaluate', { schemas: [SEARCH], filter: 'active gt true' }, 'invalidFilter'],
  ])('refuses %s with a SCIM error', async (_what, body, scimType) => {
    expectScimError(await scim('POST', '/.search', body), 400, scimType);
  });
});
