import { randomUUID } from 'node:crypto';
import { ScimError } from '../scim/errors';
import { preparedIdentifier } from '../scim/comparison';
import { storageProblem } from '../scim/json-limits';
import { changedMeanwhile, checkIfMatch, entityTag, isPinned, type Preconditions } from '../scim/etag';
import { matches } from '../scim/filter-evaluation';
import { conjuncts, type Filter } from '../scim/filter-syntax';
import type { ListQuery } from '../scim/list';
import { cursorsOf, windowOf, type CursorPosition, type ListPage } from '../scim/paging';
import { compareSortValues, sortValueReader, type SortValue } from '../scim/sort-values';
import { normalizeResource, type ScimResource } from '../scim/normalize';
import { applyPatch, type PatchOperation } from '../scim/patch';
import { resolveAttribute, type ResourceModel } from '../scim/schemas';
import { couldBeId, foldCase, legacyFold, RESOURCE_STORAGE_LIMITS, type Access, type Provenance, type ProvisioningClient, type ResourceTypeName } from '../contracts/table-design';
import { backoff } from '../runtime/concurrency';
import { SeatLimitReached, VersionConflict, type ResourceStore, type SeatChange, type StoredResource, type LookupKey } from './ports/resource-store';
import type { VersionClaim } from './ports/membership-store';

/** What distinguishes one resource type from another in the generic lifecycle below. */
export interface ResourceKind {
  type: ResourceTypeName;
  model: ResourceModel;
  /**
   * Core attributes a resource can be looked up by in one round trip; the unique ones are
   * claimed in the same transaction as the write. The schema's caseExact decides folding. A
   * `sub` names the sub-attribute of a multi-valued attribute, each of whose values is a key.
   */
  lookupAttributes: Array<{ name: string; sub?: string; unique: boolean }>;
  /** Defaults applied to a new resource. */
  onCreate?(resource: ScimResource): ScimResource;
  /** Adjusts a PUT body against what is stored (IdP quirks of replacement). */
  onReplace?(next: ScimResource, current: ScimResource): ScimResource;
  /** Whether a resource holds one of the tenant's seats (users: active ones). */
  holdsSeat?(resource: ScimResource): boolean;
}

/** Where the directory reports what it had to leave undone (lambdas/runtime/logger.ts in the functions). */
export interface Log {
  warn(message: string, fields: Record<string, unknown>): void;
}

/** The tenant's seat limit and what to do at it (from its settings). */
export interface SeatPolicy {
  seatLimit: number | null;
  seatPolicy: 'reject' | 'createInactive';
}

export interface SeatPolicySource {
  seatPolicy(tenant: string): Promise<SeatPolicy>;
}

export interface ListResult extends ListPage<StoredResource> {
  /** The page is a contiguous range of the id order, so what hangs off its ids can be read as one range. */
  contiguous: boolean;
}

/** A resource that matched a list query, held as little as possible until it is on the page. */
interface Candidate {
  id: string;
  sortValue?: SortValue;
  stored?: StoredResource;
}

/**
 * What a write derives from the resource it writes besides the resource (a user's access). Called
 * once per attempt, so that its reads start alongside the resource's; the function it returns
 * computes from them, or answers 'stale' when they are older than what the resource was derived
 * from, which asks for a fresh attempt.
 */
export type Derive = () => (current: StoredResource, next: StoredResource) => Promise<Access | undefined | 'stale'>;

export interface WriteOptions {
  /** The resource as the caller just read it, which saves the first attempt its read. */
  current?: StoredResource;
  derive?: Derive;
}

/** Optimistic writes retry on a fresh read; jittered backoff keeps racing writers from starving one another. */
const WRITE_ATTEMPTS = 16;

const writeBackoff = (attempt: number) => backoff(attempt, 8, 250);

/** A resource's values of one multi-valued attribute are keys only up to this many, so its transaction stays far below DynamoDB's 100 items. */
export const MAX_KEYED_VALUES = 20;

type LookupSpec = ResourceKind['lookupAttributes'][number];

function specName(spec: LookupSpec): string {
  return spec.sub ? `${spec.name}.${spec.sub}` : spec.name;
}

function keyOf(kind: ResourceKind, spec: LookupSpec, value: unknown, fold = foldCase): LookupKey | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const resolved = resolveAttribute(kind.model, { name: spec.name, subAttribute: spec.sub });
  const definition = resolved?.sub ?? resolved?.definition;
  return { attribute: specName(spec), value: definition?.caseExact ? value : fold(value), unique: spec.unique };
}

