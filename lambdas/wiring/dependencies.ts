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
import { runRotation } from '../tenancy/token-rotation';

/** What the token functions need, from the token environment alone (they have no table). */
export function tokenDependencies(config: TokenConfig = loadTokenConfig(), now: () => number = Date.now) {
  const policy = { validityMs: config.TOKEN_VALIDITY_DAYS * DAY_MS, overlapMs: config.TOKEN_OVERLAP_DAYS * DAY_MS };
  // Locally the rotation runs in the process that asks for it; in AWS, Secrets Manager invokes the rotation function.
  const store = config.LOCAL_SECRETS_DIR
    ? new FileSecretStore(config.LOCAL_SECRETS_DIR, (store, secretId, versionId) => runRotation(store, policy, secretId, versionId, now))
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
    /** The one token check: API Gateway's authorizer runs it in AWS, the SCIM functions when no authorizer ran (`npm start`). */
    verifier: () => new TenantTokenVerifier(store, prefix(), { cacheMs: config.TOKEN_CACHE_SECONDS * 1000 }),
  };
}

/** The directory's stores and services over one table; the handlers and the admin library build them alike. */
export function directoryServices(client: DynamoDBDocumentClient, tableName: string, options: { uniqueExternalId: boolean; registry: SchemaRegistry }) {
  const resources = new DynamoResourceStore(client, tableName);
  const settings = new TenantSettingsService(new DynamoSettingsStore(client, tableName));
  const users = new ResourceService(resources, userKind({ uniqueExternalId: options.uniqueExternalId }, options.registry.models.User), undefined, seatPolicyOf(settings));
  const groups = new ResourceService(resources, groupKind(options.registry.models.Group));
  const memberships = new DynamoMembershipStore(client, tableName);
  return { users, groups, memberships, settings, access: new AccessService(users, groups, memberships, settings) };
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
      return directoryServices(client, config.TABLE_NAME, { uniqueExternalId: config.UNIQUE_EXTERNAL_ID, registry });
    },
  };
}
