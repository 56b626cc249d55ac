import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { assertTenant, type TokenPolicy } from '../contracts/tenancy';
import { validate, validated } from '../scim/validation';

/**
 * What one tenant's secret holds: its current token and when that expires, the token it
 * replaced and when that one stops working, and whether the tenant is disabled. One secret
 * per tenant, named `{prefix}/tenants/{tenant}/token`.
 */
const tokenSchema = z.object({
  token: z.string().check(z.minLength(32)),
  issuedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
});

export const tenantSecretSchema = z.object({
  tenant: z.string().check(z.minLength(1)),
  disabled: z._default(z.boolean(), false),
  /** Absent until the tenant's first rotation has issued a token. */
  current: z.optional(tokenSchema),
  /** The token `current` replaced, accepted until `overlapEndsAt` (and never after its own expiry). */
  previous: z.optional(z.extend(tokenSchema, { overlapEndsAt: z.iso.datetime() })),
});
export type TenantSecret = z.infer<typeof tenantSecretSchema>;

/**
 * A new token: the tenant's name, a dot, then 256 bits from the OS's CSPRNG, URL-safe so it
 * pastes cleanly into any IdP form. The name is not secret; it tells the verifier which tenant's
 * secret to compare against, so the tenant always comes from the token and never from the request.
 */
export function newToken(tenant: string): string {
  return `${assertTenant(tenant)}.${randomBytes(32).toString('base64url')}`;
}

const TOKEN_PATTERN = /^([a-z0-9][a-z0-9-]{0,62})\.([A-Za-z0-9_-]{32,})$/;

/** The tenant a presented token claims, or undefined when it is not shaped like one of our tokens. */
export function tenantOfToken(token: string): string | undefined {
  return TOKEN_PATTERN.exec(token)?.[1];
}

/** A token's secret as JSON; undefined when the value is not one (a half-made or foreign secret). */
export function parseTenantSecret(raw: string | undefined): TenantSecret | undefined {
  if (raw === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = validate(tenantSecretSchema, json);
  return parsed.success ? parsed.data : undefined;
}

export function serializeTenantSecret(secret: TenantSecret): string {
  return JSON.stringify(validated(tenantSecretSchema, secret));
}

/** The tenant's secret after a rotation: a new current token; the old one enters its overlap. */
export function withNewToken(secret: TenantSecret, policy: TokenPolicy, now: number): TenantSecret {
  const issuedAt = new Date(now).toISOString();
  const next: TenantSecret = {
    tenant: secret.tenant,
    disabled: secret.disabled,
    current: { token: newToken(secret.tenant), issuedAt, expiresAt: new Date(now + policy.validityMs).toISOString() },
  };
  if (secret.current && Date.parse(secret.current.expiresAt) > now && policy.overlapMs > 0) {
    next.previous = { ...secret.current, overlapEndsAt: new Date(Math.min(now + policy.overlapMs, Date.parse(secret.current.expiresAt))).toISOString() };
  }
  return next;
}

/** The tenant's secret with the previous token's overlap ended now. */
export function withoutPrevious(secret: TenantSecret): TenantSecret {
  const { previous: _ended, ...rest } = secret;
  return rest;
}

/** When a replaced token stops working: at the end of its overlap, and never after its own expiry. */
export function previousTokenEnd(previous: NonNullable<TenantSecret['previous']>): number {
  return Math.min(Date.parse(previous.overlapEndsAt), Date.parse(previous.expiresAt));
}

export type TokenCheck =
  | { accepted: true; tenant: string }
  | { accepted: false; reason: 'unknown' | 'disabled' | 'expired' | 'replaced'; at?: string };

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Both compared whatever the first says, over fixed-length digests, so timing tells nothing of the secret part. */
function matches(presented: Buffer, candidate: string | undefined): boolean {
  const expected = digest(candidate ?? '');
  return timingSafeEqual(presented, expected) && candidate !== undefined;
}

/**
 * Whether `token` opens `secret` at `now`. Disabled, expired and replaced are reported only to a
 * caller who presented a token that matched, so they reveal nothing to a guesser.
 */
export function checkToken(secret: TenantSecret, token: string, now: number): TokenCheck {
  const presented = digest(token);
  const isCurrent = matches(presented, secret.current?.token);
  const isPrevious = matches(presented, secret.previous?.token);
  if (!isCurrent && !isPrevious) return { accepted: false, reason: 'unknown' };
  if (secret.disabled) return { accepted: false, reason: 'disabled' };
  if (isCurrent) {
    const expiresAt = secret.current!.expiresAt;
    return now < Date.parse(expiresAt) ? { accepted: true, tenant: secret.tenant } : { accepted: false, reason: 'expired', at: expiresAt };
  }
  const endsAt = previousTokenEnd(secret.previous!);
  return now < endsAt ? { accepted: true, tenant: secret.tenant } : { accepted: false, reason: 'replaced', at: new Date(endsAt).toISOString() };
}
