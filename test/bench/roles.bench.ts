/**
 * Roles benchmark: does keeping every user's role cost a membership PATCH the same on a mapped
 * 100,000-member group as on a mapped 10-member group, and how long does a settings change take
 * to reach every member of a 10,000-member group? A benchmark, not a jest test.
 *
 * Usage (from the project root; needs Java 17 for the embedded DynamoDB Local):
 *
 *   npx tsx test/bench/roles.bench.ts
 *
 * Optional environment:
 *   BENCH_LARGE=100000         members of the large mapped group
 *   BENCH_SMALL=10             members of the small mapped group
 *   BENCH_SETTINGS_GROUP=10000 members of the group a settings change remaps
 *   BENCH_SAMPLES=50           measured PATCH add and PATCH remove per group
 *   BENCH_WARMUP=5             unmeasured pairs per group before those
 *   BENCH_SEED_PARALLEL=32     user inserts in flight while seeding
 *
 * Set-up goes around HTTP, as group-size.bench.ts does: users through ResourceService (the code
 * path of POST /Users), memberships through DynamoMembershipStore.add (the code path of PATCH
 * add), groups with POST /Groups. The settings map both measured groups before the memberships
 * are written; the stream is paused from then on, so the roles of the seeded members are never
 * computed (100,000 refreshes would take the embedded store most of an hour) and no backlog runs
 * during the measurement. Measured PATCHes go over HTTP, one at a time, the two groups alternating
 * sample by sample so that drift hits both alike; each computes its member's role in the request.
 *
 * The settings change runs first, in a tenant of its own holding just the group's members (a
 * settings change recomputes every user of its tenant, so in the PATCH tenant it would measure
 * 100,000 users, not the group): the first settings of that tenant map the group to admin. It is
 * timed from settings.set until the stream has been drained and every member's stored access
 * shows admin (checked by reading every user item).
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { tableAdmin } from '../../lambdas/admin/table-admin';
import { keys, type Access } from '../../lambdas/contracts/table-design';
import { groupKind } from '../../lambdas/directory/groups';
import { ResourceService } from '../../lambdas/directory/resources';
import { userKind } from '../../lambdas/directory/users';
import { mapLimited } from '../../lambdas/runtime/concurrency';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { DynamoMembershipStore } from '../../lambdas/store/dynamo-membership-store';
import { DynamoResourceStore } from '../../lambdas/store/dynamo-resource-store';
import { GROUP, PATCH, USER } from '../support/urns';
import { startBenchScim, intFromEnv } from './bench-scim';

const TENANT = 'default';
const SETTINGS_TENANT = 'bench-settings';
const MAX_RATIO = 1.5;


const LARGE = intFromEnv('BENCH_LARGE', 100_000, 1);
const SMALL = intFromEnv('BENCH_SMALL', 10, 1);
const SETTINGS_GROUP = intFromEnv('BENCH_SETTINGS_GROUP', 10_000, 1);
const SAMPLES = intFromEnv('BENCH_SAMPLES', 50, 1);
const WARMUP = intFromEnv('BENCH_WARMUP', 5, 1);
const SEED_PARALLEL = intFromEnv('BENCH_SEED_PARALLEL', 32, 1);

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
}

async function main() {
  // 100,000 users and their memberships (and stream records) in memory need more than the default heap.
  process.env.JAVA_TOOL_OPTIONS ??= '-Xmx10g';
  const started = performance.now();
  const tableName = `bench-roles-${randomUUID()}`;
  const bench = await startBenchScim(tableName);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void bench.close().finally(() => process.exit(130)));
  const documents = createDocumentClient(bench.store.endpoint);
  const admin = tableAdmin({ endpoint: bench.store.endpoint, tableName });
  try {
    const resources = new DynamoResourceStore(documents, tableName);
    const users = new ResourceService(resources, userKind({ uniqueExternalId: false }));
    const groups = new ResourceService(resources, groupKind());
    const memberships = new DynamoMembershipStore(documents, tableName);
    const request = async (method: string, path: string, body?: unknown) => {
      const begin = performance.now();
      const response = await fetch(bench.api.baseUrl + path, { method, headers: bench.headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.text();
      return { status: response.status, text, ms: performance.now() - begin };
    };
    const seedUsers = async (tenant: string, count: number) => {
      const begin = performance.now();
      let done = 0;
      const ids = await mapLimited(Array.from({ length: count }, (_, index) => index), SEED_PARALLEL, async (index) => {
        const stored = await users.create(tenant, { schemas: [USER], userName: `roles-${tenant}-${index}@example.com`, active: true }, 'other');
        if (++done % 10_000 === 0) log(`${tenant}: ${done}/${count} users (${seconds(performance.now() - begin)})`);
        return stored.id;
      });
      console.log(`seed: ${count} users in ${tenant} through ResourceService: ${seconds(performance.now() - begin)}`);
      return ids;
    };
    const drain = async (what: string) => {
      const begin = performance.now();
      await bench.api.drainStreams();
      console.log(`seed: stream drained (${what}) in ${seconds(performance.now() - begin)}`);
    };

    console.log(`roles benchmark: mapped groups of ${LARGE} and ${SMALL} members, ${SAMPLES} samples after ${WARMUP} warm-up pairs; settings change over a ${SETTINGS_GROUP}-member group`);
    console.log(`machine: ${cpus().length} CPUs, node ${process.version}; DynamoDB Local in memory (JAVA_TOOL_OPTIONS=${process.env.JAVA_TOOL_OPTIONS})`);

    const failures: string[] = [];
    // --- A settings change reaching a 10,000-member group --------------------------------------
    const settingsName = `Remapped ${SETTINGS_GROUP}`;
    const settingsOf = (role: string) => ({ roles: ['admin', 'member', 'viewer'], defaultRole: 'viewer', groupRoles: [{ group: settingsName, role }], seatLimit: null });
    const members = await seedUsers(SETTINGS_TENANT, SETTINGS_GROUP);
    const group = await groups.create(SETTINGS_TENANT, { schemas: [GROUP], displayName: settingsName }, 'other');
    await memberships.change(SETTINGS_TENANT, group.id, { add: members, remove: [] });
    // No settings yet: the stream has no roles to compute for the new members.
    await drain(`${SETTINGS_GROUP} new members of an unmapped tenant`);
    const roleCounts = async () => {
      const counts = new Map<string, number>();
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.resourceCollection(SETTINGS_TENANT, 'User') }, ConsistentRead: true, ExclusiveStartKey: startKey }),
        );
        for (const item of page.Items ?? []) counts.set(String((item.access as Access | undefined)?.role), (counts.get(String((item.access as Access | undefined)?.role)) ?? 0) + 1);
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return counts;
    };
    const before = await roleCounts();
    if (before.get('undefined') !== SETTINGS_GROUP) throw new Error(`before the change: ${JSON.stringify([...before])}`);
    const begin = performance.now();
    await admin.settings.set(SETTINGS_TENANT, settingsOf('admin'));
    await bench.api.drainStreams();
    const after = await roleCounts();
    const settingsMs = performance.now() - begin;
    if (after.get('admin') !== SETTINGS_GROUP) failures.push(`after the settings change: ${JSON.stringify([...after])}`);
    console.log(
      `settings change (group ${settingsName} mapped to admin) until all ${SETTINGS_GROUP} members' stored access shows admin: ${seconds(settingsMs)} (${Math.round(SETTINGS_GROUP / (settingsMs / 1000))} users/s; the tenant holds only those users)`,
    );

    // --- PATCH latency on mapped groups --------------------------------------------------------
    const names = { large: `Large ${LARGE}`, small: `Small ${SMALL}` };
    await admin.settings.set(TENANT, {
      roles: ['admin', 'member', 'viewer'],
      defaultRole: 'viewer',
      groupRoles: [
        { group: names.large, role: 'member' },
        { group: names.small, role: 'member' },
      ],
      seatLimit: null,
    });
    // Each new member of a mapped group is a role for the stream to compute: 100,000 of them
    // would take the embedded store most of an hour. Held back, they cost the measured PATCHes
    // nothing (each PATCH computes its own member's role in the request, as in production).
    await bench.api.pauseStreams();
    const extras = WARMUP + SAMPLES;
    const pool = await seedUsers(TENANT, LARGE + extras);
    const targets = pool.slice(LARGE);
    const groupIds = { large: '', small: '' };
    for (const [size, key] of [[LARGE, 'large'], [SMALL, 'small']] as const) {
      const created = await request('POST', '/Groups', { schemas: [GROUP], displayName: names[key] });
      if (created.status !== 201) throw new Error(`POST /Groups answered ${created.status}: ${created.text}`);
      groupIds[key] = (JSON.parse(created.text) as { id: string }).id;
      const begin = performance.now();
      await memberships.change(TENANT, groupIds[key], { add: pool.slice(0, size), remove: [] });
      console.log(`seed: ${size} memberships through DynamoMembershipStore.add: ${seconds(performance.now() - begin)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 3000)); // let the JVM settle after the write storm

    const timings = { add: { large: [] as number[], small: [] as number[] }, remove: { large: [] as number[], small: [] as number[] } };
    for (let round = 0; round < WARMUP + SAMPLES; round++) {
      const target = targets[round];
      for (const key of round % 2 === 0 ? (['large', 'small'] as const) : (['small', 'large'] as const)) {
        const path = `/Groups/${groupIds[key]}`;
        const add = await request('PATCH', path, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: [{ value: target }] }] });
        const remove = await request('PATCH', path, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${target}"]` }] });
        for (const [operation, result] of [['add', add], ['remove', remove]] as const) {
          if (result.status !== 204) failures.push(`${operation} ${key}: ${result.status} ${result.text.slice(0, 200)}`);
          else if (round >= WARMUP) timings[operation][key].push(result.ms);
        }
      }
    }
    // The PATCHes are meant to have moved the roles: the last target left with the default.
    const lastTarget = await accessOf(documents, tableName, TENANT, targets[WARMUP + SAMPLES - 1]);
    if (lastTarget?.role !== 'viewer') failures.push(`last PATCH target's access is ${JSON.stringify(lastTarget)}, expected viewer`);

    console.log('');
    console.log(`${'operation'.padEnd(14)}${'members'.padStart(9)}${'n'.padStart(5)}${'p50 ms'.padStart(10)}${'p90 ms'.padStart(10)}`);
    const verdicts: string[] = [];
    for (const operation of ['add', 'remove'] as const) {
      for (const [key, size] of [['small', SMALL], ['large', LARGE]] as const) {
        const values = timings[operation][key];
        console.log(`${`PATCH ${operation}`.padEnd(14)}${String(size).padStart(9)}${String(values.length).padStart(5)}${percentile(values, 50).toFixed(2).padStart(10)}${percentile(values, 90).toFixed(2).padStart(10)}`);
      }
      const ratio = percentile(timings[operation].large, 50) / percentile(timings[operation].small, 50);
      console.log(`PATCH ${operation} ratio p50 ${LARGE}/${SMALL}: ${ratio.toFixed(2)} (target <= ${MAX_RATIO})`);
      verdicts.push(`PATCH ${operation}=${ratio <= MAX_RATIO ? 'PASS' : 'FAIL'}(${ratio.toFixed(2)})`);
    }
    console.log('');

    console.log('');
    if (failures.length > 0) console.log(`${failures.length} failure(s):\n  ${failures.slice(0, 20).join('\n  ')}`);
    console.log(`total runtime ${seconds(performance.now() - started)}`);
    console.log(`SUMMARY p50 at ${LARGE} members <= ${MAX_RATIO} x p50 at ${SMALL}: ${verdicts.join(' ')}; settings change over ${SETTINGS_GROUP} members ${seconds(settingsMs)}; failures: ${failures.length}`);
    process.exitCode = failures.length > 0 ? 1 : 0;
  } finally {
    admin.close();
    documents.destroy();
    await bench.close();
  }
}

async function accessOf(documents: ReturnType<typeof createDocumentClient>, tableName: string, tenant: string, userId: string): Promise<Access | undefined> {
  const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: keys.resource(tenant, 'User', userId), ConsistentRead: true }));
  return Item?.access as Access | undefined;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
