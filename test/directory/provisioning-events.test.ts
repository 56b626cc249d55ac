import { provisioningEventSchema, type ProvisioningEvent } from '../../lambdas/contracts/events';
import { FORMAT_VERSION, keys, MEMBER_OF, MEMBERSHIP, REFUSAL, savedSettings, SETTINGS } from '../../lambdas/contracts/table-design';
import type { ItemChange } from '../../lambdas/directory/cleanup';
import type { StoredResource } from '../../lambdas/directory/ports/resource-store';
import { eventsOf, factKey, factsNeeded, type ChangeFacts } from '../../lambdas/directory/provisioning-events';
import { parseExtensions, schemaRegistry } from '../../lambdas/scim/extensions';
import { ACME_USER, acmeExtensions } from '../support/acme-extensions';
import { USER } from '../support/urns';

const TENANT = 'acme';
const models = schemaRegistry(parseExtensions(acmeExtensions)).models;
const okta = { client: 'Okta', at: '2025-01-01T10:00:00.000Z' } as const;
const entra = { client: 'Entra ID', at: '2025-01-02T10:00:00.000Z' } as const;

function facts(overrides: Partial<ChangeFacts> = {}): ChangeFacts {
  return { models, users: new Map(), groups: new Map(), memberCounts: new Map(), ...overrides };
}

/** A User item as the stream shows it. */
function userItem(version: number, resource: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    ...keys.resource(TENANT, 'User', 'u1'),
    tenant: TENANT,
    resourceType: 'User',
    id: 'u1',
    version,
    created: '2025-01-01T10:00:00.000Z',
    lastModified: `2025-01-0${version}T10:00:00.000Z`,
    resource: { schemas: [USER], userName: 'ada@example.com', active: true, ...resource },
    provisionedBy: okta,
    lastChangedBy: version > 1 ? entra : okta,
    keyFold: 2,
    ...extra,
  };
}

function groupItem(version: number, resource: Record<string, unknown> = {}) {
  return {
    ...keys.resource(TENANT, 'Group', 'g1'),
    tenant: TENANT,
    resourceType: 'Group',
    id: 'g1',
    version,
    created: '2025-01-01T10:00:00.000Z',
    lastModified: `2025-01-0${version}T10:00:00.000Z`,
    resource: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Engineering', ...resource },
    lastChangedBy: okta,
  };
}

const change = (eventName: ItemChange['eventName'], images: { oldImage?: Record<string, unknown>; newImage?: Record<string, unknown> }, id = '100', at?: string): ItemChange => ({
  id,
  eventName,
  ...(at ? { at } : {}),
  ...images,
});

/** Every event must parse as the published contract says. */
function derived(item: ItemChange, given = facts()): ProvisioningEvent[] {
  const events = eventsOf(item, given);
  for (const event of events) expect(provisioningEventSchema.parse(event)).toEqual(event);
  return events;
}

const typesOf = (events: ProvisioningEvent[]) => events.map((event) => event['detail-type']);
const stored = (id: string, resource: Record<string, unknown>): StoredResource => ({ id, version: 3, created: okta.at, lastModified: okta.at, resource, lastChangedBy: okta });
const accessOf = (role: string | null, source: 'default' | 'group' = 'default') => ({
  role,
  roles: role ? [role] : [],
  roleReason: source === 'group' ? { source: 'group', group: { id: 'g1', displayName: 'Admins' } } : { source: 'default' },
  settingsVersion: 1,
});

