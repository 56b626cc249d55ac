import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { resolve } from 'node:path';
import { keys, MEMBER_PREFIX } from '../../lambdas/contracts/table-design';
import { streamFunctions } from '../../lambdas/contracts/routes';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { writeStoreMarker } from '../../lib/local/local-store';
import { runAdmin } from '../../lib/admin/admin-cli';
import { aUser, membersOp, patchOf } from '../support/builders';
import { useScimServer } from '../support/scim-fixture';
import { expectScimError, unique, type PublishedEvent } from '../support/scim-server';
import { BULK_REQUEST } from '../support/urns';

const ROOT = resolve(__dirname, '../..');
const scim = useScimServer();
let table: ReturnType<typeof createDocumentClient>;
beforeAll(() => {
  table = createDocumentClient(scim.server.dynamoDbEndpoint);
  // What npm start leaves while it runs: the admin CLI reads this server's table.
  writeStoreMarker(scim.server.dataDir, scim.server.dynamoDbEndpoint, scim.server.tableName);
});
afterAll(() => table.destroy());

/** A tenant of its own per scenario, so that its events and trail are its alone. */
async function aTenant() {
  const tenant = unique('t').toLowerCase();
  const token = await scim.server.tenants().create(tenant);
  return { tenant, token, client: scim.as(token), settings: (input: unknown) => scim.admin.settings.set(tenant, input) };
}

const settle = () => scim.server.drainStreams();

async function eventsOf(tenant: string): Promise<PublishedEvent[]> {
  await settle();
  return (await scim.server.events()).filter((event) => event.detail.tenant === tenant);
}

/** The events about one user or group (memberships count for both), in the order published. */
const about = (events: PublishedEvent[], id: string) =>
  events.filter((event) => {
    const detail = event.detail as Record<string, any>;
    return detail.id === id || detail.user?.id === id || detail.group?.id === id;
  });

const types = (events: PublishedEvent[]) => events.map((event) => event['detail-type']);

/** `npm run admin -- activity …` on this server's data directory; one JSON object a line. */
async function activity(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin(['--data-dir', scim.server.dataDir, 'activity', ...args], { out: (line) => out.push(line), err: (line) => err.push(line) }, {}, ROOT);
  expect({ code, err }).toEqual({ code: 0, err: [] });
  return out.map((line) => JSON.parse(line) as Record<string, any>);
}

/** Per subject, sequences rise (BigInt) and times never go back. */
function expectOrdered(events: PublishedEvent[]) {
  for (let index = 1; index < events.length; index++) {
    const [before, after] = [events[index - 1].detail, events[index].detail];
    expect(BigInt(after.sequence) >= BigInt(before.sequence)).toBe(true);
    expect(after.at >= before.at).toBe(true);
  }
}

