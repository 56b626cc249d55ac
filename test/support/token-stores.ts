import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { FileSecretStore } from '../../lambdas/secrets/file-secret-store';
import { SecretsManagerStore } from '../../lambdas/secrets/secrets-manager-store';
import { TenantTokenVerifier } from '../../lambdas/tenancy/token-verifier';
import { ROTATION_STEPS, type RotationStep, type SecretStore } from '../../lambdas/tenancy/ports/secret-store';
import { DEFAULT_TENANT, DEFAULT_TOKEN_POLICY, tenantSecretId } from '../../lambdas/contracts/tenancy';
import { TenantAdmin } from '../../lambdas/tenancy/tenants';
import { runRotationStep } from '../../lambdas/tenancy/token-rotation';
import { FakeSecretsManager } from './fake-secrets-manager';

export const PREFIX = 'scim/Test';
export const ROTATION_FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:token-rotation';

/** Where tokens live in one of the two worlds, with the knobs the tests turn. */
export interface TokenWorld {
  name: string;
  store: SecretStore;
  admin: TenantAdmin;
  /** A verifier as the HTTP functions build it, over this world's store. */
  verifier(now?: () => number): TenantTokenVerifier;
  /** The next rotation stops before this step, as when its runner dies between steps. */
  interruptBefore(step: RotationStep | undefined): void;
  /** Version id → stages of a secret, straight from the store's own state. */
  stages(secretId: string): Promise<Record<string, string[]>>;
  close(): Promise<void>;
}

/**
 * In AWS: the real rotation handler, invoked by a stateful fake of Secrets Manager that every
 * SecretsManagerClient talks to; the default tenant's secret is made as CloudFormation makes it.
 */
export async function awsWorld(): Promise<TokenWorld> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  delete process.env.LOCAL_SECRETS_DIR;
  const { handler } = await import('../../lambdas/rotation/handler');
  const fake = new FakeSecretsManager(handler);
  fake.seed(tenantSecretId(PREFIX, DEFAULT_TENANT), JSON.stringify({ tenant: DEFAULT_TENANT, bootstrap: 'generated-by-secrets-manager' }), ROTATION_FUNCTION_ARN);
  const store = new SecretsManagerStore(new SecretsManagerClient({ region: 'eu-west-1' }), tenantSecretId(PREFIX, DEFAULT_TENANT));
  return {
    name: 'Secrets Manager',
    store,
    // An interrupted rotation never finishes: the admin gives up after a moment instead of two minutes.
    admin: new TenantAdmin(store, PREFIX, { sleep: () => fake.settled().then(() => new Promise((resolve) => setTimeout(resolve, 5))), rotationTimeoutMs: 300 }),
    verifier: (now) => new TenantTokenVerifier(store, PREFIX, { now }),
    interruptBefore: (step) => {
      fake.failAt = step;
    },
    stages: async (secretId) => fake.stagesOf(secretId),
    close: async () => fake.restore(),
  };
}

/** Locally: the directory store, whose rotations run the same steps in this process. */
export async function localWorld(): Promise<TokenWorld> {
  const directory = await mkdtemp(join(tmpdir(), 'scim-secrets-'));
  let stopBefore: RotationStep | undefined;
  const store = new FileSecretStore(directory, async (self, secretId, versionId) => {
    for (const step of ROTATION_STEPS) {
      if (step === stopBefore) throw new Error(`interrupted before ${step}`);
      await runRotationStep(self, DEFAULT_TOKEN_POLICY, { secretId, versionId, step }, Date.now());
    }
  });
  return {
    name: 'local directory',
    store,
    admin: new TenantAdmin(store, PREFIX),
    verifier: (now) => new TenantTokenVerifier(store, PREFIX, { now }),
    interruptBefore: (step) => {
      stopBefore = step;
    },
    stages: async (secretId) => (await store.describe(secretId))?.versions ?? {},
    close: () => rm(directory, { recursive: true, force: true }),
  };
}

export const worlds: Array<[string, () => Promise<TokenWorld>]> = [
  ['Secrets Manager', awsWorld],
  ['local directory', localWorld],
];
