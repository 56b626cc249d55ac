import { schemaRegistry } from '../scim/extensions';
import type { TokenVerifier } from '../tenancy/token-verifier';
import { loadConfig, type Config } from './config';

/**
 * The check of a request no authorizer checked. In AWS there is none: API Gateway's authorizer is
 * in front of every method, so such a request is refused, and the SCIM functions bundle no token
 * store at all. The local server (`npm start`, no API Gateway) installs one over its secret files
 * before it loads the handlers.
 */
let unauthorizedRequestCheck: ((config: Config) => TokenVerifier) | undefined;

/** Installs the token check of requests no authorizer checked; for the local server only. */
export function checkUnauthorizedRequests(check: (config: Config) => TokenVerifier): void {
  unauthorizedRequestCheck = check;
}

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
    verifier: () => unauthorizedRequestCheck?.(config),
  };
}
