import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { keys } from '../../lambdas/contracts/table-design';
import { expectScimError } from '../support/scim-server';
import { aUser, anOktaUser } from '../support/builders';
import { useScimServer } from '../support/scim-fixture';
import { USER, ENTERPRISE, ERROR, PATCH, PROVISIONING_USER } from '../support/urns';

const scim = useScimServer();
const created = (overrides: Record<string, unknown> = {}) => scim.createUser(anOktaUser(overrides));

describe('POST /Users', () => {
  it('creates the user and answers 201 with Location, ETag, meta and no password', async () => {
    const body = anOktaUser();
    const response = await scim('POST', '/Users', body);
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toContain('application/scim+json');
    expect(response.headers.get('location')).toBe(`${scim.server.baseUrl}/Users/${response.body.id}`);
    expect(response.headers.get('etag')).toBe(response.body.meta.version);
    expect(response.body).toMatchObject({
      schemas: [USER, PROVISIONING_USER],
      userName: body.userName,
      externalId: body.externalId,
      active: true,
      name: { givenName: 'Ada' },
      meta: { resourceType: 'User', location: `${scim.server.baseUrl}/Users/${response.body.id}` },
    });
    expect(response.body.password).toBeUndefined();
    expect(response.body.groups).toBeUndefined();
    expect(Date.parse(response.body.meta.created)).not.toBeNaN();
    expect(response.text).not.toContain('placeholder-Okta-1!');
  });

  it('refuses a userName that differs only in case with 409 uniqueness and keeps one user', async () => {
    const first = await created();
    const response = await scim('POST', '/Users', anOktaUser({ userName: first.userName.toUpperCase() }));
    expectScimError(response, 409, 'uniqueness');
    const list = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${first.userName}"`)}`);
    expect(list.body.totalResults).toBe(1);
  });

  it('accepts a second user with the same externalId and finds both by it (RFC 7643 §3.1 sets no uniqueness)', async () => {
    const first = await created();
    const second = await created({ externalId: first.externalId });
    const list = await scim('GET', `/Users?filter=${encodeURIComponent(`externalId eq "${first.externalId}"`)}`);
    expect(list.body.Resources.map((r: { id: string }) => r.id).sort()).toEqual([first.id, second.id].sort());
  });

  it('lets exactly one of 50 concurrent creates of one userName in different cases win', async () => {
    const userName = `racecondition.${Date.now()}@example.com`;
    const variants = Array.from({ length: 50 }, (_, index) =>
      [...userName].map((char, position) => ((index >> (position % 6)) & 1 ? char.toUpperCase() : char)).join(''),
    );
    const responses = await Promise.all(variants.map((name) => scim('POST', '/Users', anOktaUser({ userName: name, externalId: undefined }))));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(49);
    for (const response of responses.filter((r) => r.status === 409)) expect(response.body.scimType).toBe('uniqueness');
    const list = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&count=100`);
    expect(list.body.totalResults).toBe(1);
  });

  it('answers 400 invalidValue when userName is missing and creates nothing', async () => {
    const before = await scim('GET', '/Users?count=0');
    const { userName: _omitted, ...body } = anOktaUser();
    expectScimError(await scim('POST', '/Users', body), 400, 'invalidValue');
    const after = await scim('GET', '/Users?count=0');
    expect(after.body.totalResults).toBe(before.body.totalResults);
  });

  it('answers 400 invalidSyntax for malformed JSON', async () => {
    expectScimError(await scim('POST', '/Users', '{"userName": "x@example.com",'), 400, 'invalidSyntax');
  });

  it('answers 400 invalidValue for a wrongly typed attribute', async () => {
    expectScimError(await scim('POST', '/Users', anOktaUser({ active: 'perhaps' })), 400, 'invalidValue');
  });

  it('accepts application/json and Entra-style string booleans', async () => {
    const response = await scim('POST', '/Users', anOktaUser({ active: 'False' }), { 'Content-Type': 'application/json' });
    expect(response.status).toBe(201);
    expect(response.body.active).toBe(false);
  });

  it('stores the enterprise extension', async () => {
    const user = await created({ schemas: [USER, ENTERPRISE], [ENTERPRISE]: { employeeNumber: '701984', department: 'Tour Operations' } });
    expect(user.schemas).toEqual(expect.arrayContaining([USER, ENTERPRISE]));
    expect(user[ENTERPRISE]).toMatchObject({ employeeNumber: '701984', department: 'Tour Operations' });
  });
});

describe('GET /Users', () => {
  it('finds users by userName case-insensitively, by externalId, by id, and by email', async () => {
    const user = await created();
    const find = async (filter: string) => (await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`)).body;
    for (const filter of [
      `userName eq "${user.userName.toUpperCase()}"`,
      `externalId eq "${user.externalId}"`,
      `id eq "${user.id}"`,
      `emails[type eq "work"].value eq "${user.userName}"`,
      `emails.value eq "${user.userName}"`,
      `userName eq "${user.userName}" and active eq true`,
    ]) {
      const list = await find(filter);
      expect({ filter, ids: list.Resources.map((r: { id: string }) => r.id) }).toEqual({ filter, ids: [user.id] });
      expect(list.totalResults).toBe(1);
    }
    expect((await find(`externalId eq "${user.externalId.toUpperCase()}"`)).totalResults).toBe(0);
    expect((await find(`userName eq "${user.userName}" and active eq false`)).totalResults).toBe(0);
  });

  it('keeps an index of every email, so the email lookup of Entra ID reads no other user, and moves it with the emails', async () => {
    const user = await created({ emails: [{ value: 'First@Example.com', type: 'work' }, { value: 'second@example.com', type: 'home' }] });
    const table = createDocumentClient(scim.server.dynamoDbEndpoint);
    const indexed = async (email: string) =>
      (
        await table.send(
          new QueryCommand({ TableName: scim.server.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.indexPartition('default', 'User', 'emails.value', email) } }),
        )
      ).Items?.map((item) => item.sk);
    expect(await indexed('first@example.com')).toEqual([user.id]);
    expect(await indexed('second@example.com')).toEqual([user.id]);
    const patched = await scim('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'third@example.com' }],
    });
    expect(patched.status).toBe(200);
    expect(await indexed('first@example.com')).toEqual([]);
    expect(await indexed('third@example.com')).toEqual([user.id]);
    const find = async (filter: string) => (await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`)).body.Resources.map((r: { id: string }) => r.id);
    expect(await find('emails[type eq "work"].value eq "THIRD@example.com"')).toEqual([user.id]);
    expect(await find('emails[type eq "home"].value eq "third@example.com"')).toEqual([]);
    expect(await find('emails[type eq "work"].value eq "first@example.com"')).toEqual([]);
    expect((await scim('DELETE', `/Users/${user.id}`)).status).toBe(204);
    expect(await indexed('third@example.com')).toEqual([]);
    expect(await indexed('second@example.com')).toEqual([]);
    table.destroy();
  });

  it('refuses a user with more distinct emails than are indexed, and creates nothing', async () => {
    const emails = Array.from({ length: 21 }, (_, index) => ({ value: `many${index}@example.com` }));
    const body = anOktaUser({ emails });
    const response = await scim('POST', '/Users', body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ scimType: 'invalidValue' });
    expect(response.body.detail).toMatch(/at most 20 distinct emails.value/);
    expect((await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${body.userName}"`)}`)).body.totalResults).toBe(0);
  });

  it('answers an empty ListResponse for a lookup that matches nothing', async () => {
    const response = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "nobody@example.com"')}&startIndex=1&count=100`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it('pages in a stable order with integer fields and itemsPerPage equal to what is returned', async () => {
    for (let index = 0; index < 5; index++) await created();
    const all = await scim('GET', '/Users?startIndex=1&count=1000');
    const total = all.body.totalResults;
    expect(all.body.Resources).toHaveLength(total);
    const seen: string[] = [];
    for (let startIndex = 1; startIndex <= total; startIndex += 2) {
      const page = await scim('GET', `/Users?startIndex=${startIndex}&count=2`);
      expect(page.body.startIndex).toBe(startIndex);
      expect(page.body.totalResults).toBe(total);
      expect(page.body.itemsPerPage).toBe(page.body.Resources.length);
      seen.push(...page.body.Resources.map((r: { id: string }) => r.id));
    }
    expect(seen).toEqual(all.body.Resources.map((r: { id: string }) => r.id));
    const zero = await scim('GET', '/Users?count=0');
    expect(zero.body).toMatchObject({ totalResults: total, itemsPerPage: 0, Resources: [] });
    const beyond = await scim('GET', `/Users?startIndex=${total + 5}&count=10`);
    expect(beyond.body).toMatchObject({ totalResults: total, itemsPerPage: 0 });
    const negative = await scim('GET', '/Users?startIndex=-3&count=1');
    expect(negative.body.startIndex).toBe(1);
  });

  it('answers 400 invalidFilter for a malformed filter', async () => {
    expectScimError(await scim('GET', `/Users?filter=${encodeURIComponent('userName eq')}`), 400, 'invalidFilter');
    expectScimError(await scim('GET', `/Users?filter=${encodeURIComponent('userName zz "x"')}`), 400, 'invalidFilter');
  });

  it('honours attributes and excludedAttributes', async () => {
    const user = await created();
    const narrowed = await scim('GET', `/Users/${user.id}?attributes=userName,name.givenName`);
    expect(narrowed.body).toEqual({ schemas: [USER], id: user.id, userName: user.userName, name: { givenName: 'Ada' } });
    const without = await scim('GET', `/Users/${user.id}?excludedAttributes=emails,name`);
    expect(without.body.emails).toBeUndefined();
    expect(without.body.name).toBeUndefined();
    expect(without.body.userName).toBe(user.userName);
  });

  it('answers 404 with a SCIM error for an unknown id', async () => {
    expectScimError(await scim('GET', '/Users/010101001010101011001010101011'), 404);
  });

  it('answers 304 to If-None-Match with the current version', async () => {
    const user = await created();
    const response = await scim('GET', `/Users/${user.id}`, undefined, { 'If-None-Match': user.meta.version });
    expect(response.status).toBe(304);
  });
});

