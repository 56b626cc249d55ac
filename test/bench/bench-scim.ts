import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDynamoDbLocal } from '../../lib/local/dynamodb-local';
import { startLocalScim } from '../../lib/local/local-environment';

/** The embedded store in memory and the real handlers over HTTP on it, as a benchmark uses them. */
export async function startBenchScim(tableName: string) {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.JAVA_TOOL_OPTIONS ??= '-Xmx6g';
  const store = await startDynamoDbLocal();
  const secretsDir = await mkdtemp(join(tmpdir(), 'bench-secrets-'));
  const api = await startLocalScim({ root: resolve(__dirname, '../..'), dynamoDbEndpoint: store.endpoint, tableName, secretsDir, eventsFile: join(secretsDir, 'events.jsonl') });
  return {
    store,
    api,
    headers: { Authorization: `Bearer ${api.token}`, 'Content-Type': 'application/scim+json' },
    close: async () => {
      await api.close();
      await store.stop();
      await rm(secretsDir, { recursive: true, force: true });
    },
  };
}

/** A bench size from the environment (e.g. BENCH_LARGE=1000 for a quick run), at least `min`. */
export function intFromEnv(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer of at least ${min}, not ${JSON.stringify(raw)}`);
  return value;
}
