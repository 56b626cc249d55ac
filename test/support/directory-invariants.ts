import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { localDynamoDbClientConfig } from '../../lambdas/contracts/environment';
import { COUNTER_LEVEL_1, COUNTER_LEVEL_2, keys, keyValue, MEMBER_PREFIX, tableKeys, type ResourceTypeName } from '../../lambdas/contracts/table-design';
import { groupKind } from '../../lambdas/directory/groups';
import { lookupKeys, type ResourceKind } from '../../lambdas/directory/resources';
import { userKind } from '../../lambdas/directory/users';

const { partitionKey: PK, sortKey: SK } = tableKeys;

type Item = Record<string, any>;

/**
 * The table read as an outsider, with a client of its own (no faults, no retries of ours), to check
 * what every write must leave behind whatever failed during it (lambdas/contracts/table-design.ts).
 */
export function tableInspector(endpoint: string, tableName: string) {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(localDynamoDbClientConfig(endpoint)));

  const items = async (): Promise<Item[]> => {
    const all: Item[] = [];
    let startKey: Item | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
      all.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return all.sort((a, b) => `${a[PK]} ${a[SK]}`.localeCompare(`${b[PK]} ${b[SK]}`));
  };

  return {
    /** Every item, in key order: equal before and after a request that must have written nothing. */
    items,
    /** A membership as `groupId/userId`, seen from the group's side and from the user's. */
    memberships: async (tenant: string) => membershipsOf(await items(), tenant),
    /**
     * What does not hold: each resource's uniqueness claims and lookup entries are exactly its own, the
     * collection counters count exactly the resources, the seats counter exactly the active users, each
     * membership is listed under its group and under its user, no lease outlives its request. `settled`
     * (no request in flight, the stream drained) also asks that memberships name existing groups and users.
     */
    problems: async (tenant: string, options: { settled?: boolean } = {}): Promise<string[]> => problemsOf(await items(), tenant, options.settled ?? false),
    close: () => client.destroy(),
  };
}

const KINDS: Array<[ResourceTypeName, ResourceKind]> = [
  ['User', userKind({ uniqueExternalId: false })],
  ['Group', groupKind()],
];

function membershipsOf(items: Item[], tenant: string) {
  const groupPartition = keys.groupMembers(tenant, '');
  const groupSide = items
    .filter((item) => String(item[PK]).startsWith(groupPartition) && String(item[SK]).startsWith(MEMBER_PREFIX))
    .map((item) => `${String(item[PK]).slice(groupPartition.length)}/${String(item[SK]).slice(MEMBER_PREFIX.length)}`);
  const userSide = items
    .filter((item) => item[PK] === keys.memberOfCollection(tenant))
    .map((item) => {
      const [userId, groupId] = String(item[SK]).split('#');
      return `${groupId}/${userId}`;
    });
  return { groupSide: groupSide.sort(), userSide: userSide.sort() };
}

function problemsOf(items: Item[], tenant: string, settled: boolean): string[] {
  const problems: string[] = [];
  const ids = new Map<ResourceTypeName, Set<string>>();
  for (const [type, kind] of KINDS) {
    const resources = items.filter((item) => item[PK] === keys.resourceCollection(tenant, type));
    ids.set(type, new Set(resources.map((item) => item.id as string)));

    const expected = new Map<string, string>();
    for (const resource of resources) {
      for (const key of lookupKeys(kind, resource.resource)) {
        const at = key.unique ? keys.unique(tenant, type, key.attribute, keyValue(key.value)) : keys.index(tenant, type, key.attribute, keyValue(key.value), resource.id);
        expected.set(`${at[PK]} ${at[SK]}`, resource.id);
      }
    }
    const [uniquePrefix, indexPrefix] = [keys.unique(tenant, type, '', '')[PK], keys.indexPartition(tenant, type, '', '')].map((partition) => partition.replace(/#+$/, '#'));
    const claims = items.filter((item) => String(item[PK]).startsWith(uniquePrefix) || String(item[PK]).startsWith(indexPrefix));
    for (const claim of claims) {
      const at = `${claim[PK]} ${claim[SK]}`;
      if (expected.get(at) !== claim.id) problems.push(`${type} claim ${at} held for ${claim.id}, which does not hold that value`);
      expected.delete(at);
    }
    for (const [at, id] of expected) problems.push(`${type} ${id} lacks its claim ${at}`);

    const counters = new Map(items.filter((item) => item[PK] === keys.counterPartition(tenant, type)).map((item) => [item[SK] as string, item.n as number]));
    for (const [level, digits] of [[COUNTER_LEVEL_1, 2], [COUNTER_LEVEL_2, 4]] as const) {
      const counted = new Map<string, number>();
      for (const resource of resources) counted.set(`${level}${resource.id.slice(0, digits)}`, (counted.get(`${level}${resource.id.slice(0, digits)}`) ?? 0) + 1);
      for (const [bucket, n] of counters) if (bucket.startsWith(level) && n !== (counted.get(bucket) ?? 0)) problems.push(`${type} counter ${bucket} is ${n}, ${counted.get(bucket) ?? 0} counted`);
      for (const [bucket, n] of counted) if (!counters.has(bucket)) problems.push(`${type} counter ${bucket} is missing, ${n} counted`);
    }
  }

  const users = items.filter((item) => item[PK] === keys.resourceCollection(tenant, 'User'));
  const active = users.filter((user) => user.resource.active === true).length;
  const seats = items.find((item) => item[PK] === keys.seats(tenant)[PK] && item[SK] === keys.seats(tenant)[SK]);
  if ((seats?.n ?? 0) !== active) problems.push(`seats counter is ${seats?.n ?? 0}, ${active} users are active`);

  const { groupSide, userSide } = membershipsOf(items, tenant);
  const userListed = new Set(userSide);
  const groupListed = new Set(groupSide);
  for (const membership of groupSide) if (!userListed.has(membership)) problems.push(`membership ${membership} is listed under its group only`);
  for (const membership of userSide) if (!groupListed.has(membership)) problems.push(`membership ${membership} is listed under its user only`);
  if (settled) {
    for (const membership of groupSide) {
      const [groupId, userId] = membership.split('/');
      if (!ids.get('Group')!.has(groupId) || !ids.get('User')!.has(userId)) problems.push(`membership ${membership} outlives its group or user`);
    }
  }

  for (const lease of items.filter((item) => item[SK] === 'Lease')) problems.push(`lease ${lease[PK]} outlived its request`);
  return problems;
}