/**
 * A resource as it is stored, or the client's mistake that keeps it from the store (weight,
 * nesting, numbers, empty names). Unique names that compare case-insensitively (userName, a
 * group's displayName) go through RFC 8265's preparation: invisible characters are refused and
 * surrounding whitespace trimmed, so names people cannot tell apart meet at one key. A name
 * `current` already holds is kept as it is, so resources stored before keep working.
 */
function prepared(kind: ResourceKind, resource: ScimResource, current?: ScimResource): ScimResource {
  let result = resource;
  for (const spec of kind.lookupAttributes) {
    if (spec.sub || !spec.unique) continue;
    const value = resource[spec.name];
    if (typeof value !== 'string' || value === current?.[spec.name]) continue;
    const definition = resolveAttribute(kind.model, { name: spec.name })?.definition;
    if (!definition || definition.caseExact) continue;
    const identifier = preparedIdentifier(value);
    if ('fault' in identifier) throw ScimError.invalidValue(`${definition.name} ${identifier.fault}.`);
    if (identifier.value === '') throw ScimError.invalidValue(`${definition.name} must not be blank.`);
    if (identifier.value !== value) result = { ...result, [spec.name]: identifier.value };
  }
  const problem = storageProblem(result, kind.type, RESOURCE_STORAGE_LIMITS);
  if (problem) throw problem;
  return result;
}

/** The keys of a resource as written, or as an item written before KEY_FOLD holds them. */
export function lookupKeys(kind: ResourceKind, resource: ScimResource, legacy = false): LookupKey[] {
  const fold = legacy ? legacyFold : foldCase;
  return kind.lookupAttributes.flatMap((spec) => {
    if (!spec.sub) return keyOf(kind, spec, resource[spec.name], fold) ?? [];
    const elements = Array.isArray(resource[spec.name]) ? (resource[spec.name] as Array<Record<string, unknown>>) : [];
    const keys = new Map<string, LookupKey>();
    for (const element of elements) {
      const key = keyOf(kind, spec, element?.[spec.sub], fold);
      if (key) keys.set(key.value, key);
    }
    if (keys.size > MAX_KEYED_VALUES) {
      throw ScimError.invalidValue(`A ${kind.type} may have at most ${MAX_KEYED_VALUES} distinct ${specName(spec)} values; this one has ${keys.size}.`);
    }
    return [...keys.values()];
  });
}

/**
 * The lookup key an equality in a filter names: `userName eq "x"`, `emails.value eq "x"`, or
 * the value filter Entra ID sends, `emails[type eq "work"].value eq "x"` (parsed as
 * `emails[type eq "work" and value eq "x"]`).
 */
function filterKey(kind: ResourceKind, node: Filter): { spec: LookupSpec; value: unknown } | undefined {
  const equality = (candidate: Filter, name: string, sub: string | undefined) => {
    if (candidate.kind !== 'compare' || candidate.op !== 'eq' || candidate.attribute.uri) return undefined;
    const spec = kind.lookupAttributes.find(
      (option) => option.name.toLowerCase() === name.toLowerCase() && option.sub?.toLowerCase() === sub?.toLowerCase(),
    );
    return spec && keyOf(kind, spec, candidate.value) ? { spec, value: candidate.value } : undefined;
  };
  if (node.kind === 'compare') {
    const resolved = resolveAttribute(kind.model, node.attribute);
    if (!resolved || resolved.schema) return undefined;
    return equality(node, resolved.definition.name, resolved.sub?.name);
  }
  if (node.kind === 'valuePath' && !node.attribute.uri) {
    for (const inner of conjuncts(node.filter)) {
      if (inner.kind !== 'compare' || inner.attribute.subAttribute) continue;
      const key = equality(inner, node.attribute.name, inner.attribute.name);
      if (key) return key;
    }
  }
  return undefined;
}

/**
 * The lifecycle every SCIM resource shares: create, read, replace, patch, delete and list,
 * over a ResourceStore. Writes are optimistic: read, compute, write if the version is
 * unchanged, otherwise recompute on the fresh state — so concurrent PATCHes compose.
 */
