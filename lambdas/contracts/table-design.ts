import { createHash } from 'node:crypto';
import { caseIgnoringForm, sameJsonValue } from '../scim/comparison';

/**
 * The single-table key design: every access pattern has a name here, and the CDK table is
 * defined from the same constants. The tenant leads every partition key, so no key built here
 * can reach another tenant's items.
 *
 * | item            | pk                                   | sk               |
 * |-----------------|--------------------------------------|------------------|
 * | User            | T#{tenant}#Users                     | {id}             |
 * | Group           | T#{tenant}#Groups                    | {id}             |
 * | Membership      | T#{tenant}#Group#{groupId}           | Member#{userId}  |
 * | MemberOf        | T#{tenant}#MemberOf                  | {userId}#{gid}   |
 * | Group lease     | T#{tenant}#Group#{groupId}           | Lease            |
 * | Unique          | T#{tenant}#Unique#{type}#{attr}#{v}  | Unique           |
 * | Index           | T#{tenant}#Index#{type}#{attr}#{v}   | {id}             |
 * | Counter         | T#{tenant}#Count#{Users or Groups}   | 1#{id[0:2]}, 2#{id[0:4]} |
 * | Settings        | T#{tenant}#Settings                  | Current, Version#{n} |
 * | Seats           | T#{tenant}#Seats                     | Active           |
 * | Deleted group   | T#{tenant}#Group#{groupId}           | Deleted          |
 * | Activity        | T#{tenant}#Activity#{User,Group}#{id}, T#{tenant}#Activity#Tenant | {at}#{n}#{eventId} |
 * | Activity by name| T#{tenant}#Activity#{User,Group}Name#{v} | {at}#{n}#{eventId}, Id#{id} |
 * | Migration       | Table#Migrations                     | {migration id}   |
 *
 * Users (and Groups) of a tenant share one partition key so that listing them is one strongly
 * consistent Query in a stable order (by id); random ids let DynamoDB split a hot collection
 * by sort-key range. A membership is written twice, once under its group and once under its
 * user, so that both directions are strongly consistent queries: a secondary index would cost
 * the same writes and could not be read consistently, which referential integrity needs. The
 * user side sorts by user id like the Users collection, so the groups of a whole page of users
 * are one range query.
 *
 * Counters make `totalResults` and `startIndex` cheap at any size: each resource is counted in
 * a level-1 bucket (the first two hex digits of its id, 256 buckets) and a level-2 bucket (the
 * first four, 65,536), in the same transaction that writes it. The level-1 counters sum to the
 * total; to find position N, one query reads the level-1 counters, one the level-2 counters of
 * the bucket holding N, and the page is read from the level-2 bucket's first id on, skipping
 * the few ids before N. Three round trips whatever N is (RFC 7644 §3.4.2.4 startIndex).
 */
export const tableKeys = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds after which DynamoDB's TTL removes an item (leases, activity, deleted groups' counts). */
  timeToLive: 'expiresAt',
} as const;

export type ResourceTypeName = 'User' | 'Group';

/** Attributes beside the keys that tell the stream's consumers what an item is. */
export const itemAttributes = {
  tenant: 'tenant',
  /** On User and Group items. */
  resourceType: 'resourceType',
  /** On Membership and MemberOf items. */
  itemType: 'itemType',
  /** On every item: the format it was written in (FORMAT_VERSION); absent means format 1. */
  formatVersion: 'formatVersion',
} as const;

/**
 * The format items are written in now. 1: every item of the builds up to v0.1.0 and up to
 * 9267567, which carried no formatVersion; their User and Group items' keys may be folded by
 * legacyFold (no keyFold). 2: the item carries formatVersion, and a User or Group item's keys are
 * folded by foldCase. A release that changes a format raises this and registers the migration
 * that moves items to it (lambdas/directory/migrations.ts).
 */
export const FORMAT_VERSION = 2;

