import { aGroup, aUser, patchOf } from '../support/builders';
import { expectScimError, unique } from '../support/scim-server';
import { useScimServer } from '../support/scim-fixture';
import { BULK_REQUEST, SEARCH } from '../support/urns';

const scim = useScimServer();

const OKTA = 'urn:okta:acme_1:1.0:user';
const nested = (depth: number, leaf: unknown = 'x'): unknown => {
  let value: unknown = leaf;
  for (let level = 0; level < depth; level++) value = { a: value };
  return value;
};
/** Nesting as raw text, since building 20,000 levels as objects and stringifying them would itself overflow. */
const nestedText = (depth: number) => `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;
const heavy = () => Object.fromEntries(Array.from({ length: 5 }, (_, index) => [`attribute${index}`, 'x'.repeat(150_000)]));

/** GET of the user as stored: what a failed request must leave as it was. */
const stored = async (id: string) => (await scim('GET', `/Users/${id}`)).body;

describe('a resource the store could not hold is refused before the store sees it', () => {
  it('answers 413 naming the limit and the heaviest attribute for 5 × 150 KB on POST, PUT and PATCH', async () => {
    const user = await scim.createUser();
    const before = await stored(user.id);
    for (const [method, path, body] of [
      ['POST', '/Users', aUser({ [OKTA]: heavy() })],
      ['PUT', `/Users/${user.id}`, aUser({ userName: user.userName, [OKTA]: heavy() })],
      ['PATCH', `/Users/${user.id}`, patchOf({ op: 'add', value: { [OKTA]: heavy() } })],
    ] as const) {
      const response = await scim(method, path, body);
      expect({ method, status: response.status, detail: response.body.detail }).toMatchObject({ method, status: 413 });
      expectScimError(response, 413);
      expect({ method, detail: response.body.detail }).toEqual({ method, detail: expect.stringMatching(/at most 384000 bytes.*urn:okta:acme_1:1\.0:user/) });
    }
    expect(await stored(user.id)).toEqual(before);
    const group = await scim.createGroup();
    expectScimError(await scim('PATCH', `/Groups/${group.id}`, patchOf({ op: 'add', value: { 'urn:okta:acme_1:1.0:group': heavy() } })), 413);
  });

  it('keeps a resource just under the limit', async () => {
    const response = await scim('POST', '/Users', aUser({ [OKTA]: { blob: 'x'.repeat(370_000) } }));
    expect(response.status).toBe(201);
  });

  it.each([
    ['1e400', '1e400'],
    ['-1e400', '-1e400'],
    ['an integer beyond 2^53', '9223372036854775808'],
    ['a decimal below DynamoDB’s range', '1e-200'],
  ])('answers 400 invalidValue for %s in an undeclared extension', async (_what, number) => {
    const body = JSON.stringify(aUser()).replace(/}$/, `, "${OKTA}": { "score": ${number} } }`);
    const response = await scim('POST', '/Users', body);
    expectScimError(response, 400, 'invalidValue');
    expect(response.body.detail).toContain(`${OKTA}.score`);
  });

  it('answers 400 invalidValue for an empty attribute name, at the top of an extension or inside it', async () => {
    expectScimError(await scim('POST', '/Users', aUser({ [OKTA]: { '': 'x' } })), 400, 'invalidValue');
    expectScimError(await scim('POST', '/Users', aUser({ [OKTA]: { inner: { '': 1 } } })), 400, 'invalidValue');
  });

  it('stores values nested as deep as the store allows, and refuses one level more', async () => {
    // The resource is level 1, the extension's value level 2: 30 nested objects reach level 31.
    expect((await scim('POST', '/Users', aUser({ [OKTA]: nested(30) }))).status).toBe(201);
    const response = await scim('POST', '/Users', aUser({ [OKTA]: nested(31) }));
    expectScimError(response, 400, 'invalidValue');
    expect(response.body.detail).toContain('31 levels');
  });
});

describe('bodies nested deeper than any SCIM message are refused while nothing has walked them', () => {
  it.each([
    ['userName', () => JSON.stringify(aUser()).replace(/"userName":"[^"]*"/, `"userName":${nestedText(20_000)}`)],
    ['an extension', () => JSON.stringify(aUser()).replace(/}$/, `,"${OKTA}":${nestedText(20_000)}}`)],
    ['a PATCH value', () => `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"title","value":${nestedText(20_000)}}]}`],
  ])('answers 400 invalidSyntax for 20,000 levels in %s', async (what, body) => {
    const user = await scim.createUser();
    const before = await stored(user.id);
    const response = what === 'a PATCH value' ? await scim('PATCH', `/Users/${user.id}`, body()) : await scim('POST', '/Users', body());
    expectScimError(response, 400, 'invalidSyntax');
    expect(response.body.detail).toContain('32 levels');
    expect(await stored(user.id)).toEqual(before);
  });

  it('fails only the Bulk operation whose data is nested too deep', async () => {
    const userName = `${unique('bulk-deep')}@example.com`;
    const body = `{"schemas":["${BULK_REQUEST}"],"Operations":[
      {"method":"POST","path":"/Users","bulkId":"deep","data":${nestedText(20_000)}},
      {"method":"POST","path":"/Users","bulkId":"fine","data":${JSON.stringify(aUser({ userName }))}}]}`;
    const response = await scim('POST', '/Bulk', body);
    expect(response.status).toBe(200);
    expect(response.body.Operations.map((operation: { status: string }) => operation.status)).toEqual(['400', '201']);
    expect(response.body.Operations[0].response).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
  });
});

describe('ids and filter values no resource can have', () => {
  const long = 'a'.repeat(3000);

  it.each(['GET', 'PUT', 'PATCH', 'DELETE'])('%s /Users/{3,000-character id} is 404', async (method) => {
    const body = method === 'PUT' ? aUser() : method === 'PATCH' ? patchOf({ op: 'replace', path: 'title', value: 'x' }) : undefined;
    expectScimError(await scim(method, `/Users/${long}`, body), 404);
    expectScimError(await scim(method, `/Groups/${long}`, method === 'PUT' ? aGroup() : body), 404);
  });

  it.each([
    ['/Users', 'id eq ""', ''],
    ['/Users', `id eq "${'b'.repeat(2000)}"`, '(2,000 characters)'],
    ['/Groups', `id eq "${'b'.repeat(2000)}"`, '(2,000 characters)'],
    ['/Groups', `members.value eq "${'c'.repeat(2000)}"`, '(2,000 characters)'],
    ['/Groups', 'members.value eq ""', ''],
    ['/Users', `userName eq "${'d'.repeat(5000)}"`, '(5,000 characters)'],
    ['/Users', `externalId eq "${'e'.repeat(5000)}"`, '(5,000 characters)'],
  ])('%s with a filter of an impossible value matches nothing %#', async (path, filter) => {
    const response = await scim('POST', `${path}/.search`, { schemas: [SEARCH], filter });
    expect({ status: response.status, totalResults: response.body.totalResults }).toEqual({ status: 200, totalResults: 0 });
  });

  it('treats a member value no user can have as an unknown member', async () => {
    const [user] = await scim.createUsers(1);
    const group = await scim.createGroup({ members: [{ value: user.id }] });
    for (const operation of [
      { op: 'add', path: 'members', value: [{ value: long }] },
      { op: 'remove', path: `members[value eq "${long}"]` },
      { op: 'remove', path: 'members', value: [{ value: long }] },
    ]) {
      const response = await scim('PATCH', `/Groups/${group.id}`, patchOf(operation));
      expect({ operation: operation.op, status: response.status < 500 }).toEqual({ operation: operation.op, status: true });
    }
    expect(await scim.memberIds(group.id)).toEqual([user.id]);
    const created = await scim('POST', '/Groups', aGroup({ members: [{ value: long }] }));
    expect(created.status).toBeLessThan(500);
  });
});

describe('smaller things a careless client meets', () => {
  it('words a bad count in a .search body without calling it a query parameter', async () => {
    const response = await scim('POST', '/Users/.search', { schemas: [SEARCH], count: 'many' });
    expectScimError(response, 400, 'invalidValue');
    expect(response.body.detail).not.toMatch(/query parameter/i);
  });

  it('takes a PATCH of an extension whose value carries schemas, as PUT does', async () => {
    const user = await scim.createUser();
    const enterprise = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    const response = await scim('PATCH', `/Users/${user.id}`, patchOf({ op: 'replace', path: enterprise, value: { schemas: [enterprise], department: 'R&D' } }));
    expect(response.status).toBe(200);
    expect(response.body[enterprise]).toEqual({ department: 'R&D' });
  });

  it('answers a URL over 16 KB with 431 as SCIM JSON', async () => {
    const response = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${'f'.repeat(20_000)}"`)}`);
    expectScimError(response, 431);
    expect(response.body.detail).toContain('.search');
  });
});