describe('eventsOf: a user', () => {
  it('created: its id, userName, client, time, version, and the resource as GET shows it, without returned "never" or "request" attributes', () => {
    const [event, ...rest] = derived(change('INSERT', { newImage: userItem(1, { [ACME_USER]: { costCenter: 'CC-1', badgeCode: 'secret-badge', internalNotes: 'hush' } }) }));
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      'detail-type': 'user.created',
      source: 'serverless-scim',
      detail: { tenant: TENANT, id: 'u1', userName: 'ada@example.com', client: 'Okta', at: '2025-01-01T10:00:00.000Z', sequence: '1', access: null },
    });
    const resource = (event.detail as { resource: Record<string, any> }).resource;
    expect(resource).toMatchObject({ id: 'u1', userName: 'ada@example.com', meta: { resourceType: 'User', version: 'W/"1"' }, [ACME_USER]: { costCenter: 'CC-1' } });
    expect(resource.meta.location).toBeUndefined();
    expect(JSON.stringify(event)).not.toMatch(/secret-badge|hush/);
  });

  it('a PATCH that deactivates and changes the title: user.deactivated, then user.updated naming the title, with stable ids', () => {
    const item = change('MODIFY', { oldImage: userItem(1, { title: 'Engineer' }), newImage: userItem(2, { title: 'Lead', active: false }) });
    const events = derived(item);
    expect(typesOf(events)).toEqual(['user.deactivated', 'user.updated']);
    expect(events[1].detail).toMatchObject({ changedAttributes: ['title'], sequence: '2', client: 'Entra ID' });
    expect(events[0].detail.eventId).not.toBe(events[1].detail.eventId);
    // The same record again (a retried batch): the same events, the same ids.
    expect(eventsOf(item, facts())).toEqual(events);
    expect(eventsOf({ ...item, id: '101' }, facts())[0].detail.eventId).not.toBe(events[0].detail.eventId);
  });

  it('reactivated; renamed (with the previous userName); an extension attribute by its URN', () => {
    expect(typesOf(derived(change('MODIFY', { oldImage: userItem(1, { active: false }), newImage: userItem(2, {}) })))).toEqual(['user.reactivated']);
    const [renamed] = derived(change('MODIFY', { oldImage: userItem(1, {}), newImage: userItem(2, { userName: 'ada.l@example.com' }) }));
    expect(renamed.detail).toMatchObject({ changedAttributes: ['userName'], previousUserName: 'ada@example.com', userName: 'ada.l@example.com' });
    const [extension] = derived(change('MODIFY', { oldImage: userItem(1, { [ACME_USER]: { costCenter: 'A' } }), newImage: userItem(2, { [ACME_USER]: { costCenter: 'B', seatLevel: 2 } }) }));
    expect(extension.detail).toMatchObject({ changedAttributes: [`${ACME_USER}:costCenter`, `${ACME_USER}:seatLevel`] });
  });

  it('nothing for a new version no client can tell apart: same values in another key order, or only a returned "never" attribute', () => {
    const before = userItem(1, { name: { givenName: 'Ada', familyName: 'Lovelace' }, [ACME_USER]: { badgeCode: 'one' } });
    const after = userItem(2, { name: { familyName: 'Lovelace', givenName: 'Ada' }, [ACME_USER]: { badgeCode: 'two' } });
    expect(derived(change('MODIFY', { oldImage: before, newImage: after }))).toEqual([]);
  });

  it('a role computed or changed: user.role_changed with the previous role, the new one and why', () => {
    const events = derived(change('MODIFY', { oldImage: userItem(1, {}), newImage: userItem(2, {}, { access: accessOf('viewer') }) }));
    expect(typesOf(events)).toEqual(['user.role_changed']);
    expect(events[0].detail).toMatchObject({ previousRole: null, role: 'viewer', roleReason: { source: 'default' }, access: accessOf('viewer') });
    const [moved] = derived(change('MODIFY', { oldImage: userItem(2, {}, { access: accessOf('viewer') }), newImage: userItem(3, {}, { access: accessOf('admin', 'group') }) }));
    expect(moved.detail).toMatchObject({ previousRole: 'viewer', role: 'admin', roleReason: { source: 'group', group: { id: 'g1', displayName: 'Admins' } } });
    // Recomputed under new settings to the same role: nothing to say.
    expect(derived(change('MODIFY', { oldImage: userItem(2, {}, { access: accessOf('viewer') }), newImage: userItem(3, {}, { access: { ...accessOf('viewer'), settingsVersion: 2 } }) }))).toEqual([]);
  });

  it('deleted: the last state, the next version, and never a time before its last write', () => {
    const [event] = derived(change('REMOVE', { oldImage: userItem(3, {}) }, '300', '2025-01-03T09:59:59.000Z'));
    expect(event).toMatchObject({ 'detail-type': 'user.deleted', detail: { id: 'u1', sequence: '4', at: '2025-01-03T10:00:00.001Z' } });
    const [later] = derived(change('REMOVE', { oldImage: userItem(3, {}) }, '300', '2025-01-05T00:00:00.000Z'));
    expect(later.detail.at).toBe('2025-01-05T00:00:00.000Z');
  });
});

