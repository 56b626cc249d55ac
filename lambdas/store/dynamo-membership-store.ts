import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MembershipStore } from '../directory/ports/membership-store';
import { batchGet, batchWrite, queryPages } from './batches';
import { keys, MEMBER_PREFIX, membershipItems, tableKeys } from '../contracts/table-design';

const { partitionKey: PK, sortKey: SK } = tableKeys;

/** A deleted group's count is needed while the stream retries its deletion (at most a day), and a while after for redriven records. */
const DELETED_GROUP_COUNT_SECONDS = 30 * 24 * 60 * 60;

type WriteRequest = Record<string, unknown>;

export class DynamoMembershipStore implements MembershipStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(tenant: string, groupId: string, userIds: string[]): Promise<void> {
    const at = new Date().toISOString();
    await this.write([...new Set(userIds)].flatMap((userId) => membershipItems(tenant, groupId, userId, at).map((Item) => ({ PutRequest: { Item } }))));
  }

  /**
   * Under the users first, then under the group. Batch writes are not atomic: a removal that runs
   * out of retries leaves what is listed under the group, which is where removeAllOfGroup looks, so
   * the stream's retry of a deleted group's cleanup finds it again (as does the IdP's retry).
   */
  async remove(tenant: string, groupId: string, userIds: string[]): Promise<void> {
    const ids = [...new Set(userIds)];
    await this.write(ids.map((userId) => ({ DeleteRequest: { Key: keys.memberOf(tenant, userId, groupId) } })));
    await this.write(ids.map((userId) => ({ DeleteRequest: { Key: keys.membership(tenant, groupId, userId) } })));
  }

  /** The mirror image of remove: under the groups first, then under the user, where removeAllOfUser looks. */
  async removeFromGroups(tenant: string, userId: string, groupIds: string[]): Promise<void> {
    const ids = [...new Set(groupIds)];
    await this.write(ids.map((groupId) => ({ DeleteRequest: { Key: keys.membership(tenant, groupId, userId) } })));
    await this.write(ids.map((groupId) => ({ DeleteRequest: { Key: keys.memberOf(tenant, userId, groupId) } })));
  }

  async *members(tenant: string, groupId: string): AsyncIterable<string[]> {
    for await (const items of this.query(`${PK} = :pk AND begins_with(${SK}, :prefix)`, { ':pk': keys.groupMembers(tenant, groupId), ':prefix': MEMBER_PREFIX })) {
      yield items.map((item) => (item[SK] as string).slice(MEMBER_PREFIX.length));
    }
  }

  async membersAmong(tenant: string, groupId: string, userIds: string[]): Promise<Set<string>> {
    const items = await batchGet(this.client, this.tableName, [...new Set(userIds)].map((userId) => keys.membership(tenant, groupId, userId)), SK);
    return new Set(items.map((item) => (item[SK] as string).slice(MEMBER_PREFIX.length)));
  }

  async groupsOf(tenant: string, userId: string): Promise<string[]> {
    return (await this.groupsOfRange(tenant, userId, userId)).get(userId) ?? [];
  }

  async groupsOfRange(tenant: string, firstUserId: string, lastUserId: string): Promise<Map<string, string[]>> {
    const range = keys.memberOfRange(firstUserId, lastUserId);
    const byUser = new Map<string, string[]>();
    for await (const items of this.query(`${PK} = :pk AND ${SK} BETWEEN :from AND :to`, { ':pk': keys.memberOfCollection(tenant), ':from': range.from, ':to': range.to })) {
      for (const item of items) {
        const [userId, groupId] = (item[SK] as string).split('#');
        byUser.set(userId, [...(byUser.get(userId) ?? []), groupId]);
      }
    }
    return byUser;
  }

  async memberCountAtDeletion(tenant: string, groupId: string): Promise<number> {
    const kept = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.deletedGroup(tenant, groupId), ConsistentRead: true }));
    if (kept.Item) return kept.Item.memberCount as number;
    let memberCount = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: `${PK} = :pk AND begins_with(${SK}, :prefix)`,
          ExpressionAttributeValues: { ':pk': keys.groupMembers(tenant, groupId), ':prefix': MEMBER_PREFIX },
          Select: 'COUNT',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      memberCount += output.Count ?? 0;
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.deletedGroup(tenant, groupId), memberCount, [tableKeys.timeToLive]: Math.ceil(Date.now() / 1000) + DELETED_GROUP_COUNT_SECONDS },
          ConditionExpression: `attribute_not_exists(${PK})`,
        }),
      );
      return memberCount;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Another reader counted first, possibly before removals this count saw.
      return this.memberCountAtDeletion(tenant, groupId);
    }
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
          ConditionExpression: `attribute_not_exists(${PK}) OR #until < :now`,
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

  /** Sort keys matching a key condition, strongly consistent, a page at a time. */
  private query(condition: string, values: Record<string, string>): AsyncIterable<Array<Record<string, unknown>>> {
    return queryPages(this.client, { TableName: this.tableName, KeyConditionExpression: condition, ExpressionAttributeValues: values, ProjectionExpression: SK });
  }

  private write(requests: WriteRequest[]): Promise<void> {
    return batchWrite(this.client, this.tableName, requests);
  }

}