describe('PUT /Users/{id}', () => {
  it('replaces the profile, ignores read-only attributes it echoes, and keeps active when absent', async () => {
    const user = await created({ title: 'Engineer' });
    const { active: _active, ...echo } = user;
    const response = await scim('PUT', `/Users/${user.id}`, {
      ...echo,
      id: 'something-else',
      meta: { resourceType: 'Nonsense' },
      groups: [{ value: 'g1' }],
      name: { givenName: 'Augusta', familyName: 'King' },
      title: undefined,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: user.id, active: true, name: { givenName: 'Augusta', familyName: 'King' } });
    expect(response.body.title).toBeUndefined();
    expect(response.body.groups).toBeUndefined();
    expect(response.body.meta.resourceType).toBe('User');
    expect(response.body.meta.version).not.toBe(user.meta.version);
  });

  it('deactivates and reactivates as Okta classic apps do', async () => {
    const user = await created();
    const off = await scim('PUT', `/Users/${user.id}`, { ...user, active: false });
    expect(off.body.active).toBe(false);
    const byFilter = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`);
    expect(byFilter.body.Resources[0]).toMatchObject({ id: user.id, active: false });
    expect((await scim('GET', `/Users/${user.id}`)).body.active).toBe(false);
    const on = await scim('PUT', `/Users/${user.id}`, { ...user, active: true });
    expect(on.body.active).toBe(true);
  });

  it('moves the userName claim: the old name is free, the new one taken', async () => {
    const user = await created();
    const renamed = `renamed.${user.userName}`;
    expect((await scim('PUT', `/Users/${user.id}`, { ...user, userName: renamed })).status).toBe(200);
    expect((await scim('POST', '/Users', anOktaUser({ userName: user.userName }))).status).toBe(201);
    expectScimError(await scim('POST', '/Users', anOktaUser({ userName: renamed.toUpperCase() })), 409, 'uniqueness');
  });

  it('answers 404 for an unknown id and creates nothing', async () => {
    const body = anOktaUser();
    expectScimError(await scim('PUT', '/Users/does-not-exist', body), 404);
    const lookup = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${body.userName}"`)}`);
    expect(lookup.body.totalResults).toBe(0);
  });

  it('answers 409 when renaming onto a taken userName, and changes nothing', async () => {
    const first = await created();
    const second = await created();
    expectScimError(await scim('PUT', `/Users/${second.id}`, { ...second, userName: first.userName.toUpperCase() }), 409, 'uniqueness');
    expect((await scim('GET', `/Users/${second.id}`)).body.meta.version).toBe(second.meta.version);
  });

  it('answers 412 when If-Match names another version', async () => {
    const user = await created();
    const response = await scim('PUT', `/Users/${user.id}`, user, { 'If-Match': 'W/"999"' });
    expectScimError(response, 412);
    expect((await scim('PUT', `/Users/${user.id}`, user, { 'If-Match': user.meta.version })).status).toBe(200);
  });
});

describe('PATCH /Users/{id}', () => {
  it('deactivates with a path-less replace as Okta catalog apps do', async () => {
    const user = await created();
    const response = await scim('PATCH', `/Users/${user.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] });
    expect(response.status).toBe(200);
    expect(response.body.active).toBe(false);
  });

  it('answers 204 to a client that names no JSON media type, and follows Prefer and attributes (RFC 7644 §3.5.2, RFC 7240)', async () => {
    const user = await created();
    const operations = (title: string) => ({ schemas: [PATCH], Operations: [{ op: 'Replace', path: 'title', value: title }] });
    const bare = await scim('PATCH', `/Users/${user.id}`, operations('One'), { Accept: '' });
    expect(bare.status).toBe(204);
    expect(bare.text).toBe('');
    expect(bare.headers.get('etag')).toBe('W/"2"');
    const representation = await scim('PATCH', `/Users/${user.id}`, operations('Two'), { Accept: '', Prefer: 'return=representation' });
    expect(representation.status).toBe(200);
    expect(representation.body.title).toBe('Two');
    const minimal = await scim('PATCH', `/Users/${user.id}`, operations('Three'), { Prefer: 'return=minimal' });
    expect(minimal.status).toBe(204);
    const projected = await scim('PATCH', `/Users/${user.id}?attributes=title`, operations('Four'), { Accept: '', Prefer: 'return=minimal' });
    expect(projected.status).toBe(200);
    expect(projected.body).toMatchObject({ id: user.id, title: 'Four' });
    expect(projected.body.emails).toBeUndefined();
    expect((await scim('GET', `/Users/${user.id}`)).body.title).toBe('Four');
  });

  it('applies Entra ID shapes: capitalised ops, string booleans, dotted and URN keys, filtered paths', async () => {
    const user = await created();
    const response = await scim('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'Replace', value: { 'name.givenName': 'Grace', [`${ENTERPRISE}:employeeNumber`]: '42' } },
        { op: 'Add', path: 'emails[type eq "home"].value', value: 'home@example.com' },
        { op: 'Replace', path: 'emails[type eq "work"].Value', value: `new.${user.userName}` },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.active).toBe(false);
    expect(response.body.name.givenName).toBe('Grace');
    expect(response.body[ENTERPRISE].employeeNumber).toBe('42');
    expect(response.body.emails).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'home', value: 'home@example.com' }),
        expect.objectContaining({ type: 'work', value: `new.${user.userName}` }),
      ]),
    );
  });

  it('rejects the whole request when one operation is bad, changing nothing', async () => {
    const user = await created();
    const response = await scim('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'replace', path: 'displayName', value: 'Changed' },
        { op: 'replace', path: 'nonsense[[', value: 'x' },
      ],
    });
    expect(response.status).toBe(400);
    expect(['invalidPath', 'invalidFilter', 'noTarget']).toContain(response.body.scimType);
    const after = await scim('GET', `/Users/${user.id}`);
    expect(after.body.displayName).toBe(user.displayName);
    expect(after.body.meta.version).toBe(user.meta.version);
  });

  it('answers 400 for a body that is not a PatchOp', async () => {
    const user = await created();
    expectScimError(await scim('PATCH', `/Users/${user.id}`, { schemas: [PATCH], Operations: [] }), 400, 'invalidSyntax');
    expectScimError(await scim('PATCH', `/Users/${user.id}`, { Operations: [{ path: 'active', value: false }] }), 400, 'invalidSyntax');
  });

  it('composes concurrent PATCHes without losing one', async () => {
    const user = await created();
    const titles = Array.from({ length: 12 }, (_, index) => `nick${index}`);
    const responses = await Promise.all(
      titles.map((nick) => scim('PATCH', `/Users/${user.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'emails', value: [{ type: 'other', value: `${nick}@example.com` }] }] })),
    );
    expect(responses.map((r) => r.status)).toEqual(titles.map(() => 200));
    const after = await scim('GET', `/Users/${user.id}`);
    for (const nick of titles) expect(after.body.emails.map((e: { value: string }) => e.value)).toContain(`${nick}@example.com`);
  });
});

describe('DELETE /Users/{id}', () => {
  it('deletes, then answers 404, and frees the userName and externalId', async () => {
    const user = await created();
    expect((await scim('DELETE', `/Users/${user.id}`)).status).toBe(204);
    expectScimError(await scim('GET', `/Users/${user.id}`), 404);
    expectScimError(await scim('DELETE', `/Users/${user.id}`), 404);
    expect((await scim('POST', '/Users', anOktaUser({ userName: user.userName, externalId: user.externalId }))).status).toBe(201);
  });
});

describe('authentication and the HTTP edge', () => {
  it('accepts the bare token that Okta Header auth sends', async () => {
    const response = await fetch(`${scim.server.baseUrl}/Users?count=1`, { headers: { Authorization: scim.server.token } });
    expect(response.status).toBe(200);
  });

  it('answers 401 as a SCIM error without a token or with a wrong one', async () => {
    for (const headers of [{}, { Authorization: 'Bearer wrong-token-wrong-token-wrong-token' }, { Authorization: 'Bearer ' }] as Record<string, string>[]) {
      const response = await fetch(`${scim.server.baseUrl}/Users`, { headers });
      const body: any = await response.json();
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/scim+json');
      expect(body).toMatchObject({ schemas: [ERROR], status: '401' });
      expect(body.detail.length).toBeGreaterThan(10);
    }
  });

  it('answers 401 before reading the body', async () => {
    const response = await fetch(`${scim.server.baseUrl}/Users`, { method: 'POST', body: '{nope', headers: { 'Content-Type': 'application/scim+json' } });
    expect(response.status).toBe(401);
  });

  it('answers 404 as a SCIM error for an unknown route', async () => {
    expectScimError(await scim('GET', '/Nothing/here'), 404);
  });

  it('answers 413 for an oversized body and creates nothing', async () => {
    const body = anOktaUser({ displayName: 'x'.repeat(2 * 1024 * 1024) });
    expectScimError(await scim('POST', '/Users', body), 413);
    const lookup = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${body.userName}"`)}`);
    expect(lookup.body.totalResults).toBe(0);
  });

  it('answers 415 for a body that is not JSON by content type', async () => {
    expectScimError(await scim('POST', '/Users', 'userName=x', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415);
  });

  it('reads media types in any case (RFC 9110 §8.3.1)', async () => {
    for (const contentType of ['APPLICATION/SCIM+JSON', 'Application/Json; charset=UTF-8']) {
      const response = await scim('POST', '/Users', aUser(), { 'Content-Type': contentType });
      expect({ contentType, status: response.status }).toEqual({ contentType, status: 201 });
    }
  });
});
