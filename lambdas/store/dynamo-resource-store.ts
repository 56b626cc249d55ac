import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  UpdateCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { MAX_TRANSACTION_ITEMS, transactWrite, type TransactItem } from './transactions';
import { ScimError } from '../scim/errors';
import type { LookupKey, PageRequest, ResourceStore, StoredResource } from '../directory/ports/resource-store';
import { SeatLimitReached, storedResourceOf, VersionConflict, type SeatChange } from '../directory/ports/resource-store';
import { mapLimited } from '../runtime/concurrency';
import { batchGet, queryPages } from './batches';
import { SEAT_LIMIT, settingsAtVersion } from './dynamo-settings-store';
import { COUNTER_LEVEL_1, COUNTER_LEVEL_2, derivedAttributes, formatOnUpdate, inFormat, itemAttributes, KEY_FOLD, keys, keyValue, tableKeys, type Access, type Provenance, type ResourceTypeName } from '../contracts/table-design';

const { partitionKey: PK, sortKey: SK } = tableKeys;

/** Ids are v4 UUIDs in lower-case hex: their first digit splits a collection into 16 slices read in parallel. */
const SLICES = [...'0123456789abcdef'];

interface Counter {
  /** The id prefix the counter counts. */
  prefix: string;
  n: number;
}

function total(counters: Counter[]): number {
  return counters.reduce((sum, counter) => sum + counter.n, 0);
}

/** The counter holding position `offset` (0-based) and the position within it. */
function locate(counters: Counter[], offset: number): { prefix: string; skip: number } | undefined {
  let before = 0;
  for (const counter of counters) {
    if (offset < before + counter.n) return { prefix: counter.prefix, skip: offset - before };
    before += counter.n;
  }
  return undefined;
}

