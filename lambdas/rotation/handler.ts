import * as z from 'zod/mini';
import { publishingTokenDependencies } from '../wiring/event-sink';
import { validated } from '../scim/validation';
import { logger } from '../runtime/logger';
import { ROTATION_STEPS, type RotationStep } from '../tenancy/ports/secret-store';
import { runRotationStep } from '../tenancy/token-rotation';

/** What Secrets Manager sends a rotation function. */
const rotationEventSchema = z.object({
  SecretId: z.string().check(z.minLength(1)),
  ClientRequestToken: z.string().check(z.minLength(1)),
  Step: z.enum(ROTATION_STEPS as [RotationStep, ...RotationStep[]]),
});

const { store, policy, publish } = publishingTokenDependencies();

/** Secrets Manager's rotation function for tenants' tokens; the steps live in lambdas/tenancy/token-rotation.ts. */
export async function handler(event: unknown): Promise<void> {
  const { SecretId, ClientRequestToken, Step } = validated(rotationEventSchema, event);
  // Names and version ids only: never a value.
  logger.info('rotation step', { secretId: SecretId, versionId: ClientRequestToken, step: Step });
  await runRotationStep(store, policy, { secretId: SecretId, versionId: ClientRequestToken, step: Step }, Date.now(), publish);
}
