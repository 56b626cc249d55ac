import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { formatOf, itemAttributes, membershipItems, tableKeys } from '../../lambdas/contracts/table-design';
import type { Migration } from '../../lambdas/directory/ports/migrations';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { DynamoMigrationRunner } from '../../lambdas/store/dynamo-migration-runner';
import { adminCli } from '../support/admin-cli';
import { ensureTable } from '../../lib/local/local-environment';
import { writeStoreMarker } from '../../lib/local/local-store';
import { dynamoDbEndpoint } from '../support/scim-server';

/** A membership's two items as a build before format versions wrote them: no formatVersion. */
function formatOneItems(tenant: string) {
  return membershipItems(tenant, randomUUID(), randomUUID(), new Date().toISOString()).map(({ [itemAttributes.formatVersion]: _format, ...item }) => item);
}

describe('table migrations and items an older build wrote after the scan', () => {
  let dataDir: string;
  let tableName: string;
  let client: ReturnType<typeof createDocumentClient>;
  const run = (...args: string[]) => adminCli(['--data-dir', dataDir, ...args]);
  const put = (items: Array<Record<string, unknown>>) => Promise.all(items.map((Item) => client.send(new PutCommand({ TableName: tableName, Item }))));
  const formatOfItem = async (item: Record<string, unknown>) =>
    formatOf((await client.send(new GetCommand({ TableName: tableName, Key: { [tableKeys.partitionKey]: item[tableKeys.partitionKey], [tableKeys.sortKey]: item[tableKeys.sortKey] }, ConsistentRead: true }))).Item!);

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'scim-migrations-'));
    tableName = `test-${randomUUID()}`;
    await ensureTable(dynamoDbEndpoint(), tableName);
    writeStoreMarker(dataDir, dynamoDbEndpoint(), tableName);
    client = createDocumentClient(dynamoDbEndpoint());
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('migrations run --again moves a format 1 item written after a complete migration; a plain run leaves it', async () => {
    const before = formatOneItems('acme');
    await put(before);
    const first = await run('migrations', 'run');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out[0])).toMatchObject({ status: 'complete', migrated: 2 });
    for (const item of before) expect(await formatOfItem(item)).toBe(2);

    const straggler = formatOneItems('acme');
    await put(straggler);
    expect((await run('migrations', 'run')).code).toBe(0);
    expect(await formatOfItem(straggler[0])).toBe(1);

    const again = await run('migrations', 'run', '--again');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out[0])).toMatchObject({ status: 'complete', migrated: 2, skipped: 2 });
    for (const item of straggler) expect(await formatOfItem(item)).toBe(2);
  });

  it('takes --again only for migrations run', async () => {
    const refused = await run('migrations', 'status', '--again');
    expect(refused.code).toBe(2);
    expect(refused.err[0]).toMatch(/^Unknown command/);
  });

  it('a later migration first brings an item older than its own format through the earlier ones', async () => {
    // Two format steps that only stamp: the runner's order and bookkeeping, not any one release's change.
    const stamp = (from: number): Migration => ({ id: `test-${from}-to-${from + 1}`, from, to: from + 1, description: `stamps ${from + 1}`, change: () => ({ kind: 'format' }) });
    const runner = new DynamoMigrationRunner(client, tableName);
    const options = { segments: 2, itemsPerSecond: 1_000 };
    await put(formatOneItems('acme'));
    expect((await runner.run([stamp(1)], options)).complete).toBe(true);

    const straggler = formatOneItems('acme');
    await put(straggler);
    const { complete, progress } = await runner.run([stamp(1), stamp(2)], options);
    expect(complete).toBe(true);
    for (const item of straggler) expect(await formatOfItem(item)).toBe(3);
    const migrated = progress[1].segments.reduce((sum, segment) => sum + segment.migrated, 0);
    expect(migrated).toBe(4);
  });
});
