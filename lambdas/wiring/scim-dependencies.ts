import { schemaRegistry } from '../scim/extensions';
import { FileSecretStore } from '../secrets/file-secret-store';
import type { TokenVerifier } from '../tenancy/token-verifier';
import { loadConfig, type Config } from './config';
import { tokenVerifier } from './token-verification';

/**
 * What every SCIM function needs, none of it the table: discovery needs no more, so it bundles no
 * DynamoDB client. Built once per Lambda container from its environment.
 */
export function scimDependencies() {
  const config = loadConfig();
  return {
    config,
    /** Built-in schemas and the deployment's declared extensions. */
    registry: schemaRegistry(config.SCIM_EXTENSIONS),
    verifier: () => unauthorizedRequestVerifier(config),
  };
}

/**
 * The check of a request no authorizer checked: locally (`npm start`, no API Gateway) over the
 * secret files. In AWS none: API Gateway's authorizer is in front of every method, so such a
 * request is refused, and these functions bundle and load no Secrets Manager client.
 */
function unauthorizedRequestVerifier(config: Config): TokenVerifier | undefined {
  return config.LOCAL_SECRETS_DIR ? tokenVerifier(new FileSecretStore(config.LOCAL_SECRETS_DIR), config) : undefined;
}
