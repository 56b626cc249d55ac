import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SchemaRegistry } from '../scim/extensions';
import { createDocumentClient } from '../store/dynamo-client';
import { DynamoMembershipStore } from '../store/dynamo-membership-store';
import { DynamoResourceStore } from '../store/dynamo-resource-store';
import { AccessService, seatPolicyOf } from '../directory/access';
import { ResourceService } from '../directory/resources';
import { DynamoSettingsStore } from '../store/dynamo-settings-store';
import { TenantSettingsService } from '../tenancy/tenant-settings';
import { groupKind } from '../directory/groups';
import { userKind } from '../directory/users';
import { ActivityTrail } from '../directory/activity';
import { DynamoActivityStore } from '../store/dynamo-activity-store';
import { DEFAULT_ACTIVITY_RETENTION_DAYS } from '../contracts/table-design';
import { scimDependencies } from './scim-dependencies';

/** The directory's stores and services over one table; the handlers and the admin library build them alike. */
export function directoryServices(
  client: DynamoDBDocumentClient,
  tableName: string,
  options: { uniqueExternalId: boolean; registry: SchemaRegistry; activityRetentionDays?: number },
) {
  const resources = new DynamoResourceStore(client, tableName);
  const settings = new TenantSettingsService(new DynamoSettingsStore(client, tableName));
  const users = new ResourceService(resources, userKind({ uniqueExternalId: options.uniqueExternalId }, options.registry.models.User), undefined, seatPolicyOf(settings));
  const groups = new ResourceService(resources, groupKind(options.registry.models.Group));
  const memberships = new DynamoMembershipStore(client, tableName);
  const trail = new ActivityTrail(new DynamoActivityStore(client, tableName, options.activityRetentionDays ?? DEFAULT_ACTIVITY_RETENTION_DAYS), users, groups);
  return { users, groups, memberships, settings, access: new AccessService(users, groups, memberships, settings), trail };
}

/** Everything a function over the table needs, built once per Lambda container from its environment. */
export function dependencies() {
  const scim = scimDependencies();
  const { config, registry } = scim;
  return {
    ...scim,
    /** The directory's stores and services. */
    directory: () => {
      const client = createDocumentClient(config.DYNAMODB_ENDPOINT);
      return directoryServices(client, config.TABLE_NAME, { uniqueExternalId: config.UNIQUE_EXTERNAL_ID, registry, activityRetentionDays: config.ACTIVITY_RETENTION_DAYS });
    },
  };
}
