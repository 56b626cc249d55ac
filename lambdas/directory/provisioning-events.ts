import { eventId, provisioningEvent } from '../contracts/event-envelope';
import type { ActivityEntry, EventOf, EventType, ProvisioningEvent } from '../contracts/events';
import { formatOnly, itemAttributes, MEMBERSHIP, REFUSAL, SETTINGS, type MembershipItemImage, type ResourceTypeName } from '../contracts/table-design';
import { isPlainObject, sameJsonValue } from '../scim/comparison';
import { SEAT_LIMIT_CODE } from '../scim/errors';
import type { ScimResource } from '../scim/normalize';
import { project } from '../scim/projection';
import type { ResourceModel } from '../scim/schemas';
import type { ItemChange } from './cleanup';
import { storedResourceOf, type StoredResource } from './ports/resource-store';
import { resourceRepresentation } from './provisioning';

/**
 * What deriving a change's events reads besides the change itself, fetched for a whole batch at
 * once (see factsNeeded): the users and groups of memberships as they are now, and how many
 * members deleted groups had.
 */
export interface ChangeFacts {
  models: Readonly<Record<ResourceTypeName, ResourceModel>>;
  /** By factKey(tenant, id); absent: deleted. */
  users: ReadonlyMap<string, StoredResource>;
  groups: ReadonlyMap<string, StoredResource>;
  memberCounts: ReadonlyMap<string, number>;
}


export function factKey(tenant: string, id: string): string {
  return `${tenant}\n${id}`;
}

/** The ids a batch of changes needs facts about, per tenant. */
export function factsNeeded(changes: ItemChange[]): Map<string, { users: Set<string>; groups: Set<string>; deletedGroups: Set<string> }> {
  const needed = new Map<string, { users: Set<string>; groups: Set<string>; deletedGroups: Set<string> }>();
  const of = (tenant: string) => {
    let entry = needed.get(tenant);
    if (!entry) needed.set(tenant, (entry = { users: new Set(), groups: new Set(), deletedGroups: new Set() }));
    return entry;
  };
  for (const change of changes) {
    const membership = membershipOf(change);
    if (membership) {
      of(membership.tenant).users.add(membership.userId);
      of(membership.tenant).groups.add(membership.groupId);
    } else if (change.eventName === 'REMOVE' && change.oldImage?.[itemAttributes.resourceType] === 'Group') {
      of(change.oldImage[itemAttributes.tenant] as string).deletedGroups.add(change.oldImage.id as string);
    }
  }
  return needed;
}

/**
 * The provisioning events of one committed change (a stream record), derived from its images alone
 * and the facts: the same record always yields the same events with the same ids, so a replayed
 * batch publishes duplicates consumers drop, never different events. One change may yield several:
 * a PATCH that deactivates a user and changes its title yields user.deactivated and user.updated;
 * a role recomputation yields user.role_changed.
 */
export function eventsOf(change: ItemChange, facts: ChangeFacts): ProvisioningEvent[] {
  const image = change.eventName === 'REMOVE' ? change.oldImage : change.newImage;
  const resourceType = image?.[itemAttributes.resourceType];
  if (resourceType === 'User') return userEvents(change, facts);
  if (resourceType === 'Group') return groupEvents(change, facts);
  const membership = membershipOf(change);
  if (membership) return membershipEvents(change, membership, facts);
  const kind = image?.[itemAttributes.itemType];
  if (kind === SETTINGS && change.eventName !== 'REMOVE') return formatOnly(change) ? [] : settingsEvents(change);
  if (kind === REFUSAL && change.eventName === 'INSERT') return refusalEvents(change);
  return [];
}

function membershipOf(change: ItemChange): MembershipItemImage | undefined {
  const image = change.eventName === 'REMOVE' ? change.oldImage : change.newImage;
  return change.eventName !== 'MODIFY' && image?.[itemAttributes.itemType] === MEMBERSHIP ? (image as unknown as MembershipItemImage) : undefined;
}


/**
 * When a removal happened: the stream's time is to the second, so it is never put before the last
 * write of what it removed, which keeps a subject's trail in order.
 */
function removedAt(change: ItemChange, lastWritten: unknown): string {
  const floor = typeof lastWritten === 'string' ? Date.parse(lastWritten) + 1 : 0;
  const approximate = change.at ? Date.parse(change.at) : 0;
  return new Date(Math.max(floor, approximate)).toISOString();
}

const clientOf = (stored: StoredResource) => (stored.lastChangedBy ?? stored.provisionedBy)?.client ?? null;

