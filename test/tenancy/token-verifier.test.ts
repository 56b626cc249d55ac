import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerStore } from '../../lambdas/secrets/secrets-manager-store';
import { MAX_UNKNOWN_TENANTS, REFRESH_ON_REFUSAL_MS, SECRET_CACHE_MS, TenantTokenVerifier, UNKNOWN_TENANT_CACHE_MS } from '../../lambdas/tenancy/token-verifier';
import type { SecretSource } from '../../lambdas/tenancy/ports/secret-store';
import { ScimError } from '../../lambdas/scim/errors';
import { withNewToken, withoutPrevious, type TenantSecret } from '../../lambdas/tenancy/tenant-secret';
import { DAY_MS, DEFAULT_TOKEN_POLICY, tenantSecretId } from '../../lambdas/contracts/tenancy';
import { FakeSecretsManager } from '../support/fake-secrets-manager';

// Secrets Manager has no local emulator; its adapter is tested against a stateful SDK mock.
const PREFIX = 'scim/Test';
const START = Date.parse('2030-01-01T00:00:00Z');
let fake: FakeSecretsManager;

function verifierAt(clock: { now: number }, cacheMs?: number) {
  return new TenantTokenVerifier(new SecretsManagerStore(new SecretsManagerClient({ region: 'eu-west-1' })), PREFIX, { now: () => clock.now, cacheMs });
}

/** Writes a tenant's secret as the rotation would; returns it. */
function store(secret: TenantSecret): TenantSecret {
  const name = tenantSecretId(PREFIX, secret.tenant);
  if (fake.secrets.has(name)) fake.secrets.delete(name);
  fake.seed(name, JSON.stringify(secret));
  return secret;
}

function issued(tenant: string, now = START, from: TenantSecret = { tenant, disabled: false }): TenantSecret {
  return withNewToken(from, DEFAULT_TOKEN_POLICY, now);
}

async function refusal(promise: Promise<unknown>): Promise<ScimError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return error as ScimError;
  }
  throw new Error('expected a refusal');
}

beforeEach(() => {
  fake = new FakeSecretsManager();
});
afterEach(() => fake.restore());

