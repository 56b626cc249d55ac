import { insertedMembership, removedResource, type StreamEventName } from '../contracts/table-design';
import type { MembershipStore } from './ports/membership-store';
import type { ResourceService } from './resources';

/** A change to one table item, as the table's stream reports it (images already unmarshalled). */
export interface ItemChange {
  id: string;
  eventName: StreamEventName;
  oldImage?: Record<string, unknown>;
  newImage?: Record<string, unknown>;
}

export interface CleanupDependencies {
  users: ResourceService;
  groups: ResourceService;
  memberships: MembershipStore;
}

/**
 * Referential integrity after the fact, driven by the table's stream:
 * - a deleted group's memberships are removed (a 100,000-member group's DELETE answered at once);
 * - a deleted user's memberships are removed (repeating the synchronous pass that follows the
 *   DELETE, in case the function stopped between deleting the user and its memberships);
 * - a membership written while its group or user was being deleted is removed.
 * Every step is idempotent, so a batch that failed halfway is simply run again.
 * Returns the ids of the changes that failed, for the stream's partial-batch retry.
 */
export async function cleanUp(changes: ItemChange[], dependencies: CleanupDependencies): Promise<string[]> {
  const failed: string[] = [];
  const orphanCandidates: Array<{ change: ItemChange; tenant: string; groupId: string; userId: string }> = [];
  for (const change of changes) {
    const removed = removedResource(change);
    const membership = insertedMembership(change);
    try {
      if (removed?.resourceType === 'Group') {
        await dependencies.memberships.removeAllOfGroup(removed.tenant, removed.id);
      } else if (removed?.resourceType === 'User') {
        await dependencies.memberships.removeAllOfUser(removed.tenant, removed.id);
      } else if (membership) {
        orphanCandidates.push({ change, tenant: membership.tenant, groupId: membership.groupId, userId: membership.userId });
      }
    } catch {
      failed.push(change.id);
    }
  }
  const byTenant = new Map<string, typeof orphanCandidates>();
  for (const candidate of orphanCandidates) byTenant.set(candidate.tenant, [...(byTenant.get(candidate.tenant) ?? []), candidate]);
  for (const [tenant, candidates] of byTenant) {
    try {
      const [groups, users] = await Promise.all([
        dependencies.groups.existing(tenant, candidates.map((candidate) => candidate.groupId)),
        dependencies.users.existing(tenant, candidates.map((candidate) => candidate.userId)),
      ]);
      for (const candidate of candidates) {
        if (!groups.has(candidate.groupId) || !users.has(candidate.userId)) {
          await dependencies.memberships.remove(tenant, candidate.groupId, [candidate.userId]);
        }
      }
    } catch {
      failed.push(...candidates.map((candidate) => candidate.change.id));
    }
  }
  return failed;
}