describe('provisioning events and the activity trail', () => {
  it('a user from create to delete: one event per change, in order, the same in the trail', async () => {
    const { tenant, client } = await aTenant();
    const created = await client('POST', '/Users', aUser({ title: 'Engineer', password: 'never-Shown-1!' }));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const userName = created.body.userName as string;
    expect((await client('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'title', value: 'Lead' }))).status).toBe(200);
    // One PATCH that deactivates and changes the title: a deactivation, and an update naming the title alone.
    expect((await client('PATCH', `/Users/${id}`, patchOf({ op: 'replace', value: { active: false, title: 'Former lead' } }))).status).toBe(200);
    expect((await client('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'active', value: true }))).status).toBe(200);
    // A PUT that changes nothing is a new version, but no change anyone could see.
    const current = (await client('GET', `/Users/${id}`)).body;
    expect((await client('PUT', `/Users/${id}`, { schemas: current.schemas, userName, name: current.name, emails: current.emails, displayName: current.displayName, active: true, title: 'Former lead' })).status).toBe(200);
    expect((await client('DELETE', `/Users/${id}`)).status).toBe(204);

    const events = about(await eventsOf(tenant), id);
    expect(types(events)).toEqual(['user.created', 'user.updated', 'user.deactivated', 'user.updated', 'user.reactivated', 'user.deleted']);
    expectOrdered(events);
    expect(new Set(events.map((event) => event.detail.eventId)).size).toBe(events.length);
    expect(events.map((event) => (event.detail as any).changedAttributes)).toEqual([undefined, ['title'], undefined, ['title'], undefined, undefined]);
    const [first] = events;
    expect(first.source).toBe('serverless-scim');
    expect(first.detail).toMatchObject({ tenant, id, userName, client: 'other', access: null, resource: { id, userName, title: 'Engineer', meta: { resourceType: 'User', version: 'W/"1"' } } });
    // returned "never": a password is never stored, let alone published.
    expect(JSON.stringify(events)).not.toMatch(/never-Shown/);
    expect((events[5].detail as any).resource.title).toBe('Former lead');

    const trail = await activity(tenant, '--user', userName.toUpperCase());
    expect(trail.map((entry) => entry.type)).toEqual(types(events));
    expect(trail.map((entry) => entry.id)).toEqual(events.map((event) => event.detail.eventId));
    expect(trail[0]).toMatchObject({ at: first.detail.at, type: 'user.created', userId: id, userName });
    expect(trail[0].resource).toBeUndefined();
    // By id, it is the same trail; --limit keeps the most recent.
    expect((await activity(tenant, '--user', id)).map((entry) => entry.id)).toEqual(trail.map((entry) => entry.id));
    expect((await activity(tenant, '--user', id, '--limit', '2')).map((entry) => entry.type)).toEqual(['user.reactivated', 'user.deleted']);
    expect((await activity(tenant, '--user', id, '--since', events[4].detail.at)).map((entry) => entry.type)).toEqual(['user.reactivated', 'user.deleted']);
  });

  it('refused and rolled-back writes publish nothing and are kept as request.refused with status and scimType', async () => {
    const { tenant, client } = await aTenant();
    const user = aUser();
    const created = await client('POST', '/Users', user);
    const id = created.body.id as string;
    expectScimError(await client('POST', '/Users', aUser({ userName: user.userName.toUpperCase() })), 409, 'uniqueness');
    expectScimError(await client('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'nosuch[', value: 1 })), 400);
    expectScimError(await client('DELETE', `/Users/${id}`, undefined, { 'If-Match': 'W/"99"' }), 412);
    // A refused Bulk operation is kept as its own request would be.
    const bulk = await client('POST', '/Bulk', { schemas: [BULK_REQUEST], Operations: [{ method: 'POST', path: '/Users', bulkId: 'again', data: aUser({ userName: user.userName }) }] });
    expect(bulk.body.Operations.map((operation: { status: string }) => operation.status)).toEqual(['409']);
    // A read that fails is no refused write.
    expect((await client('GET', '/Users/nobody')).status).toBe(404);

    expect(types(about(await eventsOf(tenant), id))).toEqual(['user.created']);
    const trail = await activity(tenant, '--user', user.userName);
    expect(trail.map((entry) => [entry.type, entry.status, entry.scimType])).toEqual([
      ['user.created', undefined, undefined],
      ['request.refused', 409, 'uniqueness'],
      ['request.refused', 400, 'invalidPath'],
      ['request.refused', 412, undefined],
      ['request.refused', 409, 'uniqueness'],
    ]);
    expect(trail[1]).toMatchObject({ method: 'POST', resourceType: 'User', userName: user.userName.toUpperCase(), detail: expect.stringContaining('already exists') });
    expect(trail[3]).toMatchObject({ method: 'DELETE', userId: id });
    // Never the body: only what names the target.
    expect(JSON.stringify(trail)).not.toContain('Lovelace');
  });

  it('roles: a mapped group moves the user’s role, said as user.role_changed with the reason', async () => {
    const { tenant, token, client, settings } = await aTenant();
    const admins = unique('Admins');
    await settings({ roles: ['admin', 'viewer'], defaultRole: 'viewer', groupRoles: [{ group: admins, role: 'admin' }], seatLimit: null });
    const user = (await client('POST', '/Users', aUser())).body;
    await settle();
    const group = (await client('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: admins, members: [{ value: user.id }] })).body;
    await settle();
    expect((await client('PATCH', `/Groups/${group.id}`, patchOf(membersOp.removeByValue([user.id])))).status).toBe(204);

    const events = await eventsOf(tenant);
    expect(types(events.filter((event) => event['detail-type'].startsWith('tenant.')))).toEqual(['tenant.token_rotated', 'tenant.settings_changed']);
    const settingsChanged = events.find((event) => event['detail-type'] === 'tenant.settings_changed')!;
    expect(settingsChanged.detail).toMatchObject({ version: 1, previousVersion: 0, changed: expect.arrayContaining(['defaultRole', 'groupRoles', 'roles']) });
    const roleChanges = about(events, user.id).filter((event) => event['detail-type'] === 'user.role_changed').map((event) => event.detail as any);
    expect(roleChanges.map((detail) => [detail.previousRole, detail.role, detail.roleReason.source])).toEqual([
      [null, 'viewer', 'default'],
      ['viewer', 'admin', 'group'],
      ['admin', 'viewer', 'default'],
    ]);
    expect(roleChanges[1].roleReason).toEqual({ source: 'group', group: { id: group.id, displayName: admins } });
    expect(roleChanges[1].access).toMatchObject({ role: 'admin', roles: ['admin'] });
    expect(types(about(events, group.id))).toEqual(['group.created', 'group.member_added', 'group.member_removed']);
    // Token events go to EventBridge only (the token functions have no table); the tenant's trail holds the rest.
    expect((await activity(tenant)).map((entry) => entry.type)).toEqual(['tenant.settings_changed']);
    expect(events[0].detail).toMatchObject({ tenant, expiresAt: expect.any(String) });
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it('a group: created with members, renamed, members added and removed, deleted as one event with its member count', async () => {
    const { tenant, client } = await aTenant();
    const users = await Promise.all([1, 2, 3, 4].map(async () => (await client('POST', '/Users', aUser())).body));
    const displayName = unique('Team');
    const group = (await client('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName, members: users.slice(0, 3).map((user) => ({ value: user.id })) })).body;
    expect((await client('PATCH', `/Groups/${group.id}`, patchOf({ op: 'replace', path: 'displayName', value: `${displayName} renamed` }))).status).toBe(204);
    expect((await client('PATCH', `/Groups/${group.id}`, patchOf(membersOp.add([users[3].id]), membersOp.removeByValue([users[0].id])))).status).toBe(204);
    // Adding a member twice changes nothing.
    expect((await client('PATCH', `/Groups/${group.id}`, patchOf(membersOp.add([users[3].id])))).status).toBe(204);
    await settle();
    expect((await client('DELETE', `/Groups/${group.id}`)).status).toBe(204);

    const events = about(await eventsOf(tenant), group.id);
    expect(types(events).filter((type) => !type.startsWith('group.member'))).toEqual(['group.created', 'group.updated', 'group.deleted']);
    const members = events.filter((event) => event['detail-type'].startsWith('group.member')).map((event) => [event['detail-type'], (event.detail as any).user.id]);
    expect(members.filter(([type]) => type === 'group.member_added').map(([, id]) => id).sort()).toEqual(users.map((user) => user.id).sort());
    // The deletion is one event: no member_removed for the three members it took with it.
    expect(members.filter(([type]) => type === 'group.member_removed')).toEqual([['group.member_removed', users[0].id]]);
    expect(events.find((event) => event['detail-type'] === 'group.updated')!.detail).toMatchObject({ changedAttributes: ['displayName'], previousDisplayName: displayName, displayName: `${displayName} renamed` });
    expect(events.find((event) => event['detail-type'] === 'group.deleted')!.detail).toMatchObject({ memberCount: 3, displayName: `${displayName} renamed` });
    // A membership's names are read when its event is made: the group's may already be the new one.
    expect(events.find((event) => event['detail-type'] === 'group.member_added')!.detail).toMatchObject({ group: { id: group.id, displayName: expect.stringContaining(displayName) }, user: { userName: expect.any(String) } });

    // By either name, and the member's own trail has its memberships.
    const byOldName = await activity(tenant, '--group', displayName);
    expect(byOldName.map((entry) => entry.id)).toEqual((await activity(tenant, '--group', group.id)).map((entry) => entry.id));
    expect(byOldName.filter((entry) => !entry.type.startsWith('group.member')).map((entry) => entry.type)).toEqual(['group.created', 'group.updated', 'group.deleted']);
    expect((await activity(tenant, '--user', users[0].id)).map((entry) => entry.type)).toEqual(['user.created', 'group.member_added', 'group.member_removed']);
  });

  it('a create refused at the seat limit: tenant.seat_limit_reached, and request.refused under the name', async () => {
    const { tenant, client, settings } = await aTenant();
    await settings({ roles: [], defaultRole: null, groupRoles: [], seatLimit: 1 });
    const first = (await client('POST', '/Users', aUser())).body;
    const refused = aUser();
    const response = await client('POST', '/Users', refused);
    expectScimError(response, 403);
    // A reactivation at the limit is refused too.
    const inactive = (await client('POST', '/Users', aUser({ active: false }))).body;
    expectScimError(await client('PATCH', `/Users/${inactive.id}`, patchOf({ op: 'replace', path: 'active', value: true })), 403);

    const events = await eventsOf(tenant);
    // Two refusals are two items of the table: their stream records need not come in request order.
    const limits = events.filter((event) => event['detail-type'] === 'tenant.seat_limit_reached').map((event) => event.detail as any);
    expect(limits.map((detail) => detail.request)).toHaveLength(2);
    expect(limits.map((detail) => detail.request)).toEqual(expect.arrayContaining([{ method: 'POST', userName: refused.userName }, { method: 'PATCH', id: inactive.id }]));
    expect(limits.find((detail) => detail.request.method === 'POST').message).toBe(response.body.detail);
    expect(events.filter((event) => event['detail-type'] === 'user.created').map((event) => event.detail.id)).toEqual([first.id, inactive.id]);
    expect(types(about(events, inactive.id))).toEqual(['user.created']);

    expect((await activity(tenant, '--user', refused.userName)).map((entry) => [entry.type, entry.status, entry.scimType])).toEqual([['request.refused', 403, undefined]]);
    expect((await activity(tenant)).map((entry) => entry.type)).toEqual(['tenant.settings_changed', 'tenant.seat_limit_reached', 'tenant.seat_limit_reached']);
  });

  it('a replayed stream batch publishes the same ids again and adds nothing to the trail', async () => {
    const { tenant, client } = await aTenant();
    const user = (await client('POST', '/Users', aUser())).body;
    await settle();
    const { Item } = await table.send(new GetCommand({ TableName: scim.server.tableName, Key: keys.resource(tenant, 'User', user.id), ConsistentRead: true }));
    const record = { eventID: 'replayed', eventName: 'INSERT', dynamodb: { SequenceNumber: '900000000000000000001', ApproximateCreationDateTime: Date.now() / 1000, NewImage: marshall(Item!, { removeUndefinedValues: true }) } };
    const { handler } = (await import(resolve(ROOT, streamFunctions.events.entry))) as { handler: (event: DynamoDBStreamEvent) => Promise<{ batchItemFailures: unknown[] }> };
    const before = (await scim.server.events()).length;
    for (let attempt = 0; attempt < 2; attempt++) expect(await handler({ Records: [record] } as unknown as DynamoDBStreamEvent)).toEqual({ batchItemFailures: [] });
    const replayed = (await scim.server.events()).slice(before);
    expect(replayed).toHaveLength(2);
    expect(replayed[0].detail.eventId).toBe(replayed[1].detail.eventId);
    const trail = await activity(tenant, '--user', user.id);
    expect(trail.filter((entry) => entry.id === replayed[0].detail.eventId)).toHaveLength(1);
    expect(trail.map((entry) => entry.type)).toEqual(['user.created', 'user.created']);
  });

  it('group.deleted counts the members before cleanup removes them, whichever consumer runs first', async () => {
    const { tenant, client } = await aTenant();
    const users = await Promise.all([1, 2].map(async () => (await client('POST', '/Users', aUser())).body));
    const group = (await client('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: unique('Doomed'), members: users.map((user) => ({ value: user.id })) })).body;
    await settle();
    const { Item } = await table.send(new GetCommand({ TableName: scim.server.tableName, Key: keys.resource(tenant, 'Group', group.id), ConsistentRead: true }));
    await scim.server.pauseStreams();
    try {
      expect((await client('DELETE', `/Groups/${group.id}`)).status).toBe(204);
      const record = { eventID: 'removed', eventName: 'REMOVE', dynamodb: { SequenceNumber: '900000000000000000002', OldImage: marshall(Item!, { removeUndefinedValues: true }) } };
      const consumer = async (name: keyof typeof streamFunctions) =>
        ((await import(resolve(ROOT, streamFunctions[name].entry))) as { handler: (event: DynamoDBStreamEvent) => Promise<unknown> }).handler({ Records: [record] } as unknown as DynamoDBStreamEvent);
      // Cleanup first: every membership is gone by the time the events consumer looks.
      await consumer('cleanup');
      const left = await table.send(
        new QueryCommand({ TableName: scim.server.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :member)', ExpressionAttributeValues: { ':pk': keys.groupMembers(tenant, group.id), ':member': MEMBER_PREFIX }, ConsistentRead: true }),
      );
      expect(left.Items).toEqual([]);
      const before = (await scim.server.events()).length;
      await consumer('events');
      const [deleted] = (await scim.server.events()).slice(before);
      expect(deleted).toMatchObject({ 'detail-type': 'group.deleted', detail: { id: group.id, memberCount: 2 } });
    } finally {
      scim.server.resumeStreams();
    }
    const real = (await eventsOf(tenant)).filter((event) => event['detail-type'] === 'group.deleted' && event.detail.id === group.id);
    expect(real.map((event) => (event.detail as any).memberCount)).toEqual([2, 2]);
    expect(about(real, group.id).every((event) => event['detail-type'] !== 'group.member_removed')).toBe(true);
  });
});
