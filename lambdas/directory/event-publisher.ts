import type { ProvisioningEvent } from '../contracts/events';
import { itemAttributes, type ResourceTypeName } from '../contracts/table-design';
import { mapLimited } from '../runtime/concurrency';
import type { ResourceModel } from '../scim/schemas';
import type { ActivityTrail } from './activity';
import type { ItemChange } from './cleanup';
import type { EventSink } from './ports/event-sink';
import type { MembershipStore } from './ports/membership-store';
import type { StoredResource } from './ports/resource-store';
import { eventsOf, factKey, factsNeeded, type ChangeFacts } from './provisioning-events';
import type { ResourceService } from './resources';

export interface PublishDependencies {
  sink: EventSink;
  trail: ActivityTrail;
  users: ResourceService;
  groups: ResourceService;
  memberships: MembershipStore;
  models: Readonly<Record<ResourceTypeName, ResourceModel>>;
}

const PARALLEL_COUNTS = 4;

/**
 * The table stream's changes as provisioning events: derived (eventsOf), kept in the activity
 * trail, then published. An event exists only for a change the stream reports, so only for a
 * committed one; and a change is reported done only once its events are published, so none is
 * lost (at least once: a retried batch publishes the same events again, with the same ids).
 *
 * Returns the ids of the changes to retry: from the first that failed on, so that the stream's
 * retry (which resumes at the lowest failed record) never publishes a subject's events out of order.
 */
export async function publishChanges(changes: ItemChange[], dependencies: PublishDependencies): Promise<string[]> {
  let firstFailed = changes.length;
  const failAt = (index: number) => {
    firstFailed = Math.min(firstFailed, index);
  };
  const facts = { models: dependencies.models, users: new Map<string, StoredResource>(), groups: new Map<string, StoredResource>(), memberCounts: new Map<string, number>() } satisfies ChangeFacts;
  const needed = factsNeeded(changes);
  await Promise.all(
    [...needed].map(async ([tenant, ids]) => {
      try {
        const [users, groups] = await Promise.all([dependencies.users.getMany(tenant, [...ids.users]), dependencies.groups.getMany(tenant, [...ids.groups])]);
        for (const user of users) facts.users.set(factKey(tenant, user.id), user);
        for (const group of groups) facts.groups.set(factKey(tenant, group.id), group);
        await mapLimited([...ids.deletedGroups], PARALLEL_COUNTS, async (groupId) => {
          facts.memberCounts.set(factKey(tenant, groupId), await dependencies.memberships.memberCountAtDeletion(tenant, groupId));
        });
      } catch {
        failAt(changes.findIndex((change) => tenantOf(change) === tenant));
      }
    }),
  );
  const derived = changes.slice(0, firstFailed).map((change, index) => ({ index, events: eventsOf(change, facts) }));
  const events: ProvisioningEvent[] = derived.flatMap((entry) => entry.events);
  if (events.length > 0) {
    try {
      // The trail first: an event a consumer has seen is always in the trail.
      await dependencies.trail.recordEvents(derived.map((entry) => entry.events));
      await dependencies.sink.publish(events);
    } catch {
      failAt(derived.find((entry) => entry.events.length > 0)!.index);
    }
  }
  return changes.slice(firstFailed).map((change) => change.id);
}

function tenantOf(change: ItemChange): string | undefined {
  return (change.newImage ?? change.oldImage)?.[itemAttributes.tenant] as string | undefined;
}
