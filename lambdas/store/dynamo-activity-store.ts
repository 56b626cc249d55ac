import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ActivityEntry } from '../contracts/events';
import {
  ACTIVITY_NAME_PREFIX,
  activityRange,
  formatOnUpdate,
  inFormat,
  itemAttributes,
  keys,
  REFUSAL,
  tableKeys,
  type ActivitySubject,
  type ResourceTypeName,
} from '../contracts/table-design';
import type { ActivityLog, ActivityRecord } from '../directory/ports/activity-log';
import { batchWrite, queryPages } from './batches';

const { partitionKey: PK, sortKey: SK, timeToLive: TTL } = tableKeys;
const DAY_SECONDS = 24 * 60 * 60;

/**
 * The activity trails in the directory's table (keys.activity): an entry is an item keyed by its
 * time and id, so writing it again overwrites it with itself, and DynamoDB's TTL removes it after
 * the retention. Entries carry no item kind, except refusals, which the events consumer reads.
 */
export class DynamoActivityStore implements ActivityLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  async record(records: ActivityRecord[]): Promise<void> {
    const items = new Map<string, Record<string, unknown>>();
    for (const record of records) {
      const item = this.item(record);
      // BatchWriteItem refuses a request naming one key twice.
      items.set(`${item[PK]}\n${item[SK]}`, item);
    }
    await batchWrite(this.client, this.tableName, [...items.values()].map((Item) => ({ PutRequest: { Item } })));
  }

  async refused(record: ActivityRecord): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...this.item(record), [itemAttributes.itemType]: REFUSAL } }));
  }

  async holdName(tenant: string, type: ResourceTypeName, foldedName: string, id: string, at: string): Promise<void> {
    await this.conditionally(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.activityName(tenant, type, foldedName, id),
        UpdateExpression: `SET #tenant = :tenant, id = :id, heldAt = :at, ${formatOnUpdate.set} REMOVE releasedAt, ${TTL}`,
        ConditionExpression: 'attribute_not_exists(releasedAt) OR releasedAt < :at',
        ExpressionAttributeNames: { '#tenant': itemAttributes.tenant, ...formatOnUpdate.names },
        ExpressionAttributeValues: { ':tenant': tenant, ':id': id, ':at': at, ...formatOnUpdate.values },
      }),
    );
  }

  async releaseName(tenant: string, type: ResourceTypeName, foldedName: string, id: string, at: string): Promise<void> {
    await this.conditionally(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.activityName(tenant, type, foldedName, id),
        UpdateExpression: `SET #tenant = :tenant, id = :id, releasedAt = :at, ${TTL} = :expires, ${formatOnUpdate.set}`,
        ConditionExpression: 'attribute_not_exists(heldAt) OR heldAt <= :at',
        ExpressionAttributeNames: { '#tenant': itemAttributes.tenant, ...formatOnUpdate.names },
        ExpressionAttributeValues: { ':tenant': tenant, ':id': id, ':at': at, ':expires': this.expiresAt(at), ...formatOnUpdate.values },
      }),
    );
  }

  async trail(tenant: string, subject: ActivitySubject, options: { since?: string; limit: number }): Promise<ActivityEntry[]> {
    const range = activityRange(options.since);
    const entries: ActivityEntry[] = [];
    const pages = queryPages(
      this.client,
      {
        TableName: this.tableName,
        KeyConditionExpression: `${PK} = :pk AND ${SK} BETWEEN :from AND :to`,
        ExpressionAttributeValues: { ':pk': keys.activityPartition(tenant, subject), ':from': range.from, ':to': range.to },
        // The most recent first, so `limit` keeps the latest.
        ScanIndexForward: false,
      },
      options.limit,
    );
    for await (const items of pages) entries.push(...items.map((item) => item.entry as ActivityEntry));
    return entries.slice(0, options.limit).reverse();
  }

  async named(tenant: string, type: ResourceTypeName, foldedName: string, options: { since?: string; limit: number }) {
    const ids: string[] = [];
    const entries: ActivityEntry[] = [];
    const range = activityRange(options.since);
    // A name's partition holds its pointers and the refused creates under it: few items, read whole.
    const pages = queryPages(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: `${PK} = :pk`,
      ExpressionAttributeValues: { ':pk': keys.activityPartition(tenant, { type, name: foldedName }) },
    });
    for await (const items of pages) {
      for (const item of items) {
        const sort = item[SK] as string;
        if (sort.startsWith(ACTIVITY_NAME_PREFIX)) ids.push(item.id as string);
        else if (sort >= range.from) entries.push(item.entry as ActivityEntry);
      }
    }
    return { ids, entries: entries.slice(-options.limit) };
  }

  private item(record: ActivityRecord): Record<string, unknown> {
    const { tenant, subject, entry, position } = record;
    return inFormat({ ...keys.activity(tenant, subject, entry.at, position, entry.id), [itemAttributes.tenant]: tenant, entry, [TTL]: this.expiresAt(entry.at) });
  }

  private expiresAt(at: string): number {
    return Math.floor(Date.parse(at) / 1000) + this.retentionDays * DAY_SECONDS;
  }

  /** A pointer update that a later one already overtook changes nothing. */
  private async conditionally(command: UpdateCommand): Promise<void> {
    try {
      await this.client.send(command);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
