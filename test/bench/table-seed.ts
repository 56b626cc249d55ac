import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { membershipItems, tableKeys } from '../../lambdas/contracts/table-design';
import type { ResourceService } from '../../lambdas/directory/resources';
import { chunks, mapLimited } from '../../lambdas/runtime/concurrency';
import { normalizeResource } from '../../lambdas/scim/normalize';
import { batchGet, batchWrite } from '../../lambdas/store/batches';
import type { DynamoResourceStore } from '../../lambdas/store/dynamo-resource-store';

type Item = Record<string, unknown>;

/** The one update a create makes beside its puts: the counters' and the seat's `ADD n :delta`. */
const COUNT_UPDATE = 'ADD n :delta';

/** Put requests per batchWrite call; each call keeps its own batches in flight. */
const PUTS_PER_CALL = 2_000;

/**
 * Seeds a benchmark's table with BatchWriteItem instead of one transaction per user or membership:
 * the items are the ones POST /Users and PATCH add write, built by the code that writes them
 * (ResourceService.newRecord, DynamoResourceStore.insertItems, membershipItems). Their conditions
 * are left out (a fresh table meets them) and the counters' increments are summed per counter.
 * `sameShapes` checks the result against items written through the services.
 */
export class TableSeeder {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly users: ResourceService,
    private readonly resources: DynamoResourceStore,
    /** BatchWriteItem requests in flight. */
    private readonly parallel: number,
  ) {}

  /** Creates users from SCIM bodies as POST /Users would; answers their ids in order. */
  async createUsers(tenant: string, bodies: unknown[]): Promise<string[]> {
    const puts: Item[] = [];
    const increments = new Map<string, { key: Item; delta: number }>();
    const ids = bodies.map((body) => {
      const { record, keys, seat } = this.users.newRecord(normalizeResource(this.users.model, body), 'other');
      for (const item of this.resources.insertItems(tenant, 'User', record, keys, seat)) {
        if (item.Put) {
          puts.push({ PutRequest: { Item: item.Put.Item } });
        } else if (item.Update?.UpdateExpression === COUNT_UPDATE) {
          const key = item.Update.Key as Item;
          const name = keyName(key);
          const delta = item.Update.ExpressionAttributeValues?.[':delta'] as number;
          increments.set(name, { key, delta: (increments.get(name)?.delta ?? 0) + delta });
        } else {
          throw new Error(`the seeder cannot write ${JSON.stringify(item)}: a create now writes something it does not know`);
        }
      }
      return record.id;
    });
    // UpdateItem runs some 200 a second on one partition in DynamoDB Local: the counters are read and
    // put whole instead, which is safe only because nothing else writes while the table is seeded.
    const counted = increments.size === 0 ? [] : await batchGet(this.client, this.tableName, [...increments.values()].map(({ key }) => key));
    const before = new Map(counted.map((item) => [keyName(item), item]));
    for (const [name, { key, delta }] of increments) {
      const existing = before.get(name);
      puts.push({ PutRequest: { Item: { ...existing, ...key, n: ((existing?.n as number | undefined) ?? 0) + delta } } });
    }
    await this.put(puts);
    return ids;
  }

  /** Adds users to a group as PATCH add does (both sides of each membership). */
  async addMembers(tenant: string, groupId: string, userIds: string[]): Promise<void> {
    const at = new Date().toISOString();
    for (const slice of chunks(userIds, 50_000)) {
      await this.put(slice.flatMap((userId) => membershipItems(tenant, groupId, userId, at).map((Item) => ({ PutRequest: { Item } }))));
    }
  }

  private async put(requests: Item[]): Promise<void> {
    // batchWrite keeps 8 batches in flight per call.
    await mapLimited(chunks(requests, PUTS_PER_CALL), Math.max(1, Math.ceil(this.parallel / 8)), (part) => batchWrite(this.client, this.tableName, part));
  }
}

function keyName(item: Item): string {
  return JSON.stringify([item[tableKeys.partitionKey], item[tableKeys.sortKey]]);
}

const TIMESTAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g;
const EVENT_ID = /\b[0-9a-f]{32}\b/g;
/** Per event, and per write: an activity entry's sequence in the stream and its expiry (from its time). */
const PER_EVENT = /"(sequence|expiresAt)":("\d+"|\d+)/g;

/** One side of a shape comparison: the names its ids and values stand for in the shapes. */
export interface ShapeSample {
  /** Values (ids, names) and their placeholders, longest first where one contains another. */
  tokens: Array<[value: string, placeholder: string]>;
}

/**
 * Every item of the table that names one of the sample's tokens, with the tokens replaced by their
 * placeholders, and what differs per event (times, event ids, stream sequences, expiries) by
 * `<name>`: sorted JSON, one a line.
 */
export async function itemShapes(client: DynamoDBDocumentClient, tableName: string, sample: ShapeSample): Promise<string[]> {
  const shapes: string[] = [];
  let startKey: Item | undefined;
  do {
    const output = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    for (const item of output.Items ?? []) {
      let text = JSON.stringify(sorted(item));
      if (!sample.tokens.some(([value]) => text.includes(value))) continue;
      for (const [value, placeholder] of sample.tokens) text = text.split(value).join(placeholder);
      shapes.push(text.replace(TIMESTAMP, '<time>').replace(EVENT_ID, '<event>').replace(PER_EVENT, '"$1":"<$1>"'));
    }
    startKey = output.LastEvaluatedKey;
  } while (startKey);
  return shapes.sort();
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object' || value instanceof Set) return value instanceof Set ? [...value].sort() : value;
  return Object.fromEntries(Object.entries(value as Item).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, inner]) => [key, sorted(inner)]));
}

/** The lines of two sorted shape lists that only one of them holds. */
export function shapeDifferences(left: string[], right: string[]): { onlyLeft: string[]; onlyRight: string[] } {
  const count = (lines: string[]) => lines.reduce((map, line) => map.set(line, (map.get(line) ?? 0) + 1), new Map<string, number>());
  const [a, b] = [count(left), count(right)];
  const only = (x: Map<string, number>, y: Map<string, number>) => [...x].flatMap(([line, n]) => Array<string>(Math.max(0, n - (y.get(line) ?? 0))).fill(line));
  return { onlyLeft: only(a, b), onlyRight: only(b, a) };
}
