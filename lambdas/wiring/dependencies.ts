import { loadConfig } from './config';
import { eventSink, tokenDependencies } from './token-dependencies';

// The token functions and the admin's tenant commands load token-dependencies alone: no table, no directory.
export { eventSink, tokenDependencies } from './token-dependencies';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { schemaRegistry, type SchemaRegistry } from '../scim/extensions';
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

/** Everything a handler needs, built once per Lambda container from its environment. */
export function dependencies() {
  const config = loadConfig();
  const registry = schemaRegistry(config.SCIM_EXTENSIONS);
  const tokens = tokenDependencies(config);
  return {
    config,
    /** Built-in schemas and the deployment's declared extensions. */
    registry,
    verifier: tokens.verifier,
    /** The directory's stores and services; only the functions that read the table build them. */
    directory: () => {
      const client = createDocumentClient(config.DYNAMODB_ENDPOINT);
      return directoryServices(client, config.TABLE_NAME, { uniqueExternalId: config.UNIQUE_EXTERNAL_ID, registry, activityRetentionDays: config.ACTIVITY_RETENTION_DAYS });
    },
    /** Where provisioning events go (see eventSink). */
    eventSink: () => eventSink(config),
  };
}
