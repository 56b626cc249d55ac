import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '../../lambdas/tenancy/ports/secret-store';
import { parseTenantSecret } from '../../lambdas/tenancy/tenant-secret';
import { DAY_MS, DEFAULT_TENANT, DEFAULT_TOKEN_POLICY, tenantSecretId } from '../../lambdas/contracts/tenancy';
import { runRotationStep } from '../../lambdas/tenancy/token-rotation';
import { PREFIX, worlds, type TokenWorld } from '../support/token-stores';

describe.each(worlds)('token rotation (%s)', (_name, makeWorld) => {
  let world: TokenWorld;
  const secretId = tenantSecretId(PREFIX, 'acme');

  beforeEach(async () => {
    world = await makeWorld();
  });
  afterEach(() => world.close());

  const secretAt = async (stage: string) => parseTenantSecret(await world.store.value(secretId, { stage }));
  const versionOf = async (stage: string) => Object.entries(await world.stages(secretId)).find(([, stages]) => stages.includes(stage))?.[0];

  /** Starts a rotation that stops before its first step: the version exists, labelled AWSPENDING, with no value. */
  async function pendingVersion(): Promise<string> {
    world.interruptBefore('createSecret');
    await world.admin.rotate('acme').catch(() => undefined);
    world.interruptBefore(undefined);
    const pending = await versionOf(AWSPENDING);
    expect(pending).toBeDefined();
    return pending!;
  }

  it('runs createSecret, setSecret, testSecret and finishSecret: new token current, old one in overlap, stages moved', async () => {
    const first = await world.admin.create('acme');
    const firstVersion = await versionOf(AWSCURRENT);
    const versionId = await pendingVersion();
    const now = Date.now();
    const step = (name: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret') =>
      runRotationStep(world.store, DEFAULT_TOKEN_POLICY, { secretId, versionId, step: name }, now);

    await step('createSecret');
    const pending = await secretAt(AWSPENDING);
    expect(pending?.current?.token).toMatch(/^acme\.[A-Za-z0-9_-]{43}$/);
    expect(pending?.current?.token).not.toBe(first);
    expect(Date.parse(pending!.current!.expiresAt) - now).toBe(DEFAULT_TOKEN_POLICY.validityMs);
    expect(pending?.previous?.token).toBe(first);
    expect(Date.parse(pending!.previous!.overlapEndsAt) - now).toBe(7 * DAY_MS);
    // Nothing a verifier reads has changed yet.
    expect((await secretAt(AWSCURRENT))?.current?.token).toBe(first);
    await expect(world.verifier().verify(`Bearer ${pending!.current!.token}`)).rejects.toMatchObject({ status: 401 });

    await step('setSecret');
    await step('testSecret');
    expect(await versionOf(AWSCURRENT)).toBe(firstVersion);
    await step('finishSecret');
    expect(await world.stages(secretId)).toEqual({ [versionId]: [AWSCURRENT], [firstVersion!]: [AWSPREVIOUS] });
    await expect(world.verifier().verify(`Bearer ${pending!.current!.token}`)).resolves.toEqual({ tenant: 'acme' });
    await expect(world.verifier().verify(`Bearer ${first}`)).resolves.toEqual({ tenant: 'acme' });
  });

  it('lets every step run again without changing what the first run did', async () => {
    await world.admin.create('acme');
    const versionId = await pendingVersion();
    const run = (step: 'createSecret' | 'testSecret' | 'finishSecret') => runRotationStep(world.store, DEFAULT_TOKEN_POLICY, { secretId, versionId, step }, Date.now());
    await run('createSecret');
    const made = await world.store.value(secretId, { versionId });
    await run('createSecret');
    expect(await world.store.value(secretId, { versionId })).toBe(made);
    await run('testSecret');
    await run('finishSecret');
    const after = await world.stages(secretId);
    await run('finishSecret');
    await run('createSecret');
    expect(await world.stages(secretId)).toEqual(after);
    expect(await world.store.current(secretId)).toBe(made);
  });

  it.each(['setSecret', 'testSecret', 'finishSecret'] as const)('resumes a rotation interrupted before %s, finishing the version it began', async (step) => {
    const first = await world.admin.create('acme');
    world.interruptBefore(step);
    await expect(world.admin.rotate('acme')).rejects.toThrow();
    const versionId = await versionOf(AWSPENDING);
    const begun = await world.store.value(secretId, { versionId });
    expect(begun).toBeDefined();
    // Half-way, the old token works and nothing else does; an operator's change would be overwritten, so it waits.
    await expect(world.verifier().verify(`Bearer ${first}`)).resolves.toEqual({ tenant: 'acme' });
    await expect(world.admin.setDisabled('acme', true)).rejects.toThrow(/has not finished/);
    await expect(world.admin.revoke('acme')).rejects.toThrow(/has not finished/);

    world.interruptBefore(undefined);
    const token = await world.admin.rotate('acme');
    expect(token).toBe(parseTenantSecret(begun)!.current!.token);
    expect(await versionOf(AWSCURRENT)).toBe(versionId);
    expect(Object.keys(await world.stages(secretId))).toHaveLength(2);
    await expect(world.verifier().verify(`Bearer ${token}`)).resolves.toEqual({ tenant: 'acme' });
    await expect(world.verifier().verify(`Bearer ${first}`)).resolves.toEqual({ tenant: 'acme' });
  });

  it('refuses to start a second rotation beside an unfinished one', async () => {
    await world.admin.create('acme');
    await pendingVersion();
    await expect(world.store.rotate(secretId, '00000000-0000-4000-8000-000000000000')).rejects.toThrow();
  });

  it('does not finish when testSecret finds the pending value unusable', async () => {
    const first = await world.admin.create('acme');
    const versionId = await pendingVersion();
    const foreign = parseTenantSecret(await world.store.current(secretId))!;
    await world.store.put(secretId, versionId, JSON.stringify({ ...foreign, tenant: 'globex' }), [AWSPENDING]);
    await expect(runRotationStep(world.store, DEFAULT_TOKEN_POLICY, { secretId, versionId, step: 'testSecret' }, Date.now())).rejects.toThrow(/another tenant/);
    expect((await secretAt(AWSCURRENT))?.current?.token).toBe(first);
  });

  it('refuses a step for a version that is not part of a rotation, and does nothing for one already current', async () => {
    await world.admin.create('acme');
    const current = (await versionOf(AWSCURRENT))!;
    const before = await world.stages(secretId);
    await expect(runRotationStep(world.store, DEFAULT_TOKEN_POLICY, { secretId, versionId: 'not-a-version', step: 'createSecret' }, Date.now())).rejects.toThrow(/not part of a rotation/);
    await runRotationStep(world.store, DEFAULT_TOKEN_POLICY, { secretId, versionId: current, step: 'createSecret' }, Date.now());
    await runRotationStep(world.store, DEFAULT_TOKEN_POLICY, { secretId, versionId: current, step: 'finishSecret' }, Date.now());
    expect(await world.stages(secretId)).toEqual(before);
  });

  it("passes RotateImmediately=false's configuration test, which runs testSecret alone", async () => {
    await world.admin.create('acme');
    const versionId = await pendingVersion();
    await runRotationStep(world.store, DEFAULT_TOKEN_POLICY, { secretId, versionId, step: 'testSecret' }, Date.now());
  });

  it('makes a first token from a secret that has none: the tenant as created, or as CloudFormation generated it', async () => {
    await world.store.create(tenantSecretId(PREFIX, DEFAULT_TENANT), JSON.stringify({ tenant: DEFAULT_TENANT, bootstrap: 'x'.repeat(64) }), 'default').catch(() => false);
    const token = await world.admin.rotate(DEFAULT_TENANT);
    expect(token).toMatch(/^default\./);
    const secret = parseTenantSecret(await world.store.current(tenantSecretId(PREFIX, DEFAULT_TENANT)));
    expect(secret?.previous).toBeUndefined();
    await expect(world.verifier().verify(`Bearer ${token}`)).resolves.toEqual({ tenant: DEFAULT_TENANT });
  });
});