/** The format an item was written in. */
export function formatOf(item: Record<string, unknown>): number {
  const version = item[itemAttributes.formatVersion];
  return typeof version === 'number' ? version : 1;
}

/** An item as a put writes it: in today's format. */
export function inFormat<T extends object>(item: T): T & { formatVersion: number } {
  return { ...item, [itemAttributes.formatVersion]: FORMAT_VERSION };
}

/**
 * The part of an UpdateExpression's SET that updates of items with nothing format-specific carry
 * (counters, seats, name pointers): the item is in today's format after it, created or not. Updates
 * of User and Group items (access, a version for members) leave it out: such an item is in format 2
 * only once a Put has written its keys folded by foldCase.
 */
export const formatOnUpdate = {
  set: `#formatVersion = if_not_exists(#formatVersion, :formatVersion)`,
  names: { '#formatVersion': itemAttributes.formatVersion },
  values: { ':formatVersion': FORMAT_VERSION },
} as const;

/** The identity providers we tell apart by their User-Agent; anything else is `other`. */
export type ProvisioningClient = 'Okta' | 'Entra ID' | 'OneLogin' | 'JumpCloud' | 'other';

/** Which client wrote a resource, and when. */
export interface Provenance {
  client: ProvisioningClient;
  at: string;
}

/** Why a user has its role: its own attribute, one of its groups, or the tenant's default. */
export type RoleReason =
  | { source: 'attribute'; attribute: 'userType' | 'roles' }
  | { source: 'group'; group: { id: string; displayName: string } }
  | { source: 'default' };

/** A user's access in the app, derived from its groups, its attribute and the tenant's settings. */
export interface Access {
  /** The highest-priority role; null when nothing maps and the tenant has no default (the app denies access). */
  role: string | null;
  /** Every role the user's attribute and groups map to, highest priority first. */
  roles: string[];
  roleReason: RoleReason;
  /** The settings version it was computed under. */
  settingsVersion: number;
}

/**
 * What User and Group items carry beside `resource` (the SCIM attributes) for the app and the
 * admin: attribute names of the item, read by the app's read library.
 */
export const derivedAttributes = {
  /** Users only: Access. */
  access: 'access',
  /** Provenance of the create. */
  provisionedBy: 'provisionedBy',
  /** Provenance of the last change an IdP made. */
  lastChangedBy: 'lastChangedBy',
  /** KEY_FOLD on items whose keys were folded by foldCase; absent on older items (legacyFold). */
  keyFold: 'keyFold',
} as const;

export const MEMBERSHIP = 'Membership';
export const MEMBER_OF = 'MemberOf';
/** The tenant's current settings item. */
export const SETTINGS = 'Settings';
/** The progress of applying the current settings to the users: each step it records hands the next to the stream. */
export const SETTINGS_APPLICATION = 'SettingsApplication';
/** A write the server refused (4xx), kept in the activity trail; the events consumer sees the seat-limit ones. */
export const REFUSAL = 'Refusal';

/** A User or Group item as the stream shows it (unmarshalled), as far as its consumers read it. */
export interface ResourceItemImage {
  tenant: string;
  resourceType: ResourceTypeName;
  id: string;
}

/** A Membership (or MemberOf) item as the stream shows it. */
export interface MembershipItemImage {
  tenant: string;
  itemType: typeof MEMBERSHIP | typeof MEMBER_OF;
  groupId: string;
  userId: string;
  /** When it was written (ISO 8601); absent on items written before it was recorded. */
  at?: string;
}

/** One membership's two items: under its group and under its user (see the table above). */
export function membershipItems(tenant: string, groupId: string, userId: string, at: string) {
  const attributes = inFormat({ tenant, groupId, userId, at });
  return [
    { ...keys.membership(tenant, groupId, userId), ...attributes, [itemAttributes.itemType]: MEMBERSHIP },
    { ...keys.memberOf(tenant, userId, groupId), ...attributes, [itemAttributes.itemType]: MEMBER_OF },
  ];
}