export class ResourceService {
  constructor(
    private readonly store: ResourceStore,
    private readonly kind: ResourceKind,
    private readonly now: () => Date = () => new Date(),
    private readonly seats?: SeatPolicySource,
  ) {}

  get model() {
    return this.kind.model;
  }

  /** Who changes a resource now: the client, at this moment (also the change's lastModified). */
  private provenance(client: ProvisioningClient): Provenance {
    return { client, at: this.now().toISOString() };
  }

  async create(tenant: string, body: unknown, client: ProvisioningClient): Promise<StoredResource> {
    return this.insert(tenant, normalizeResource(this.kind.model, body), client);
  }

  /**
   * What `insert` first tries to store for an already normalised resource: its record, lookup keys
   * and seat. Public so that a benchmark can seed the table with what a create writes.
   */
  newRecord(normalized: ScimResource, client: ProvisioningClient): { record: StoredResource; keys: LookupKey[]; seat?: SeatChange } {
    const resource = prepared(this.kind, this.kind.onCreate ? this.kind.onCreate(normalized) : normalized);
    const provenance = this.provenance(client);
    const timestamp = provenance.at;
    const record: StoredResource = {
      id: randomUUID(),
      version: 1,
      created: timestamp,
      lastModified: timestamp,
      resource,
      provisionedBy: provenance,
      lastChangedBy: provenance,
    };
    return { record, keys: lookupKeys(this.kind, resource), seat: this.holdsSeat(resource) ? { delta: 1 } : undefined };
  }

  /** Creates from an already normalised resource. */
  async insert(tenant: string, normalized: ScimResource, client: ProvisioningClient): Promise<StoredResource> {
    const { record, keys, seat } = this.newRecord(normalized, client);
    const resource = record.resource;
    try {
      await this.store.insert(tenant, this.kind.type, record, keys, seat);
      return record;
    } catch (error) {
      if (!(error instanceof SeatLimitReached)) throw error;
      const policy = await this.seatPolicy(tenant);
      if (policy.seatPolicy !== 'createInactive') throw await this.seatLimitError(tenant, policy, 'created');
      // The tenant's policy: provision the user without a seat; the IdP sees `active: false` in the answer.
      const inactive: StoredResource = { ...record, resource: { ...resource, active: false } };
      await this.store.insert(tenant, this.kind.type, inactive, lookupKeys(this.kind, inactive.resource));
      return inactive;
    }
  }

  /**
   * Runs what completes a create after `insert` (memberships, access). When that fails, the
   * resource is taken back, so that the IdP's retry of the POST (Okta retries a 429 by itself)
   * creates it whole instead of meeting 409 on its unique attributes.
   */
  async completeCreate<T>(tenant: string, created: StoredResource, complete: () => Promise<T>, log: Log): Promise<T> {
    try {
      return await complete();
    } catch (error) {
      try {
        await this.delete(tenant, created.id);
      } catch (undoError) {
        log.warn('a resource whose create failed could not be taken back', { type: this.kind.type, id: created.id, error: undoError instanceof Error ? undoError.name : String(undoError) });
      }
      throw error;
    }
  }

  private holdsSeat(resource: ScimResource | undefined): boolean {
    return resource !== undefined && this.seats !== undefined && this.kind.holdsSeat?.(resource) === true;
  }

  private seatChange(before: ScimResource | undefined, after: ScimResource | undefined): SeatChange | undefined {
    const [had, has] = [this.holdsSeat(before), this.holdsSeat(after)];
    return had === has ? undefined : { delta: has ? 1 : -1 };
  }

  private async seatPolicy(tenant: string): Promise<SeatPolicy> {
    return this.seats ? this.seats.seatPolicy(tenant) : { seatLimit: null, seatPolicy: 'reject' };
  }

  /** What an IdP admin reads in the failed push (Okta shows it on the task): the limit, the seats in use, what to do. */
  private async seatLimitError(tenant: string, policy: SeatPolicy, what: 'created' | 'activated'): Promise<ScimError> {
    const inUse = await this.store.seatsInUse(tenant);
    return ScimError.seatLimit(
      `Seat limit reached: ${inUse} of ${policy.seatLimit} seats are taken by active users, so this user cannot be ${what}. ` +
        'Deactivate or unassign a user in the identity provider, or raise the seat limit of this application, then retry.',
    );
  }

  /** Active users of the tenant. */
  seatsInUse(tenant: string): Promise<number> {
    return this.store.seatsInUse(tenant);
  }

