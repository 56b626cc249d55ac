import { derivedAttributes, type Access, type Provenance, type ResourceTypeName } from '../../contracts/table-design';
import type { ScimResource } from '../../scim/normalize';

/** A resource as persisted: its canonical attributes plus what the server assigns. */
export interface StoredResource {
  id: string;
  version: number;
  created: string;
  lastModified: string;
  /** Canonical SCIM attributes, without `id` and `meta`. */
  resource: ScimResource;
  /** Which client created it; absent on items written before provenance was recorded. */
  provisionedBy?: Provenance;
  /** Which client changed it last (create, replace, patch, membership change). */
  lastChangedBy?: Provenance;
  /** Users: the access the role computation derived; carried unchanged by SCIM writes. */
  access?: Access;
  /** Its keys were folded by legacyFold (written before KEY_FOLD): the next write re-keys it. */
  legacyKeys?: boolean;
}

/**
 * A value a resource can be found by. `unique` ones are claims the database refuses to give
 * twice; the others are plain lookup entries. `value` is already case-folded where the
 * schema says the attribute is not caseExact.
 */
export interface LookupKey {
  attribute: string;
  value: string;
  unique: boolean;
}

/**
 * A user taking (+1) or freeing (-1) a seat: seats count active users, in the same transaction
 * as the write that activates or deactivates one. The store keeps the tenant's limit beside the
 * count (SettingsStore writes it with the settings), so a +1 fails with SeatLimitReached when
 * every seat is taken without reading the settings first.
 */
export interface SeatChange {
  delta: 1 | -1;
}

export interface PageRequest {
  /** Zero-based position of the first item. */
  offset: number;
  limit: number;
}

/** Persistence for SCIM resources, behind which the DynamoDB adapter sits. */
export interface ResourceStore {
  /** Throws ScimError.uniqueness naming the attribute when a unique key is taken, SeatLimitReached when `seat` can't be taken. */
  insert(tenant: string, type: ResourceTypeName, record: StoredResource, keys: LookupKey[], seat?: SeatChange): Promise<void>;
  get(tenant: string, type: ResourceTypeName, id: string): Promise<StoredResource | undefined>;
  getMany(tenant: string, type: ResourceTypeName, ids: string[]): Promise<StoredResource[]>;
  /** Which of these ids exist (reads keys only). */
  existing(tenant: string, type: ResourceTypeName, ids: string[]): Promise<Set<string>>;
  /**
   * Bumps version and lastModified of an existing resource atomically, and records who changed it
   * (only from `expectedVersion` when given); undefined when it is gone or at another version.
   */
  touch(tenant: string, type: ResourceTypeName, id: string, changedBy: Provenance, expectedVersion?: number): Promise<StoredResource | undefined>;
  /**
   * Sets a user's access as a new version, if the user is still at `expectedVersion` and the
   * tenant's settings are still at `access.settingsVersion`; false (nothing written) otherwise.
   */
  setAccess(tenant: string, userId: string, access: Access, expectedVersion: number, lastModified: string): Promise<boolean>;
  /**
   * Writes `next` if the stored version is still `previous.version`; moves lookup keys from `before` to `after`.
   * Throws VersionConflict when someone else wrote first, ScimError.uniqueness when a new unique key is taken.
   */
  update(tenant: string, type: ResourceTypeName, next: StoredResource, previous: StoredResource, before: LookupKey[], after: LookupKey[], seat?: SeatChange): Promise<void>;
  /**
   * Deletes the resource and its keys if its version is still `previous.version`; throws VersionConflict otherwise.
   * `memberOf`: a user's groups, whose memberships go in the same write as far as room allows (the caller removes the rest).
   */
  remove(tenant: string, type: ResourceTypeName, previous: StoredResource, keys: LookupKey[], seat?: SeatChange, memberOf?: string[]): Promise<void>;
  /** Active users of the tenant (the seats in use). */
  seatsInUse(tenant: string): Promise<number>;
  /** The ids holding a value, strongly consistent. */
  lookup(tenant: string, type: ResourceTypeName, key: LookupKey): Promise<string[]>;
  /** The page at a position of the id order, and how many there are; costs the same at any offset. */
  page(tenant: string, type: ResourceTypeName, request: PageRequest): Promise<{ resources: StoredResource[]; totalResults: number }>;
  /** Up to `limit` resources after an id (from the first without one), in id order; `more` when others follow. */
  pageAfter(tenant: string, type: ResourceTypeName, afterId: string | undefined, limit: number): Promise<{ resources: StoredResource[]; more: boolean }>;
  /**
   * Every resource of the type, a batch at a time, batches in no particular order (the
   * collection is read in parallel slices).
   */
  scan(tenant: string, type: ResourceTypeName, onBatch: (batch: StoredResource[]) => void): Promise<void>;
  count(tenant: string, type: ResourceTypeName): Promise<number>;
}

/** Every seat is taken: the write that would take one changed nothing. */
export class SeatLimitReached extends Error {
  constructor() {
    super('seat limit reached');
    this.name = 'SeatLimitReached';
  }
}

/** The stored version moved on between our read and our write. */
export class VersionConflict extends Error {
  constructor() {
    super('version conflict');
    this.name = 'VersionConflict';
  }
}

/** A User or Group item as the store reads it and the table's stream hands it on (unmarshalled). */
export function storedResourceOf(item: Record<string, unknown>): StoredResource {
  return {
    id: item.id as string,
    version: item.version as number,
    created: item.created as string,
    lastModified: item.lastModified as string,
    resource: (item.resource ?? {}) as ScimResource,
    ...(item[derivedAttributes.provisionedBy] ? { provisionedBy: item[derivedAttributes.provisionedBy] as Provenance } : {}),
    ...(item[derivedAttributes.lastChangedBy] ? { lastChangedBy: item[derivedAttributes.lastChangedBy] as Provenance } : {}),
    ...(item[derivedAttributes.access] ? { access: item[derivedAttributes.access] as Access } : {}),
    ...(item[derivedAttributes.keyFold] === undefined ? { legacyKeys: true } : {}),
  };
}
