import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startDynamoDbLocal } from './dynamodb-local';
import { ensureTable } from './local-environment';

/** The table of a local data directory, as `npm start` and the admin CLI name it. */
export const LOCAL_TABLE_NAME = 'scim';

/** Where a data directory's embedded store keeps its database. */
export function localStoreDir(dataDir: string): string {
  return join(dataDir, 'dynamodb');
}

/** `npm start` leaves its store's endpoint here while it runs, so the admin CLI can share the store. */
function markerFile(dataDir: string): string {
  return join(dataDir, 'store.json');
}

export function writeStoreMarker(dataDir: string, endpoint: string, tableName: string, pid = process.pid, scimBaseUrl?: string): void {
  writeFileSync(markerFile(dataDir), JSON.stringify({ endpoint, tableName, pid, scimBaseUrl }), { mode: 0o600 });
}

/** The SCIM base URL of the `npm start` serving this data directory, while one runs. */
export function runningScimBaseUrl(dataDir: string): string | undefined {
  try {
    const marker = JSON.parse(readFileSync(markerFile(dataDir), 'utf8')) as { pid: number; scimBaseUrl?: string };
    process.kill(marker.pid, 0);
    return marker.scimBaseUrl;
  } catch {
    return undefined;
  }
}

export function removeStoreMarker(dataDir: string): void {
  rmSync(markerFile(dataDir), { force: true });
}

export interface LocalTable {
  endpoint: string;
  tableName: string;
  /** Stops the store if this call started it. */
  close(): Promise<void>;
}

/**
 * The data directory's table: the running `npm start`'s store when there is one (one DynamoDB
 * Local per database file), otherwise a store started for the caller and stopped by `close`.
 */
export async function openLocalTable(dataDir: string): Promise<LocalTable> {
  const running = await runningStore(dataDir);
  if (running) return { ...running, close: async () => undefined };
  const store = await startDynamoDbLocal({ dataDir: localStoreDir(dataDir) });
  await ensureTable(store.endpoint, LOCAL_TABLE_NAME);
  return { endpoint: store.endpoint, tableName: LOCAL_TABLE_NAME, close: () => store.stop() };
}

async function runningStore(dataDir: string): Promise<{ endpoint: string; tableName: string } | undefined> {
  let marker: { endpoint: string; tableName: string; pid: number };
  try {
    marker = JSON.parse(readFileSync(markerFile(dataDir), 'utf8'));
    process.kill(marker.pid, 0);
  } catch {
    return undefined;
  }
  const url = new URL(marker.endpoint);
  const reachable = await new Promise<boolean>((resolve) => {
    // An endpoint given to npm start may name no port (https://dynamodb.<region>.amazonaws.com).
    const socket = connect(Number(url.port || (url.protocol === 'https:' ? 443 : 80)), url.hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  return reachable ? { endpoint: marker.endpoint, tableName: marker.tableName } : undefined;
}
