import { insertedMembership, removedMembership, removedResource, renamedGroup, savedSettings, type StreamEventName } from '../contracts/table-design';
import type { AccessService } from './access';
import type { StoredResource } from './ports/resource-store';
import type { MembershipStore } from './ports/membership-store';
import type { ResourceService } from './resources';

/** A change to one table item, as the table's stream reports it (images already unmarshalled). */
export interface ItemChange {
  /** The stream record's sequence number: unique, and the same when the record is handed over again. */
  id: string;
  eventName: StreamEventName;
  /** When the change was made, as the stream says (to the second). */
  at?: string;
  oldImage?: Record<string, unknown>;
  newImage?: Record<string, unknown>;
}

export interface CleanupDependencies {
  users: ResourceService;
  groups: ResourceService;
  memberships: MembershipStore;
  access: AccessService;
}

/**
 * Referential integrity after the fact, driven by the table's stream:
 * - a deleted group's memberships are removed (a 100,000-member group's DELETE answered at once);
 * - a deleted user's memberships are removed (repeating the synchronous pass that follows the
 *   DELETE, in case the function stopped between deleting the user and its memberships);
 * - a membership written while its group or user was being deleted is removed;
 * - users' roles follow what can change them without a request naming the user: a renamed
 *   group's members, every user after a settings change; and each membership written or removed
 *   again (repairing a request that stopped between its write and its roles).
 * Every step is idempotent, so a batch that failed halfway is simply run again.
 * Returns the ids of the changes that failed, for the stream's partial-batch retry.
 */
export async function cleanUp(changes: ItemChange[], dependencies: CleanupDependencies): Promise<string[]> {
  const failed: string[] = [];
  const orphanCandidates: Array<{ change: ItemChange; tenant: string; groupId: string; userId: string }> = [];
  const roleCandidates: RoleCandidate[] = [];
  for (const change of changes) {
    const removed = removedResource(change);
    const membership = insertedMembership(change);
    const formerMembership = removedMembership(change);
    const renamed = renamedGroup(change);
    const settingsOf = savedSettings(change);
    try {
      if (removed?.resourceType === 'Group') {
        // Counted before the first removal, for the group.deleted event (see memberCountAtDeletion).
        await dependencies.memberships.memberCountAtDeletion(removed.tenant, removed.id);
        await dependencies.memberships.removeAllOfGroup(removed.tenant, removed.id);
      } else if (removed?.resourceType === 'User') {
        await dependencies.memberships.removeAllOfUser(removed.tenant, removed.id);
      } else if (membership) {
        orphanCandidates.push({ change, tenant: membership.tenant, groupId: membership.groupId, userId: membership.userId });
        roleCandidates.push({ change, tenant: membership.tenant, groupId: membership.groupId, userId: membership.userId, removed: false });
      } else if (formerMembership) {
        roleCandidates.push({ change, tenant: formerMembership.tenant, groupId: formerMembership.groupId, userId: formerMembership.userId, removed: true });
      } else if (renamed) {
        const versions = [change.oldImage, change.newImage].map((image) => ({ id: renamed.id, resource: image?.resource ?? {} }) as StoredResource);
        if (await dependencies.access.groupMatters(renamed.tenant, ...versions)) await dependencies.access.refreshMembersOf(renamed.tenant, renamed.id);
      } else if (settingsOf) {
        await dependencies.access.applySettings(settingsOf);
      }
    } catch {
      failed.push(change.id);
    }
  }
  failed.push(...(await refreshRoles(roleCandidates, dependencies)));
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

interface RoleCandidate {
  change: ItemChange;
  tenant: string;
  groupId: string;
  userId: string;
  /** The membership was removed (rather than written). */
  removed: boolean;
}

/**
 * The users of membership changes, group by group: a new member's role follows only when the group
 * maps now; a former member's always does. Whether the group maps now says nothing about whether it
 * mapped when the former member's role was computed: a group renamed out of a mapped name (a PUT
 * that renames and drops members, or a rename the stream has not reached before the removal) no
 * longer maps, and its rename's pass refreshes only the members it still has. So the former member
 * would keep the group's role for good.
 */
async function refreshRoles(candidates: RoleCandidate[], dependencies: CleanupDependencies): Promise<string[]> {
  const byGroup = new Map<string, typeof candidates>();
  for (const candidate of candidates) {
    const key = `${candidate.tenant}\n${candidate.groupId}`;
    byGroup.set(key, [...(byGroup.get(key) ?? []), candidate]);
  }
  const failed: string[] = [];
  for (const group of byGroup.values()) {
    const { tenant, groupId } = group[0];
    const added = group.filter((candidate) => !candidate.removed).map((candidate) => candidate.userId);
    const removed = group.filter((candidate) => candidate.removed).map((candidate) => candidate.userId);
    try {
      const [stored] = await dependencies.groups.getMany(tenant, [groupId]);
      if (stored) await dependencies.access.refreshMembersChanged(tenant, [stored], added);
      else await dependencies.access.refresh(tenant, added);
      await dependencies.access.refresh(tenant, removed);
    } catch {
      failed.push(...group.map((candidate) => candidate.change.id));
    }
  }
  return failed;
}
