import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provisioningEvent, provisioningEventSchema } from '../../lambdas/contracts/events';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { schemaRegistry } from '../../lambdas/scim/extensions';
import { directoryServices } from '../../lambdas/wiring/dependencies';
import { adminCli } from '../support/admin-cli';
import { ensureTable, localEventsFile } from '../../lib/local/local-environment';
import { writeStoreMarker } from '../../lib/local/local-store';
import { dynamoDbEndpoint } from '../support/scim-server';

describe('admin CLI: activity, on the store of a running npm start', () => {
  let dataDir: string;
  let tableName: string;
  let client: ReturnType<typeof createDocumentClient>;
  const run = (...args: string[]) => adminCli(['--data-dir', dataDir, ...args]);
  const timeline = async (...args: string[]) => {
    const result = await run('activity', 'acme', ...args);
    expect({ code: result.code, err: result.err }).toEqual({ code: 0, err: [] });
    return result.out.map((line) => JSON.parse(line) as Record<string, unknown>);
  };
  const user = (type: 'user.created' | 'user.updated' | 'user.deleted', at: string, extra: Record<string, unknown> = {}) =>
    provisioningEvent(type, {
      eventId: `${type}-${at}`,
      tenant: 'acme',
      at,
      sequence: '1',
      id: 'u1',
      userName: 'Ada@Example.com',
      client: 'Okta',
      access: null,
      ...extra,
    } as never);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'scim-activity-'));
    tableName = `test-${randomUUID()}`;
    await ensureTable(dynamoDbEndpoint(), tableName);
    writeStoreMarker(dataDir, dynamoDbEndpoint(), tableName);
    expect((await run('tenants', 'create', 'acme')).code).toBe(0);
    client = createDocumentClient(dynamoDbEndpoint());
    // What the events consumer and the HTTP layer record, written through the same trail.
    const { trail } = directoryServices(client, tableName, { uniqueExternalId: false, registry: schemaRegistry() });
    await trail.recordEvents([
      [user('user.created', '2025-01-01T00:00:00.000Z')],
      [user('user.updated', '2025-01-02T00:00:00.000Z', { changedAttributes: ['userName'], previousUserName: 'Ada@Example.com', userName: 'ada.l@example.com' })],
      [provisioningEvent('tenant.settings_changed', { eventId: 's1', tenant: 'acme', at: '2025-01-02T12:00:00.000Z', sequence: '1', version: 1, previousVersion: 0, changed: ['seatLimit'], settings: { seatLimit: 1 } })],
      [user('user.deleted', '2025-01-03T00:00:00.000Z', { userName: 'ada.l@example.com' })],
    ]);
    await trail.refused('acme', { method: 'POST', resourceType: 'User', name: 'ADA@example.com', client: 'Okta', status: 409, scimType: 'uniqueness', code: 'uniqueness', detail: 'A User with userName "ada@example.com" already exists.' });
  });
  afterAll(async () => {
    client.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("prints a user's timeline, one JSON object a line, by any name it held (in any case) or its id, deleted or not", async () => {
    const byFirstName = await timeline('--user', 'ada@EXAMPLE.com');
    expect(byFirstName.map((entry) => [entry.type, entry.status, entry.scimType])).toEqual([
      ['user.created', undefined, undefined],
      ['user.updated', undefined, undefined],
      ['user.deleted', undefined, undefined],
      ['request.refused', 409, 'uniqueness'],
    ]);
    for (const entry of byFirstName) expect(entry).toEqual(expect.objectContaining({ at: expect.any(String), type: expect.any(String), id: expect.any(String) }));
    expect(byFirstName[0]).toMatchObject({ id: 'user.created-2025-01-01T00:00:00.000Z', userId: 'u1', client: 'Okta' });
    expect(byFirstName[3]).toMatchObject({ method: 'POST', userName: 'ADA@example.com', detail: expect.stringContaining('already exists') });
    // The renamed-to name finds the same user, but not the refused create made under the first name.
    expect((await timeline('--user', 'ada.l@example.com')).map((entry) => entry.type)).toEqual(['user.created', 'user.updated', 'user.deleted']);
    expect((await timeline('--user', 'u1')).map((entry) => entry.type)).toEqual(['user.created', 'user.updated', 'user.deleted']);
  });

  it('--since and --limit: from a time on, the most recent N, still oldest first', async () => {
    expect((await timeline('--user', 'u1', '--since', '2025-01-02')).map((entry) => entry.type)).toEqual(['user.updated', 'user.deleted']);
    expect((await timeline('--user', 'u1', '--limit', '1')).map((entry) => entry.type)).toEqual(['user.deleted']);
  });

  it("without --user or --group, the tenant's own trail; an unknown user or group has an empty one", async () => {
    expect((await timeline()).map((entry) => [entry.type, entry.changed])).toEqual([['tenant.settings_changed', ['seatLimit']]]);
    expect(await timeline('--group', 'Nobody')).toEqual([]);
  });

  it('refuses what it cannot answer: exit code 2 for usage, 1 for a bad value or an unknown tenant', async () => {
    for (const args of [['activity', 'acme', '--user', 'a', '--group', 'b'], ['seats', 'acme', '--user', 'a'], ['activity']]) {
      const result = await run(...args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
    }
    expect(await run('activity', 'acme', '--limit', '0')).toMatchObject({ code: 1, err: [expect.stringContaining('--limit')] });
    expect(await run('activity', 'acme', '--since', 'yesterday')).toMatchObject({ code: 1, err: [expect.stringContaining('--since')] });
    expect(await run('activity', 'nobody')).toMatchObject({ code: 1, err: ['No tenant "nobody". See: tenants list'] });
  });

  it('tokens rotate publishes tenant.token_rotated where npm start keeps its events, never the token', async () => {
    const token = (await run('tokens', 'rotate', 'acme')).out.at(-1)!;
    const lines = (await readFile(localEventsFile(dataDir), 'utf8')).split('\n').filter((line) => line !== '');
    const rotations = lines.map((line) => provisioningEventSchema.parse(JSON.parse(line))).filter((event) => event['detail-type'] === 'tenant.token_rotated');
    // One for the first token (tenants create), one for this rotation.
    expect(rotations).toHaveLength(2);
    expect(rotations[1].detail).toMatchObject({ tenant: 'acme', expiresAt: expect.any(String), previousTokenEndsAt: expect.any(String) });
    expect(lines.join('\n')).not.toContain(token);
  });
});
