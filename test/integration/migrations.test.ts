import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_TENANT } from '../../lambdas/contracts/tenancy';
import { derivedAttributes, FORMAT_VERSION, foldCase, formatOf, itemAttributes, keys, keyValue, legacyFold, tableKeys } from '../../lambdas/contracts/table-design';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { migrationTotals, tableMigrations } from '../../lambdas/wiring/migrations';
import { unique } from '../support/scim-server';
import { useScimServer } from '../support/scim-fixture';

const scim = useScimServer();

const fullwidth = (name: string) => [...name].map((c) => (/[a-z]/i.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('');

describe('format migrations', () => {
  const client = () => createDocumentClient(scim.server.dynamoDbEndpoint);

  /** Every item as an earlier build wrote it: no formatVersion; the named users' keys folded by legacyFold, no keyFold. */
  async function asWrittenBefore(legacyUsers: Array<{ id: string; userName: string }>) {
    // The stream consumers write the activity trail after the writes: done before the items are turned back.
    await scim.server.drainStreams();
    const db = client();
    const TableName = scim.server.tableName;
    for (const { id, userName } of legacyUsers) {
      await db.send(new DeleteCommand({ TableName, Key: keys.unique(DEFAULT_TENANT, 'User', 'userName', keyValue(foldCase(userName))) }));
      await db.send(new PutCommand({ TableName, Item: { ...keys.unique(DEFAULT_TENANT, 'User', 'userName', keyValue(legacyFold(userName))), tenant: DEFAULT_TENANT, id, attribute: 'userName' } }));
      await db.send(new UpdateCommand({ TableName, Key: keys.resource(DEFAULT_TENANT, 'User', id), UpdateExpression: `REMOVE ${derivedAttributes.keyFold}` }));
    }
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await db.send(new ScanCommand({ TableName, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) {
        await db.send(new UpdateCommand({ TableName, Key: { pk: item.pk, sk: item.sk }, UpdateExpression: `REMOVE ${itemAttributes.formatVersion}` }));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async function formats(): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client().send(new ScanCommand({ TableName: scim.server.tableName, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) counts.set(formatOf(item), (counts.get(formatOf(item)) ?? 0) + 1);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return counts;
  }

  it('moves every item to the current format, re-keys legacy names, resumes after a pause, and does nothing on a second pass', async () => {
    const tag = unique('mig');
    const legacy = await scim.createUser({ userName: `${fullwidth('Old')}.${tag}@example.com` });
    const decomposed = await scim.createUser({ userName: `A\u030aSE.${tag}@example.com` });
    const plain = await scim.createUsers(6);
    const group = await scim.createGroup({ displayName: `Migrated ${tag}` });
    await scim.addMembers(group.id, [legacy.id, plain[0].id]);
    const legacyGroup = await scim.createGroup({ displayName: `${fullwidth('Ops')} ${tag}` });
    await asWrittenBefore([legacy, decomposed]);
    const TableName = scim.server.tableName;
    const groupKey = (fold: (value: string) => string) => keys.unique(DEFAULT_TENANT, 'Group', 'displayName', keyValue(fold(legacyGroup.displayName)));
    await client().send(new DeleteCommand({ TableName, Key: groupKey(foldCase) }));
    await client().send(new PutCommand({ TableName, Item: { ...groupKey(legacyFold), tenant: DEFAULT_TENANT, id: legacyGroup.id, attribute: 'displayName' } }));
    await client().send(new UpdateCommand({ TableName, Key: keys.resource(DEFAULT_TENANT, 'Group', legacyGroup.id), UpdateExpression: `REMOVE ${derivedAttributes.keyFold}` }));
    expect([...(await formats()).keys()]).toEqual([1]);
    // A change of members moves the group to its next version without rewriting its keys: it stays in format 1.
    await scim.addMembers(legacyGroup.id, [legacy.id]);
    await scim.server.drainStreams();
    const touched = (await client().send(new GetCommand({ TableName, Key: keys.resource(DEFAULT_TENANT, 'Group', legacyGroup.id) }))).Item!;
    expect({ version: touched.version, format: formatOf(touched) }).toEqual({ version: 2, format: 1 });

    const migrations = tableMigrations(client(), scim.server.tableName);
    expect((await migrations.status()).map((progress) => progress.status)).toEqual(['pending']);
    const paused = await migrations.run({ deadline: Date.now() - 1, segments: 3 });
    expect(paused.complete).toBe(false);
    expect(paused.progress[0]).toMatchObject({ status: 'running', segments: [{ done: false }, { done: false }, { done: false }] });

    const run = await migrations.run({ itemsPerSecond: 1000 });
    expect(run.complete).toBe(true);
    const [progress] = await migrations.status();
    expect(progress).toMatchObject({ status: 'complete', startedAt: expect.any(String), finishedAt: expect.any(String) });
    expect(progress.segments).toHaveLength(3);
    expect(migrationTotals(progress)).toMatchObject({ conflicts: 0, segmentsDone: 3 });
    expect(migrationTotals(progress).migrated).toBeGreaterThan(20);
    expect([...(await formats()).keys()]).toEqual([FORMAT_VERSION]);

    expect((await client().send(new GetCommand({ TableName, Key: groupKey(legacyFold) }))).Item).toBeUndefined();
    expect((await client().send(new GetCommand({ TableName, Key: groupKey(foldCase) }))).Item?.id).toBe(legacyGroup.id);
    for (const user of [legacy, decomposed]) {
      expect((await client().send(new GetCommand({ TableName, Key: keys.unique(DEFAULT_TENANT, 'User', 'userName', keyValue(legacyFold(user.userName))) }))).Item).toBeUndefined();
      expect((await client().send(new GetCommand({ TableName, Key: keys.unique(DEFAULT_TENANT, 'User', 'userName', keyValue(foldCase(user.userName))) }))).Item?.id).toBe(user.id);
      const item = (await client().send(new GetCommand({ TableName, Key: keys.resource(DEFAULT_TENANT, 'User', user.id) }))).Item!;
      expect({ keyFold: item[derivedAttributes.keyFold], version: item.version }).toEqual({ keyFold: 2, version: 1 });
      const found = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${user.userName.normalize('NFKC')}"`)}`);
      expect(found.body.Resources?.map((resource: { id: string }) => resource.id)).toEqual([user.id]);
    }
    expect((await scim('GET', `/Groups/${group.id}`)).body.members.map((member: { value: string }) => member.value).sort()).toEqual([legacy.id, plain[0].id].sort());

    const again = await migrations.run({ again: true, itemsPerSecond: 1000 });
    expect(again.complete).toBe(true);
    expect(migrationTotals(again.progress[0])).toMatchObject({ migrated: 0, conflicts: 0 });
    expect(migrationTotals(again.progress[0]).skipped).toBeGreaterThan(20);
  });

  it('leaves a user whose new key another user holds in the old format, found by both names', async () => {
    const tag = unique('clash');
    const ascii = await scim.createUser({ userName: `clash.${tag}@example.com` });
    const other = await scim.createUser({ userName: `other.${tag}@example.com` });
    // Before RFC 8265 folding, the fullwidth form was a userName of its own.
    const clashing = { id: other.id, userName: fullwidth(`clash.${tag}@example.com`) };
    const db = client();
    const TableName = scim.server.tableName;
    await db.send(new UpdateCommand({ TableName, Key: keys.resource(DEFAULT_TENANT, 'User', other.id), UpdateExpression: 'SET #resource.userName = :name', ExpressionAttributeNames: { '#resource': 'resource' }, ExpressionAttributeValues: { ':name': clashing.userName } }));
    await db.send(new DeleteCommand({ TableName, Key: keys.unique(DEFAULT_TENANT, 'User', 'userName', keyValue(foldCase(other.userName))) }));
    await asWrittenBefore([clashing]);
    // Both folds of the two names meet at one key under RFC 8265: the ASCII user holds it.
    await db.send(new PutCommand({ TableName, Item: { ...keys.unique(DEFAULT_TENANT, 'User', 'userName', keyValue(foldCase(ascii.userName))), tenant: DEFAULT_TENANT, id: ascii.id, attribute: 'userName' } }));

    const migrations = tableMigrations(db, TableName);
    const run = await migrations.run({ again: true, itemsPerSecond: 1000 });
    expect(run.complete).toBe(true);
    expect(migrationTotals(run.progress[0]).conflicts).toBe(1);
    expect(run.progress[0].conflictKeys).toEqual([keys.resource(DEFAULT_TENANT, 'User', other.id)]);
    const item = (await db.send(new GetCommand({ TableName, Key: keys.resource(DEFAULT_TENANT, 'User', other.id) }))).Item!;
    expect(formatOf(item)).toBe(1);
    const ids = (await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${clashing.userName}"`)}`)).body.Resources.map((user: { id: string }) => user.id).sort();
    expect(ids).toEqual([ascii.id, other.id].sort());
  });

  it('keeps its pace, and never writes over a provisioning write made meanwhile', async () => {
    const user = await scim.createUser({ userName: `${fullwidth('Busy')}.${unique('busy')}@example.com` });
    await asWrittenBefore([user]);
    const migrations = tableMigrations(client(), scim.server.tableName);
    const started = Date.now();
    const [run, patched] = await Promise.all([
      migrations.run({ again: true, itemsPerSecond: 50 }),
      scim('PATCH', `/Users/${user.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'displayName', value: 'Busy' }] }),
    ]);
    expect(patched.status).toBe(200);
    expect(run.complete).toBe(true);
    // 50 items a second, all segments together.
    expect(Date.now() - started).toBeGreaterThanOrEqual(((migrationTotals(run.progress[0]).scanned - 1) / 50) * 1000);
    const read = await scim('GET', `/Users/${user.id}`);
    expect({ displayName: read.body.displayName, version: read.body.meta.version }).toEqual({ displayName: 'Busy', version: patched.body.meta.version });
    const item = (await client().send(new GetCommand({ TableName: scim.server.tableName, Key: keys.resource(DEFAULT_TENANT, 'User', user.id) }))).Item!;
    expect(item[tableKeys.partitionKey]).toBeDefined();
    expect(formatOf(item)).toBe(FORMAT_VERSION);
  });
});