describe('TenantTokenVerifier over Secrets Manager', () => {
  it('accepts the Bearer token and the bare token Okta Header auth sends, case-insensitive scheme', async () => {
    const token = store(issued('acme')).current!.token;
    const verifier = verifierAt({ now: START });
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({ tenant: 'acme' });
    await expect(verifier.verify(`bearer   ${token}`)).resolves.toEqual({ tenant: 'acme' });
    await expect(verifier.verify(token)).resolves.toEqual({ tenant: 'acme' });
  });

  it('refuses a missing, empty or wrong token with 401 and a WWW-Authenticate challenge', async () => {
    const token = store(issued('acme')).current!.token;
    const verifier = verifierAt({ now: START });
    for (const header of [undefined, '', 'Bearer ', `Bearer ${token}x`, token.slice(0, -1), `Basic ${token}`, 'acme', 'acme.short']) {
      const error = await refusal(verifier.verify(header));
      expect(error.status).toBe(401);
      expect(error.headers['WWW-Authenticate']).toContain('Bearer');
      expect(error.detail).not.toContain(token);
    }
  });

  it('takes the tenant from the token: each token opens its own tenant only', async () => {
    const a = store(issued('acme')).current!.token;
    const b = store(issued('globex')).current!.token;
    const verifier = verifierAt({ now: START });
    await expect(verifier.verify(`Bearer ${a}`)).resolves.toEqual({ tenant: 'acme' });
    await expect(verifier.verify(`Bearer ${b}`)).resolves.toEqual({ tenant: 'globex' });
    // B's secret part under A's name, and the other way round.
    const secretPart = (token: string) => token.slice(token.indexOf('.') + 1);
    expect((await refusal(verifier.verify(`Bearer acme.${secretPart(b)}`))).status).toBe(401);
    expect((await refusal(verifier.verify(`Bearer globex.${secretPart(a)}`))).status).toBe(401);
  });

  it('refuses a token of an unknown tenant with 401, and one not shaped like a token without asking Secrets Manager', async () => {
    const verifier = verifierAt({ now: START });
    expect((await refusal(verifier.verify(`Bearer nobody.${'x'.repeat(43)}`))).status).toBe(401);
    const calls = fake.mock.commandCalls(GetSecretValueCommand).length;
    expect((await refusal(verifier.verify('Bearer ../../etc/passwd'))).status).toBe(401);
    expect((await refusal(verifier.verify(`Bearer ${'x'.repeat(64)}`))).status).toBe(401);
    expect(fake.mock.commandCalls(GetSecretValueCommand)).toHaveLength(calls);
  });

  it('answers 503 with Retry-After, never 401, when Secrets Manager is unreachable', async () => {
    const token = store(issued('acme')).current!.token;
    fake.unreachable = true;
    const error = await refusal(verifierAt({ now: START }).verify(`Bearer ${token}`));
    expect(error.status).toBe(503);
    expect(Number(error.headers['Retry-After'])).toBeGreaterThan(0);
  });

  it('answers 503 when the secret is malformed or holds another tenant, telling the operator', async () => {
    const token = store(issued('acme')).current!.token;
    fake.secrets.clear();
    fake.seed(tenantSecretId(PREFIX, 'acme'), '{"tenant":');
    expect((await refusal(verifierAt({ now: START }).verify(`Bearer ${token}`))).status).toBe(503);
    fake.secrets.clear();
    fake.seed(tenantSecretId(PREFIX, 'acme'), JSON.stringify(issued('globex')));
    const error = await refusal(verifierAt({ now: START }).verify(`Bearer ${token}`));
    expect(error.status).toBe(503);
    expect(error.detail).toContain('operator');
  });

  it('reads a tenant secret once per cache window (at most five minutes), so a revoked token stops within it', async () => {
    const clock = { now: START };
    const first = issued('acme');
    const rotated = store(issued('acme', START, first));
    const verifier = verifierAt(clock);
    await verifier.verify(`Bearer ${first.current!.token}`);
    await verifier.verify(`Bearer ${rotated.current!.token}`);
    expect(fake.mock.commandCalls(GetSecretValueCommand)).toHaveLength(1);

    store(withoutPrevious(rotated));
    clock.now += SECRET_CACHE_MS - 1;
    await expect(verifier.verify(`Bearer ${first.current!.token}`)).resolves.toEqual({ tenant: 'acme' });
    clock.now += 1;
    expect((await refusal(verifier.verify(`Bearer ${first.current!.token}`))).status).toBe(401);
    await expect(verifier.verify(`Bearer ${rotated.current!.token}`)).resolves.toEqual({ tenant: 'acme' });
    expect(SECRET_CACHE_MS).toBeLessThanOrEqual(5 * 60 * 1000);
  });

  it('never caches longer than five minutes, whatever it is configured with', async () => {
    const clock = { now: START };
    const first = store(issued('acme'));
    const verifier = verifierAt(clock, 60 * 60 * 1000);
    await verifier.verify(`Bearer ${first.current!.token}`);
    store({ ...first, disabled: true });
    clock.now += SECRET_CACHE_MS;
    expect((await refusal(verifier.verify(`Bearer ${first.current!.token}`))).status).toBe(401);
  });

  it('reads again when a token is refused, at most every few seconds: a new token works at once, guessing costs little', async () => {
    const clock = { now: START };
    const first = store(issued('acme'));
    const verifier = verifierAt(clock);
    await verifier.verify(`Bearer ${first.current!.token}`);
    const rotated = store(issued('acme', START, first));
    await expect(verifier.verify(`Bearer ${rotated.current!.token}`)).resolves.toEqual({ tenant: 'acme' });

    const reads = fake.mock.commandCalls(GetSecretValueCommand).length;
    for (let guess = 0; guess < 50; guess++) {
      clock.now += 100;
      await refusal(verifier.verify(`Bearer acme.${String(guess).padStart(43, 'g')}`));
    }
    // 5 seconds of guessing: a read per REFRESH_ON_REFUSAL_MS at most, not one per guess.
    expect(fake.mock.commandCalls(GetSecretValueCommand).length - reads).toBeLessThanOrEqual(5000 / REFRESH_ON_REFUSAL_MS + 1);
    expect(REFRESH_ON_REFUSAL_MS).toBeGreaterThanOrEqual(1000);
  });

  it('refuses an expired token with a detail that says so', async () => {
    const token = store(issued('acme')).current!.token;
    const error = await refusal(verifierAt({ now: START + DEFAULT_TOKEN_POLICY.validityMs }).verify(`Bearer ${token}`));
    expect(error.status).toBe(401);
    expect(error.detail).toMatch(/expired at 2031-01-01T00:00:00.000Z/);
    await expect(verifierAt({ now: START + DEFAULT_TOKEN_POLICY.validityMs - 1 }).verify(`Bearer ${token}`)).resolves.toEqual({ tenant: 'acme' });
  });

  it('accepts the replaced token during the overlap and refuses it after, saying it was replaced', async () => {
    const first = issued('acme');
    const rotatedAt = START + 100 * DAY_MS;
    const rotated = store(issued('acme', rotatedAt, first));
    const overlapEnd = rotatedAt + DEFAULT_TOKEN_POLICY.overlapMs;
    await expect(verifierAt({ now: overlapEnd - 1 }).verify(`Bearer ${first.current!.token}`)).resolves.toEqual({ tenant: 'acme' });
    const error = await refusal(verifierAt({ now: overlapEnd }).verify(`Bearer ${first.current!.token}`));
    expect(error.status).toBe(401);
    expect(error.detail).toMatch(/replaced/);
    await expect(verifierAt({ now: overlapEnd }).verify(`Bearer ${rotated.current!.token}`)).resolves.toEqual({ tenant: 'acme' });
  });

  it('never accepts a replaced token after its own expiry, even inside the overlap', async () => {
    const first = issued('acme');
    const rotatedAt = START + DEFAULT_TOKEN_POLICY.validityMs - DAY_MS;
    store(issued('acme', rotatedAt, first));
    await expect(verifierAt({ now: rotatedAt + 1 }).verify(`Bearer ${first.current!.token}`)).resolves.toEqual({ tenant: 'acme' });
    expect((await refusal(verifierAt({ now: rotatedAt + DAY_MS }).verify(`Bearer ${first.current!.token}`))).status).toBe(401);
  });

  it("refuses a disabled tenant's tokens, and says so only to a holder of one", async () => {
    const secret = store({ ...issued('acme'), disabled: true });
    const error = await refusal(verifierAt({ now: START }).verify(`Bearer ${secret.current!.token}`));
    expect(error.status).toBe(401);
    expect(error.detail).toMatch(/disabled/);
    const guess = await refusal(verifierAt({ now: START }).verify(`Bearer acme.${'g'.repeat(43)}`));
    expect(guess.status).toBe(401);
    expect(guess.detail).not.toMatch(/disabled/);
  });
});

