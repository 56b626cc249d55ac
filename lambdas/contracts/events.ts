/**
 * The provisioning events contract: what the server publishes on EventBridge (and locally to
 * `events.jsonl`) after each committed change, and what the activity trail keeps. Consumers import
 * these zod schemas and parse what they receive; the types below come from them.
 *
 *   import { provisioningEventSchema } from 'serverless-scim/lambdas/contracts/events';
 *   const event = provisioningEventSchema.parse(eventBridgeEvent);
 *   if (event['detail-type'] === 'user.deactivated') endSessions(event.detail.tenant, event.detail.id);
 *
 * Delivery is at least once: the same change may arrive more than once, always with the same
 * `detail.eventId`. Events of one subject (a user, a group, a membership, a tenant) are ordered by
 * `detail.sequence`, a decimal integer to compare with BigInt; events of different subjects are not
 * ordered with respect to one another.
 */
import * as z from 'zod/mini';
import { EVENT_SOURCE, REQUEST_REFUSED } from './event-envelope';

export { EVENT_SOURCE, REQUEST_REFUSED, eventId, provisioningEvent } from './event-envelope';

export const provisioningClientSchema = z.enum(['Okta', 'Entra ID', 'OneLogin', 'JumpCloud', 'other']);

export const roleReasonSchema = z.discriminatedUnion('source', [
  z.object({ source: z.literal('attribute'), attribute: z.enum(['userType', 'roles']) }),
  z.object({ source: z.literal('group'), group: z.object({ id: z.string(), displayName: z.string() }) }),
  z.object({ source: z.literal('default') }),
]);

/** A user's access in the app (see Access in table-design.ts). */
export const accessSchema = z.object({
  role: z.nullable(z.string()),
  roles: z.array(z.string()),
  roleReason: roleReasonSchema,
  settingsVersion: z.number(),
});

/**
 * A resource as GET answers it by default (RFC 7643 §3.1), without `meta.location`: its SCIM
 * attributes, the provisioning extension, and nothing declared `returned: "never"` or `"request"`.
 */
export const scimResourceSchema = z.looseObject({
  schemas: z.array(z.string()),
  id: z.string(),
  meta: z.looseObject({ resourceType: z.enum(['User', 'Group']), created: z.string(), lastModified: z.string(), version: z.string() }),
});

const common = {
  /** Stable across redeliveries: derived from the change, never random. Deduplicate on it. */
  eventId: z.string().check(z.minLength(1)),
  tenant: z.string(),
  /** When the change committed (ISO 8601). */
  at: z.string(),
  /** Orders the events of one subject; compare as integers (BigInt). */
  sequence: z.string().check(z.regex(/^\d+$/)),
};

/**
 * Set when the resource was left out because the event would exceed EventBridge's entry size
 * (256 KB): read it by id instead (the read library, or GET).
 */
const resourceOmitted = z.optional(z.literal(true));

/** The identity provider that provisions the resource: its last change's client, or its creator's. */
const client = z.nullable(provisioningClientSchema);

const userDetail = {
  ...common,
  id: z.string(),
  userName: z.string(),
  client,
  resource: z.optional(scimResourceSchema),
  resourceOmitted,
  /** The user's access in the app; null until the tenant's settings map roles. */
  access: z.nullable(accessSchema),
};

const groupDetail = {
  ...common,
  id: z.string(),
  displayName: z.string(),
  client,
  resource: z.optional(scimResourceSchema),
  resourceOmitted,
};

/** The group's and the user's names as they are when the event is made (a membership item holds ids only). */
const membershipDetail = {
  ...common,
  group: z.object({ id: z.string(), displayName: z.string() }),
  user: z.object({ id: z.string(), userName: z.string() }),
  client,
};

/** SCIM attribute names, extension attributes with their schema URN (RFC 7644 §3.10). */
const changedAttributes = z.array(z.string()).check(z.minLength(1));

function event<T extends string, D extends z.core.$ZodLooseShape>(type: T, detail: D) {
  return z.looseObject({ 'detail-type': z.literal(type), source: z.literal(EVENT_SOURCE), detail: z.object(detail) });
}

