import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MembershipChange, MembershipStore, VersionClaim } from '../directory/ports/membership-store';
import { allSettledOrThrow, mapLimited } from '../runtime/concurrency';
import { batchGet, queryPages } from './batches';
import { versionUpdate } from './dynamo-resource-store';
import { MAX_TRANSACTION_ITEMS, transactWrite, type TransactItem } from './transactions';
import { inFormat, keys, MEMBER_PREFIX, membershipItems, tableKeys } from '../contracts/table-design';

const { partitionKey: PK, sortKey: SK } = tableKeys;

/** A deleted group's count is needed while the stream retries its deletion (at most a day), and a while after for redriven records. */
const DELETED_GROUP_COUNT_SECONDS = 30 * 24 * 60 * 60;

/** Transactions in flight at once for one change: enough to hide latency, few enough not to throttle a partition. */
const PARALLEL_TRANSACTIONS = 8;

/**
 * What one membership's change writes, all or nothing: its two items, and for an addition a check
 * that the user exists. `userId` names the unit when its check fails.
 */
interface Unit {
  userId?: string;
  items: TransactItem[];
}

/** Units packed into transactions of at most `room` items each, in order. */
function packed(units: Unit[], room: number): Unit[][] {
  const transactions: Unit[][] = [];
  let current: Unit[] = [];
  let size = 0;
  for (const unit of units) {
    if (size + unit.items.length > room && current.length > 0) {
      transactions.push(current);
      current = [];
      size = 0;
    }
    current.push(unit);
    size += unit.items.length;
  }
  if (current.length > 0) transactions.push(current);
  return transactions;
}

export class DynamoMembershipStore implements MembershipStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Each membership whole in one transaction with the others of its chunk (up to 100 items a
   * transaction, chunks in parallel); with a claim, the group's next version goes with the first
   * chunk, which then runs before the others.
   */
  async change(tenant: string, groupId: string, members: { add: string[]; remove: string[] }, claim?: VersionClaim): Promise<MembershipChange> {
    const at = new Date().toISOString();
    const added = new Set(members.add);
    const units: Unit[] = [
      ...[...added].map((userId) => ({
        userId,
        items: [
          // Atomic with the write: a user deleted between a check and the write would stay a member.
          { ConditionCheck: { TableName: this.tableName, Key: keys.resource(tenant, 'User', userId), ConditionExpression: `attribute_exists(${PK})` } },
          ...membershipItems(tenant, groupId, userId, at).map((Item) => ({ Put: { TableName: this.tableName, Item } })),
        ],
      })),
      ...[...new Set(members.remove)].filter((userId) => !added.has(userId)).map((userId) => this.removal(tenant, groupId, userId)),
    ];
    const unknown: string[] = [];
    if (units.length === 0) return { unknown, claimed: false };
    const claimItem: TransactItem | undefined = claim && { Update: versionUpdate(this.tableName, tenant, 'Group', groupId, claim.changedBy, claim.version) };
    const [first, ...rest] = packed(units, MAX_TRANSACTION_ITEMS - (claimItem ? 1 : 0));
    const required = claim?.required === true;
    // A required claim decides whether anything is written, so its chunk goes first; otherwise all at once.
    const claiming = this.write(first, claimItem, unknown, required);
    if (required && !(await claiming)) return { unknown, claimed: false };
    const others = mapLimited(rest, PARALLEL_TRANSACTIONS, (chunk) => this.write(chunk, undefined, unknown, false));
    const [claimed] = await allSettledOrThrow([claiming, others.then(() => false)]);
    return { unknown, claimed };
  }

  /**
   * Writes one chunk: units whose user is gone are dropped (listed in `unknown`), a claim refused
   * drops the claim (or, `required`, the whole chunk). True when the claim was written.
   */
  private async write(units: Unit[], claimItem: TransactItem | undefined, unknown: string[], required: boolean): Promise<boolean> {
    let pending = units;
    let claiming = claimItem;
    while (pending.length > 0) {
      const items = [...(claiming ? [claiming] : []), ...pending.flatMap((unit) => unit.items)];
      const failed = await transactWrite(this.client, items);
      if (failed.length === 0) return claiming !== undefined;
      // The unit each item of the transaction belongs to (the claim, first, belongs to none).
      const owners = [...(claiming ? [undefined] : []), ...pending.flatMap((unit) => unit.items.map(() => unit))];
      if (claiming && failed.includes(0)) {
        if (required) return false;
        claiming = undefined;
      }
      const refused = new Set(failed.flatMap((index) => owners[index] ?? []));
      unknown.push(...[...refused].flatMap((unit) => (unit.userId ? [unit.userId] : [])));
      pending = pending.filter((unit) => !refused.has(unit));
    }
    return false;
  }

  /** A removal's two items; a removal has no condition, so it never fails one. */
  private removal(tenant: string, groupId: string, userId: string): Unit {
    return {
      items: [
        { Delete: { TableName: this.tableName, Key: keys.membership(tenant, groupId, userId) } },
        { Delete: { TableName: this.tableName, Key: keys.memberOf(tenant, userId, groupId) } },
      ],
    };
  }

  async remove(tenant: string, groupId: string, userIds: string[]): Promise<void> {
    await this.change(tenant, groupId, { add: [], remove: userIds });
  }

  async removeFromGroups(tenant: string, userId: string, groupIds: string[]): Promise<void> {
    const units = [...new Set(groupIds)].map((groupId) => this.removal(tenant, groupId, userId));
    await mapLimited(packed(units, MAX_TRANSACTION_ITEMS), PARALLEL_TRANSACTIONS, (chunk) => this.write(chunk, undefined, [], false));
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
          Item: inFormat({ ...keys.deletedGroup(tenant, groupId), memberCount, [tableKeys.timeToLive]: Math.ceil(Date.now() / 1000) + DELETED_GROUP_COUNT_SECONDS }),
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
          Item: inFormat({ ...keys.groupLease(tenant, groupId), holder, until: now + ttlMs, [tableKeys.timeToLive]: Math.ceil((now + ttlMs) / 1000) + 60 }),
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

}