export class DynamoResourceStore implements ResourceStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async insert(tenant: string, type: ResourceTypeName, record: StoredResource, lookupKeys: LookupKey[], seat?: SeatChange): Promise<void> {
    const items = this.insertItems(tenant, type, record, lookupKeys, seat);
    await this.transact(items, (index) => {
      if (seat && index === items.length - 1) return new SeatLimitReached();
      return index === 0 ? ScimError.uniqueness(`A ${type} with id "${record.id}" already exists.`) : uniquenessError(type, lookupKeys[index - 1]);
    });
  }

  /**
   * The items `insert` writes in one transaction, in this order: the resource, its keys, its
   * counters, its seat. Public so that a benchmark can seed the table with exactly these items.
   */
  insertItems(tenant: string, type: ResourceTypeName, record: StoredResource, lookupKeys: LookupKey[], seat?: SeatChange): TransactItem[] {
    return [
      {
        Put: {
          TableName: this.tableName,
          Item: this.item(tenant, type, record),
          ConditionExpression: `attribute_not_exists(${PK})`,
        },
      },
      ...lookupKeys.map((key) => this.keyPut(tenant, type, record.id, key)),
      ...this.counted(tenant, type, record.id, 1),
      ...this.seated(tenant, seat),
    ];
  }

  async get(tenant: string, type: ResourceTypeName, id: string): Promise<StoredResource | undefined> {
    const output = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.resource(tenant, type, id), ConsistentRead: true }));
    return output.Item ? storedResourceOf(output.Item) : undefined;
  }

  async getMany(tenant: string, type: ResourceTypeName, ids: string[]): Promise<StoredResource[]> {
    const found = new Map<string, StoredResource>();
    await this.batchGet(tenant, type, ids, undefined, (item) => {
      const stored = storedResourceOf(item);
      found.set(stored.id, stored);
    });
    return ids.flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
  }

  async existing(tenant: string, type: ResourceTypeName, ids: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    await this.batchGet(tenant, type, ids, SK, (item) => found.add(item[SK] as string));
    return found;
  }

  async touch(tenant: string, type: ResourceTypeName, id: string, changedBy: Provenance, expectedVersion?: number): Promise<StoredResource | undefined> {
    try {
      const output = await this.client.send(new UpdateCommand({ ...versionUpdate(this.tableName, tenant, type, id, changedBy, expectedVersion), ReturnValues: 'ALL_NEW' }));
      return output.Attributes ? storedResourceOf(output.Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async setAccess(tenant: string, userId: string, access: Access, expectedVersion: number, lastModified: string): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.resource(tenant, 'User', userId),
                // The item keeps its format: only a Put (keys folded by foldCase) moves a User or Group to today's.
                UpdateExpression: 'SET #access = :access, lastModified = :now ADD version :one',
                ConditionExpression: 'version = :expected',
                ExpressionAttributeNames: { '#access': derivedAttributes.access },
                ExpressionAttributeValues: { ':access': access, ':now': lastModified, ':one': 1, ':expected': expectedVersion },
              },
            },
            // Computed under these settings: a change of them since means recomputing.
            { ConditionCheck: { TableName: this.tableName, Key: keys.settings(tenant), ...settingsAtVersion(access.settingsVersion) } },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.some((reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict')) {
        return false;
      }
      throw error;
    }
  }

  private async batchGet(
    tenant: string,
    type: ResourceTypeName,
    ids: string[],
    projection: string | undefined,
    onItem: (item: Record<string, unknown>) => void,
  ): Promise<void> {
    const items = await batchGet(this.client, this.tableName, [...new Set(ids)].map((id) => keys.resource(tenant, type, id)), projection);
    items.forEach(onItem);
  }


  async update(
    tenant: string,
    type: ResourceTypeName,
    next: StoredResource,
    previous: StoredResource,
    before: LookupKey[],
    after: LookupKey[],
    seat?: SeatChange,
  ): Promise<void> {
    const same = (a: LookupKey, b: LookupKey) => a.attribute === b.attribute && a.unique === b.unique && keyValue(a.value) === keyValue(b.value);
    const released = before.filter((claim) => !after.some((other) => same(claim, other)));
    const taken = after.filter((claim) => !before.some((other) => same(claim, other)));
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: this.item(tenant, type, next),
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: { ':version': previous.version },
        },
      },
      ...taken.map((key) => this.keyPut(tenant, type, next.id, key)),
      ...released.map((key) => this.keyDelete(tenant, type, next.id, key)),
      ...this.seated(tenant, seat),
    ];
    await this.transact(items, (index) => {
      if (seat && index === items.length - 1) return new SeatLimitReached();
      if (index === 0) return new VersionConflict();
      if (index <= taken.length) return uniquenessError(type, taken[index - 1]);
      // A released claim that isn't ours any more means our read is stale.
      return new VersionConflict();
    });
  }

  async remove(tenant: string, type: ResourceTypeName, previous: StoredResource, lookupKeys: LookupKey[], seat?: SeatChange, memberOf: string[] = []): Promise<void> {
    const items: TransactItem[] = [
      {
        Delete: {
          TableName: this.tableName,
          Key: keys.resource(tenant, type, previous.id),
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: { ':version': previous.version },
        },
      },
      ...lookupKeys.map((key) => this.keyDelete(tenant, type, previous.id, key)),
      ...this.counted(tenant, type, previous.id, -1),
      ...this.seated(tenant, seat),
    ];
    const room = Math.floor((MAX_TRANSACTION_ITEMS - items.length) / 2);
    for (const groupId of memberOf.slice(0, room)) {
      items.push(
        { Delete: { TableName: this.tableName, Key: keys.membership(tenant, groupId, previous.id) } },
        { Delete: { TableName: this.tableName, Key: keys.memberOf(tenant, previous.id, groupId) } },
      );
    }
    await this.transact(items, () => new VersionConflict());
  }

  async seatsInUse(tenant: string): Promise<number> {
    const output = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.seats(tenant), ConsistentRead: true }));
    return (output.Item?.n as number | undefined) ?? 0;
  }

  async lookup(tenant: string, type: ResourceTypeName, key: LookupKey): Promise<string[]> {
    if (key.unique) {
      const output = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.unique(tenant, type, key.attribute, keyValue(key.value)), ConsistentRead: true }),
      );
      return output.Item ? [output.Item.id as string] : [];
    }
    const ids: string[] = [];
    const partition = keys.indexPartition(tenant, type, key.attribute, keyValue(key.value));
    const pages = queryPages(this.client, { TableName: this.tableName, KeyConditionExpression: `${PK} = :pk`, ExpressionAttributeValues: { ':pk': partition }, ProjectionExpression: SK });
    for await (const items of pages) ids.push(...items.map((item) => item[SK] as string));
    return ids;
  }

  async page(tenant: string, type: ResourceTypeName, request: PageRequest): Promise<{ resources: StoredResource[]; totalResults: number }> {
    if (request.offset === 0) {
      // The first page starts at the first id: no counter needed to find it, only to count.
      const [totalResults, read] = await Promise.all([this.count(tenant, type), request.limit > 0 ? this.range(tenant, type, {}, request.limit) : { resources: [] }]);
      return { resources: read.resources, totalResults };
    }
    const level1 = await this.counters(tenant, type, COUNTER_LEVEL_1, '');
    const totalResults = total(level1);
    const bucket = request.limit > 0 ? locate(level1, request.offset) : undefined;
    if (!bucket) return { resources: [], totalResults };
    const level2 = await this.counters(tenant, type, COUNTER_LEVEL_2, bucket.prefix);
    const start = locate(level2, bucket.skip) ?? { prefix: bucket.prefix, skip: bucket.skip };
    const read = await this.range(tenant, type, { from: start.prefix }, start.skip + request.limit);
    return { resources: read.resources.slice(start.skip), totalResults };
  }

  async pageAfter(tenant: string, type: ResourceTypeName, afterId: string | undefined, limit: number) {
    // One more than asked tells whether another page follows, so the last page carries no nextCursor.
    const read = await this.range(tenant, type, afterId === undefined ? {} : { after: afterId }, limit + 1);
    return { resources: read.resources.slice(0, limit), more: read.resources.length > limit };
  }

  async scan(tenant: string, type: ResourceTypeName, onBatch: (batch: StoredResource[]) => void): Promise<void> {
    await mapLimited(SLICES, SLICES.length, async (slice) => {
      for await (const items of this.collection(tenant, type, `${PK} = :pk AND begins_with(${SK}, :slice)`, { ':slice': slice })) onBatch(items.map(storedResourceOf));
    });
  }

  async count(tenant: string, type: ResourceTypeName): Promise<number> {
    return total(await this.counters(tenant, type, COUNTER_LEVEL_1, ''));
  }

  /** The counters of one level under a prefix, in id order. */
  private async counters(tenant: string, type: ResourceTypeName, level: string, prefix: string): Promise<Counter[]> {
    const counters: Counter[] = [];
    const pages = queryPages(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: `${PK} = :pk AND begins_with(${SK}, :prefix)`,
      ExpressionAttributeValues: { ':pk': keys.counterPartition(tenant, type), ':prefix': `${level}${prefix}` },
    });
    for await (const items of pages) for (const item of items) counters.push({ prefix: (item[SK] as string).slice(level.length), n: item.n as number });
    return counters;
  }

  /** Up to `limit` resources in id order from an id prefix on, or after an id. */
  private async range(tenant: string, type: ResourceTypeName, bound: { from?: string; after?: string }, limit: number) {
    const condition = bound.from !== undefined ? `${PK} = :pk AND ${SK} >= :bound` : bound.after !== undefined ? `${PK} = :pk AND ${SK} > :bound` : `${PK} = :pk`;
    const value = bound.from ?? bound.after;
    const resources: StoredResource[] = [];
    for await (const items of this.collection(tenant, type, condition, value === undefined ? {} : { ':bound': value }, limit)) resources.push(...items.map(storedResourceOf));
    return { resources: resources.slice(0, limit) };
  }

  /** Pages of one resource collection's items matching a key condition on it. */
  private collection(tenant: string, type: ResourceTypeName, condition: string, values: Record<string, unknown>, limit?: number) {
    return queryPages(
      this.client,
      { TableName: this.tableName, KeyConditionExpression: condition, ExpressionAttributeValues: { ':pk': keys.resourceCollection(tenant, type), ...values } },
      limit,
    );
  }

  /** The counter updates that count a resource in (1) or out (-1), in the transaction that writes it. */
  /** The seat counter's change; taking a seat is conditional on a free one under the limit kept beside it. */
  private seated(tenant: string, seat: SeatChange | undefined): TransactItem[] {
    if (!seat) return [];
    return [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.seats(tenant),
          UpdateExpression: `SET ${formatOnUpdate.set} ADD n :delta`,
          ...(seat.delta === 1
            ? { ConditionExpression: `attribute_not_exists(${SEAT_LIMIT}) OR n < ${SEAT_LIMIT} OR (attribute_not_exists(n) AND ${SEAT_LIMIT} > :zero)` }
            : {}),
          ExpressionAttributeNames: formatOnUpdate.names,
          ExpressionAttributeValues: { ':delta': seat.delta, ...(seat.delta === 1 ? { ':zero': 0 } : {}), ...formatOnUpdate.values },
        },
      },
    ];
  }

  private counted(tenant: string, type: ResourceTypeName, id: string, delta: 1 | -1): TransactItem[] {
    return keys.counters(tenant, type, id).map((Key) => ({
      Update: {
        TableName: this.tableName,
        Key,
        UpdateExpression: `SET ${formatOnUpdate.set} ADD n :delta`,
        ExpressionAttributeNames: formatOnUpdate.names,
        ExpressionAttributeValues: { ':delta': delta, ...formatOnUpdate.values },
      },
    }));
  }

  private item(tenant: string, type: ResourceTypeName, record: StoredResource) {
    return inFormat({
      ...keys.resource(tenant, type, record.id),
      [itemAttributes.tenant]: tenant,
      [itemAttributes.resourceType]: type,
      id: record.id,
      version: record.version,
      created: record.created,
      lastModified: record.lastModified,
      resource: record.resource,
      // A Put replaces the whole item: what the server derives is written back as it was read.
      ...(record.provisionedBy ? { [derivedAttributes.provisionedBy]: record.provisionedBy } : {}),
      ...(record.lastChangedBy ? { [derivedAttributes.lastChangedBy]: record.lastChangedBy } : {}),
      ...(record.access ? { [derivedAttributes.access]: record.access } : {}),
      // Insert and update write keys folded by foldCase (the directory computes them).
      [derivedAttributes.keyFold]: KEY_FOLD,
    });
  }

  private keyPut(tenant: string, type: ResourceTypeName, id: string, key: LookupKey): TransactItem {
    if (!key.unique) {
      return { Put: { TableName: this.tableName, Item: inFormat({ ...keys.index(tenant, type, key.attribute, keyValue(key.value), id), tenant, id }) } };
    }
    return {
      Put: {
        TableName: this.tableName,
        Item: inFormat({ ...keys.unique(tenant, type, key.attribute, keyValue(key.value)), tenant, id, attribute: key.attribute }),
        ConditionExpression: `attribute_not_exists(${PK})`,
      },
    };
  }

  private keyDelete(tenant: string, type: ResourceTypeName, id: string, key: LookupKey): TransactItem {
    if (!key.unique) return { Delete: { TableName: this.tableName, Key: keys.index(tenant, type, key.attribute, keyValue(key.value), id) } };
    return {
      Delete: {
        TableName: this.tableName,
        Key: keys.unique(tenant, type, key.attribute, keyValue(key.value)),
        ConditionExpression: 'id = :id',
        ExpressionAttributeValues: { ':id': id },
      },
    };
  }

  /** Runs a transaction; a condition failure is mapped by the index of the (first) item that failed. */
  private async transact(items: TransactItem[], onConditionFailed: (index: number) => Error): Promise<void> {
    const [failed] = await transactWrite(this.client, items);
    if (failed !== undefined) throw onConditionFailed(failed);
  }
}

