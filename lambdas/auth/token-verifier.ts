import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ScimError } from '../scim/errors';
import type { SecretSource } from './secret-source';

/** The JSON a token secret holds. */
export const tokenSecretSchema = z.object({
  tenant: z.string().min(1),
  token: z.string().min(32),
});
export type TokenSecret = z.infer<typeof tokenSecretSchema>;

export interface Principal {
  tenant: string;
}

export interface TokenVerifier {
  verify(authorization: string | undefined): Promise<Principal>;
}

/** How long a secret is trusted before it is read again: a revoked token stops working within this. */
export const SECRET_CACHE_MS = 5 * 60 * 1000;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Accepts `Authorization: Bearer <token>` and the bare token, which Okta's "HTTP Header"
 * auth mode sends without a scheme. Comparison is constant-time over fixed-length digests.
 */
export function presentedToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const trimmed = authorization.trim();
  const match = /^bearer\s+(.+)$/i.exec(trimmed);
  const token = (match ? match[1] : trimmed).trim();
  return token.length > 0 ? token : undefined;
}

export class SecretTokenVerifier implements TokenVerifier {
  private cached?: { secret: TokenSecret; digest: Buffer; readAt: number };

  constructor(
    private readonly source: SecretSource,
    private readonly secretId: string,
    private readonly now: () => number = Date.now,
  ) {}

  async verify(authorization: string | undefined): Promise<Principal> {
    const token = presentedToken(authorization);
    if (!token) {
      throw ScimError.unauthorized('Missing credentials: send the API token as "Authorization: Bearer <token>".');
    }
    const expected = await this.secret();
    if (!timingSafeEqual(digest(token), expected.digest)) {
      throw ScimError.unauthorized('The API token is not valid. Check the token configured in your identity provider.');
    }
    return { tenant: expected.secret.tenant };
  }

  private async secret() {
    if (this.cached && this.now() - this.cached.readAt < SECRET_CACHE_MS) return this.cached;
    let raw: string | undefined;
    try {
      raw = await this.source.current(this.secretId);
    } catch {
      // Never a 401 here: that would make an IdP admin distrust a good token.
      throw ScimError.serviceUnavailable('The token store is unreachable; retry shortly.', 5);
    }
    const parsed = raw === undefined ? undefined : tokenSecretSchema.safeParse(safeJson(raw));
    if (!parsed?.success) {
      throw ScimError.serviceUnavailable('The token store holds no usable token for this deployment; an operator must set one.', 30);
    }
    this.cached = { secret: parsed.data, digest: digest(parsed.data.token), readAt: this.now() };
    return this.cached;
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** A new token: 256 bits from the OS's CSPRNG, URL-safe so it pastes cleanly into any IdP form. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}
