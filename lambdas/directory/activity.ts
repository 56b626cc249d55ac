import { randomUUID } from 'node:crypto';
import { REQUEST_REFUSED } from '../contracts/event-envelope';
import type { ActivityEntry, ProvisioningEvent } from '../contracts/events';
import { couldBeId, foldCase, type ActivitySubject, type ProvisioningClient, type ResourceTypeName } from '../contracts/table-design';
import { mapLimited } from '../runtime/concurrency';
import type { ActivityLog, ActivityRecord } from './ports/activity-log';
import type { ResourceService } from './resources';

/** A write the server refused, as the HTTP layer knows it: never the request's body, only what names its target. */
export interface Refusal {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Undefined for a request that addresses no single resource type (POST /Bulk itself). */
  resourceType?: ResourceTypeName;
  /** The addressed resource's id (PUT, PATCH, DELETE). */
  id?: string;
  /** A create's userName or displayName, which is all that names what it would have created. */
  name?: string;
  client: ProvisioningClient;
  status: number;
  scimType?: string;
  detail: string;
  /** The error's code (ScimError.code): what operators query by, and how the seat-limit event knows its refusals. */
  code: string;
}

export interface TimelineQuery {
  /** A userName (any case, also of a deleted or renamed user) or a user id. */
  user?: string;
  /** A displayName or a group id. */
  group?: string;
  /** ISO 8601: entries from then on. */
  since?: string;
  /** The most recent this many. */
  limit: number;
}

const PARALLEL_WRITES = 8;
/** What a refusal keeps of a name and a detail: enough to read, never enough to push an item past DynamoDB's 400 KB. */
const MAX_KEPT_CHARACTERS = 1_024;
const kept = (text: string) => (text.length <= MAX_KEPT_CHARACTERS ? text : `${text.slice(0, MAX_KEPT_CHARACTERS)}…`);

/** The attribute names a resource type's entries carry its id and name under. */
const naming = {
  User: { id: 'userId', name: 'userName' },
  Group: { id: 'groupId', name: 'displayName' },
} as const;

/**
 * The activity trail of each tenant: every committed change (the provisioning events, recorded by
 * the events consumer) and every refused write (recorded by the HTTP layer), kept per resource,
 * per name and per tenant for the deployment's retention, so that one query answers a resource's
 * timeline in order. A resource can be found by any name it held, deleted or not.
 */
