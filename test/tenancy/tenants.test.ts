import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseTenantSecret } from '../../lambdas/tenancy/tenant-secret';
import { DAY_MS, DEFAULT_TOKEN_POLICY, tenantSecretId } from '../../lambdas/contracts/tenancy';
import { TenantAdminError } from '../../lambdas/tenancy/tenants';
import { PREFIX, ROTATION_FUNCTION_ARN, awsWorld, worlds, type TokenWorld } from '../support/token-stores';

describe.each(worlds)('tenant administration (%s)', (_name, makeWorld) => {
  let world: TokenWorld;
  const verify = (token: string, now?: number) => world.verifier(now === undefined ? undefined : () => now).verify(`Bearer ${token}`);

  beforeEach(async () => {
    world = await makeWorld();
  });
  afterEach(() => world.close());

  it('creates a tenant whose first token opens that tenant only, once', async () => {
    const token = await world.admin.create('acme');
    expect(token).toMatch(/^acme\.[A-Za-z0-9_-]{43}$/);
    await expect(verify(token)).resolves.toEqual({ tenant: 'acme' });
    await expect(world.admin.create('acme')).rejects.toThrow(TenantAdminError);
    const other = await world.admin.create('globex');
    expect(other).not.toBe(token);
    await expect(verify(other)).resolves.toEqual({ tenant: 'globex' });
  });

  it.each(['', 'Acme', '-acme', 'acme_corp', 'a'.repeat(64), '../x'])('refuses the tenant name %j', async (name) => {
    await expect(world.admin.create(name)).rejects.toThrow(/not a valid tenant name/);
  });

  it('lists its tenants by name with their state and expiry, and nothing else under the prefix', async () => {
    await world.admin.create('globex');
    await world.admin.create('acme');
    await world.admin.setDisabled('globex', true);
    await world.store.create(`${PREFIX}/tenants/acme/other`, '{}', 'not a tenant token');
    await world.store.create(`scim/Elsewhere/tenants/initech/token`, JSON.stringify({ tenant: 'initech' }), 'another deployment');
    const listed = await world.admin.list();
    expect(listed.map(({ tenant, disabled }) => ({ tenant, disabled })).filter(({ tenant }) => tenant !== 'default')).toEqual([
      { tenant: 'acme', disabled: false },
      { tenant: 'globex', disabled: true },
    ]);
    const acme = listed.find(({ tenant }) => tenant === 'acme')!;
    expect(Date.parse(acme.current!.expiresAt) - Date.parse(acme.current!.issuedAt)).toBe(DEFAULT_TOKEN_POLICY.validityMs);
  });

  it('lists a tenant whose secret cannot be read with its problem, and counts its token as expired', async () => {
    await world.admin.create('acme');
    await world.store.create(tenantSecretId(PREFIX, 'broken'), 'not json', 'damaged by hand');
    const broken = (await world.admin.list()).find(({ tenant }) => tenant === 'broken');
    expect(broken).toEqual({ tenant: 'broken', disabled: false, problem: expect.stringMatching(/does not hold tenant "broken"/) });
    expect((await world.admin.daysToExpiry()).find(({ tenant }) => tenant === 'broken')).toMatchObject({ days: 0 });
    expect((await world.admin.list()).find(({ tenant }) => tenant === 'acme')?.problem).toBeUndefined();
  });

  it('rotates: the new token works at once, the old one through the overlap and not after', async () => {
    const old = await world.admin.create('acme');
    const rotatedAt = Date.now();
    const fresh = await world.admin.rotate('acme');
    expect(fresh).not.toBe(old);
    await expect(verify(fresh)).resolves.toEqual({ tenant: 'acme' });
    await expect(verify(old, rotatedAt + 7 * DAY_MS - 60_000)).resolves.toEqual({ tenant: 'acme' });
    await expect(verify(old, rotatedAt + 7 * DAY_MS + 60_000)).rejects.toMatchObject({ status: 401 });
    const status = await world.admin.status('acme');
    expect(Math.abs(Date.parse(status.previous!.endsAt) - (rotatedAt + 7 * DAY_MS))).toBeLessThan(60_000);
  });

  it('keeps one token in overlap: a second rotation ends the first token at once', async () => {
    const first = await world.admin.create('acme');
    const second = await world.admin.rotate('acme');
    const third = await world.admin.rotate('acme');
    await expect(verify(first)).rejects.toMatchObject({ status: 401 });
    await expect(verify(second)).resolves.toEqual({ tenant: 'acme' });
    await expect(verify(third)).resolves.toEqual({ tenant: 'acme' });
  });

  it('revokes: the replaced token stops, the current one goes on; a second revoke has nothing to do', async () => {
    const old = await world.admin.create('acme');
    const current = await world.admin.rotate('acme');
    expect(await world.admin.revoke('acme')).toBe(true);
    await expect(verify(old)).rejects.toMatchObject({ status: 401 });
    await expect(verify(current)).resolves.toEqual({ tenant: 'acme' });
    expect(await world.admin.revoke('acme')).toBe(false);
    expect((await world.admin.status('acme')).previous).toBeUndefined();
  });

  it('disables and enables a tenant without touching its tokens', async () => {
    const token = await world.admin.create('acme');
    await world.admin.setDisabled('acme', true);
    await expect(verify(token)).rejects.toMatchObject({ status: 401, message: expect.stringMatching(/disabled/) });
    await world.admin.setDisabled('acme', false);
    await expect(verify(token)).resolves.toEqual({ tenant: 'acme' });
  });

  it('answers an unknown tenant with an error the operator can act on', async () => {
    for (const action of [() => world.admin.rotate('nobody'), () => world.admin.revoke('nobody'), () => world.admin.status('nobody'), () => world.admin.setDisabled('nobody', true)]) {
      await expect(action()).rejects.toThrow(new TenantAdminError('No tenant "nobody". See: tenants list'));
    }
  });

  it('ensures a tenant for npm start: made once, the same token on every later start, a new one once it expired', async () => {
    const token = await world.admin.ensure('local');
    expect(await world.admin.ensure('local')).toBe(token);
    const secretId = tenantSecretId(PREFIX, 'local');
    const secret = parseTenantSecret(await world.store.current(secretId))!;
    await world.store.put(secretId, '11111111-1111-4111-8111-111111111111', JSON.stringify({ ...secret, current: { ...secret.current!, expiresAt: new Date(Date.now() - 1).toISOString() } }), ['AWSCURRENT']);
    const renewed = await world.admin.ensure('local');
    expect(renewed).not.toBe(token);
    await expect(verify(renewed)).resolves.toEqual({ tenant: 'local' });
  });

  it('reports days to expiry of enabled tenants with a token', async () => {
    await world.admin.create('acme');
    await world.admin.create('globex');
    await world.admin.setDisabled('globex', true);
    const report = (await world.admin.daysToExpiry()).filter(({ tenant }) => tenant !== 'default');
    expect(report.map(({ tenant }) => tenant)).toEqual(['acme']);
    expect(report[0].days).toBeGreaterThan(364.9);
    expect(report[0].days).toBeLessThanOrEqual(365);
  });
});

describe('tenant administration against a deployed stack', () => {
  it("configures a new tenant's rotation like the default tenant's: the stack's rotation function", async () => {
    const world = await awsWorld();
    try {
      await world.admin.create('acme');
      const described = await new SecretsManagerClient({ region: 'eu-west-1' }).send(new DescribeSecretCommand({ SecretId: tenantSecretId(PREFIX, 'acme') }));
      expect(described.RotationLambdaARN).toBe(ROTATION_FUNCTION_ARN);
    } finally {
      await world.close();
    }
  });
});