/** As GET answers it by default: `returned: "never"` (and "request") attributes, declared or built in, are left out. */
function shown(type: ResourceTypeName, stored: StoredResource, facts: ChangeFacts): EventOf<'user.created'>['detail']['resource'] {
  return project(facts.models[type], resourceRepresentation(type, stored), {}) as EventOf<'user.created'>['detail']['resource'];
}

/** The attributes a client may see: a change of one declared `returned: "never"` is not even named. */
const visible = (type: ResourceTypeName, resource: ScimResource, facts: ChangeFacts) => project(facts.models[type], resource, {});

const isActive = (resource: ScimResource) => resource.active !== false;

/** What every user or group event's detail says of the resource, as of `stored`. */
function resourceDetail(change: ItemChange, facts: ChangeFacts, resourceType: ResourceTypeName, stored: StoredResource, type: EventType, at: string, sequence: number) {
  return {
    eventId: eventId(type, change.id),
    tenant: (change.newImage ?? change.oldImage)![itemAttributes.tenant] as string,
    at,
    sequence: String(sequence),
    id: stored.id,
    client: clientOf(stored),
    resource: shown(resourceType, stored, facts),
  };
}

function userEvents(change: ItemChange, facts: ChangeFacts): ProvisioningEvent[] {
  const detail = (stored: StoredResource, type: EventType, at: string, sequence: number) => ({
    ...resourceDetail(change, facts, 'User', stored, type, at, sequence),
    userName: String(stored.resource.userName ?? ''),
    access: stored.access ?? null,
  });
  if (change.eventName === 'INSERT') {
    const user = storedResourceOf(change.newImage!);
    return [provisioningEvent('user.created', detail(user, 'user.created', user.lastModified, user.version))];
  }
  if (change.eventName === 'REMOVE') {
    const user = storedResourceOf(change.oldImage!);
    return [provisioningEvent('user.deleted', detail(user, 'user.deleted', removedAt(change, user.lastModified), user.version + 1))];
  }
  const [before, after] = [storedResourceOf(change.oldImage!), storedResourceOf(change.newImage!)];
  const at = after.lastModified;
  const events: ProvisioningEvent[] = [];
  if (isActive(before.resource) && !isActive(after.resource)) events.push(provisioningEvent('user.deactivated', detail(after, 'user.deactivated', at, after.version)));
  if (!isActive(before.resource) && isActive(after.resource)) events.push(provisioningEvent('user.reactivated', detail(after, 'user.reactivated', at, after.version)));
  const changed = changedAttributes(visible('User', before.resource, facts), visible('User', after.resource, facts)).filter((name) => name !== 'active');
  if (changed.length > 0) {
    const renamed = before.resource.userName !== after.resource.userName;
    events.push(
      provisioningEvent('user.updated', {
        ...detail(after, 'user.updated', at, after.version),
        changedAttributes: changed,
        ...(renamed ? { previousUserName: String(before.resource.userName ?? '') } : {}),
      }),
    );
  }
  const [previousRole, role] = [before.access?.role ?? null, after.access?.role ?? null];
  if (previousRole !== role && after.access) {
    events.push(
      provisioningEvent('user.role_changed', {
        ...detail(after, 'user.role_changed', at, after.version),
        previousRole,
        role,
        roleReason: after.access.roleReason,
      }),
    );
  }
  return events;
}

function groupEvents(change: ItemChange, facts: ChangeFacts): ProvisioningEvent[] {
  const tenant = (change.newImage ?? change.oldImage)![itemAttributes.tenant] as string;
  const detail = (stored: StoredResource, type: EventType, at: string, sequence: number) => ({
    ...resourceDetail(change, facts, 'Group', stored, type, at, sequence),
    displayName: String(stored.resource.displayName ?? ''),
  });
  if (change.eventName === 'INSERT') {
    const group = storedResourceOf(change.newImage!);
    return [provisioningEvent('group.created', detail(group, 'group.created', group.lastModified, group.version))];
  }
  if (change.eventName === 'REMOVE') {
    const group = storedResourceOf(change.oldImage!);
    return [
      provisioningEvent('group.deleted', {
        ...detail(group, 'group.deleted', removedAt(change, group.lastModified), group.version + 1),
        memberCount: facts.memberCounts.get(factKey(tenant, group.id)) ?? 0,
      }),
    ];
  }
  const [before, after] = [storedResourceOf(change.oldImage!), storedResourceOf(change.newImage!)];
  // A new version without attribute changes is a change of members, which have events of their own.
  const changed = changedAttributes(visible('Group', before.resource, facts), visible('Group', after.resource, facts));
  if (changed.length === 0) return [];
  const renamed = before.resource.displayName !== after.resource.displayName;
  return [
    provisioningEvent('group.updated', {
      ...detail(after, 'group.updated', after.lastModified, after.version),
      changedAttributes: changed,
      ...(renamed ? { previousDisplayName: String(before.resource.displayName ?? '') } : {}),
    }),
  ];
}

