import { ScimError } from '../scim/errors';
import type { SecretSource } from './ports/secret-store';
import { checkToken, parseTenantSecret, tenantOfToken, type TenantSecret } from './tenant-secret';
import { tenantSecretId } from '../contracts/tenancy';

export interface Principal {
  tenant: string;
}

/** Why a token was refused; the last three are told only to a caller whose token matched the tenant's secret. */
export type RefusalReason = 'missing' | 'unknown' | 'disabled' | 'expired' | 'replaced';

export type Authentication =
  | { accepted: true; principal: Principal }
  /** `tenant` only with a dead token (expired, replaced, disabled): a guess names no tenant worth reporting. */
  | { accepted: false; reason: RefusalReason; error: ScimError; tenant?: string };

export interface TokenVerifier {
  /** The caller's principal, or a 401 ScimError; a 503 ScimError when the token store cannot be read. */
  verify(authorization: string | undefined): Promise<Principal>;
  /** As verify, with a refusal returned rather than thrown, so an API Gateway authorizer can tell a dead token from a wrong one. */
  authenticate(authorization: string | undefined): Promise<Authentication>;
}

/** How long a secret is trusted before it is read again: a revoked token stops working within this. */
export const SECRET_CACHE_MS = 5 * 60 * 1000;

/**
 * A token the cached secret refuses makes us read the secret again, at most this often per
 * tenant: a token rotated a moment ago works at once, and guessers cannot make every request
 * cost a Secrets Manager call. (A tenant with no secret is not read again before
 * UNKNOWN_TENANT_CACHE_MS.)
 */
export const REFRESH_ON_REFUSAL_MS = 1000;

/** Tenants whose secrets one container keeps; beyond it the oldest are forgotten. */
const MAX_CACHED_TENANTS = 1000;

/**
 * How long a tenant found to have no secret is remembered as unknown, costing no Secrets Manager
 * read. Ten seconds: an IdP retrying a deleted tenant's token, or a guesser repeating a name, costs
 * one read per ten seconds per container instead of one per request, while a tenant created right
 * after someone tried its name is answered well before its admin has pasted the first token into
 * the IdP (creating a tenant, issuing its token and configuring the IdP take longer than that).
 */
export const UNKNOWN_TENANT_CACHE_MS = 10_000;

/**
 * Unknown tenants one container remembers, apart from the known ones: guesses, however many,
 * can only push out other guesses, never a real tenant's cached secret.
 */
export const MAX_UNKNOWN_TENANTS = 1000;

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
  secret: TenantSecret;
  readAt: number;
  /** When a refused token last made us read it again. */
  refusalReadAt?: number;
}

const INVALID = 'The API token is not valid. Check the token configured in your identity provider.';
const MISSING = 'Missing credentials: send the API token as "Authorization: Bearer <token>".';

export interface TenantTokenVerifierOptions {
  now?: () => number;
  /** At most SECRET_CACHE_MS. */
  cacheMs?: number;
}

/**
 * Finds the tenant's secret from the token's tenant prefix (never from anything else in the
 * request), then compares the whole token in constant time against the tenant's current token and
 * the one in overlap. Secrets are cached per tenant for at most five minutes; tenants without a
 * secret are remembered apart, briefly (UNKNOWN_TENANT_CACHE_MS), in a bounded map of their own.
 */
export class TenantTokenVerifier implements TokenVerifier {
  private readonly cache = new Map<string, Cached>();
  /** Tenant → when its secret was found missing. */
  private readonly unknown = new Map<string, number>();
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
    const authentication = await this.authenticate(authorization);
    if (!authentication.accepted) throw authentication.error;
    return authentication.principal;
  }

  async authenticate(authorization: string | undefined): Promise<Authentication> {
    const token = presentedToken(authorization);
    if (!token) return { accepted: false, reason: 'missing', error: ScimError.unauthorized(MISSING).withCode(refusalCode('missing')) };
    const tenant = tenantOfToken(token);
    if (!tenant) return refused(undefined);

    let entry = await this.entry(tenant, false);
    let check = entry ? checkToken(entry.secret, token, this.now()) : undefined;
    if (entry && !check?.accepted && !(this.now() - (entry.refusalReadAt ?? -Infinity) < REFRESH_ON_REFUSAL_MS)) {
      entry = await this.entry(tenant, true);
      check = entry ? checkToken(entry.secret, token, this.now()) : undefined;
    }
    if (check?.accepted && check.tenant === tenant) return { accepted: true, principal: { tenant } };
    return refused(check, tenant);
  }

  /** The tenant's secret, cached; undefined when the tenant has none. */
  private async entry(tenant: string, refresh: boolean): Promise<Cached | undefined> {
    const missingAt = this.unknown.get(tenant);
    if (missingAt !== undefined && this.now() - missingAt < UNKNOWN_TENANT_CACHE_MS) return undefined;
    const cached = this.cache.get(tenant);
    if (!refresh && cached && this.now() - cached.readAt < this.cacheMs) return cached;
    let raw: string | undefined;
    try {
      raw = await this.source.current(tenantSecretId(this.prefix, tenant));
    } catch {
      // Never a 401 here: that would make an IdP admin distrust a good token.
      throw ScimError.serviceUnavailable('The token store is unreachable; retry shortly.', 5);
    }
    if (raw === undefined) {
      this.cache.delete(tenant);
      remember(this.unknown, tenant, this.now(), MAX_UNKNOWN_TENANTS);
      return undefined;
    }
    const secret = parseTenantSecret(raw);
    if (!secret || secret.tenant !== tenant) {
      throw ScimError.serviceUnavailable(`The token store holds no usable secret for tenant "${tenant}"; an operator must repair it.`, 30);
    }
    this.unknown.delete(tenant);
    const entry: Cached = { secret, readAt: this.now(), refusalReadAt: refresh ? this.now() : undefined };
    remember(this.cache, tenant, entry, MAX_CACHED_TENANTS);
    return entry;
  }
}

/** Sets the key as the newest entry and forgets the oldest beyond `max`. */
function remember<T>(map: Map<string, T>, key: string, value: T, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
}

function refused(check: ReturnType<typeof checkToken> | undefined, tenant?: string): Authentication {
  const reason = !check || check.accepted ? 'unknown' : check.reason;
  return { accepted: false, reason, error: ScimError.unauthorized(refusal(check)).withCode(refusalCode(reason)), ...(reason === 'unknown' ? {} : { tenant }) };
}

/** The log code of a refusal: which of the operator's answers ("rotate", "enable", "check the IdP") applies. */
function refusalCode(reason: RefusalReason): string {
  return reason === 'disabled' ? 'tenant_disabled' : `token_${reason}`;
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