function uniquenessError(type: ResourceTypeName, claim: LookupKey) {
  return ScimError.uniqueness(`A ${type} with ${claim.attribute} "${claim.value}" already exists; ${claim.attribute} must be unique.`);
}


/**
 * The update that moves a resource to its next version for a change made elsewhere (its members),
 * recording who made it; only from `expectedVersion` when given. One definition for a lone
 * UpdateItem and for a transaction that writes the change with it.
 */
export function versionUpdate(tableName: string, tenant: string, type: ResourceTypeName, id: string, changedBy: Provenance, expectedVersion?: number) {
  return {
    TableName: tableName,
    Key: keys.resource(tenant, type, id),
    // The item keeps its format: only a Put (keys folded by foldCase) moves a User or Group to today's.
    UpdateExpression: 'SET lastModified = :now, #changedBy = :changedBy ADD version :one',
    ConditionExpression: expectedVersion === undefined ? `attribute_exists(${PK})` : 'version = :expected',
    ExpressionAttributeNames: { '#changedBy': derivedAttributes.lastChangedBy },
    ExpressionAttributeValues: {
      ':now': changedBy.at,
      ':changedBy': changedBy,
      ':one': 1,
      ...(expectedVersion === undefined ? {} : { ':expected': expectedVersion }),
    },
  };
}