/**
 * One rule of a stream function's event source filter: records of these events whose image holds
 * one of these values in this attribute. Lambda allows five rules per event source mapping.
 */
export interface StreamFilterRule {
  readonly eventNames: readonly StreamEventName[];
  readonly image: 'OldImage' | 'NewImage';
  readonly attribute: string;
  readonly values: readonly string[];
}

export type StreamFilter = readonly StreamFilterRule[];

/**
 * The stream contract: the changes the directory's stream consumer is handed, as an event source
 * filter (AWS Lambda's FilterCriteria in the stack, the same test in the local poller): deleted
 * users and groups and memberships written or removed (referential integrity, roles), changed
 * groups (a rename can change roles) and saved settings. Everything else is dropped before the
 * function runs.
 */
export const directoryStreamFilter = [
  { eventNames: ['REMOVE'], image: 'OldImage', attribute: itemAttributes.resourceType, values: ['User', 'Group'] },
  { eventNames: ['INSERT'], image: 'NewImage', attribute: itemAttributes.itemType, values: [MEMBERSHIP] },
  { eventNames: ['REMOVE'], image: 'OldImage', attribute: itemAttributes.itemType, values: [MEMBERSHIP] },
  { eventNames: ['MODIFY'], image: 'NewImage', attribute: itemAttributes.resourceType, values: ['Group'] },
  // Lambda allows five filters per event source mapping.
  { eventNames: ['INSERT', 'MODIFY'], image: 'NewImage', attribute: itemAttributes.itemType, values: [SETTINGS, SETTINGS_APPLICATION] },
] as const satisfies StreamFilter;

/**
 * What the provisioning events consumer is handed: every committed change of a user or a group,
 * memberships written or removed, saved settings (the Current item, whose old image holds the
 * version it replaced), and refused writes (a seat limit reached is a tenant event). Activity
 * items carry no item kind, so what the consumer writes never comes back to it.
 */
export const eventStreamFilter = [
  { eventNames: ['INSERT', 'MODIFY'], image: 'NewImage', attribute: itemAttributes.resourceType, values: ['User', 'Group'] },
  { eventNames: ['REMOVE'], image: 'OldImage', attribute: itemAttributes.resourceType, values: ['User', 'Group'] },
  { eventNames: ['INSERT'], image: 'NewImage', attribute: itemAttributes.itemType, values: [MEMBERSHIP, REFUSAL] },
  { eventNames: ['REMOVE'], image: 'OldImage', attribute: itemAttributes.itemType, values: [MEMBERSHIP] },
  { eventNames: ['INSERT', 'MODIFY'], image: 'NewImage', attribute: itemAttributes.itemType, values: [SETTINGS] },
] as const satisfies StreamFilter;

export type StreamEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/** Whether a change passes `filter` (images unmarshalled). */
export function passesStreamFilter(
  filter: StreamFilter,
  change: { eventName: StreamEventName; oldImage?: Record<string, unknown>; newImage?: Record<string, unknown> },
): boolean {
  return filter.some((rule) => {
    const image = rule.image === 'OldImage' ? change.oldImage : change.newImage;
    return rule.eventNames.includes(change.eventName) && rule.values.includes(image?.[rule.attribute] as string);
  });
}

/** A deleted User or Group, from a change the cleanup filter passed. */
export function removedResource(change: { eventName: StreamEventName; oldImage?: Record<string, unknown> }): ResourceItemImage | undefined {
  const image = change.oldImage;
  return change.eventName === 'REMOVE' && (image?.[itemAttributes.resourceType] === 'User' || image?.[itemAttributes.resourceType] === 'Group')
    ? (image as unknown as ResourceItemImage)
    : undefined;
}

/** A new Membership item, from a change the filter passed. */
export function insertedMembership(change: { eventName: StreamEventName; newImage?: Record<string, unknown> }): MembershipItemImage | undefined {
  const image = change.newImage;
  return change.eventName === 'INSERT' && image?.[itemAttributes.itemType] === MEMBERSHIP ? (image as unknown as MembershipItemImage) : undefined;
}