export class ActivityTrail {
  constructor(
    private readonly log: ActivityLog,
    private readonly users: ResourceService,
    private readonly groups: ResourceService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The events of each change (in order) in their subjects' trails, and which resource holds which name. Idempotent. */
  async recordEvents(changes: ProvisioningEvent[][]): Promise<void> {
    const records = changes.flatMap((events) =>
      events.flatMap((event, position) => subjectsOf(event).map((subject): ActivityRecord => ({ tenant: event.detail.tenant, subject, entry: entryOf(event), position }))),
    );
    await this.log.record(records);
    const events = changes.flat();
    await mapLimited(events.flatMap(nameChanges), PARALLEL_WRITES, (change) =>
      change.held
        ? this.log.holdName(change.tenant, change.type, change.name, change.id, change.at)
        : this.log.releaseName(change.tenant, change.type, change.name, change.id, change.at),
    );
  }

  /** A refused write, in the trail of what it addressed: its id, the name a create gave, or the tenant. */
  async refused(tenant: string, refusal: Refusal): Promise<void> {
    const { resourceType: type } = refusal;
    const subject: ActivitySubject =
      type && refusal.id !== undefined ? { type, id: refusal.id } : type && refusal.name ? { type, name: foldCase(refusal.name) } : { type: 'Tenant' };
    const entry: ActivityEntry = {
      at: this.now().toISOString(),
      type: REQUEST_REFUSED,
      id: randomUUID(),
      status: refusal.status,
      ...(refusal.scimType ? { scimType: refusal.scimType } : {}),
      detail: kept(refusal.detail),
      method: refusal.method,
      ...(type ? { resourceType: type } : {}),
      ...(type && refusal.id !== undefined ? { [naming[type].id]: refusal.id } : {}),
      ...(type && refusal.name ? { [naming[type].name]: kept(refusal.name) } : {}),
      client: refusal.client,
      code: refusal.code,
    };
    await this.log.refused({ tenant, subject, entry, position: 0 });
  }

  /**
   * A user's or a group's trail (by any name it held, or its id), or without either the tenant's
   * own (settings, tokens, seats, refused bulk requests): the most recent `limit` entries, oldest
   * first. By id it is one round trip; by name, a second for the resources that held it.
   */
  async timeline(tenant: string, query: TimelineQuery): Promise<ActivityEntry[]> {
    const options = { since: query.since, limit: query.limit };
    const type: ResourceTypeName | undefined = query.user !== undefined ? 'User' : query.group !== undefined ? 'Group' : undefined;
    if (!type) return this.log.trail(tenant, { type: 'Tenant' }, options);
    const key = (query.user ?? query.group)!;
    const [named, byId] = await Promise.all([
      this.log.named(tenant, type, foldCase(key), options),
      couldBeId(key) ? this.log.trail(tenant, { type, id: key }, options) : Promise.resolve([]),
    ]);
    let ids = named.ids.filter((id) => id !== key);
    if (named.ids.length === 0 && byId.length === 0) {
      // A resource named before trails were kept has no pointer: the directory knows its current name.
      const [current] = await (type === 'User' ? this.users : this.groups).lookup(tenant, naming[type].name, key);
      if (current) ids = [current.id];
    }
    const others = await Promise.all(ids.map((id) => this.log.trail(tenant, { type, id }, options)));
    return inOrder([...named.entries, ...byId, ...others.flat()]).slice(-query.limit);
  }
}

/** Trails merged by time; a stable sort keeps each trail's own order among entries of one time (one change's). */
function inOrder(entries: ActivityEntry[]): ActivityEntry[] {
  const seen = new Set<string>();
  return entries.filter((entry) => !seen.has(entry.id) && seen.add(entry.id)).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** Whose trails an event goes into: a membership's into its group's and its user's. */
function subjectsOf(event: ProvisioningEvent): ActivitySubject[] {
  switch (event['detail-type']) {
    case 'group.member_added':
    case 'group.member_removed':
      return [
        { type: 'Group', id: event.detail.group.id },
        { type: 'User', id: event.detail.user.id },
      ];
    case 'tenant.seat_limit_reached':
    case 'tenant.settings_changed':
    case 'tenant.token_rotated':
    case 'tenant.token_expiring':
      return [{ type: 'Tenant' }];
    default:
      return [{ type: event['detail-type'].startsWith('user.') ? 'User' : 'Group', id: event.detail.id }];
  }
}

/** An event as its trail keeps it: without the resource, the access and the settings, which the trail need not repeat. */
export function entryOf(event: ProvisioningEvent): ActivityEntry {
  const { eventId, at, tenant: _tenant, ...detail } = event.detail as Record<string, unknown> & { eventId: string; at: string; tenant: string };
  const { resource: _resource, resourceOmitted: _omitted, access: _access, settings: _settings, id, ...rest } = detail;
  const type = event['detail-type'];
  const idName = type.startsWith('user.') ? naming.User.id : type.startsWith('group.') ? naming.Group.id : 'subjectId';
  return { at, type, id: eventId, ...(id !== undefined ? { [idName]: id } : {}), ...rest };
}

interface NameChange {
  tenant: string;
  type: ResourceTypeName;
  name: string;
  id: string;
  at: string;
  held: boolean;
}

/** Which names a resource took or gave up with an event (created, renamed, deleted), folded as its keys are. */
function nameChanges(event: ProvisioningEvent): NameChange[] {
  const { tenant, at } = event.detail;
  const change = (type: ResourceTypeName, name: string, id: string, held: boolean): NameChange => ({ tenant, type, name: foldCase(name), id, at, held });
  switch (event['detail-type']) {
    case 'user.created':
      return [change('User', event.detail.userName, event.detail.id, true)];
    case 'user.deleted':
      return [change('User', event.detail.userName, event.detail.id, false)];
    case 'user.updated': {
      const previous = event.detail.previousUserName;
      if (previous === undefined || foldCase(previous) === foldCase(event.detail.userName)) return [];
      return [change('User', event.detail.userName, event.detail.id, true), change('User', previous, event.detail.id, false)];
    }
    case 'group.created':
      return [change('Group', event.detail.displayName, event.detail.id, true)];
    case 'group.deleted':
      return [change('Group', event.detail.displayName, event.detail.id, false)];
    case 'group.updated': {
      const previous = event.detail.previousDisplayName;
      if (previous === undefined || foldCase(previous) === foldCase(event.detail.displayName)) return [];
      return [change('Group', event.detail.displayName, event.detail.id, true), change('Group', previous, event.detail.id, false)];
    }
    default:
      return [];
  }
}
