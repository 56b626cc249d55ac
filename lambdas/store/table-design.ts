/**
 * The single-table key design: every access pattern has a name here, and the CDK table
 * is defined from the same constants. The tenant leads every partition key, so no key
 * built here can reach another tenant's items.
 *
 * | item        | pk                                   | sk               | gsi1pk                | gsi1sk           |
 * |-------------|--------------------------------------|------------------|-----------------------|------------------|
 * | User        | T#{tenant}#Users                     | {id}             |                       |                  |
 * | Group       | T#{tenant}#Groups                    | {id}             |                       |                  |
 * | Membership  | T#{tenant}#Group#{groupId}           | Member#{userId}  | T#{tenant}#User#{uid} | Group#{groupId}  |
 * | Unique      | T#{tenant}#Unique#{type}#{attr}#{v}  | Unique           |                       |                  |
 * | Index       | T#{tenant}#Index#{type}#{attr}#{v}   | {id}             |                       |                  |
 *
 * Users (and Groups) of a tenant share one partition key so that listing them is one
 * strongly consistent Query in a stable order (by id); random ids let DynamoDB split a
 * hot collection by sort-key range.
 */
export const tableKeys = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Reverse index: a user's memberships. */
  memberOfIndex: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;

export type ResourceTypeName = 'User' | 'Group';

const TENANT_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function assertTenant(tenant: string): string {
  if (!TENANT_PATTERN.test(tenant)) throw new Error(`invalid tenant name: ${JSON.stringify(tenant)}`);
  return tenant;
}

const collection = { User: 'Users', Group: 'Groups' } as const;

export const keys = {
  /** Get, put, list (by Query on pk) a resource. */
  resource(tenant: string, type: ResourceTypeName, id: string) {
    return { pk: resourceCollection(tenant, type), sk: id };
  },
  resourceCollection,
  /** A uniqueness claim on a case-folded attribute value (userName, externalId, displayName). */
  unique(tenant: string, type: ResourceTypeName, attribute: string, normalizedValue: string) {
    return { pk: `T#${tenant}#Unique#${type}#${attribute}#${normalizedValue}`, sk: 'Unique' };
  },
  /** A non-unique lookup entry: every id holding a (case-folded) attribute value. */
  index(tenant: string, type: ResourceTypeName, attribute: string, normalizedValue: string, id: string) {
    return { pk: indexPartition(tenant, type, attribute, normalizedValue), sk: id };
  },
  indexPartition,
  /** One membership: queried by group (pk), and by user through the reverse index. */
  membership(tenant: string, groupId: string, userId: string) {
    return {
      pk: groupMembers(tenant, groupId),
      sk: `Member#${userId}`,
      gsi1pk: userMemberships(tenant, userId),
      gsi1sk: `Group#${groupId}`,
    };
  },
  groupMembers,
  userMemberships,
};

function resourceCollection(tenant: string, type: ResourceTypeName) {
  return `T#${tenant}#${collection[type]}`;
}

function indexPartition(tenant: string, type: ResourceTypeName, attribute: string, normalizedValue: string) {
  return `T#${tenant}#Index#${type}#${attribute}#${normalizedValue}`;
}

function groupMembers(tenant: string, groupId: string) {
  return `T#${tenant}#Group#${groupId}`;
}

function userMemberships(tenant: string, userId: string) {
  return `T#${tenant}#User#${userId}`;
}
