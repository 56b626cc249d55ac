import { randomUUID } from 'node:crypto';
import { ResourceService } from '../../lambdas/directory/resources';
import { userKind } from '../../lambdas/directory/users';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { DynamoResourceStore } from '../../lambdas/store/dynamo-resource-store';
import { expectScimError, unique } from '../support/scim-server';
import { aGroup, aUser, memberRefs } from '../support/builders';
import { useScimServer } from '../support/scim-fixture';
import { USER, PATCH, BULK_REQUEST, BULK_RESPONSE, ERROR } from '../support/urns';

const scim = useScimServer();
let spc: any;

beforeAll(async () => {
  spc = (await scim('GET', '/ServiceProviderConfig')).body;
});

const user = (userName?: string) => aUser(userName === undefined ? {} : { userName });
const group = (members: string[], displayName?: string) => aGroup({ members: memberRefs(members), ...(displayName === undefined ? {} : { displayName }) });
const postUser = (bulkId: string, data: unknown = user()) => ({ method: 'POST', path: '/Users', bulkId, data });
const postGroup = (bulkId: string, members: string[], displayName?: string) => ({ method: 'POST', path: '/Groups', bulkId, data: group(members, displayName) });

function bulk(operations: unknown[], extra: Record<string, unknown> = {}) {
  return scim('POST', '/Bulk', { schemas: [BULK_REQUEST], ...extra, Operations: operations });
}

async function created(body: unknown, path = '/Users') {
  const response = await scim('POST', path, body);
  expect(response.status).toBe(201);
  return response.body;
}

async function find(path: string, filter: string) {
  const response = await scim('GET', `${path}?filter=${encodeURIComponent(filter)}`);
  expect(response.status).toBe(200);
  return response.body.Resources as any[];
}

const idFromLocation = (location: string) => location.slice(location.lastIndexOf('/') + 1);
/** The stored version an ETag names; GET's may add a tag for what it read besides (a user's groups). */
const versionOf = (etag: string | null) => /^W\/"(\d+)/.exec(etag ?? '')?.[1];
const membersOf = async (groupId: string) => (((await scim('GET', `/Groups/${groupId}`)).body.members ?? []) as Array<{ value: string }>).map((member) => member.value).sort();

describe('/ServiceProviderConfig', () => {
  it('says bulk is supported, with the limits /Bulk enforces', () => {
    expect(spc.bulk).toEqual({ supported: true, maxOperations: 1000, maxPayloadSize: 1_048_576 });
    expect(spc).toMatchObject({ patch: { supported: true }, etag: { supported: true }, filter: { supported: true } });
  });
});