/**
 * A membership's events, while both its group and its user exist: a membership removed because
 * its group or user was deleted is said by group.deleted or user.deleted, and one written while
 * they were being deleted never existed for anyone.
 */
function membershipEvents(change: ItemChange, membership: MembershipItemImage, facts: ChangeFacts): ProvisioningEvent[] {
  const group = facts.groups.get(factKey(membership.tenant, membership.groupId));
  const user = facts.users.get(factKey(membership.tenant, membership.userId));
  if (!group || !user) return [];
  const type = change.eventName === 'INSERT' ? 'group.member_added' : 'group.member_removed';
  return [
    provisioningEvent(type, {
      eventId: eventId(type, change.id),
      tenant: membership.tenant,
      at: change.eventName === 'INSERT' ? (membership.at ?? removedAt(change, undefined)) : removedAt(change, membership.at),
      // Records of one item come in the order it changed, with rising sequence numbers.
      sequence: change.id,
      group: { id: group.id, displayName: String(group.resource.displayName ?? '') },
      user: { id: user.id, userName: String(user.resource.userName ?? '') },
      client: clientOf(group),
    }),
  ];
}

function settingsEvents(change: ItemChange): ProvisioningEvent[] {
  const after = change.newImage!;
  const before = change.oldImage;
  const settings = (after.settings ?? {}) as Record<string, unknown>;
  const previous = (before?.settings ?? {}) as Record<string, unknown>;
  const changed = [...new Set([...Object.keys(previous), ...Object.keys(settings)])].filter((name) => !sameJsonValue(previous[name], settings[name])).sort();
  return [
    provisioningEvent('tenant.settings_changed', {
      eventId: eventId('tenant.settings_changed', change.id),
      tenant: after[itemAttributes.tenant] as string,
      at: after.updatedAt as string,
      sequence: String(after.version),
      version: after.version as number,
      previousVersion: (before?.version as number | undefined) ?? 0,
      changed,
      settings,
    }),
  ];
}

/** A refused write recorded by the HTTP layer: the ones refused at the seat limit are a tenant event. */
function refusalEvents(change: ItemChange): ProvisioningEvent[] {
  const image = change.newImage!;
  const entry = image.entry as ActivityEntry & { code?: string; method?: string; userName?: string; userId?: string; client?: string };
  if (entry.code !== SEAT_LIMIT_CODE || !['POST', 'PUT', 'PATCH'].includes(entry.method ?? '')) return [];
  return [
    provisioningEvent('tenant.seat_limit_reached', {
      eventId: eventId('tenant.seat_limit_reached', change.id),
      tenant: image[itemAttributes.tenant] as string,
      at: entry.at,
      sequence: change.id,
      client: (entry.client ?? null) as EventOf<'tenant.seat_limit_reached'>['detail']['client'],
      request: {
        method: entry.method as 'POST' | 'PUT' | 'PATCH',
        ...(entry.userName !== undefined ? { userName: entry.userName } : {}),
        ...(entry.userId !== undefined ? { id: entry.userId } : {}),
      },
      message: entry.detail ?? '',
    }),
  ];
}

/**
 * Names of the SCIM attributes whose values differ; an extension's attributes are named with its
 * schema URN (RFC 7644 §3.10), e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`.
 */
export function changedAttributes(before: ScimResource, after: ScimResource): string[] {
  const names: string[] = [];
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (name === 'schemas') continue;
    const [was, is] = [before[name], after[name]];
    if (name.toLowerCase().startsWith('urn:') && (isPlainObject(was) || isPlainObject(is))) {
      const [wasObject, isObject] = [isPlainObject(was) ? was : {}, isPlainObject(is) ? is : {}];
      for (const attribute of new Set([...Object.keys(wasObject), ...Object.keys(isObject)])) {
        if (!sameJsonValue(wasObject[attribute], isObject[attribute])) names.push(`${name}:${attribute}`);
      }
    } else if (!sameJsonValue(was, is)) {
      names.push(name);
    }
  }
  return names.sort();
}
