import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileSecretSource } from '../../lambdas/auth/secret-source';
import { newToken, tokenSecretSchema, type TokenSecret } from '../../lambdas/auth/token-verifier';
import { createTableInput } from '../../lambdas/store/table-definition';
import { join as joinPath } from 'node:path';
import { streamFunctions } from '../../lambdas/routes';
import type { ExtensionsDeclarationInput } from '../../lambdas/scim/extensions';
import { extensionsEnvironment } from '../scim-extensions';
import { startLocalApi, type LocalApi } from './local-api';
import { startStreamPoller } from './stream-poller';

export const LOCAL_TOKEN_SECRET_ID = 'scim/tenants/default/token';
export const DEFAULT_TENANT = 'default';

export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } finally {
    client.destroy();
  }
}

/**
 * The default tenant's token, kept where the local stand-in for Secrets Manager reads it.
 * An explicit token replaces the stored one; otherwise the stored one is kept across restarts
 * (the IdP was configured with it), and a new one is made only the first time.
 */
export async function ensureToken(secretsDir: string, explicit?: string): Promise<string> {
  await mkdir(secretsDir, { recursive: true, mode: 0o700 });
  const file = join(secretsDir, FileSecretSource.fileName(LOCAL_TOKEN_SECRET_ID));
  if (!explicit) {
    try {
      const stored = tokenSecretSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (stored.success) return stored.data.token;
    } catch {
      // No stored token yet.
    }
  }
  const secret: TokenSecret = { tenant: DEFAULT_TENANT, token: explicit ?? newToken() };
  tokenSecretSchema.parse(secret);
  await writeFile(file, JSON.stringify(secret), { mode: 0o600 });
  return secret.token;
}

export interface LocalScimOptions {
  root: string;
  dynamoDbEndpoint: string;
  tableName: string;
  secretsDir: string;
  token?: string;
  host?: string;
  port?: number;
  /** Schema extensions, as the deployed functions get them (readExtensionsFile). */
  schemaExtensions?: ExtensionsDeclarationInput;
}

export interface LocalScim extends LocalApi {
  token: string;
  /** Waits until the table's stream consumers have seen every change so far. */
  drainStreams(): Promise<void>;
}

/** Table, token and environment as the deployed stack would give them, then the handlers over HTTP. */
export async function startLocalScim(options: LocalScimOptions): Promise<LocalScim> {
  const extensions = extensionsEnvironment(options.schemaExtensions);
  await ensureTable(options.dynamoDbEndpoint, options.tableName);
  const token = await ensureToken(options.secretsDir, options.token);
  delete process.env.SCIM_EXTENSIONS;
  Object.assign(process.env, {
    TABLE_NAME: options.tableName,
    TOKEN_SECRET_ID: LOCAL_TOKEN_SECRET_ID,
    LOCAL_SECRETS_DIR: options.secretsDir,
    DYNAMODB_ENDPOINT: options.dynamoDbEndpoint,
    ...extensions,
  });
  const api = await startLocalApi({ root: options.root, host: options.host, port: options.port });
  const pollers = await Promise.all(
    Object.values(streamFunctions).map(async (fn) => {
      const module = (await import(joinPath(options.root, fn.entry))) as { handler: Parameters<typeof startStreamPoller>[2] };
      return startStreamPoller(options.dynamoDbEndpoint, options.tableName, module.handler);
    }),
  );
  return {
    ...api,
    token,
    drainStreams: async () => {
      await Promise.all(pollers.map((poller) => poller.drain()));
    },
    close: async () => {
      await Promise.all(pollers.map((poller) => poller.stop()));
      await api.close();
    },
  };
}
