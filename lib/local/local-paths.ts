import { join, resolve } from 'node:path';

/** Where a data directory keeps what: only paths here, so the admin CLI reads them without loading the local server. */

/** The data directory of `npm start` and the admin CLI: SCIM_DATA_DIR, or `.scim-data` in the project. */
export function localDataDir(root: string, environment: NodeJS.ProcessEnv = process.env): string {
  return resolve(environment.SCIM_DATA_DIR || resolve(root, '.scim-data'));
}

/** Where `npm start` and the admin CLI keep a data directory's secrets. */
export function localSecretsDir(dataDir: string): string {
  return join(dataDir, 'secrets');
}

/** Where `npm start` (and the admin CLI's token rotations) append a data directory's provisioning events, one JSON object a line. */
export function localEventsFile(dataDir: string): string {
  return join(dataDir, 'events.jsonl');
}