/** A removed Membership item, from a change the filter passed. */
export function removedMembership(change: { eventName: StreamEventName; oldImage?: Record<string, unknown> }): MembershipItemImage | undefined {
  const image = change.oldImage;
  return change.eventName === 'REMOVE' && image?.[itemAttributes.itemType] === MEMBERSHIP ? (image as unknown as MembershipItemImage) : undefined;
}

/** A group whose displayName or externalId changed (what role mappings name it by), from a change the filter passed. */
export function renamedGroup(change: { eventName: StreamEventName; oldImage?: Record<string, unknown>; newImage?: Record<string, unknown> }): ResourceItemImage | undefined {
  const [before, after] = [change.oldImage, change.newImage];
  if (change.eventName !== 'MODIFY' || after?.[itemAttributes.resourceType] !== 'Group') return undefined;
  const identity = (image: Record<string, unknown> | undefined) => {
    const resource = (image?.resource ?? {}) as Record<string, unknown>;
    return JSON.stringify([resource.displayName, resource.externalId]);
  };
  return identity(before) === identity(after) ? undefined : (after as unknown as ResourceItemImage);
}

/** The tenant whose settings were saved, or whose application of them moved a step, from a change the filter passed. */
export function savedSettings(change: { eventName: StreamEventName; oldImage?: Record<string, unknown>; newImage?: Record<string, unknown> }): string | undefined {
  const image = change.newImage;
  const kind = image?.[itemAttributes.itemType];
  if (formatOnly(change)) return undefined;
  return (change.eventName === 'INSERT' || change.eventName === 'MODIFY') && (kind === SETTINGS || kind === SETTINGS_APPLICATION) ? (image![itemAttributes.tenant] as string) : undefined;
}

/**
 * A change a format migration made (lambdas/directory/migrations.ts): the item moved to another
 * format and nothing else of it changed. Consumers pass over it; the stream filters cannot tell.
 */
export function formatOnly(change: { eventName: StreamEventName; oldImage?: Record<string, unknown>; newImage?: Record<string, unknown> }): boolean {
  if (change.eventName !== 'MODIFY' || !change.oldImage || !change.newImage) return false;
  const rest = (image: Record<string, unknown>) => {
    const { [itemAttributes.formatVersion]: _format, [derivedAttributes.keyFold]: _fold, ...others } = image;
    return others;
  };
  return sameJsonValue(rest(change.oldImage), rest(change.newImage));
}

const collection = { User: 'Users', Group: 'Groups' } as const;

function itemKey(partition: string, sort: string) {
  return { [tableKeys.partitionKey]: partition, [tableKeys.sortKey]: sort };
}

export const MEMBER_PREFIX = 'Member#';

/**
 * The value part of a Unique or Index key, from an already case-folded value: long values are
 * hashed so that the key stays far below DynamoDB's 2 KB key limit. The server writes keys and
 * the read library looks them up through this one function.
 */
/**
 * How values of attributes that are not caseExact (RFC 7643 §2.2) are folded before they become
 * keys: userName and displayName uniqueness, lookups by the server and by the read library, and
 * group names in role mappings (RFC 8265's comparison, see caseIgnoringForm).
 */
export const foldCase = caseIgnoringForm;

/**
 * Keys of items written before KEY_FOLD (no `keyFold` attribute) were folded by case alone; they
 * differ from today's only for values with fullwidth forms or not in NFC. Such an item's keys are
 * released under this fold when it is next written, and lookups try it as well.
 */
export function legacyFold(value: string): string {
  return value.toLowerCase();
}

/**
 * What a User or Group item's `resource` may hold. DynamoDB items weigh at most 400 KB and nest
 * 32 levels (the item is one); numbers go down to 1E-130, and the SDK marshals none beyond
 * Number.MAX_SAFE_INTEGER. The weight leaves 25 KB for keys, meta, provenance and access.
 */