describe('eventsOf: a group and its members', () => {
  it('created; renamed or otherwise changed; nothing for a new version from members alone', () => {
    expect(typesOf(derived(change('INSERT', { newImage: groupItem(1) })))).toEqual(['group.created']);
    const [renamed] = derived(change('MODIFY', { oldImage: groupItem(1), newImage: groupItem(2, { displayName: 'Platform' }) }));
    expect(renamed).toMatchObject({ 'detail-type': 'group.updated', detail: { displayName: 'Platform', previousDisplayName: 'Engineering', changedAttributes: ['displayName'] } });
    expect(derived(change('MODIFY', { oldImage: groupItem(1, { externalId: 'a' }), newImage: groupItem(2, { externalId: 'b' }) }))[0].detail).toMatchObject({ changedAttributes: ['externalId'] });
    expect(derived(change('MODIFY', { oldImage: groupItem(1), newImage: groupItem(2) }))).toEqual([]);
  });

  it('deleted: one event with the member count the facts hold', () => {
    const removal = change('REMOVE', { oldImage: groupItem(2) });
    expect(factsNeeded([removal]).get(TENANT)?.deletedGroups).toEqual(new Set(['g1']));
    const [event] = derived(removal, facts({ memberCounts: new Map([[factKey(TENANT, 'g1'), 3]]) }));
    expect(event).toMatchObject({ 'detail-type': 'group.deleted', detail: { id: 'g1', memberCount: 3, sequence: '3' } });
  });

  it('member added or removed while both exist; nothing once the group or the user is gone; nothing for the user-side item', () => {
    const membership = { ...keys.membership(TENANT, 'g1', 'u1'), tenant: TENANT, itemType: MEMBERSHIP, groupId: 'g1', userId: 'u1', at: '2025-01-04T10:00:00.000Z' };
    const added = change('INSERT', { newImage: membership }, '400');
    const removed = change('REMOVE', { oldImage: membership }, '500', '2025-01-04T10:00:00.000Z');
    expect(factsNeeded([added, removed]).get(TENANT)).toEqual({ users: new Set(['u1']), groups: new Set(['g1']), deletedGroups: new Set() });
    const both = facts({
      groups: new Map([[factKey(TENANT, 'g1'), stored('g1', { displayName: 'Engineering' })]]),
      users: new Map([[factKey(TENANT, 'u1'), stored('u1', { userName: 'ada@example.com' })]]),
    });
    expect(derived(added, both)[0]).toMatchObject({
      'detail-type': 'group.member_added',
      detail: { group: { id: 'g1', displayName: 'Engineering' }, user: { id: 'u1', userName: 'ada@example.com' }, sequence: '400', at: membership.at, client: 'Okta' },
    });
    const [gone] = derived(removed, both);
    expect(gone).toMatchObject({ 'detail-type': 'group.member_removed', detail: { sequence: '500', at: '2025-01-04T10:00:00.001Z' } });
    expect(derived(removed, facts({ users: both.users }))).toEqual([]);
    expect(derived(added, facts({ groups: both.groups }))).toEqual([]);
    expect(derived(change('INSERT', { newImage: { ...membership, ...keys.memberOf(TENANT, 'u1', 'g1'), itemType: MEMBER_OF } }), both)).toEqual([]);
  });
});

describe('eventsOf: the tenant', () => {
  it('settings saved: the version, the one before, and which fields changed', () => {
    const settings = { roles: ['admin'], defaultRole: null, groupRoles: [], seatLimit: null, seatPolicy: 'reject' };
    const first = { ...keys.settings(TENANT), tenant: TENANT, itemType: SETTINGS, version: 1, updatedAt: '2025-01-01T00:00:00.000Z', settings };
    expect(derived(change('INSERT', { newImage: first }))[0].detail).toMatchObject({ version: 1, previousVersion: 0, changed: Object.keys(settings).sort(), sequence: '1' });
    const second = { ...first, version: 2, settings: { ...settings, seatLimit: 10 } };
    expect(derived(change('MODIFY', { oldImage: first, newImage: second }))[0].detail).toMatchObject({ version: 2, previousVersion: 1, changed: ['seatLimit'], settings: { seatLimit: 10 } });
  });

  it('nothing, and no settings to apply, when a format migration only stamped the items (users re-keyed, settings)', () => {
    const settings = { roles: ['admin'], defaultRole: null, groupRoles: [], seatLimit: null, seatPolicy: 'reject' };
    const saved = { ...keys.settings(TENANT), tenant: TENANT, itemType: SETTINGS, version: 3, updatedAt: '2025-01-01T00:00:00.000Z', settings };
    const stamped = change('MODIFY', { oldImage: saved, newImage: { ...saved, formatVersion: FORMAT_VERSION, settings: { ...settings } } });
    expect(derived(stamped)).toEqual([]);
    expect(savedSettings(stamped)).toBeUndefined();
    const { keyFold: _fold, ...legacy } = userItem(2, {});
    expect(derived(change('MODIFY', { oldImage: legacy, newImage: { ...legacy, keyFold: 2, formatVersion: FORMAT_VERSION } }))).toEqual([]);
    expect(savedSettings(change('MODIFY', { oldImage: saved, newImage: { ...saved, version: 4, formatVersion: FORMAT_VERSION } }))).toBe(TENANT);
  });

  it('a write refused at the seat limit is tenant.seat_limit_reached; other refusals and activity entries are nothing', () => {
    const refusal = (entry: Record<string, unknown>) => ({ pk: 'x', sk: 'y', tenant: TENANT, itemType: REFUSAL, entry: { at: '2025-01-06T00:00:00.000Z', type: 'request.refused', id: 'r1', status: 403, detail: 'Seat limit reached', method: 'POST', userName: 'bob@example.com', client: 'Okta', ...entry } });
    const [event] = derived(change('INSERT', { newImage: refusal({ code: 'seat_limit' }) }, '600'));
    expect(event).toMatchObject({ 'detail-type': 'tenant.seat_limit_reached', detail: { tenant: TENANT, request: { method: 'POST', userName: 'bob@example.com' }, message: 'Seat limit reached', client: 'Okta', sequence: '600' } });
    expect(derived(change('INSERT', { newImage: refusal({ status: 409 }) }))).toEqual([]);
    expect(derived(change('INSERT', { newImage: { pk: 'x', sk: 'y', tenant: TENANT, entry: { type: 'user.created' } } }))).toEqual([]);
  });
});
