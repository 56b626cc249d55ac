import type { SecretSource } from '../tenancy/ports/secret-store';
import { TenantTokenVerifier } from '../tenancy/token-verifier';
import type { TokenConfig } from './config';

/** Where tenants' tokens are found; required only once a function reads one. */
export function tenantSecretPrefix(config: Pick<TokenConfig, 'TENANT_SECRET_PREFIX'>): string {
  if (!config.TENANT_SECRET_PREFIX) throw new Error('Invalid Lambda environment: TENANT_SECRET_PREFIX is required to find tenants\' tokens');
  return config.TENANT_SECRET_PREFIX;
}

/** The one token check, over whichever store holds the secrets. */
export function tokenVerifier(store: SecretSource, config: Pick<TokenConfig, 'TENANT_SECRET_PREFIX' | 'TOKEN_CACHE_SECONDS'>): TenantTokenVerifier {
  return new TenantTokenVerifier(store, tenantSecretPrefix(config), { cacheMs: config.TOKEN_CACHE_SECONDS * 1000 });
}
