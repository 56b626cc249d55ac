import type { ResourceTypeName } from '../../contracts/table-design';
import type { LookupKey, StoredResource } from './resource-store';

/**
 * What a migration does to one item beside moving it to its new format: nothing more, or (a User
 * or Group) move its lookup keys, released under `before` and claimed under `after`, in the
 * transaction that rewrites it at its version (a concurrent write wins, and the item is read again).
 */
export type ItemChange =
  | { kind: 'format' }
  | { kind: 'rekey'; tenant: string; type: ResourceTypeName; stored: StoredResource; before: LookupKey[]; after: LookupKey[] };

/** One step of the table's format (FORMAT_VERSION in table-design), applied item by item. */
export interface Migration {
  /** Names its progress item; never reused. */
  id: string;
  from: number;
  to: number;
  description: string;
  /** What moving this item (in format `from`, unmarshalled) to `to` takes; pure. */
  change(item: Record<string, unknown>): ItemChange;
}

/** How far one of the table's parallel Scan segments got. */
export interface SegmentProgress {
  /** Where the next Scan page starts (DynamoDB's LastEvaluatedKey); absent before the first page and once done. */
  lastKey?: Record<string, unknown>;
  done: boolean;
  scanned: number;
  migrated: number;
  /** Already in the new format (written meanwhile, or by an earlier run). */
  skipped: number;
  /** Could not be moved: a key under the new fold is another resource's. The item keeps its format and is read as before. */
  conflicts: number;
}

/** A migration's progress item, as `migrations status` shows it. */
export interface MigrationProgress {
  id: string;
  from: number;
  to: number;
  description: string;
  status: 'pending' | 'running' | 'complete';
  startedAt?: string;
  updatedAt?: string;
  finishedAt?: string;
  segments: SegmentProgress[];
  /** Items (pk, sk) left in the old format because of a conflict, the first few. */
  conflictKeys?: Array<Record<string, unknown>>;
}

/** The sums over a migration's segments. */
export function totals(progress: MigrationProgress) {
  const sum = (field: 'scanned' | 'migrated' | 'skipped' | 'conflicts') => progress.segments.reduce((total, segment) => total + segment[field], 0);
  return { scanned: sum('scanned'), migrated: sum('migrated'), skipped: sum('skipped'), conflicts: sum('conflicts'), segmentsDone: progress.segments.filter((segment) => segment.done).length };
}