/** A secret source that counts its reads per secret, over secrets set by the test. */
class CountingSecretSource implements SecretSource {
  readonly secrets = new Map<string, string>();
  readonly reads = new Map<string, number>();

  async current(secretId: string): Promise<string | undefined> {
    this.reads.set(secretId, (this.reads.get(secretId) ?? 0) + 1);
    return this.secrets.get(secretId);
  }

  readsOf(tenant: string): number {
    return this.reads.get(tenantSecretId(PREFIX, tenant)) ?? 0;
  }

  get totalReads(): number {
    return [...this.reads.values()].reduce((sum, count) => sum + count, 0);
  }

  issue(tenant: string): string {
    const secret = issued(tenant);
    this.secrets.set(tenantSecretId(PREFIX, tenant), JSON.stringify(secret));
    return secret.current!.token;
  }
}

describe('TenantTokenVerifier and unknown tenants', () => {
  const guess = (tenant: string) => `Bearer ${tenant}.${'g'.repeat(43)}`;
  const randomTenant = () => `t${randomBytes(8).toString('hex')}`;

  it('10,000 guessed tenants cost one read each and never evict a real tenant: it is still cached after them', async () => {
    const source = new CountingSecretSource();
    const clock = { now: START };
    const verifier = new TenantTokenVerifier(source, PREFIX, { now: () => clock.now });
    const token = source.issue('acme');
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({ tenant: 'acme' });
    expect(source.readsOf('acme')).toBe(1);

    for (let count = 0; count < 10_000; count++) {
      clock.now += 1;
      expect(await verifier.authenticate(guess(randomTenant()))).toMatchObject({ accepted: false, reason: 'unknown', error: { status: 401 } });
    }
    expect(source.totalReads).toBe(1 + 10_000);

    await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({ tenant: 'acme' });
    expect(source.readsOf('acme')).toBe(1);
  });

  it('repeats of one unknown tenant cost no read within UNKNOWN_TENANT_CACHE_MS, and one read after it', async () => {
    const source = new CountingSecretSource();
    const clock = { now: START };
    const verifier = new TenantTokenVerifier(source, PREFIX, { now: () => clock.now });
    for (let count = 0; count < 100; count++) {
      expect((await refusal(verifier.verify(guess('nobody')))).status).toBe(401);
      clock.now += (UNKNOWN_TENANT_CACHE_MS - 1) / 100;
    }
    expect(source.readsOf('nobody')).toBe(1);
    clock.now = START + UNKNOWN_TENANT_CACHE_MS;
    await refusal(verifier.verify(guess('nobody')));
    expect(source.readsOf('nobody')).toBe(2);
  });

  it('a tenant created after its name was tried works within UNKNOWN_TENANT_CACHE_MS, which is at most a minute', async () => {
    const source = new CountingSecretSource();
    const clock = { now: START };
    const verifier = new TenantTokenVerifier(source, PREFIX, { now: () => clock.now });
    await refusal(verifier.verify(guess('newcomer')));
    const token = source.issue('newcomer');
    expect((await refusal(verifier.verify(`Bearer ${token}`))).status).toBe(401);
    clock.now += UNKNOWN_TENANT_CACHE_MS;
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({ tenant: 'newcomer' });
    expect(UNKNOWN_TENANT_CACHE_MS).toBeLessThanOrEqual(60_000);
  });

  it('remembers at most MAX_UNKNOWN_TENANTS unknown tenants: the oldest are forgotten, the newest still cost nothing', async () => {
    const source = new CountingSecretSource();
    const verifier = new TenantTokenVerifier(source, PREFIX, { now: () => START });
    const tenants = Array.from({ length: MAX_UNKNOWN_TENANTS + 10 }, (_, index) => `guess-${index}`);
    for (const tenant of tenants) await refusal(verifier.verify(guess(tenant)));
    const before = source.totalReads;
    for (const tenant of tenants.slice(-MAX_UNKNOWN_TENANTS)) await refusal(verifier.verify(guess(tenant)));
    expect(source.totalReads).toBe(before);
    for (const tenant of tenants.slice(0, 10)) await refusal(verifier.verify(guess(tenant)));
    expect(source.totalReads).toBe(before + 10);
  });

  it('a tenant whose secret is deleted becomes unknown, and its token is refused', async () => {
    const source = new CountingSecretSource();
    const clock = { now: START };
    const verifier = new TenantTokenVerifier(source, PREFIX, { now: () => clock.now });
    const token = source.issue('leaving');
    await verifier.verify(`Bearer ${token}`);
    source.secrets.clear();
    clock.now += SECRET_CACHE_MS;
    expect(await verifier.authenticate(`Bearer ${token}`)).toMatchObject({ accepted: false, reason: 'unknown' });
    const reads = source.readsOf('leaving');
    await refusal(verifier.verify(`Bearer ${token}`));
    expect(source.readsOf('leaving')).toBe(reads);
  });

  it('tells a dead token (expired, replaced, disabled) from a missing or wrong one', async () => {
    const source = new CountingSecretSource();
    const verifier = new TenantTokenVerifier(source, PREFIX, { now: () => START + DEFAULT_TOKEN_POLICY.validityMs });
    const token = source.issue('acme');
    expect(await verifier.authenticate(`Bearer ${token}`)).toMatchObject({ accepted: false, reason: 'expired' });
    expect(await verifier.authenticate(undefined)).toMatchObject({ accepted: false, reason: 'missing' });
    expect(await verifier.authenticate(guess('acme'))).toMatchObject({ accepted: false, reason: 'unknown' });
  });
});
