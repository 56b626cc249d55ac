import { BatchGetCommand, BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MembershipStore } from '../service/membership-store';
import { keys, tableKeys } from './table-design';

const BATCH_WRITE_SIZE = 25;
const BATCH_GET_SIZE = 100;
/** Batches in flight at once: enough to hide latency, few enough not to throttle a partition. */
const PARALLEL_BATCHES = 8;

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

async function inParallel<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await run(items[next++]);
  });
  await Promise.all(workers);
}

function backoff(attempt: number) {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 20 * 2 ** attempt)));
}

const memberPrefix = 'Member#';

export class DynamoMembershipStore implements MembershipStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(tenant: string, groupId: string, userIds: string[]): Promise<void> {
    await this.write(
      [...new Set(userIds)].map((userId) => ({
        PutRequest: { Item: { ...keys.membership(tenant, groupId, userId), tenant, groupId, userId, itemType: 'Membership' } },
      })),
    );
  }

  async remove(tenant: string, groupId: string, userIds: string[]): Promise<void> {
    await this.write(
      [...new Set(userIds)].map((userId) => {
        const { pk, sk } = keys.membership(tenant, groupId, userId);
        return { DeleteRequest: { Key: { pk, sk } } };
      }),
    );
  }

  async *members(tenant: string, groupId: string): AsyncIterable<string[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :member)',
          ExpressionAttributeValues: { ':pk': keys.groupMembers(tenant, groupId), ':member': memberPrefix },
          ProjectionExpression: 'sk',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      yield (output.Items ?? []).map((item) => (item.sk as string).slice(memberPrefix.length));
      startKey = output.LastEvaluatedKey;
    } while (startKey);
  }

  async membersAmong(tenant: string, groupId: string, userIds: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    await inParallel(chunks([...new Set(userIds)], BATCH_GET_SIZE), PARALLEL_BATCHES, async (chunk) => {
      let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean; ProjectionExpression: string }> | undefined = {
        [this.tableName]: {
          Keys: chunk.map((userId) => {
            const { pk, sk } = keys.membership(tenant, groupId, userId);
            return { pk, sk };
          }),
          ConsistentRead: true,
          ProjectionExpression: 'sk',
        },
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 0) await backoff(attempt);
        const output = await this.client.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of output.Responses?.[this.tableName] ?? []) found.add((item.sk as string).slice(memberPrefix.length));
        request = output.UnprocessedKeys as typeof request;
      }
    });
    return found;
  }

  async groupsOf(tenant: string, userId: string): Promise<string[]> {
    const index = tableKeys.memberOfIndex;
    const groupIds: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: `${index.partitionKey} = :pk`,
          ExpressionAttributeValues: { ':pk': keys.userMemberships(tenant, userId) },
          ProjectionExpression: 'groupId',
          ExclusiveStartKey: startKey,
        }),
      );
      groupIds.push(...(output.Items ?? []).map((item) => item.groupId as string));
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return groupIds;
  }

  async removeAllOfGroup(tenant: string, groupId: string): Promise<number> {
    let removed = 0;
    for await (const userIds of this.members(tenant, groupId)) {
      await this.remove(tenant, groupId, userIds);
      removed += userIds.length;
    }
    return removed;
  }

  async removeAllOfUser(tenant: string, userId: string): Promise<number> {
    const groupIds = await this.groupsOf(tenant, userId);
    await inParallel(groupIds, PARALLEL_BATCHES, (groupId) => this.remove(tenant, groupId, [userId]));
    return groupIds.length;
  }

  private async write(requests: Array<Record<string, unknown>>): Promise<void> {
    await inParallel(chunks(requests, BATCH_WRITE_SIZE), PARALLEL_BATCHES, async (chunk) => {
      let pending: Array<Record<string, unknown>> = chunk;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await backoff(attempt);
        if (attempt > 12) throw new Error(`membership batch still unprocessed after ${attempt} attempts`);
        const output = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = (output.UnprocessedItems?.[this.tableName] ?? []) as Array<Record<string, unknown>>;
      }
    });
  }
}