  async get(tenant: string, id: string): Promise<StoredResource> {
    const stored = couldBeId(id) ? await this.store.get(tenant, this.kind.type, id) : undefined;
    if (!stored) throw this.notFound(id);
    return stored;
  }

  async replace(tenant: string, id: string, body: unknown, client: ProvisioningClient, preconditions?: Preconditions, options?: WriteOptions): Promise<StoredResource> {
    return this.replaceWith(tenant, id, normalizeResource(this.kind.model, body), client, preconditions, options);
  }

  /** Replaces with an already normalised resource. */
  async replaceWith(tenant: string, id: string, normalized: ScimResource, client: ProvisioningClient, preconditions?: Preconditions, options?: WriteOptions): Promise<StoredResource> {
    return this.write(tenant, id, client, preconditions, (current) => (this.kind.onReplace ? this.kind.onReplace(normalized, current.resource) : normalized), options);
  }

  async patch(tenant: string, id: string, operations: PatchOperation[], client: ProvisioningClient, preconditions?: Preconditions, options?: WriteOptions): Promise<StoredResource> {
    return this.write(tenant, id, client, preconditions, (stored) => applyPatch(this.kind.model, stored.resource, operations), options);
  }

  /** A new version without attribute changes (the members of a group changed). */
  async touch(tenant: string, id: string, client: ProvisioningClient): Promise<StoredResource> {
    const stored = await this.store.touch(tenant, this.kind.type, id, this.provenance(client));
    if (!stored) throw this.notFound(id);
    return stored;
  }

  /**
   * The next version of `current` for a change written elsewhere (its members), and the claim
   * that writes it with that change (MembershipStore.change). Under If-Match the claim is
   * required: of concurrent requests that all read `current`, exactly one gets it.
   */
  nextVersion(current: StoredResource, client: ProvisioningClient, preconditions?: Preconditions): { claim: VersionClaim; next: StoredResource } {
    const changedBy = this.provenance(client);
    return {
      claim: { version: current.version, changedBy, required: isPinned(preconditions) },
      next: { ...current, version: current.version + 1, lastModified: changedBy.at, lastChangedBy: changedBy },
    };
  }

  /** Sets a user's access as a new version if the user and the settings are as read (AccessService). */
  setAccess(tenant: string, id: string, access: Access, expectedVersion: number, lastModified: string): Promise<boolean> {
    return this.store.setAccess(tenant, id, access, expectedVersion, lastModified);
  }

  /** Resources holding a value of a lookup attribute (userName, displayName, externalId), folded as the schema says. */
  async lookup(tenant: string, attribute: string, value: string): Promise<StoredResource[]> {
    const spec = this.kind.lookupAttributes.find((candidate) => !candidate.sub && candidate.name === attribute);
    return spec ? this.getMany(tenant, await this.holders(tenant, spec, value)) : [];
  }

  /** Ids holding `value` under its key, and under its legacyFold key where that differs. */
  private async holders(tenant: string, spec: LookupSpec, value: unknown): Promise<string[]> {
    const key = keyOf(this.kind, spec, value);
    if (!key) return [];
    const legacy = keyOf(this.kind, spec, value, legacyFold)!;
    if (legacy.value === key.value) return this.store.lookup(tenant, this.kind.type, key);
    const [current, older] = await Promise.all([this.store.lookup(tenant, this.kind.type, key), this.store.lookup(tenant, this.kind.type, legacy)]);
    return [...new Set([...current, ...older])];
  }

  /** Up to `limit` resources after an id (from the first without one), in id order; `more` when others follow. */
  pageAfter(tenant: string, afterId: string | undefined, limit: number): Promise<{ resources: StoredResource[]; more: boolean }> {
    return this.store.pageAfter(tenant, this.kind.type, afterId, limit);
  }

  /** How many resources the tenant has, from the counters. */
  count(tenant: string): Promise<number> {
    return this.store.count(tenant, this.kind.type);
  }

  /** Every resource of the tenant, a batch at a time, batches in no particular order. */
  scanAll(tenant: string, onBatch: (batch: StoredResource[]) => void): Promise<void> {
    return this.store.scan(tenant, this.kind.type, onBatch);
  }

  async getMany(tenant: string, ids: string[]): Promise<StoredResource[]> {
    return this.store.getMany(tenant, this.kind.type, ids.filter(couldBeId));
  }

