import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadTokenConfig } from '../wiring/config';
import { DEFAULT_TENANT, LOCAL_SECRET_PREFIX, stackSecretPrefix, tenantSecretId } from '../contracts/tenancy';
import { tokenDependencies } from '../wiring/token-dependencies';
import { checkUnauthorizedRequests } from '../wiring/scim-dependencies';
import { tokenVerifier } from '../wiring/token-verification';
import { FileSecretStore } from '../secrets/file-secret-store';
import { SecretsManagerStore } from '../secrets/secrets-manager-store';
import { TenantAdmin, type TenantAdminOptions } from '../tenancy/tenants';

export { TenantAdmin, TenantAdminError, type TenantStatus } from '../tenancy/tenants';

/**
 * The tenants of a deployed stack, through Secrets Manager with the caller's own credentials.
 * New tenants rotate with the function and schedule the stack gave its default tenant.
 */
export function stackTenantAdmin(stack: string, region?: string): TenantAdmin {
  return prefixTenantAdmin(stackSecretPrefix(stack), { region });
}

/**
 * The same, from inside the stack (the admin API's function), which knows its secret prefix rather
 * than its name; `rotationTimeoutMs` keeps a rotation's wait inside API Gateway's 29 seconds.
 */
export function prefixTenantAdmin(prefix: string, options: { region?: string } & Pick<TenantAdminOptions, 'rotationTimeoutMs'> = {}): TenantAdmin {
  const client = new SecretsManagerClient(options.region ? { region: options.region } : {});
  return new TenantAdmin(new SecretsManagerStore(client, tenantSecretId(prefix, DEFAULT_TENANT)), prefix, { rotationTimeoutMs: options.rotationTimeoutMs });
}

/**
 * The tenants of a local data directory's `secrets/`, through the same code as against AWS;
 * rotations run in this process, as the rotation function would. `environment` may set
 * TOKEN_VALIDITY_DAYS and TOKEN_OVERLAP_DAYS.
 */
export function localTenantAdmin(secretsDir: string, environment: NodeJS.ProcessEnv = process.env, now: () => number = Date.now): TenantAdmin {
  const config = loadTokenConfig({ ...environment, LOCAL_SECRETS_DIR: secretsDir, TENANT_SECRET_PREFIX: LOCAL_SECRET_PREFIX });
  const { store } = tokenDependencies(config, now);
  return new TenantAdmin(store, LOCAL_SECRET_PREFIX, { now });
}

/**
 * `npm start` has no API Gateway in front, so no authorizer: its SCIM functions check each
 * request's token themselves, with the authorizer's verifier over the same secret files. Called
 * before the handlers load, since they take their check when they are built.
 */
export function checkLocalRequests(secretsDir: string): void {
  checkUnauthorizedRequests((config) => tokenVerifier(new FileSecretStore(secretsDir), config));
}
