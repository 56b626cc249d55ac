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
  const api = await startLocalScim({ root: resolve(__dirname, '../..'), dynamoDbEndpoint: store.endpoint, tableName, secretsDir });
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
