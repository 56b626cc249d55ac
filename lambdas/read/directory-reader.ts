/**
 * The directory as the SaaS application's own backend reads it: typed users and groups by id,
 * userName, email, page or membership, straight from the table, with no knowledge of its keys.
 * It imports only the contracts and the AWS SDK, so it can be published on its own.
 */
import { BatchGetCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  derivedAttributes,
  foldCase,
  keys,
  keyValue,
  tableKeys,
  type Access,
  type Provenance,
  type RoleReason,
} from '../contracts/table-design';

const { partitionKey: PK, sortKey: SK } = tableKeys;

export interface DirectoryGroup {
  id: string;
  displayName: string;
}

export interface DirectoryUser {
  id: string;
  userName: string;
  active: boolean;
  displayName?: string;
  emails: string[];
  /** The user's role in the app; null when nothing maps and the tenant has no default, or before it is computed. */
  role: string | null;
  roles: string[];
  roleReason: RoleReason | null;
  /** Present when asked for (`{ groups: true }`) or read through `groupsOf`. */
  groups?: DirectoryGroup[];
  provisionedBy: Provenance | null;
  lastChangedBy: Provenance | null;
  /** Every user here came from an identity provider: lock in the app what it provisions. */
  scimManaged: true;
}

export interface UserPage {
  users: DirectoryUser[];
  /** Pass to the next `listUsers` call; absent on the last page. */
  nextCursor?: string;
}

type Item = Record<string, unknown>;

/** userName and emails.value are caseExact false (RFC 7643 §4.1): their keys hold the folded value, as the server writes them. */
const fold = (value: string) => keyValue(foldCase(value));

function toUser(item: Item): DirectoryUser {
  const resource = (item.resource ?? {}) as Record<string, unknown>;
  const access = item[derivedAttributes.access] as Access | undefined;
  const emails = Array.isArray(resource.emails) ? (resource.emails as Array<{ value?: unknown }>) : [];
  return {
    id: item.id as string,
    userName: resource.userName as string,
    // The server stores `active: true` on every user created without it.
    active: resource.active !== false,
    ...(typeof resource.displayName === 'string' ? { displayName: resource.displayName } : {}),
    emails: emails.flatMap((email) => (typeof email?.value === 'string' ? [email.value] : [])),
    role: access?.role ?? null,
    roles: access?.roles ?? [],
    roleReason: access?.roleReason ?? null,
    provisionedBy: (item[derivedAttributes.provisionedBy] as Provenance | undefined) ?? null,
    lastChangedBy: (item[derivedAttributes.lastChangedBy] as Provenance | undefined) ?? null,
    scimManaged: true,
  };
}

/** Cursors are the last id of a page, opaque to the caller. */
const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
const decodeCursor = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8');