export const RESOURCE_STORAGE_LIMITS = { maxDepth: 31, maxBytes: 384_000, minMagnitude: 1e-130 } as const;

/**
 * Ids the server issues are UUIDs. A longer one (or an empty one) names no resource, and would
 * not fit the keys it goes into (DynamoDB: 1 KB sort keys, no empty key values): it is not looked up.
 */
export const MAX_ID_LENGTH = 128;

export function couldBeId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_ID_LENGTH;
}

/** The fold an item's keys were written with (derivedAttributes.keyFold): 2 is foldCase. */
export const KEY_FOLD = 2;

export function keyValue(folded: string): string {
  return folded.length <= 256 ? folded : `sha256:${createHash('sha256').update(folded).digest('hex')}`;
}

export const keys = {
  /** Get, put, list (by Query on pk) a resource. */
  resource(tenant: string, type: ResourceTypeName, id: string) {
    return itemKey(resourceCollection(tenant, type), id);
  },
  resourceCollection,
  /** A uniqueness claim on a case-folded attribute value (userName, displayName). */
  unique(tenant: string, type: ResourceTypeName, attribute: string, normalizedValue: string) {
    return itemKey(`T#${tenant}#Unique#${type}#${attribute}#${normalizedValue}`, 'Unique');
  },
  /** A non-unique lookup entry: every id holding a (case-folded) attribute value. */
  index(tenant: string, type: ResourceTypeName, attribute: string, normalizedValue: string, id: string) {
    return itemKey(indexPartition(tenant, type, attribute, normalizedValue), id);
  },
  indexPartition,
  /** A membership as listed under its group. */
  membership(tenant: string, groupId: string, userId: string) {
    return itemKey(groupMembers(tenant, groupId), `${MEMBER_PREFIX}${userId}`);
  },
  /** The same membership as listed under its user. */
  memberOf(tenant: string, userId: string, groupId: string) {
    return itemKey(memberOfCollection(tenant), `${userId}#${groupId}`);
  },
  /** Sort-key bounds of one user's (or a range of users') MemberOf items. */
  memberOfRange(firstUserId: string, lastUserId: string) {
    return { from: `${firstUserId}#`, to: `${lastUserId}#\uffff` };
  },
  memberOfCollection,
  /** Serialises replacements of a group's whole member list. */
  groupLease(tenant: string, groupId: string) {
    return itemKey(groupMembers(tenant, groupId), 'Lease');
  },
  groupMembers,
  /** The two positional counters that count a resource (see above). */
  counters(tenant: string, type: ResourceTypeName, id: string) {
    const partition = counterPartition(tenant, type);
    return [itemKey(partition, `${COUNTER_LEVEL_1}${id.slice(0, 2)}`), itemKey(partition, `${COUNTER_LEVEL_2}${id.slice(0, 4)}`)];
  },
  counterPartition,
  /** The tenant's settings as they are now; every version is also kept under its number, for audit. */
  settings(tenant: string) {
    return itemKey(settingsPartition(tenant), 'Current');
  },
  /** How far the last saved settings have been applied to the users (no item kind: the stream ignores it). */
  settingsProgress(tenant: string) {
    return itemKey(settingsPartition(tenant), 'Applied');
  },
  settingsVersion(tenant: string, version: number) {
    return itemKey(settingsPartition(tenant), `${SETTINGS_VERSION_PREFIX}${String(version).padStart(10, '0')}`);
  },
  settingsPartition,
  /** How many of the tenant's users are active (seats in use), kept with every write that changes it. */
  seats(tenant: string) {
    return itemKey(`T#${tenant}#Seats`, 'Active');
  },
  /**
   * How many members a deleted group had, counted once before its memberships are removed, so that
   * every reader of the deletion (cleanup, events) agrees on it. Outside the `Member#` range.
   */
  deletedGroup(tenant: string, groupId: string) {
    return itemKey(groupMembers(tenant, groupId), 'Deleted');
  },
  /**
   * One entry of a resource's (or the tenant's) activity trail: one Query reads the trail in time
   * order. `position` orders the events of one change, which share its time (a deactivation, then
   * the update made with it).
   */
  activity(tenant: string, subject: ActivitySubject, at: string, position: number, eventId: string) {
    return itemKey(activityPartition(tenant, subject), `${at}#${position}#${eventId}`);
  },
  activityPartition,
  /** Under a (folded) name's activity partition: a resource that held the name, so a trail is found by name. */
  activityName(tenant: string, type: ResourceTypeName, foldedName: string, id: string) {
    return itemKey(activityPartition(tenant, { type, name: foldedName }), `${ACTIVITY_NAME_PREFIX}${id}`);
  },
  /** The progress of a format migration over the whole table: the one partition no tenant leads. */
  migration(id: string) {
    return itemKey(MIGRATIONS_PARTITION, id);
  },
};