describe('POST /Bulk (RFC 7644 §3.7)', () => {
  it('creates users and a group whose members are those users, by bulkId', async () => {
    const [first, second] = [user(), user()];
    const displayName = unique('Team');
    const response = await bulk([postUser('u1', first), postUser('u2', second), postGroup('g', ['bulkId:u1', 'bulkId:u2'], displayName)]);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/scim+json');
    expect(response.body.schemas).toEqual([BULK_RESPONSE]);
    const operations = response.body.Operations;
    expect(operations.map((operation: any) => [operation.method, operation.bulkId, operation.status])).toEqual([
      ['POST', 'u1', '201'],
      ['POST', 'u2', '201'],
      ['POST', 'g', '201'],
    ]);
    for (const operation of operations) {
      expect(operation.location).toMatch(new RegExp(`^${scim.server.baseUrl}/(Users|Groups)/[0-9a-f-]{36}$`));
      expect(operation.response).toBeUndefined();
    }
    const [userOne, userTwo, team] = operations.map((operation: any) => idFromLocation(operation.location));
    const read = await scim('GET', `/Groups/${team}`);
    expect(read.body.displayName).toBe(displayName);
    expect(read.headers.get('etag')).toBe(operations[2].version);
    expect(await membersOf(team)).toEqual([userOne, userTwo].sort());
    const member = await scim('GET', `/Users/${userOne}`);
    expect(member.body.userName).toBe(first.userName);
    expect(member.body.groups.map((entry: any) => entry.value)).toEqual([team]);
    expect((await find('/Users', `userName eq "${second.userName}"`)).map((found) => found.id)).toEqual([userTwo]);
  });

  it('resolves a group POSTed before its member users (forward references), answering in request order', async () => {
    const users = Array.from({ length: 5 }, (_, index) => postUser(`member${index}`));
    const response = await bulk([postGroup('team', users.map((operation) => `bulkId:${operation.bulkId}`)), ...users]);
    expect(response.status).toBe(200);
    const operations = response.body.Operations;
    expect(operations.map((operation: any) => operation.bulkId)).toEqual(['team', 'member0', 'member1', 'member2', 'member3', 'member4']);
    expect(operations.map((operation: any) => operation.status)).toEqual(Array(6).fill('201'));
    const userIds = operations.slice(1).map((operation: any) => idFromLocation(operation.location));
    expect(await membersOf(idFromLocation(operations[0].location))).toEqual([...userIds].sort());
  });

  it('resolves bulkId in a path, and in a PATCH value', async () => {
    const teamName = unique('Patched Team');
    const response = await bulk([
      { method: 'PATCH', path: '/Users/bulkId:ada', data: { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'Countess' }] } },
      { method: 'PATCH', path: '/Groups/bulkId:team', data: { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: 'bulkId:ada' }] }] } },
      postGroup('team', [], teamName),
      postUser('ada'),
    ]);
    expect(response.body.Operations.map((operation: any) => operation.status)).toEqual(['200', '200', '201', '201']);
    const [patchedUser, patchedGroup, team, ada] = response.body.Operations;
    expect(patchedUser.location).toBe(ada.location);
    expect(patchedGroup.location).toBe(team.location);
    const adaId = idFromLocation(ada.location);
    const read = await scim('GET', `/Users/${adaId}`);
    expect(read.body.title).toBe('Countess');
    expect(await membersOf(idFromLocation(team.location))).toEqual([adaId]);
  });

  it('fails an operation whose bulkId names no POST with 409 invalidValue, and runs the rest', async () => {
    const displayName = unique('Orphans');
    const response = await bulk([postGroup('g', ['bulkId:nobody'], displayName), postUser('u')]);
    expect(response.status).toBe(200);
    const [orphaned, fine] = response.body.Operations;
    expect(orphaned).toMatchObject({ method: 'POST', bulkId: 'g', status: '409', response: { schemas: [ERROR], status: '409', scimType: 'invalidValue' } });
    expect(orphaned.response.detail).toContain('bulkId:nobody');
    expect(orphaned.location).toBeUndefined();
    expect(fine.status).toBe('201');
    expect(await find('/Groups', `displayName eq "${displayName}"`)).toEqual([]);
  });

  it('fails the operations that refer to a POST that failed, with 409 invalidValue', async () => {
    const existing = await created(user());
    const displayName = unique('Depends');
    const response = await bulk([postUser('taken', user(existing.userName.toUpperCase())), postGroup('g', ['bulkId:taken'], displayName)]);
    const [duplicate, dependent] = response.body.Operations;
    expect(duplicate).toMatchObject({ status: '409', response: { scimType: 'uniqueness', status: '409' } });
    expect(dependent).toMatchObject({ status: '409', response: { scimType: 'invalidValue' } });
    expect(dependent.response.detail).toContain('failed');
    expect(await find('/Groups', `displayName eq "${displayName}"`)).toEqual([]);
  });

  it('refuses circular references with 409 invalidValue and creates neither resource (RFC 7644 §3.7.1)', async () => {
    const [a, b] = [unique('Circle A'), unique('Circle B')];
    const response = await bulk([postGroup('a', ['bulkId:b'], a), postGroup('b', ['bulkId:a'], b), postUser('bystander')]);
    expect(response.body.Operations.map((operation: any) => [operation.bulkId, operation.status])).toEqual([
      ['a', '409'],
      ['b', '409'],
      ['bystander', '201'],
    ]);
    expect(response.body.Operations[0].response.scimType).toBe('invalidValue');
    expect(await find('/Groups', `displayName eq "${a}" or displayName eq "${b}"`)).toEqual([]);
  });

  it('answers each failed operation with the error its own route gives, and changes nothing for it', async () => {
    const invalid = { schemas: [USER], name: { givenName: 'No userName' } };
    const single = await scim('POST', '/Users', invalid);
    expect(single.status).toBe(400);
    const response = await bulk([postUser('bad', invalid)]);
    expect(response.body.Operations).toEqual([{ method: 'POST', bulkId: 'bad', status: String(single.status), response: single.body }]);
  });

  it('runs PUT, PATCH and DELETE on existing resources as their routes do', async () => {
    const ada = await created(user());
    const grace = await created(user());
    const team = await created(group([ada.id]), '/Groups');
    const renamed = `${unique('renamed')}@example.com`;
    const response = await bulk([
      { method: 'PUT', path: `/Users/${ada.id}`, data: { ...user(renamed), id: ada.id } },
      { method: 'patch', path: `/Groups/${team.id}`, data: { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: grace.id }] }] } },
      { method: 'DELETE', path: `/Users/${grace.id}` },
      { method: 'DELETE', path: `/Users/${grace.id}` },
    ]);
    const [put, patch, deleted, again] = response.body.Operations;
    expect(put).toMatchObject({ method: 'PUT', status: '200', location: `${scim.server.baseUrl}/Users/${ada.id}` });
    expect(patch).toMatchObject({ method: 'PATCH', status: '200', location: `${scim.server.baseUrl}/Groups/${team.id}` });
    expect(deleted).toEqual({ method: 'DELETE', status: '204', location: `${scim.server.baseUrl}/Users/${grace.id}` });
    expect(again).toMatchObject({ method: 'DELETE', status: '404', response: { schemas: [ERROR], status: '404' } });
    const read = await scim('GET', `/Users/${ada.id}`);
    expect(read.body.userName).toBe(renamed);
    expect(versionOf(put.version)).toBe(versionOf(read.headers.get('etag')));
    expect((await scim('GET', `/Users/${grace.id}`)).status).toBe(404);
    expect(await membersOf(team.id)).toEqual([ada.id]);
  });

  it('sends version as If-Match: a stale one fails that operation with 412, the current one applies', async () => {
    const ada = await created(user());
    const stale = ada.meta.version;
    expect((await scim('PATCH', `/Users/${ada.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'First' }] })).status).toBe(200);
    const current = (await scim('GET', `/Users/${ada.id}`)).headers.get('etag')!;
    const titled = (title: string) => ({ schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: title }] });
    const response = await bulk([
      { method: 'PATCH', path: `/Users/${ada.id}`, version: stale, data: titled('Stale') },
      { method: 'DELETE', path: `/Users/${ada.id}`, version: stale },
      { method: 'PATCH', path: `/Users/${ada.id}`, version: current, data: titled('Current') },
    ]);
    const [stalePatch, staleDelete, currentPatch] = response.body.Operations;
    expect(stalePatch).toMatchObject({ status: '412', location: `${scim.server.baseUrl}/Users/${ada.id}`, response: { schemas: [ERROR], status: '412' } });
    expect(staleDelete).toMatchObject({ status: '412', response: { status: '412' } });
    expect(currentPatch.status).toBe('200');
    const read = await scim('GET', `/Users/${ada.id}`);
    expect(read.body.title).toBe('Current');
    expect(versionOf(currentPatch.version)).toBe(versionOf(read.headers.get('etag')));
  });

  it('answers versions that later requests can use as If-Match, and that never make a GET answer 304 wrongly', async () => {
    const member = await created(user());
    await created(group([member.id]), '/Groups');
    const titled = (title: string) => ({ schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: title }] });
    const [patched] = (await bulk([{ method: 'PATCH', path: `/Users/${member.id}`, data: titled('Bulk') }])).body.Operations;
    expect(patched.status).toBe('200');
    const single = await scim('PATCH', `/Users/${member.id}`, titled('Single'), { 'If-Match': patched.version });
    expect(single.status).toBe(200);
    const stale = await scim('PATCH', `/Users/${member.id}`, titled('Stale'), { 'If-Match': patched.version });
    expectScimError(stale, 412);
    expect((await scim('GET', `/Users/${member.id}`, undefined, { 'If-None-Match': patched.version })).status).toBe(200);
  });

  it('answers an unknown path 404 and a method its path lacks 405, per operation', async () => {
    const response = await bulk([
      { method: 'POST', path: '/Widgets', bulkId: 'w', data: {} },
      { method: 'DELETE', path: '/Users', bulkId: 'x' },
      { method: 'POST', path: '/Users/.search', bulkId: 's', data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] } },
      { method: 'PUT', path: '/ServiceProviderConfig', data: {} },
      postUser('ok'),
    ]);
    const [widgets, deleteAll, search, config, ok] = response.body.Operations;
    expect(widgets).toMatchObject({ status: '404', response: { schemas: [ERROR], status: '404' } });
    expect(deleteAll).toMatchObject({ status: '405', response: { status: '405' } });
    // It is /Users/{id} with the id ".search", which only PUT, PATCH and DELETE address in a bulk request.
    expect(search.status).toBe('405');
    expect(config.status).toBe('404');
    expect(ok.status).toBe('201');
  });

  it('needs a bulkId on every POST', async () => {
    const data = user();
    const response = await bulk([{ method: 'POST', path: '/Users', data }]);
    expect(response.body.Operations).toEqual([
      { method: 'POST', status: '400', response: expect.objectContaining({ scimType: 'invalidValue', status: '400' }) },
    ]);
    expect(await find('/Users', `userName eq "${data.userName}"`)).toEqual([]);
  });

  it('creates one of two POSTs that claim the same userName, and refuses the other with 409 uniqueness', async () => {
    const userName = `${unique('twice')}@example.com`;
    const response = await bulk([postUser('first', user(userName)), postUser('second', user(userName.toUpperCase()))]);
    const statuses = response.body.Operations.map((operation: any) => operation.status).sort();
    expect(statuses).toEqual(['201', '409']);
    expect(response.body.Operations.find((operation: any) => operation.status === '409').response.scimType).toBe('uniqueness');
    expect(await find('/Users', `userName eq "${userName}"`)).toHaveLength(1);
  });

  it('reads names case-insensitively, methods included', async () => {
    const data = user();
    const response = await scim('POST', '/Bulk', { SCHEMAS: [BULK_REQUEST], operations: [{ Method: 'post', PATH: '/Users', BulkId: 'lower', DATA: data }] });
    expect(response.status).toBe(200);
    expect(response.body.Operations).toEqual([expect.objectContaining({ method: 'POST', bulkId: 'lower', status: '201' })]);
  });

  describe('failOnErrors', () => {
    it('stops after that many errors: the response lists what ran, and nothing after it ran', async () => {
      const later = [user(), user()];
      const response = await bulk([postUser('bad', { schemas: [USER] }), postUser('later1', later[0]), postUser('later2', later[1])], { failOnErrors: 1 });
      expect(response.status).toBe(200);
      expect(response.body.Operations).toEqual([expect.objectContaining({ bulkId: 'bad', status: '400' })]);
      for (const data of later) expect(await find('/Users', `userName eq "${data.userName}"`)).toEqual([]);
    });

    it('counts errors up to the limit, running what comes between', async () => {
      const [between, after] = [user(), user()];
      const response = await bulk(
        [postUser('bad1', { schemas: [USER] }), postUser('between', between), { method: 'DELETE', path: `/Users/${randomUUID()}` }, postUser('after', after)],
        { failOnErrors: 2 },
      );
      expect(response.body.Operations.map((operation: any) => operation.status)).toEqual(['400', '201', '404']);
      expect(await find('/Users', `userName eq "${between.userName}"`)).toHaveLength(1);
      expect(await find('/Users', `userName eq "${after.userName}"`)).toEqual([]);
    });

    it('accepts maxOperations operations', async () => {
      const operations = Array.from({ length: spc.bulk.maxOperations }, (_, index) => postUser(`op${index}`, { schemas: [USER] }));
      const response = await bulk(operations, { failOnErrors: 1 });
      expect(response.status).toBe(200);
      expect(response.body.Operations).toHaveLength(1);
    });
  });

  describe('limits (RFC 7644 §3.7.4): refused whole with 413, nothing created', () => {
    it('more than maxOperations operations', async () => {
      const data = user();
      const operations = [postUser('real', data), ...Array.from({ length: spc.bulk.maxOperations }, (_, index) => ({ method: 'DELETE', path: `/Users/${index}` }))];
      const response = await bulk(operations);
      expectScimError(response, 413);
      expect(response.body.detail).toContain(`maxOperations (${spc.bulk.maxOperations})`);
      expect(await find('/Users', `userName eq "${data.userName}"`)).toEqual([]);
    });

    it('a body larger than maxPayloadSize', async () => {
      const data = { ...user(), nickName: 'x'.repeat(spc.bulk.maxPayloadSize) };
      const response = await bulk([postUser('huge', data)]);
      expectScimError(response, 413);
      expect(response.body.detail).toContain(String(spc.bulk.maxPayloadSize));
      expect(await find('/Users', `userName eq "${data.userName}"`)).toEqual([]);
    });
  });

  describe('refuses a malformed BulkRequest whole, with 400 and nothing created', () => {
    const data = user();
    it.each([
      ['a body that is not JSON', '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [', 'invalidSyntax'],
      ['no schemas', { Operations: [postUser('a', data)] }, 'invalidSyntax'],
      ['another message schema', { schemas: [PATCH], Operations: [postUser('a', data)] }, 'invalidSyntax'],
      ['no Operations', { schemas: [BULK_REQUEST] }, 'invalidSyntax'],
      ['an empty Operations list', { schemas: [BULK_REQUEST], Operations: [] }, 'invalidSyntax'],
      ['a GET operation', { schemas: [BULK_REQUEST], Operations: [postUser('a', data), { method: 'GET', path: '/Users' }] }, 'invalidSyntax'],
      ['an operation without a path', { schemas: [BULK_REQUEST], Operations: [postUser('a', data), { method: 'DELETE' }] }, 'invalidSyntax'],
      ['a failOnErrors of 0', { schemas: [BULK_REQUEST], failOnErrors: 0, Operations: [postUser('a', data)] }, 'invalidSyntax'],
      ['a bulkId on two POSTs', { schemas: [BULK_REQUEST], Operations: [postUser('a', data), postUser('a', user())] }, 'invalidValue'],
    ])('%s', async (_what, body, scimType) => {
      expectScimError(await scim('POST', '/Bulk', body), 400, scimType);
      expect(await find('/Users', `userName eq "${data.userName}"`)).toEqual([]);
    });
  });

  describe('tenants', () => {
    it("acts for the token's tenant only: another tenant's resources are not found, and a tenant in the body means nothing", async () => {
      const client = createDocumentClient(scim.server.dynamoDbEndpoint);
      const otherTenant = new ResourceService(new DynamoResourceStore(client, scim.server.tableName), userKind({ uniqueExternalId: false }));
      const theirs = await otherTenant.create('other-tenant', user(), 'other');
      const sameName = user(theirs.resource.userName as string);
      const response = await bulk(
        [
          { method: 'PATCH', path: `/Users/${theirs.id}`, tenant: 'other-tenant', data: { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'Taken over' }] } },
          { method: 'DELETE', path: `/Users/${theirs.id}` },
          { method: 'DELETE', path: `/tenants/other-tenant/Users/${theirs.id}` },
          postGroup('g', [theirs.id]),
          postUser('mine', sameName),
        ],
        { tenant: 'other-tenant' },
      );
      expect(response.body.Operations.map((operation: any) => operation.status)).toEqual(['404', '404', '404', '201', '201']);
      const [, , , team, mine] = response.body.Operations;
      expect(await membersOf(idFromLocation(team.location))).toEqual([]);
      const untouched = await otherTenant.get('other-tenant', theirs.id);
      expect(untouched).toEqual(theirs);
      expect(idFromLocation(mine.location)).not.toBe(theirs.id);
      expect((await scim('GET', `/Users/${idFromLocation(mine.location)}`)).body.userName).toBe(sameName.userName);
      client.destroy();
    });
  });
});