export class DirectoryReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getUser(tenant: string, id: string, options: { groups?: boolean } = {}): Promise<DirectoryUser | undefined> {
    const output = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.resource(tenant, 'User', id), ConsistentRead: true }));
    if (!output.Item) return undefined;
    const user = toUser(output.Item);
    return options.groups ? { ...user, groups: await this.groupsOf(tenant, id) } : user;
  }

  /** By userName in any case, through the uniqueness claim the server writes with the user. */
  async findByUserName(tenant: string, userName: string, options: { groups?: boolean } = {}): Promise<DirectoryUser | undefined> {
    const claim = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.unique(tenant, 'User', 'userName', fold(userName)), ConsistentRead: true }),
    );
    return claim.Item ? this.getUser(tenant, claim.Item.id as string, options) : undefined;
  }

  /** Every user with this email in any of its `emails` (emails are not unique), in any case. */
  async findByEmail(tenant: string, email: string): Promise<DirectoryUser[]> {
    const ids = (await this.queryAll(keys.indexPartition(tenant, 'User', 'emails.value', fold(email)), SK)).map((item) => item[SK] as string);
    return this.usersByIds(tenant, ids);
  }

  /**
   * A page of users in a stable order (by id); `activeOnly` leaves deactivated users out, `role`
   * keeps the users whose role it is (null: users with no role). Filtered pages read the
   * collection until they are full, so their cost grows with how rare the match is.
   */
  async listUsers(tenant: string, options: { limit?: number; cursor?: string; activeOnly?: boolean; role?: string | null } = {}): Promise<UserPage> {
    const limit = Math.max(1, Math.min(options.limit ?? 100, 1000));
    const users: DirectoryUser[] = [];
    const startKey = options.cursor ? keys.resource(tenant, 'User', decodeCursor(options.cursor)) : undefined;
    // One more than asked tells whether another page follows, so the last page has no cursor.
    for await (const items of this.query(keys.resourceCollection(tenant, 'User'), { startKey, remaining: () => limit + 1 - users.length })) {
      for (const item of items) {
        const user = toUser(item);
        if ((!options.activeOnly || user.active) && (options.role === undefined || user.role === options.role)) users.push(user);
      }
    }
    const page = users.slice(0, limit);
    return users.length > limit ? { users: page, nextCursor: encodeCursor(page[page.length - 1].id) } : { users: page };
  }

  /** The groups a user is a direct member of, by displayName. */
  async groupsOf(tenant: string, userId: string): Promise<DirectoryGroup[]> {
    const range = keys.memberOfRange(userId, userId);
    const memberships = await this.queryAll(keys.memberOfCollection(tenant), 'groupId', range);
    const groupIds = [...new Set(memberships.map((item) => item.groupId as string))];
    // A deleted group's memberships may await the server's asynchronous cleanup: only groups that exist count.
    const groups = await this.batchGet(groupIds.map((id) => keys.resource(tenant, 'Group', id)));
    return groups
      .map((item) => ({ id: item.id as string, displayName: (item.resource as Record<string, unknown>).displayName as string }))
      .sort((a, b) => a.displayName.localeCompare(b.displayName));
  }

  /**
   * Seats in use: the tenant's active users. It reads the users' collection (the `active` flag
   * only); a counter kept by the server in the same transaction as each write will replace it.
   */
  /** Seats in use (active users) and the tenant's limit, from the counter kept with every activation and the tenant's settings. */
  async seatUsage(tenant: string): Promise<{ active: number; limit: number | null }> {
    const [seats, settings] = await Promise.all([
      this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.seats(tenant), ConsistentRead: true })),
      this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.settings(tenant), ConsistentRead: true })),
    ]);
    const limit = (settings.Item?.settings as { seatLimit?: number | null } | undefined)?.seatLimit ?? null;
    return { active: (seats.Item?.n as number | undefined) ?? 0, limit };
  }

  private async usersByIds(tenant: string, ids: string[]): Promise<DirectoryUser[]> {
    const items = await this.batchGet([...new Set(ids)].map((id) => keys.resource(tenant, 'User', id)));
    return items.map(toUser).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  private async queryAll(partition: string, projection: string, range?: { from: string; to: string }): Promise<Item[]> {
    const items: Item[] = [];
    for await (const page of this.query(partition, { projection: [projection], range })) items.push(...page);
    return items;
  }

  /**
   * The items of one partition (a sort-key range of it), a page at a time, strongly consistent;
   * `projection` is an attribute path, `remaining` how many more items are wanted (0 stops).
   */
  private async *query(
    partition: string,
    options: { range?: { from: string; to: string }; projection?: string[]; startKey?: Item; remaining?: () => number },
  ): AsyncIterable<Item[]> {
    const { range, projection } = options;
    let startKey = options.startKey;
    do {
      const output = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: range ? `${PK} = :pk AND ${SK} BETWEEN :from AND :to` : `${PK} = :pk`,
          ExpressionAttributeValues: { ':pk': partition, ...(range ? { ':from': range.from, ':to': range.to } : {}) },
          ...(projection
            ? {
                ExpressionAttributeNames: Object.fromEntries(projection.map((name, index) => [`#p${index}`, name])),
                ProjectionExpression: projection.map((_, index) => `#p${index}`).join('.'),
              }
            : {}),
          ...(options.remaining ? { Limit: options.remaining() } : {}),
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      yield output.Items ?? [];
      startKey = output.LastEvaluatedKey;
    } while (startKey && (!options.remaining || options.remaining() > 0));
  }

  /** BatchGetItem takes 100 keys a request and may leave some unprocessed: those are asked for again. */
  private async batchGet(keyList: Item[]): Promise<Item[]> {
    const items: Item[] = [];
    for (let start = 0; start < keyList.length; start += 100) {
      let pending: Item[] | undefined = keyList.slice(start, start + 100);
      while (pending && pending.length > 0) {
        const output = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }));
        items.push(...(output.Responses?.[this.tableName] ?? []));
        pending = output.UnprocessedKeys?.[this.tableName]?.Keys as Item[] | undefined;
      }
    }
    return items;
  }
}
