/**
 * Names and limits that the tenancy code, the CDK stack, the local server and the admin CLI must
 * agree on: what a tenant may be called, where its token secret lives, how long tokens live by
 * default, and the expiry metric the stack alarms on.
 */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A tenant name leads every table key and names a secret, so it is checked wherever one is built. */
export function assertTenant(tenant: string): string {
  if (!TENANT_PATTERN.test(tenant)) throw new Error(`invalid tenant name: ${JSON.stringify(tenant)}`);
  return tenant;
}

/** The tenant every deployment starts with. */
export const DEFAULT_TENANT = 'default';

/** How long tokens live; the rotation applies it when it issues a token. */
export interface TokenPolicy {
  validityMs: number;
  overlapMs: number;
}

export const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_TOKEN_POLICY: TokenPolicy = { validityMs: 365 * DAY_MS, overlapMs: 7 * DAY_MS };

/** Locally, tenants' secrets are `scim/tenants/{tenant}/token` in the data directory's `secrets/`. */
export const LOCAL_SECRET_PREFIX = 'scim';

/** A deployed stack's prefix: tenants' secrets are `scim/{stack}/tenants/{tenant}/token`. */
export function stackSecretPrefix(stackName: string): string {
  return `${LOCAL_SECRET_PREFIX}/${stackName}`;
}

/** Where tenants' secrets live; `prefix` is per deployment (`scim/{stack}` in AWS, `scim` locally). */
export function tenantSecretId(prefix: string, tenant: string): string {
  return `${prefix}/tenants/${assertTenant(tenant)}/token`;
}

export function tenantSecretPrefix(prefix: string): string {
  return `${prefix}/tenants/`;
}

/** The tenant a secret name belongs to, or undefined when it is not a tenant secret under this prefix. */
export function tenantOfSecretName(prefix: string, name: string): string | undefined {
  const match = /^([a-z0-9][a-z0-9-]*)\/token$/.exec(name.startsWith(tenantSecretPrefix(prefix)) ? name.slice(tenantSecretPrefix(prefix).length) : '');
  return match?.[1];
}

/** The metric the expiry report publishes, and the alarm's threshold on it. */
export const tokenExpiryMetric = {
  namespace: 'ServerlessScim',
  name: 'TokenDaysToExpiry',
  /** Days before expiry at which the alarm fires. */
  alarmBelowDays: 30,
} as const;
