import { AWSCURRENT, AWSPENDING, ROTATION_STEPS, versionWithStage, type RotationStep, type SecretStore } from './ports/secret-store';
import { checkToken, parseTenantSecret, previousTokenEnd, tenantOfToken, serializeTenantSecret, withNewToken } from './tenant-secret';
import { type TokenPolicy } from '../contracts/tenancy';
import { eventId, provisioningEvent } from '../contracts/event-envelope';
import type { TenantEvent } from '../contracts/events';

/** Where the tenancy domain's events go (the directory's EventSink, wired by the handler). */
export type PublishTenantEvents = (events: TenantEvent[]) => Promise<void>;

export interface RotationRequest {
  secretId: string;
  /** Secrets Manager's ClientRequestToken: the id of the version this rotation makes. */
  versionId: string;
  step: RotationStep;
}

/**
 * One step of Secrets Manager's rotation protocol for a tenant's token. Every step can run again
 * (Secrets Manager retries, and an interrupted rotation is resumed from its first step), so
 * each one first looks at what an earlier run already did.
 */
export async function runRotationStep(store: SecretStore, policy: TokenPolicy, request: RotationRequest, now: number, publish?: PublishTenantEvents): Promise<void> {
  const { secretId, versionId, step } = request;
  const description = await store.describe(secretId);
  if (!description) throw new Error(`rotation: no secret ${secretId}`);
  const stages = description.versions[versionId];
  // Secrets Manager makes the version, labelled AWSPENDING, before it calls the first step.
  if (!stages) throw new Error(`rotation: version ${versionId} of ${secretId} is not part of a rotation`);
  if (stages.includes(AWSCURRENT)) {
    // A finishSecret retried after the stage moved (its event may not have gone out): the same event, the same id.
    if (step === 'finishSecret' && publish) await publishRotated(store, secretId, versionId, now, publish);
    return;
  }
  if (!stages.includes(AWSPENDING)) throw new Error(`rotation: version ${versionId} of ${secretId} is not AWSPENDING`);

  switch (step) {
    case 'createSecret':
      return createSecret(store, policy, secretId, versionId, now);
    case 'setSecret':
      // The verifier reads the secret itself: there is no downstream system to hand the token to.
      return;
    case 'testSecret':
      return testSecret(store, secretId, description.name, versionId, now);
    case 'finishSecret':
      await finishSecret(store, secretId, versionId, versionWithStage(description.versions, AWSCURRENT));
      if (publish) await publishRotated(store, secretId, versionId, now, publish);
      return;
  }
}

/** tenant.token_rotated, once the new version is current; its id is the version's, so a retried step repeats it. */
async function publishRotated(store: SecretStore, secretId: string, versionId: string, now: number, publish: PublishTenantEvents) {
  const secret = parseTenantSecret(await store.value(secretId, { versionId }));
  if (!secret?.current) return;
  await publish([
    provisioningEvent('tenant.token_rotated', {
      eventId: eventId('tenant.token_rotated', secretId, versionId),
      tenant: secret.tenant,
      at: secret.current.issuedAt,
      sequence: String(Date.parse(secret.current.issuedAt) || now),
      expiresAt: secret.current.expiresAt,
      ...(secret.previous ? { previousTokenEndsAt: new Date(previousTokenEnd(secret.previous)).toISOString() } : {}),
    }),
  ]);
}

/** All four steps in order, as Secrets Manager runs them; locally this is the rotation function. */
export async function runRotation(store: SecretStore, policy: TokenPolicy, secretId: string, versionId: string, now: () => number, publish?: PublishTenantEvents): Promise<void> {
  for (const step of ROTATION_STEPS) await runRotationStep(store, policy, { secretId, versionId, step }, now(), publish);
}

async function createSecret(store: SecretStore, policy: TokenPolicy, secretId: string, versionId: string, now: number) {
  if ((await store.value(secretId, { versionId, stage: AWSPENDING })) !== undefined) return;
  const current = parseTenantSecret(await store.current(secretId));
  if (!current) throw new Error(`rotation: the current value of ${secretId} is not a tenant token secret`);
  await store.put(secretId, versionId, serializeTenantSecret(withNewToken(current, policy, now)), [AWSPENDING]);
}

/** The pending secret must be well-formed, and its new token (and any token in overlap) must open it. */
async function testSecret(store: SecretStore, secretId: string, name: string, versionId: string, now: number) {
  const raw = await store.value(secretId, { versionId, stage: AWSPENDING });
  // RotateSecret with RotateImmediately=false only tests the configuration: no createSecret ran.
  if (raw === undefined) return;
  const pending = parseTenantSecret(raw);
  if (!pending?.current) throw new Error(`rotation: the pending value of ${secretId} is not a tenant token secret with a token`);
  if (!name.endsWith(`/tenants/${pending.tenant}/token`) || tenantOfToken(pending.current.token) !== pending.tenant) {
    throw new Error(`rotation: the pending value of ${secretId} belongs to another tenant than its name says`);
  }
  for (const token of [pending.current.token, pending.previous?.token]) {
    if (token === undefined) continue;
    const check = checkToken({ ...pending, disabled: false }, token, now);
    if (!check.accepted || check.tenant !== pending.tenant) throw new Error(`rotation: a token of the pending value of ${secretId} is refused (${check.accepted ? 'tenant' : check.reason})`);
  }
}

async function finishSecret(store: SecretStore, secretId: string, versionId: string, currentVersion: string | undefined) {
  await store.moveStage(secretId, AWSCURRENT, { to: versionId, from: currentVersion });
  await store.moveStage(secretId, AWSPENDING, { from: versionId });
}