  async existing(tenant: string, ids: string[]): Promise<Set<string>> {
    return this.store.existing(tenant, this.kind.type, ids.filter(couldBeId));
  }

  /** `memberOf`: a user's groups, read alongside, whose memberships the delete removes with the user as far as room allows. */
  async delete(tenant: string, id: string, preconditions?: Preconditions, memberOf?: () => Promise<string[]>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const [current, groupIds] = await Promise.all([this.get(tenant, id), memberOf?.()]);
      checkIfMatch(current.version, preconditions);
      try {
        await this.store.remove(tenant, this.kind.type, current, lookupKeys(this.kind, current.resource, current.legacyKeys), this.seatChange(current.resource, undefined), groupIds);
        return;
      } catch (error) {
        if (!(error instanceof VersionConflict) || attempt >= WRITE_ATTEMPTS) throw this.mapConflict(error);
        await writeBackoff(attempt);
      }
    }
  }

  /**
   * RFC 7644 §3.4.2. Unfiltered and unsorted, a page costs three small reads at any startIndex
   * (see the counters in table-design) or one after a cursor. A filter the IdPs send is answered
   * from a lookup key; any other filter, and any sortBy, reads the tenant's whole collection once
   * (16 slices in parallel), holding only ids and sort values, then reads the page.
   */
  async list(tenant: string, query: ListQuery, onCandidates?: (ids: string[]) => void): Promise<ListResult> {
    if (!query.filter && query.sortBy === undefined) return this.listAll(tenant, query);
    const candidate = this.candidateOf(query);
    const indexed = query.filter ? await this.indexedCandidates(tenant, query.filter, onCandidates) : undefined;
    if (indexed) return this.arrangeCandidates(tenant, query, indexed.flatMap((stored) => candidate(stored, true) ?? []));
    const candidates: Candidate[] = [];
    await this.store.scan(tenant, this.kind.type, (batch) => {
      for (const stored of batch) {
        const matched = candidate(stored, false);
        if (matched) candidates.push(matched);
      }
    });
    return this.arrangeCandidates(tenant, query, candidates);
  }

  /** Sorts and pages resources matched elsewhere (groups by their members) as `list` would. */
  async arrange(tenant: string, query: ListQuery, resources: StoredResource[]): Promise<ListResult> {
    const candidate = this.candidateOf({ ...query, filter: undefined });
    return this.arrangeCandidates(tenant, query, resources.flatMap((stored) => candidate(stored, true) ?? []));
  }

  /**
   * A resource as a candidate of the query, or undefined when its filter rejects it: the client's
   * view of it is built once for both the filter and the sort value. `keep` holds on to the
   * resource itself (few candidates); a scan keeps only the id.
   */
  private candidateOf(query: ListQuery): (stored: StoredResource, keep: boolean) => Candidate | undefined {
    const sortValue = query.sortBy === undefined ? undefined : sortValueReader(this.kind.model, query.sortBy);
    const { filter } = query;
    return (stored, keep) => {
      const view = filter || sortValue ? this.asFilterable(stored) : undefined;
      if (filter && !matches(filter, view!, this.kind.model)) return undefined;
      return { id: stored.id, ...(sortValue ? { sortValue: sortValue(view!) } : {}), ...(keep ? { stored } : {}) };
    };
  }

  private async listAll(tenant: string, query: ListQuery): Promise<ListResult> {
    if (!query.cursor) return { ...(await this.store.page(tenant, this.kind.type, { offset: query.startIndex - 1, limit: query.count })), contiguous: true };
    const [totalResults, page] = await Promise.all([
      this.store.count(tenant, this.kind.type),
      this.store.pageAfter(tenant, this.kind.type, query.cursor.after?.id, query.count),
    ]);
    return { resources: page.resources, totalResults, ...cursorsOf(query, page.resources, page.more), contiguous: true };
  }

  private async arrangeCandidates(tenant: string, query: ListQuery, candidates: Candidate[]): Promise<ListResult> {
    const descending = query.sortOrder === 'descending';
    const order = (a: CursorPosition, b: CursorPosition) =>
      compareSortValues(a.sortValue, b.sortValue, descending) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    candidates.sort(order);
    const { window, more } = windowOf(query, candidates, order);
    const missing = window.filter((candidate) => !candidate.stored).map((candidate) => candidate.id);
    const read = new Map((missing.length > 0 ? await this.store.getMany(tenant, this.kind.type, missing) : []).map((stored) => [stored.id, stored]));
    // A resource deleted since it matched is left out rather than shown stale.
    const shown = window.flatMap((candidate) => {
      const stored = candidate.stored ?? read.get(candidate.id);
      return stored ? [{ candidate, stored }] : [];
    });
    const positions = shown.map(({ candidate }) => ({ id: candidate.id, sortValue: candidate.sortValue }));
    return { resources: shown.map((entry) => entry.stored), totalResults: candidates.length, ...cursorsOf(query, positions, more), contiguous: false };
  }

  /**
   * The filters IdPs send to find a resource (`userName eq`, `externalId eq`, `id eq`,
   * `displayName eq`, `emails[type eq "work"].value eq`, alone or and-ed with more) start from
   * a lookup key or the id, then the whole filter is checked on the few candidates.
   */
  private async indexedCandidates(tenant: string, filter: Filter, onCandidates?: (ids: string[]) => void): Promise<StoredResource[] | undefined> {
    for (const node of conjuncts(filter)) {
      if (node.kind === 'compare' && node.op === 'eq' && typeof node.value === 'string' && !node.attribute.subAttribute) {
        const resolved = resolveAttribute(this.kind.model, node.attribute);
        if (resolved && !resolved.schema && resolved.definition.name === 'id') {
          if (!couldBeId(node.value)) return [];
          onCandidates?.([node.value]);
          const stored = await this.store.get(tenant, this.kind.type, node.value);
          return stored ? [stored] : [];
        }
      }
      const key = filterKey(this.kind, node);
      if (key) {
        const ids = (await this.holders(tenant, key.spec, key.value)).filter(couldBeId);
        // What the caller reads about these ids (a user's groups) goes alongside their read.
        if (ids.length > 0) onCandidates?.(ids);
        return this.store.getMany(tenant, this.kind.type, ids);
      }
    }
    return undefined;
  }

  /** Filters see the resource as a client would: with id and meta. */
  asFilterable(stored: StoredResource): ScimResource {
    return {
      ...stored.resource,
      id: stored.id,
      meta: { resourceType: this.kind.type, created: stored.created, lastModified: stored.lastModified, version: entityTag(stored.version) },
    };
  }

  private async write(
    tenant: string,
    id: string,
    client: ProvisioningClient,
    preconditions: Preconditions | undefined,
    compute: (current: StoredResource) => ScimResource,
    options: WriteOptions = {},
  ): Promise<StoredResource> {
    for (let attempt = 1; ; attempt++) {
      const derived = options.derive?.();
      const current = attempt === 1 && options.current ? options.current : await this.get(tenant, id);
      checkIfMatch(current.version, preconditions);
      const resource = prepared(this.kind, compute(current), current.resource);
      const changedBy = this.provenance(client);
      let next: StoredResource = {
        ...current,
        resource,
        version: current.version + 1,
        lastModified: changedBy.at,
        lastChangedBy: changedBy,
      };
      const access = derived && (await derived(current, next));
      if (access === 'stale') {
        if (attempt >= WRITE_ATTEMPTS) throw this.mapConflict(new VersionConflict());
        continue;
      }
      if (access) next = { ...next, access };
      try {
        await this.store.update(
          tenant,
          this.kind.type,
          next,
          current,
          lookupKeys(this.kind, current.resource, current.legacyKeys),
          lookupKeys(this.kind, resource),
          this.seatChange(current.resource, resource),
        );
        return next;
      } catch (error) {
        if (error instanceof SeatLimitReached) throw await this.seatLimitError(tenant, await this.seatPolicy(tenant), 'activated');
        // With If-Match the client pinned a version; a concurrent write makes its precondition false.
        if (error instanceof VersionConflict && isPinned(preconditions)) {
          throw changedMeanwhile();
        }
        if (!(error instanceof VersionConflict) || attempt >= WRITE_ATTEMPTS) throw this.mapConflict(error);
        await writeBackoff(attempt);
      }
    }
  }

  private mapConflict(error: unknown): unknown {
    if (error instanceof VersionConflict) {
      return ScimError.serviceUnavailable(`The ${this.kind.type} is being changed by many requests at once; retry shortly.`, 1);
    }
    return error;
  }

  private notFound(id: string) {
    return ScimError.notFound(`${this.kind.type} "${id}" not found.`);
  }
}
