import { FileSecretSource, SecretsManagerSource } from './auth/secret-source';
import { SecretTokenVerifier } from './auth/token-verifier';
import { loadConfig } from './config';
import { schemaRegistry } from './scim/extensions';
import { createDocumentClient } from './store/dynamo-client';
import { DynamoMembershipStore } from './store/dynamo-membership-store';
import { DynamoResourceStore } from './store/dynamo-resource-store';
import { ResourceService } from './service/resources';
import { groupKind } from './service/groups';
import { userKind } from './service/users';

/** Everything a handler needs, built once per Lambda container from its environment. */
export function dependencies() {
  const config = loadConfig();
  const registry = schemaRegistry(config.SCIM_EXTENSIONS);
  const secrets = config.LOCAL_SECRETS_DIR ? new FileSecretSource(config.LOCAL_SECRETS_DIR) : new SecretsManagerSource();
  return {
    config,
    /** Built-in schemas and the deployment's declared extensions. */
    registry,
    verifier: () => {
      if (!config.TOKEN_SECRET_ID) throw new Error('Invalid Lambda environment: TOKEN_SECRET_ID is required to authenticate requests');
      return new SecretTokenVerifier(secrets, config.TOKEN_SECRET_ID);
    },
    /** The directory's stores and services; only the functions that read the table build them. */
    directory: () => {
      const client = createDocumentClient(config.DYNAMODB_ENDPOINT);
      const resources = new DynamoResourceStore(client, config.TABLE_NAME);
      return {
        users: new ResourceService(resources, userKind({ uniqueExternalId: config.UNIQUE_EXTERNAL_ID }, registry.models.User)),
        groups: new ResourceService(resources, groupKind(registry.models.Group)),
        memberships: new DynamoMembershipStore(client, config.TABLE_NAME),
      };
    },
  };
}