export const MIGRATIONS_PARTITION = 'Table#Migrations';

/**
 * The EventBridge event (on the account's default bus) that runs the table's migrations: the
 * deployment puts the first, and the migration function puts the next while work is left.
 */
export const MIGRATION_EVENT = { source: 'scim.table-migrations', detailType: 'Run table migrations' } as const;

/**
 * How a migration run paces itself unless the deployment says otherwise: a few Scan segments, and
 * a rate that leaves provisioning most of an on-demand table's write capacity.
 */
export const MIGRATION_PACE = { segments: 4, itemsPerSecond: 200 } as const;

/** The detail of a MIGRATION_EVENT. */
export interface MigrationEventDetail {
  /** The table it migrates: one rule per deployment matches its own. */
  table: string;
  /** The format the deploying code writes (FORMAT_VERSION); a newer one starts a new run. */
  formatVersion: number;
  /** How many runs of the function came before this one, for the logs. */
  round: number;
}

/**
 * Whose trail an activity entry is in: a resource by id; a name, for refused creates (which have no
 * id) and for the pointers to the resources that held it; or the tenant (settings, tokens, seats).
 */
export type ActivitySubject = { type: ResourceTypeName; id: string } | { type: ResourceTypeName; name: string } | { type: 'Tenant' };

/** Sort keys of pointers in a name's partition; entries' sort keys start with a year's digit, so they sort apart. */
export const ACTIVITY_NAME_PREFIX = 'Id#';

/** Sort-key bounds of a trail's entries from `since` on (pointers left out). */
export function activityRange(since?: string) {
  return { from: since ?? '0', to: '9\uffff' };
}

/** How long activity entries are kept unless the deployment says otherwise (stack property activityRetention). */
export const DEFAULT_ACTIVITY_RETENTION_DAYS = 400;

function activityPartition(tenant: string, subject: ActivitySubject) {
  if (subject.type === 'Tenant') return `T#${tenant}#Activity#Tenant`;
  return 'id' in subject ? `T#${tenant}#Activity#${subject.type}#${subject.id}` : `T#${tenant}#Activity#${subject.type}Name#${keyValue(subject.name)}`;
}

export const SETTINGS_VERSION_PREFIX = 'Version#';

function settingsPartition(tenant: string) {
  return `T#${tenant}#Settings`;
}

export const COUNTER_LEVEL_1 = '1#';
export const COUNTER_LEVEL_2 = '2#';

function counterPartition(tenant: string, type: ResourceTypeName) {
  return `T#${tenant}#Count#${collection[type]}`;
}

function resourceCollection(tenant: string, type: ResourceTypeName) {
  return `T#${tenant}#${collection[type]}`;
}

function indexPartition(tenant: string, type: ResourceTypeName, attribute: string, normalizedValue: string) {
  return `T#${tenant}#Index#${type}#${attribute}#${normalizedValue}`;
}

function groupMembers(tenant: string, groupId: string) {
  return `T#${tenant}#Group#${groupId}`;
}

function memberOfCollection(tenant: string) {
  return `T#${tenant}#MemberOf`;
}
