import { FileSecretStore } from '../secrets/file-secret-store';
import { SecretsManagerStore } from '../secrets/secrets-manager-store';
import { TenantTokenVerifier } from '../tenancy/token-verifier';
import { loadConfig, loadTokenConfig, type TokenConfig } from './config';
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
import { DAY_MS } from '../contracts/tenancy';
import { runRotation, type PublishTenantEvents } from '../tenancy/token-rotation';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeEventSink } from '../event-sinks/eventbridge-event-sink';
import { FileEventSink } from '../event-sinks/file-event-sink';
import type { EventSink } from '../directory/ports/event-sink';
import { ActivityTrail } from '../directory/activity';
import { DynamoActivityStore } from '../store/dynamo-activity-store';
import { DEFAULT_ACTIVITY_RETENTION_DAYS } from '../contracts/table-design';

/** Where events go: the file of a local run, the deployment's bus, or nowhere (a function the stack gave no bus). */
export function eventSink(config: Pick<TokenConfig, 'EVENTS_FILE' | 'EVENT_BUS_NAME'>): EventSink | undefined {
  if (config.EVENTS_FILE) return new FileEventSink(config.EVENTS_FILE);
  if (config.EVENT_BUS_NAME) return new EventBridgeEventSink(new EventBridgeClient({}), config.EVENT_BUS_NAME);
  return undefined;
}

/** What the token functions need, from the token environment alone (they have no table). */
export function tokenDependencies(config: TokenConfig = loadTokenConfig(), now: () => number = Date.now) {
  const policy = { validityMs: config.TOKEN_VALIDITY_DAYS * DAY_MS, overlapMs: config.TOKEN_OVERLAP_DAYS * DAY_MS };
  const sink = eventSink(config);
  const publish: PublishTenantEvents | undefined = sink && ((events) => sink.publish(events));
  // Locally the rotation runs in the process that asks for it; in AWS, Secrets Manager invokes the rotation function.
  const store = config.LOCAL_SECRETS_DIR
    ? new FileSecretStore(config.LOCAL_SECRETS_DIR, (store, secretId, versionId) => runRotation(store, policy, secretId, versionId, now, publish))
    : new SecretsManagerStore();
  const prefix = () => {
    if (!config.TENANT_SECRET_PREFIX) throw new Error('Invalid Lambda environment: TENANT_SECRET_PREFIX is required to find tenants\' tokens');
    return config.TENANT_SECRET_PREFIX;
  };
  return {
    config,
    policy,
    store,
    prefix,
    /** Publishes the tenancy domain's events (token rotated, expiring); undefined without a sink. */
    publish,
    /** The one token check: API Gateway's authorizer runs it in AWS, the SCIM functions when no authorizer ran (`npm start`). */
    verifier: () => new TenantTokenVerifier(store, prefix(), { cacheMs: config.TOKEN_CACHE_SECONDS * 1000 }),
  };
}

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
