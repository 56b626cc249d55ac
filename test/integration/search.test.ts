import { randomUUID } from 'node:crypto';
import { expectScimError, scimClient, startScimServer, type TestScimServer } from '../support/scim-server';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

let server: TestScimServer;
let scim: ReturnType<typeof scimClient>;

/** Everything this file creates shares a prefix no other run or test file uses. */
const RUN = `search-${randomUUID().slice(0, 8)}`;
const users: Array<{ id: string; userName: string }> = [];
const groups: Array<{ id: string; displayName: string }> = [];

beforeAll(async () => {
  server = await startScimServer();
  scim = scimClient(server);
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
afterAll(() => server.close());

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
    const response = await fetch(`${server.baseUrl}/Users/.search`, { method: 'POST', body: JSON.stringify({ schemas: [SEARCH] }) });
    expect(response.status).toBe(401);
  });

  it('is not mistaken for a user called ".search"', async () => {
    const response = await scim('GET', '/Users/.search');
    expect(response.status).not.toBe(200);
    expect(response.body.schemas).toEqual([ERROR]);
  });
});
