import { resolve } from 'node:path';
import { DEFAULT_TENANT } from '../lambdas/contracts/tenancy';
import { localEventsFile } from '../lib/local/local-environment';
import { localDataDir } from '../lib/local/local-paths';
import { localServerOptions, START_USAGE, startLocalServer, type LocalServer, type LocalServerOptions } from '../lib/local/local-server';
import { readExtensionsFile } from '../lib/scim-extensions';

const root = resolve(__dirname, '..');

async function main() {
  let options: LocalServerOptions;
  let schemaExtensions: ReturnType<typeof readExtensionsFile>;
  try {
    options = localServerOptions(process.argv.slice(2), process.env, root);
    schemaExtensions = readExtensionsFile(root, process.env.SCIM_EXTENSIONS_FILE || undefined);
  } catch (error) {
    console.error(`Could not start: ${(error as Error).message}\n\n${START_USAGE}`);
    process.exit(1);
  }
  let server: LocalServer | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await server?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    server = await startLocalServer({ ...options, root, schemaExtensions });
  } catch (error) {
    console.error(`Could not start: ${(error as Error).message}`);
    process.exit(1);
  }
  const { dataDir } = options;
  console.log(`SCIM base URL: ${server.scim.baseUrl}`);
  console.log(`Data directory: ${dataDir}`);
  for (const note of server.notes) console.log(note);
  console.log(`Provisioning events: ${localEventsFile(dataDir)}`);
  if (schemaExtensions) console.log(`Schema extensions: ${schemaExtensions.extensions.map((extension) => extension.id).join(', ')}`);
  // The admin tools find this data directory only if they are told the same one.
  const withDataDir = dataDir === localDataDir(root, {}) ? '' : `SCIM_DATA_DIR=${dataDir} `;
  console.log(`More tenants: ${withDataDir}npm run admin -- tenants create <name>`);
  console.log(`Console (tenants, tokens, roles, users, activity): ${withDataDir}npm run console`);
  console.log(`Bearer token of tenant "${DEFAULT_TENANT}" (Okta: HTTP Header auth; Entra ID: Secret Token):`);
  console.log(server.scim.token);
}

void main();
