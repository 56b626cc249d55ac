import { FileSecretSource, SecretsManagerSource } from './auth/secret-source';
import { SecretTokenVerifier } from './auth/token-verifier';
import { loadConfig } from './config';
import { createDocumentClient } from './store/dynamo-client';
import { DynamoResourceStore } from './store/dynamo-resource-store';

/** Everything a handler needs, built once per Lambda container from its environment. */
export function dependencies() {
  const config = loadConfig();
  const secrets = config.LOCAL_SECRETS_DIR ? new FileSecretSource(config.LOCAL_SECRETS_DIR) : new SecretsManagerSource();
  return {
    config,
    verifier: new SecretTokenVerifier(secrets, config.TOKEN_SECRET_ID),
    resourceStore: () => new DynamoResourceStore(createDocumentClient(config.DYNAMODB_ENDPOINT), config.TABLE_NAME),
  };
}
