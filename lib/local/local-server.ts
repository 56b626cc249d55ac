import { parseArgs } from 'node:util';
import { awsEndpointRegion } from '../../lambdas/contracts/environment';
import type { ExtensionsDeclarationInput } from '../../lambdas/scim/extensions';
import { startDynamoDbLocal } from './dynamodb-local';
import { localEventsFile, localSecretsDir, startLocalScim, type LocalScim } from './local-environment';
import { localDataDir } from './local-paths';
import { LOCAL_TABLE_NAME, localStoreDir, removeStoreMarker, writeStoreMarker } from './local-store';

export const START_USAGE = `Usage: npm start [-- --dynamodb-endpoint <url>]

  --dynamodb-endpoint <url>   a DynamoDB already running instead of the embedded one (also SCIM_DYNAMODB_ENDPOINT):
                              DynamoDB Local (http://127.0.0.1:8000, a container), or AWS's
                              (https://dynamodb.eu-west-1.amazonaws.com, default credential chain)
Environment: PORT (8080), SCIM_DATA_DIR (.scim-data), SCIM_TABLE_NAME (${LOCAL_TABLE_NAME}), SCIM_EXTENSIONS_FILE.`;

export interface LocalServerOptions {
  /** Where the tokens, the provisioning events and (embedded) the store are kept. */
  dataDir: string;
  port: number;
  tableName: string;
  /** A DynamoDB already running; the embedded DynamoDB Local in the data directory when undefined. */
  dynamoDbEndpoint?: string;
  /** The region of dynamoDbEndpoint when it is AWS's. */
  awsRegion?: string;
}

/** DynamoDB's rule for table names. */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** `npm start`'s options from its arguments and environment (a flag wins over its variable); throws what it cannot use. */
export function localServerOptions(argv: string[], environment: NodeJS.ProcessEnv, root: string): LocalServerOptions {
  const { values } = parseArgs({ args: argv, options: { 'dynamodb-endpoint': { type: 'string' } }, strict: true });
  const endpoint = values['dynamodb-endpoint'] ?? (environment.SCIM_DYNAMODB_ENDPOINT || undefined);
  if (endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    if (url && (url.username !== '' || url.password !== '')) {
      throw new Error("The DynamoDB endpoint must not carry credentials: DynamoDB Local takes any, and AWS's come from the default credential chain.");
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.pathname !== '/' || url.search !== '') {
      throw new Error(`The DynamoDB endpoint must be an http(s) URL of a host and port only, such as http://127.0.0.1:8000, not ${JSON.stringify(endpoint)}.`);
    }
  }
  const port = Number(environment.PORT || '8080');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not ${JSON.stringify(environment.PORT)}.`);
  const tableName = environment.SCIM_TABLE_NAME || LOCAL_TABLE_NAME;
  if (!TABLE_NAME.test(tableName)) throw new Error(`SCIM_TABLE_NAME must be a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -), not ${JSON.stringify(tableName)}.`);
  return {
    dataDir: localDataDir(root, environment),
    port,
    tableName,
    dynamoDbEndpoint: endpoint === undefined ? undefined : new URL(endpoint).origin,
    awsRegion: endpoint === undefined ? undefined : awsEndpointRegion(endpoint),
  };
}

export interface LocalServer {
  scim: LocalScim;
  /** The store's endpoint: the embedded one's, or the one given. */
  dynamoDbEndpoint: string;
  /** What start-up has to tell besides the base URL and token: which store, a table it made, consumers it left out. */
  notes: string[];
  stop(): Promise<void>;
}

/** What `npm start` runs: the store (embedded unless an endpoint is given), the handlers over HTTP, the stream consumers. */
export async function startLocalServer(
  options: LocalServerOptions & { root: string; schemaExtensions?: ExtensionsDeclarationInput; host?: string },
): Promise<LocalServer> {
  const embedded = options.dynamoDbEndpoint === undefined ? await startDynamoDbLocal({ dataDir: localStoreDir(options.dataDir) }) : undefined;
  const endpoint = embedded?.endpoint ?? options.dynamoDbEndpoint!;
  let scim: LocalScim;
  try {
    scim = await startLocalScim({
      root: options.root,
      dynamoDbEndpoint: endpoint,
      tableName: options.tableName,
      secretsDir: localSecretsDir(options.dataDir),
      eventsFile: localEventsFile(options.dataDir),
      host: options.host,
      port: options.port,
      schemaExtensions: options.schemaExtensions,
      // In AWS the table's stream has consumers of its own (the deployed stack's); a second reader here would run cleanup and events twice.
      streamConsumers: options.awsRegion === undefined,
    });
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  const notes: string[] = [];
  try {
    // In AWS the deployed stack's migration function moves the table; here, before start-up is reported.
    if (options.awsRegion === undefined) notes.push(...(await migrateTable({ tableName: options.tableName, endpoint }, scim.tableCreated)));
  } catch (error) {
    await Promise.allSettled([scim.close(), embedded?.stop()]);
    throw error;
  }
  writeStoreMarker(options.dataDir, endpoint, options.tableName, process.pid, scim.baseUrl);
  if (options.awsRegion) {
    notes.push(`Store: table "${options.tableName}" in AWS (${options.awsRegion}), with the default AWS credential chain.`);
    if (scim.tableCreated) {
      notes.push(`The table did not exist in AWS: created it (on-demand, with a stream; without the stack's TTL, point-in-time recovery and deletion protection).`);
    }
    notes.push(`Stream consumers (cleanup, provisioning events) do not run here: in AWS they are the deployed stack's functions.`);
  } else if (!embedded) {
    notes.push(`Store: table "${options.tableName}" at ${endpoint}${scim.tableCreated ? ' (created)' : ''}.`);
  }
  return {
    scim,
    dynamoDbEndpoint: endpoint,
    notes,
    stop: async () => {
      removeStoreMarker(options.dataDir);
      await Promise.allSettled([scim.close(), embedded?.stop()]);
    },
  };
}

/** Items a second the local run moves: a data directory written by an older build is small. */
const LOCAL_MIGRATION_RATE = 2000;

/**
 * Runs the table's pending format migrations (a data directory written by an older build upgrades
 * itself); the server already answers meanwhile, reading both formats. Answers what to tell.
 */
async function migrateTable(location: { tableName: string; endpoint: string }, created: boolean): Promise<string[]> {
  const { tableAdmin } = await import('../../lambdas/admin/table-admin');
  const admin = tableAdmin(location);
  try {
    if (created) {
      await admin.migrations.completeNew();
      return [];
    }
    const before = await admin.migrations.status();
    if (before.every((migration) => migration.status === 'complete')) return [];
    const run = await admin.migrations.run({ itemsPerSecond: LOCAL_MIGRATION_RATE, log: (message, fields) => console.log(`${message} ${JSON.stringify(fields)}`) });
    return run.migrations.filter((migration) => migration.migrated + migration.conflicts > 0).map(
      (migration) =>
        `Migration ${migration.id} (format ${migration.from} to ${migration.to}): ${migration.status}, ${migration.migrated} items moved, ${migration.skipped} already moved` +
        (migration.conflicts > 0 ? `, ${migration.conflicts} left in format ${migration.from} (npm run admin -- migrations status names them)` : ''),
    );
  } finally {
    admin.close();
  }
}
