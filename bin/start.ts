import { resolve } from 'node:path';
import { DEFAULT_TENANT } from '../lambdas/contracts/tenancy';
import { startDynamoDbLocal } from '../lib/local/dynamodb-local';
import { localDataDir, localEventsFile, localSecretsDir, startLocalScim } from '../lib/local/local-environment';
import { LOCAL_TABLE_NAME, localStoreDir, removeStoreMarker, writeStoreMarker } from '../lib/local/local-store';
import { readExtensionsFile } from '../lib/scim-extensions';

const root = resolve(__dirname, '..');
const dataDir = localDataDir(root);
const port = Number.parseInt(process.env.PORT ?? '8080', 10);

async function main() {
  let schemaExtensions: ReturnType<typeof readExtensionsFile>;
  try {
    schemaExtensions = readExtensionsFile(root, process.env.SCIM_EXTENSIONS_FILE || undefined);
  } catch (error) {
    console.error(`Could not start: ${(error as Error).message}`);
    process.exit(1);
  }
  const store = await startDynamoDbLocal({ dataDir: localStoreDir(dataDir) });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    removeStoreMarker(dataDir);
    await Promise.allSettled([api?.close(), store.stop()]);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  let api: Awaited<ReturnType<typeof startLocalScim>> | undefined;
  try {
    api = await startLocalScim({
      root,
      dynamoDbEndpoint: store.endpoint,
      tableName: LOCAL_TABLE_NAME,
      secretsDir: localSecretsDir(dataDir),
      eventsFile: localEventsFile(dataDir),
      port,
      schemaExtensions,
    });
  } catch (error) {
    console.error(`Could not start: ${(error as Error).message}`);
    await stop(1);
    return;
  }
  writeStoreMarker(dataDir, store.endpoint, LOCAL_TABLE_NAME, process.pid, api.baseUrl);
  console.log(`SCIM base URL: ${api.baseUrl}`);
  console.log(`Data directory: ${dataDir}`);
  console.log(`Provisioning events: ${localEventsFile(dataDir)}`);
  if (schemaExtensions) console.log(`Schema extensions: ${schemaExtensions.extensions.map((extension) => extension.id).join(', ')}`);
  // The admin tools find this data directory only if they are told the same one.
  const withDataDir = dataDir === localDataDir(root, {}) ? '' : `SCIM_DATA_DIR=${dataDir} `;
  console.log(`More tenants: ${withDataDir}npm run admin -- tenants create <name>`);
  console.log(`Console (tenants, tokens, roles, users, activity): ${withDataDir}npm run console`);
  console.log(`Bearer token of tenant "${DEFAULT_TENANT}" (Okta: HTTP Header auth; Entra ID: Secret Token):`);
  console.log(api.token);
}

void main();
