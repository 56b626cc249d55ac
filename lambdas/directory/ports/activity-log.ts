import type { ActivityEntry } from '../../contracts/events';
import type { ActivitySubject, ResourceTypeName } from '../../contracts/table-design';

/** An entry of one subject's trail. */
export interface ActivityRecord {
  tenant: string;
  subject: ActivitySubject;
  entry: ActivityEntry;
  /** Orders entries of one change, which share its time. */
  position: number;
}

/**
 * The tenants' activity trails: per resource (and per name, and per tenant), in time order, each
 * entry kept for the deployment's retention. Writing an entry again (a replayed stream record)
 * writes the same item, never a second one.
 */
export interface ActivityLog {
  record(records: ActivityRecord[]): Promise<void>;
  /**
   * A refused write: the same as record, but the store marks it so that the events consumer sees it
   * (a seat limit reached is a tenant event).
   */
  refused(record: ActivityRecord): Promise<void>;
  /** `id` holds the name from `at` on; ignored if it was released after `at` (a replay). */
  holdName(tenant: string, type: ResourceTypeName, foldedName: string, id: string, at: string): Promise<void>;
  /** `id` no longer holds the name from `at` on: the pointer is kept for the retention, then goes. */
  releaseName(tenant: string, type: ResourceTypeName, foldedName: string, id: string, at: string): Promise<void>;
  /** The most recent `limit` entries of a subject's trail from `since` on, oldest first. */
  trail(tenant: string, subject: ActivitySubject, options: { since?: string; limit: number }): Promise<ActivityEntry[]>;
  /** The ids of the resources that ever held a (folded) name, with the name's own entries (refused creates). */
  named(tenant: string, type: ResourceTypeName, foldedName: string, options: { since?: string; limit: number }): Promise<{ ids: string[]; entries: ActivityEntry[] }>;
}
