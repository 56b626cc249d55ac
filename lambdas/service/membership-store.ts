/**
 * Memberships are items of their own, one per (group, user): adding or removing k members
 * costs O(k) writes whatever the group's size, and concurrent changes never overwrite each other.
 */
export interface MembershipStore {
  /** Idempotent: adding an existing member changes nothing. */
  add(tenant: string, groupId: string, userIds: string[]): Promise<void>;
  /** Idempotent: removing a non-member succeeds. */
  remove(tenant: string, groupId: string, userIds: string[]): Promise<void>;
  /** Every member id of a group, strongly consistent, a page at a time. */
  members(tenant: string, groupId: string): AsyncIterable<string[]>;
  /** Which of these users are members (strongly consistent, O(ids)). */
  membersAmong(tenant: string, groupId: string, userIds: string[]): Promise<Set<string>>;
  /** The ids of the groups a user is a member of (through the reverse index). */
  groupsOf(tenant: string, userId: string): Promise<string[]>;
  /** Removes every membership of a deleted group; resumable, returns how many were removed. */
  removeAllOfGroup(tenant: string, groupId: string): Promise<number>;
  /** Removes every membership of a deleted user. */
  removeAllOfUser(tenant: string, userId: string): Promise<number>;
}
