import type { Provenance } from '../../contracts/table-design';

/** The group's move to its next version, written with the first memberships of a change. */
export interface VersionClaim {
  /** The version the change was computed from. */
  version: number;
  changedBy: Provenance;
  /**
   * The change is void unless the group is still at `version` (If-Match): nothing is written
   * then. Otherwise a group changed meanwhile only keeps the claim from being written.
   */
  required: boolean;
}

export interface MembershipChange {
  /** Users that were not added because no such user exists in the tenant. */
  unknown: string[];
  /** The group moved from the claim's version to the next with the memberships. */
  claimed: boolean;
}

/**
 * Memberships are items of their own, one per (group, user) and listed under both: adding or
 * removing k members costs O(k) writes whatever the group's size, concurrent changes never
 * overwrite each other, and both directions read strongly consistently. Each membership is
 * written or removed whole: both of its items, or neither.
 */
export interface MembershipStore {
  /**
   * Adds and removes members of a group. A user is added only if it exists as the membership is
   * written (atomically: a user deleted meanwhile is never left a member). Idempotent.
   */
  change(tenant: string, groupId: string, members: { add: string[]; remove: string[] }, claim?: VersionClaim): Promise<MembershipChange>;
  /** Idempotent: removing a non-member succeeds. */
  remove(tenant: string, groupId: string, userIds: string[]): Promise<void>;
  /** Removes one user from several groups. */
  removeFromGroups(tenant: string, userId: string, groupIds: string[]): Promise<void>;
  /** Every member id of a group, a page at a time. */
  members(tenant: string, groupId: string): AsyncIterable<string[]>;
  /** Which of these users are members (O(ids)). */
  membersAmong(tenant: string, groupId: string, userIds: string[]): Promise<Set<string>>;
  /** The ids of the groups a user is a member of. */
  groupsOf(tenant: string, userId: string): Promise<string[]>;
  /** The group ids of every user whose id lies between two ids (inclusive), by user id: one range read for a page of users. */
  groupsOfRange(tenant: string, firstUserId: string, lastUserId: string): Promise<Map<string, string[]>>;
  /**
   * How many members a deleted group had: counted the first time anyone asks, and kept, so every
   * later caller gets the same number. Cleanup asks before it removes any membership, so the count
   * is taken before the first removal, whichever of cleanup and the events consumer asks first.
   */
  memberCountAtDeletion(tenant: string, groupId: string): Promise<number>;
  /** Removes every membership of a deleted group; resumable, returns how many were removed. */
  removeAllOfGroup(tenant: string, groupId: string): Promise<number>;
  /** Removes every membership of a deleted user; returns the groups they were in. */
  removeAllOfUser(tenant: string, userId: string): Promise<string[]>;
  /**
   * Takes the group's lease, which serialises replacements of its whole member list; false
   * while someone else holds it. A lease outlives a crashed holder by at most `ttlMs`.
   */
  acquireLease(tenant: string, groupId: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(tenant: string, groupId: string, holder: string): Promise<void>;
}
