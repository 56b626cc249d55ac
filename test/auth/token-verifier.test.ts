import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerSource } from '../../lambdas/auth/secret-source';
import { SECRET_CACHE_MS, SecretTokenVerifier } from '../../lambdas/auth/token-verifier';
import { ScimError } from '../../lambdas/scim/errors';

// Secrets Manager has no local emulator; its adapter is tested against the SDK mock.
const secretsManager = mockClient(SecretsManagerClient);
const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:scim-token';
const TOKEN = 'tok_0123456789abcdefghijklmnopqrstuvwxyzABCD';

function verifierAt(clock: { now: number }) {
  return new SecretTokenVerifier(new SecretsManagerSource(new SecretsManagerClient({ region: 'eu-west-1' })), SECRET_ID, () => clock.now);
}

async function rejection(promise: Promise<unknown>): Promise<ScimError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    return error as ScimError;
  }
  throw new Error('expected a rejection');
}

beforeEach(() => {
  secretsManager.reset();
  secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: JSON.stringify({ tenant: 'default', token: TOKEN }) });
});

describe('SecretTokenVerifier over Secrets Manager', () => {
  it('accepts the Bearer token and the bare token Okta Header auth sends, case-insensitive scheme', async () => {
    const verifier = verifierAt({ now: 0 });
    await expect(verifier.verify(`Bearer ${TOKEN}`)).resolves.toEqual({ tenant: 'default' });
    await expect(verifier.verify(`bearer   ${TOKEN}`)).resolves.toEqual({ tenant: 'default' });
    await expect(verifier.verify(TOKEN)).resolves.toEqual({ tenant: 'default' });
  });

  it('refuses a missing, empty or wrong token with 401 and a WWW-Authenticate challenge', async () => {
    const verifier = verifierAt({ now: 0 });
    for (const header of [undefined, '', 'Bearer ', `Bearer ${TOKEN}x`, TOKEN.slice(1), `Basic ${TOKEN}`]) {
      const error = await rejection(verifier.verify(header));
      expect(error.status).toBe(401);
      expect(error.headers['WWW-Authenticate']).toContain('Bearer');
      expect(error.detail).not.toContain(TOKEN);
    }
  });

  it('answers 503 with Retry-After, never 401, when Secrets Manager is unreachable', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' }));
    const error = await rejection(verifierAt({ now: 0 }).verify(`Bearer ${TOKEN}`));
    expect(error.status).toBe(503);
    expect(Number(error.headers['Retry-After'])).toBeGreaterThan(0);
  });

  it('answers 503 when the secret is missing or malformed, telling the operator', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'no such secret', $metadata: {} }));
    expect((await rejection(verifierAt({ now: 0 }).verify(`Bearer ${TOKEN}`))).status).toBe(503);
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{"tenant":"default"}' });
    const error = await rejection(verifierAt({ now: 0 }).verify(`Bearer ${TOKEN}`));
    expect(error.status).toBe(503);
    expect(error.detail).toContain('operator');
  });

  it('reads the secret once per cache window, and sees a new token after it', async () => {
    const clock = { now: 1_000 };
    const verifier = verifierAt(clock);
    await verifier.verify(`Bearer ${TOKEN}`);
    await verifier.verify(`Bearer ${TOKEN}`);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);

    const rotated = 'tok_rotated_0123456789abcdefghijklmnopqrstuvwxyz';
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ tenant: 'default', token: rotated }) });
    clock.now += SECRET_CACHE_MS - 1;
    await expect(verifier.verify(`Bearer ${TOKEN}`)).resolves.toEqual({ tenant: 'default' });
    clock.now += 2;
    expect((await rejection(verifier.verify(`Bearer ${TOKEN}`))).status).toBe(401);
    await expect(verifier.verify(`Bearer ${rotated}`)).resolves.toEqual({ tenant: 'default' });
    expect(SECRET_CACHE_MS).toBeLessThanOrEqual(5 * 60 * 1000);
  });
});
