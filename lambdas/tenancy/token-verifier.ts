import { ScimError } from '../scim/errors';
import type { SecretSource } from './ports/secret-store';
import { checkToken, parseTenantSecret, tenantOfToken, type TenantSecret } from './tenant-secret';
import { tenantSecretId } from '../contracts/tenancy';

export interface Principal {
  tenant: string;
}

export interface TokenVerifier {
  verify(authorization: string | undefined): Promise<Principal>;
}

/** How long a secret is trusted before it is read again: a revoked token stops working within this. */
export const SECRET_CACHE_MS = 5 * 60 * 1000;

/**
 * A token the cached secret refuses makes us read the secret again, at most this often per
 * tenant: a token rotated or a tenant created a moment ago works at once, and guessers cannot
 * make every request cost a Secrets Manager call.
 */
export const REFRESH_ON_REFUSAL_MS = 1000;

/** Tenants whose secrets one container keeps; beyond it the oldest are forgotten. */
const MAX_CACHED_TENANTS = 1000;

/**
 * Accepts `Authorization: Bearer <token>` and the bare token, which Okta's "HTTP Header"
 * auth mode sends without a scheme.
 */
export function presentedToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const trimmed = authorization.trim();
  const match = /^bearer\s+(.+)$/i.exec(trimmed);
  const token = (match ? match[1] : trimmed).trim();
  return token.length > 0 ? token : undefined;
}

interface Cached {
  /** Undefined when the tenant has no secret. */
  secret?: TenantSecret;
  readAt: number;
  /** When a refused token last made us read it again. */
  refusalReadAt?: number;
}

const INVALID = 'The API token is not valid. Check the token configured in your identity provider.';

export interface TenantTokenVerifierOptions {
  now?: () => number;
  /** At most SECRET_CACHE_MS. */
  cacheMs?: number;
}

/**
 * Finds the tenant's secret from the token's tenant prefix (never from anything else in the
 * request), then compares the whole token in constant time against the tenant's current token and
 * the one in overlap. Secrets are cached per tenant for at most five minutes.
 */
export class TenantTokenVerifier implements TokenVerifier {
  private readonly cache = new Map<string, Cached>();
  private readonly now: () => number;
  private readonly cacheMs: number;

  constructor(
    private readonly source: SecretSource,
    private readonly prefix: string,
    options: TenantTokenVerifierOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.cacheMs = Math.min(options.cacheMs ?? SECRET_CACHE_MS, SECRET_CACHE_MS);
  }

  async verify(authorization: string | undefined): Promise<Principal> {
    const token = presentedToken(authorization);
    if (!token) {
      throw ScimError.unauthorized('Missing credentials: send the API token as "Authorization: Bearer <token>".');
    }
    const tenant = tenantOfToken(token);
    if (!tenant) throw ScimError.unauthorized(INVALID);

    let entry = await this.entry(tenant, false);
    let check = entry.secret ? checkToken(entry.secret, token, this.now()) : undefined;
    if (!check?.accepted && !(this.now() - (entry.refusalReadAt ?? -Infinity) < REFRESH_ON_REFUSAL_MS)) {
      entry = await this.entry(tenant, true);
      check = entry.secret ? checkToken(entry.secret, token, this.now()) : undefined;
    }
    if (check?.accepted && check.tenant === tenant) return { tenant };
    throw ScimError.unauthorized(refusal(check));
  }

  private async entry(tenant: string, refresh: boolean): Promise<Cached> {
    const cached = this.cache.get(tenant);
    if (!refresh && cached && this.now() - cached.readAt < this.cacheMs) return cached;
    let raw: string | undefined;
    try {
      raw = await this.source.current(tenantSecretId(this.prefix, tenant));
    } catch {
      // Never a 401 here: that would make an IdP admin distrust a good token.
      throw ScimError.serviceUnavailable('The token store is unreachable; retry shortly.', 5);
    }
    const secret = parseTenantSecret(raw);
    if (raw !== undefined && (!secret || secret.tenant !== tenant)) {
      throw ScimError.serviceUnavailable(`The token store holds no usable secret for tenant "${tenant}"; an operator must repair it.`, 30);
    }
    const entry: Cached = { secret, readAt: this.now(), refusalReadAt: refresh ? this.now() : undefined };
    this.cache.delete(tenant);
    this.cache.set(tenant, entry);
    if (this.cache.size > MAX_CACHED_TENANTS) this.cache.delete(this.cache.keys().next().value!);
    return entry;
  }
}

function refusal(check: ReturnType<typeof checkToken> | undefined): string {
  if (!check || check.accepted) return INVALID;
  switch (check.reason) {
    case 'disabled':
      return 'The API token belongs to a disabled tenant. Ask the operator of this SCIM service to enable it.';
    case 'expired':
      return `The API token expired at ${check.at}. Ask the operator of this SCIM service for a new token (tokens rotate).`;
    case 'replaced':
      return `The API token was replaced by a newer one, and its overlap ended at ${check.at}. Configure the new token in your identity provider.`;
    default:
      return INVALID;
  }
}
