import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { join as joinPath } from 'node:path';
import { localDynamoDbClientConfig, type FunctionEnvironment } from '../../lambdas/contracts/environment';
import { DEFAULT_TENANT, LOCAL_SECRET_PREFIX } from '../../lambdas/contracts/tenancy';
import { checkLocalRequests, localTenantAdmin } from '../../lambdas/admin/tenant-admin';
import { createTableInput } from '../../lambdas/contracts/table-definition';
import { streamFunctions } from '../../lambdas/contracts/routes';
import type { ExtensionsDeclarationInput } from '../../lambdas/scim/extensions';
import { extensionsEnvironment } from '../scim-extensions';
import { startLocalApi, type LocalApi } from './local-api';
import { startStreamPoller, type StreamPoller } from './stream-poller';

export { localDataDir, localEventsFile, localSecretsDir } from './local-paths';

/** Creates the table when it is missing; says whether it did. */
export async function ensureTable(endpoint: string, tableName: string): Promise<boolean> {
  const client = new DynamoDBClient(localDynamoDbClientConfig(endpoint));
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return false;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    // DynamoDB Local answers ACTIVE at once; AWS takes seconds.
    await waitUntilTableExists({ client, maxWaitTime: 120 }, { TableName: tableName });
    return true;
  } finally {
    client.destroy();
  }
}

export interface LocalScimOptions {
  root: string;
  dynamoDbEndpoint: string;
  tableName: string;
  secretsDir: string;
  /** Where provisioning events are appended (localEventsFile), as the deployed stack publishes them on EventBridge. */
  eventsFile: string;
  host?: string;
  port?: number;
  /** Schema extensions, as the deployed functions get them (readExtensionsFile). */
  schemaExtensions?: ExtensionsDeclarationInput;
  /** Run the table's stream consumers (cleanup, events) here, as the stack's event source mappings do; default true. */
  streamConsumers?: boolean;
}

export interface LocalScim extends LocalApi {
  /** The default tenant's current token: made on first start, then kept across restarts. */
  token: string;
  /** Whether the table was missing, and made by this start. */
  tableCreated: boolean;
  /** Waits until the table's stream consumers have seen every change so far, the changes they made themselves included. */
  drainStreams(): Promise<void>;
  /** Holds the stream consumers back (after the batch under way) until resumeStreams(), so a test can read while cleanup is pending. */
  pauseStreams(): Promise<void>;
  resumeStreams(): void;
}

/** Table, token and environment as the deployed stack would give them, then the handlers over HTTP. */
export async function startLocalScim(options: LocalScimOptions): Promise<LocalScim> {
  const extensions = extensionsEnvironment(options.schemaExtensions);
  const tableCreated = await ensureTable(options.dynamoDbEndpoint, options.tableName);
  delete process.env.SCIM_EXTENSIONS;
  Object.assign(process.env, {
    TABLE_NAME: options.tableName,
    TENANT_SECRET_PREFIX: LOCAL_SECRET_PREFIX,
    LOCAL_SECRETS_DIR: options.secretsDir,
    DYNAMODB_ENDPOINT: options.dynamoDbEndpoint,
    EVENTS_FILE: options.eventsFile,
    ...extensions,
  } satisfies FunctionEnvironment);
  const token = await localTenantAdmin(options.secretsDir).ensure(DEFAULT_TENANT);
  checkLocalRequests(options.secretsDir);
  let pollers: StreamPoller[] = [];
  // A write's changes reach the consumers within the busy interval, however long the stream was idle:
  // the API's writes, and the consumers' own (cleanup's role refreshes are records for the others).
  const nudge = () => pollers.forEach((poller) => poller.nudge());
  const api = await startLocalApi({ root: options.root, host: options.host, port: options.port, onWrite: nudge });
  const consumers = options.streamConsumers === false ? [] : Object.values(streamFunctions);
  const started = await Promise.allSettled(
    consumers.map(async (fn) => {
      const { handler } = (await import(joinPath(options.root, fn.entry))) as { handler: Parameters<typeof startStreamPoller>[2] };
      const consumer: typeof handler = (event) => handler(event).finally(nudge);
      return startStreamPoller(options.dynamoDbEndpoint, options.tableName, consumer, fn.filter);
    }),
  );
  pollers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(pollers.map((poller) => poller.stop()));
    await api.close();
    throw failure.reason;
  }
  return {
    ...api,
    token,
    tableCreated,
    drainStreams: async () => {
      // One consumer's writes (cleanup's role refreshes) are records for the others: until a round reads nothing.
      while ((await Promise.all(pollers.map((poller) => poller.drain()))).some((read) => read > 0));
    },
    pauseStreams: async () => {
      await Promise.all(pollers.map((poller) => poller.pause()));
    },
    resumeStreams: () => pollers.forEach((poller) => poller.resume()),
    close: async () => {
      await Promise.all(pollers.map((poller) => poller.stop()));
      await api.close();
    },
  };
}