export const userCreatedSchema = event('user.created', userDetail);
/** Attributes other than `active` changed (a deactivation or reactivation is its own event). */
export const userUpdatedSchema = event('user.updated', { ...userDetail, changedAttributes, previousUserName: z.optional(z.string()) });
export const userDeactivatedSchema = event('user.deactivated', userDetail);
export const userReactivatedSchema = event('user.reactivated', userDetail);
/** `resource` and `access` are the user's last state. */
export const userDeletedSchema = event('user.deleted', userDetail);
/** The user's role in the app changed: from a group, its own attribute, the tenant's default or settings. */
export const userRoleChangedSchema = event('user.role_changed', {
  ...userDetail,
  previousRole: z.nullable(z.string()),
  role: z.nullable(z.string()),
  roleReason: roleReasonSchema,
});
export const groupCreatedSchema = event('group.created', groupDetail);
/** Renamed (`previousDisplayName`), or another attribute of the group changed; members have their own events. */
export const groupUpdatedSchema = event('group.updated', { ...groupDetail, changedAttributes, previousDisplayName: z.optional(z.string()) });
/** One event for the group: its members are not removed one event each. */
export const groupDeletedSchema = event('group.deleted', { ...groupDetail, memberCount: z.number().check(z.int(), z.minimum(0)) });
export const groupMemberAddedSchema = event('group.member_added', membershipDetail);
/** Not sent for memberships that end because their group or user was deleted: that event says it. */
export const groupMemberRemovedSchema = event('group.member_removed', membershipDetail);
/** A create or reactivation was refused because every seat is taken (the tenant's seatLimit). */
export const seatLimitReachedSchema = event('tenant.seat_limit_reached', {
  ...common,
  client,
  /** The refused request: what it would have created or activated. */
  request: z.object({ method: z.enum(['POST', 'PUT', 'PATCH']), userName: z.optional(z.string()), id: z.optional(z.string()) }),
  /** What the identity provider was answered (403). */
  message: z.string(),
});
export const settingsChangedSchema = event('tenant.settings_changed', {
  ...common,
  version: z.number().check(z.int(), z.positive()),
  previousVersion: z.number().check(z.int(), z.minimum(0)),
  /** Top-level settings fields that differ from the previous version. */
  changed: z.array(z.string()),
  settings: z.record(z.string(), z.unknown()),
});
/** A tenant's bearer token was replaced; the previous one keeps working until `previousTokenEndsAt`. */
export const tokenRotatedSchema = event('tenant.token_rotated', {
  ...common,
  expiresAt: z.string(),
  previousTokenEndsAt: z.optional(z.string()),
});
/** A tenant's token expires soon (sent with each expiry report, every six hours; one eventId a day). */
export const tokenExpiringSchema = event('tenant.token_expiring', { ...common, expiresAt: z.string(), daysLeft: z.number() });

export const provisioningEventSchema = z.discriminatedUnion('detail-type', [
  userCreatedSchema,
  userUpdatedSchema,
  userDeactivatedSchema,
  userReactivatedSchema,
  userDeletedSchema,
  userRoleChangedSchema,
  groupCreatedSchema,
  groupUpdatedSchema,
  groupDeletedSchema,
  groupMemberAddedSchema,
  groupMemberRemovedSchema,
  seatLimitReachedSchema,
  settingsChangedSchema,
  tokenRotatedSchema,
  tokenExpiringSchema,
]);

export type ProvisioningEvent = z.infer<typeof provisioningEventSchema>;
export type EventType = ProvisioningEvent['detail-type'];
export type EventOf<T extends EventType> = Extract<ProvisioningEvent, { 'detail-type': T }>;
export type TenantEvent = EventOf<'tenant.seat_limit_reached' | 'tenant.settings_changed' | 'tenant.token_rotated' | 'tenant.token_expiring'>;

export const EVENT_TYPES = provisioningEventSchema.def.options.map((option) => option.shape['detail-type'].def.values[0]) as EventType[];

/**
 * One entry of a trail as `activity` prints it: an event (its detail without the resource, the
 * access and the settings), or a refused write (`request.refused`, never with the request's body).
 */
export const activityEntrySchema = z.looseObject({
  at: z.string(),
  type: z.union([z.enum(EVENT_TYPES as [EventType, ...EventType[]]), z.literal(REQUEST_REFUSED)]),
  /** The event's id; for a refusal, an id of its own. */
  id: z.string(),
  /** Refusals: the HTTP status, RFC 7644 §3.12 scimType where there is one, and the error's detail. */
  status: z.optional(z.number().check(z.int())),
  scimType: z.optional(z.string()),
  detail: z.optional(z.string()),
});

export type ActivityEntry = z.infer<typeof activityEntrySchema>;
