import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MembershipStore } from '../service/membership-store';
import { mapLimited } from '../service/parallel';
import { keys, MEMBER_PREFIX, tableKeys } from './table-design';

const BATCH_WRITE_SIZE = 25;
const BATCH_GET_SIZE = 100;
/** Batches in flight at once: enough to hide latency, few enough not to throttle a partition. */
const PARALLEL_BATCHES = 8;

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

function backoff(attempt: number) {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 20 * 2 ** attempt)));
}

type WriteRequest = Record<string, unknown>;

export class DynamoMembershipStore implements MembershipStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(tenant: string, groupId: string, userIds: string[]): Promise<void> {
    await this.write(
      [...new Set(userIds)].flatMap((userId) => {
        const attributes = { tenant, groupId, userId };
        return [
          { PutRequest: { Item: { ...keys.membership(tenant, groupId, userId), ...attributes, itemType: 'Membership' } } },
          { PutRequest: { Item: { ...keys.memberOf(tenant, userId, groupId), ...attributes, itemType: 'MemberOf' } } },
        ];
      }),
    );
  }

  async remove(tenant: string, groupId: string, userIds: string[]): Promise<void> {
    await this.write([...new Set(userIds)].flatMap((userId) => this.deletes(tenant, groupId, userId)));
  }

  async removeFromGroups(tenant: string, userId: string, groupIds: string[]): Promise<void> {
    await this.write([...new Set(groupIds)].flatMap((groupId) => this.deletes(tenant, groupId, userId)));
  }

  async *members(tenant: string, groupId: string): AsyncIterable<string[]> {
    for await (const items of this.query('pk = :pk AND begins_with(sk, :prefix)', { ':pk': keys.groupMembers(tenant, groupId), ':prefix': MEMBER_PREFIX })) {
      yield items.map((item) => (item.sk as string).slice(MEMBER_PREFIX.length));
    }
  }

  async membersAmong(tenant: string, groupId: string, userIds: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    await mapLimited(chunks([...new Set(userIds)], BATCH_GET_SIZE), PARALLEL_BATCHES, async (chunk) => {
      let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean; ProjectionExpression: string }> | undefined = {
        [this.tableName]: { Keys: chunk.map((userId) => keys.membership(tenant, groupId, userId)), ConsistentRead: true, ProjectionExpression: 'sk' },
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 0) await backoff(attempt);
        const output = await this.client.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of output.Responses?.[this.tableName] ?? []) found.add((item.sk as string).slice(MEMBER_PREFIX.length));
        request = output.UnprocessedKeys as typeof request;
      }
    });
    return found;
  }

  async groupsOf(tenant: string, userId: string): Promise<string[]> {
    return (await this.groupsOfRange(tenant, userId, userId)).get(userId) ?? [];
  }

  async groupsOfRange(tenant: string, firstUserId: string, lastUserId: string): Promise<Map<string, string[]>> {
    const range = keys.memberOfRange(firstUserId, lastUserId);
    const byUser = new Map<string, string[]>();
    for await (const items of this.query('pk = :pk AND sk BETWEEN :from AND :to', { ':pk': keys.memberOfCollection(tenant), ':from': range.from, ':to': range.to })) {
      for (const item of items) {
        const [userId, groupId] = (item.sk as string).split('#');
        byUser.set(userId, [...(byUser.get(userId) ?? []), groupId]);
      }
    }
    return byUser;
  }

  async removeAllOfGroup(tenant: string, groupId: string): Promise<number> {
    let removed = 0;
    for await (const userIds of this.members(tenant, groupId)) {
      await this.remove(tenant, groupId, userIds);
      removed += userIds.length;
    }
    return removed;
  }

  async removeAllOfUser(tenant: string, userId: string): Promise<string[]> {
    const groupIds = await this.groupsOf(tenant, userId);
    await this.removeFromGroups(tenant, userId, groupIds);
    return groupIds;
  }

  async acquireLease(tenant: string, groupId: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.groupLease(tenant, groupId), holder, until: now + ttlMs, [tableKeys.timeToLive]: Math.ceil((now + ttlMs) / 1000) + 60 },
          ConditionExpression: 'attribute_not_exists(pk) OR #until < :now',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async releaseLease(tenant: string, groupId: string, holder: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.groupLease(tenant, groupId),
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
    } catch (error) {
      // Expired and taken over: the new holder's lease is not ours to end.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private deletes(tenant: string, groupId: string, userId: string): WriteRequest[] {
    return [{ DeleteRequest: { Key: keys.membership(tenant, groupId, userId) } }, { DeleteRequest: { Key: keys.memberOf(tenant, userId, groupId) } }];
  }

  /** Sort keys matching a key condition, strongly consistent, a page at a time. */
  private async *query(condition: string, values: Record<string, string>): AsyncIterable<Array<Record<string, unknown>>> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: condition,
          ExpressionAttributeValues: values,
          ProjectionExpression: 'sk',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      yield output.Items ?? [];
      startKey = output.LastEvaluatedKey;
    } while (startKey);
  }

  private async write(requests: WriteRequest[]): Promise<void> {
    await mapLimited(chunks(requests, BATCH_WRITE_SIZE), PARALLEL_BATCHES, async (chunk) => {
      let pending: WriteRequest[] = chunk;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await backoff(attempt);
        if (attempt > 12) throw new Error(`membership batch still unprocessed after ${attempt} attempts`);
        const output = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = (output.UnprocessedItems?.[this.tableName] ?? []) as WriteRequest[];
      }
    });
  }
}
