/**
 * Group-size benchmark: do member changes, reads and deletes of a group cost the same at
 * 10, 10,000 and 100,000 members? A benchmark, not a jest test (jest only runs *.test.ts).
 *
 * Usage (from the project root; needs Java 17 for the embedded DynamoDB Local):
 *
 *   npx tsx test/bench/group-size.bench.ts
 *
 * Optional environment:
 *   BENCH_SIZES=10,10000,100000   group sizes (the ratio is largest p50 / smallest p50)
 *   BENCH_SAMPLES=50              measured requests per size for PATCH add, PATCH remove and GET
 *   BENCH_WARMUP=5                unmeasured requests per size before those
 *   BENCH_DELETE_SAMPLES=3        DELETEs per size; each needs a group of its own of that size
 *   BENCH_SEED_PARALLEL=32        requests in flight while seeding
 *   BENCH_SEED=services           seed through the services (one transaction per user, memberships
 *                                 through DynamoMembershipStore.change) instead of BatchWriteItem
 *   BENCH_STREAMS=off             no stream consumers: they process the seeded items too, some 300
 *                                 a second here, which a 100,000-member run cannot wait for
 *   JAVA_TOOL_OPTIONS             defaults to -Xmx10g for the embedded store's JVM
 *
 * What it does: starts DynamoDB Local in memory and the real handlers over HTTP
 * (lib/local/local-environment.ts), seeds users and memberships straight into the table with
 * BatchWriteItem (test/bench/table-seed.ts: the items the create and PATCH add code builds, counters
 * and seats included), creates every group with POST /Groups and gives it the version a PATCH of
 * its members would. Before that it checks the seed: a few users and memberships through the API
 * and as many seeded directly must leave the same items (after the stream consumers, when they
 * run), counters and seats. Then it times, per size, interleaving the sizes sample by sample so that drift of
 * the machine hits every size alike:
 *   PATCH /Groups/{id} add one member        (expects 204)
 *   PATCH /Groups/{id} remove that member    (expects 204; the group keeps its size)
 *   GET /Groups/{id}?excludedAttributes=members (expects 200)
 *   DELETE /Groups/{id}                      (expects 204; a fresh group of that size each time)
 * All groups take their members from one pool of users (the 100,000-member groups share the
 * same users); the users added and removed by PATCH are extra users in no group.
 * When the local environment runs the table's stream consumers (asynchronous membership
 * cleanup), their backlog is drained before timing starts and after every DELETE, so that
 * background cleanup never lands on a timed request; the cleanup time is printed separately.
 *
 * Prints p50/p95 per operation and size, the ratio largest-p50 / smallest-p50, and a final
 * `SUMMARY` line with PASS/FAIL per operation for "ratio <= 1.5". Exit code 0 whatever the
 * ratios; 1 when any request answers an unexpected status (those are listed).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { DynamoResourceStore } from '../../lambdas/store/dynamo-resource-store';
import { keys, MEMBER_PREFIX, tableKeys } from '../../lambdas/contracts/table-design';
import { schemaRegistry } from '../../lambdas/scim/extensions';
import { directoryServices } from '../../lambdas/wiring/dependencies';
import { itemShapes, shapeDifferences, TableSeeder, type ShapeSample } from './table-seed';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../lib/local/dynamodb-local';
import { startLocalScim, type LocalScim } from '../../lib/local/local-environment';
import { intFromEnv } from './bench-scim';
import { USER as USER_SCHEMA, PATCH as PATCH_SCHEMA } from '../support/urns';

const TENANT = 'default';
const MAX_RATIO = 1.5;


const SIZES = (process.env.BENCH_SIZES ?? '10,10000,100000')
  .split(',')
  .map((part) => Number(part.trim()))
  .sort((a, b) => a - b);
if (SIZES.length < 2 || SIZES.some((size) => !Number.isInteger(size) || size < 1)) throw new Error('BENCH_SIZES needs two or more positive integers');
const SAMPLES = Math.max(1, intFromEnv('BENCH_SAMPLES', 50));
const WARMUP = intFromEnv('BENCH_WARMUP', 5);
const DELETE_SAMPLES = Math.max(1, intFromEnv('BENCH_DELETE_SAMPLES', 3));
const SEED_PARALLEL = Math.max(1, intFromEnv('BENCH_SEED_PARALLEL', 32));
const SEED_THROUGH_SERVICES = process.env.BENCH_SEED === 'services';
/** The stream consumers work through every seeded item (some 300 a second here): off, a 100,000 run needs no half hour for them. */
const STREAM_CONSUMERS = process.env.BENCH_STREAMS !== 'off';
/** Users (and their memberships) written both ways to check that the direct seed writes what the services write. */
const SHAPE_SAMPLE = 3;
const SMALLEST = SIZES[0];
const LARGEST = SIZES[SIZES.length - 1];

type Operation = 'PATCH add member' | 'PATCH remove member' | 'GET excl. members' | 'DELETE group';
const OPERATIONS: Operation[] = ['PATCH add member', 'PATCH remove member', 'GET excl. members', 'DELETE group'];

interface Failure {
  operation: string;
  size: number;
  status: number;
  expected: number;
  body: string;
}

const samples = new Map<string, number[]>();
const failures: Failure[] = [];

function record(operation: Operation, size: number, ms: number) {
  const key = `${operation}|${size}`;
  if (!samples.has(key)) samples.set(key, []);
  samples.get(key)!.push(ms);
}

function log(message: string) {
  process.stderr.write(`[bench] ${message}\n`);
}

function seconds(ms: number) {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

async function inParallel<T>(items: T[], limit: number, run: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await run(items[index], index);
      }
    }),
  );
}

class Client {
  constructor(private readonly scim: LocalScim) {}

  /** One timed request; the clock stops when the whole body has arrived. */
  async request(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; ms: number }> {
    const started = performance.now();
    const response = await fetch(this.scim.baseUrl + path, {
      method,
      headers: {
        Authorization: `Bearer ${this.scim.token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, ms: performance.now() - started };
  }

  /** Untimed set-up request that must succeed. */
  async expect(method: string, path: string, expected: number, body?: unknown): Promise<string> {
    const { status, text } = await this.request(method, path, body);
    if (status !== expected) throw new Error(`${method} ${path} answered ${status}, expected ${expected}: ${text.slice(0, 500)}`);
    return text;
  }

  /** A measured request: a wrong status is recorded as a failure, not as a sample. */
  async measure(operation: Operation, size: number, method: string, path: string, expected: number, body: unknown, measured: boolean) {
    const { status, text, ms } = await this.request(method, path, body);
    if (status !== expected) {
      failures.push({ operation, size, status, expected, body: text.slice(0, 300) });
      return;
    }
    if (measured) record(operation, size, ms);
  }
}

const userBody = (prefix: string, index: number) => ({
  schemas: [USER_SCHEMA],
  userName: `${prefix}-${String(index).padStart(6, '0')}@example.com`,
  name: { givenName: 'Bench', familyName: `User ${index}` },
  active: true,
});
const addBody = (userId: string) => ({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }] });
const removeBody = (userId: string) => ({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'remove', path: `members[value eq "${userId}"]` }] });

/** Sizes in a different order each round, so no size always runs first (or right after another). */
function rotated(round: number): number[] {
  const shift = round % SIZES.length;
  return [...SIZES.slice(shift), ...SIZES.slice(0, shift)];
}

async function main() {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  // In memory, 100,000 users and ~440,000 memberships (plus their stream records) outgrow the
  // JVM's default heap (a quarter of RAM); the embedded store inherits this environment.
  process.env.JAVA_TOOL_OPTIONS ??= '-Xmx10g';
  const runStarted = performance.now();
  let store: DynamoDbLocal | undefined;
  let scim: LocalScim | undefined;
  const secretsDir = await mkdtemp(join(tmpdir(), 'scim-bench-secrets-'));
  const stop = async () => {
    await scim?.close().catch(() => undefined);
    await store?.stop().catch(() => undefined);
    await rm(secretsDir, { recursive: true, force: true }).catch(() => undefined);
  };
  // The embedded store runs in a process group of its own: take it down on Ctrl-C too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stop().finally(() => process.exit(130));
    });
  }

  try {
    store = await startDynamoDbLocal();
    const tableName = `bench-${randomUUID()}`;
    scim = await startLocalScim({ root: resolve(__dirname, '../..'), dynamoDbEndpoint: store.endpoint, tableName, secretsDir, eventsFile: join(secretsDir, 'events.jsonl'), streamConsumers: STREAM_CONSUMERS });
    const client = new Client(scim);
    // Newer local environments run the table's stream consumers (asynchronous membership
    // cleanup) in this process; draining them keeps their backlog out of the timed requests.
    const drainStreams = async (): Promise<number> => {
      const started = performance.now();
      await (scim as { drainStreams?: () => Promise<void> }).drainStreams?.();
      return performance.now() - started;
    };
    const hasStreams = typeof (scim as { drainStreams?: unknown }).drainStreams === 'function';
    const documents = createDocumentClient(store.endpoint);
    // The services as the handlers wire them (the users' seats included).
    const { users, groups, memberships } = directoryServices(documents, tableName, { uniqueExternalId: false, registry: schemaRegistry() });
    const seeder = new TableSeeder(documents, tableName, users, new DynamoResourceStore(documents, tableName), SEED_PARALLEL);

    console.log(`group-size benchmark: sizes ${SIZES.join(', ')}; ${SAMPLES} samples after ${WARMUP} warm-up requests per size for PATCH/GET; ${DELETE_SAMPLES} DELETE samples per size`);
    console.log(`machine: ${cpus().length} CPUs, node ${process.version}; DynamoDB Local in memory at ${store.endpoint} (JAVA_TOOL_OPTIONS=${process.env.JAVA_TOOL_OPTIONS})`);

    let groupCounter = 0;
    const postGroup = async (displayName: string): Promise<string> => {
      const text = await client.expect('POST', '/Groups', 201, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName });
      return (JSON.parse(text) as { id: string }).id;
    };

    // --- Seed check ------------------------------------------------------------------------
    // A few users and memberships through the API (POST /Users, PATCH add) and as many seeded
    // directly: once the stream consumers have run on both, their items must be alike.
    if (!SEED_THROUGH_SERVICES) {
      const sample = async (side: string, write: (bodies: unknown[], groupId: string) => Promise<string[]>): Promise<ShapeSample> => {
        const bodies = Array.from({ length: SHAPE_SAMPLE }, (_, index) => userBody(`shape-${side}`, index));
        const groupId = await postGroup(`shape ${side}`);
        const ids = await write(bodies, groupId);
        return { tokens: [...ids.map((id, index): [string, string] => [id, `<user${index}>`]), [groupId, '<group>'], [`shape-${side}`, '<prefix>'], [`shape ${side}`, '<groupName>']] };
      };
      const real = await sample('real', async (bodies, groupId) => {
        const ids = [];
        for (const body of bodies) ids.push((JSON.parse(await client.expect('POST', '/Users', 201, body)) as { id: string }).id);
        await client.expect('PATCH', `/Groups/${groupId}`, 204, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }] });
        return ids;
      });
      const direct = await sample('direct', async (bodies, groupId) => {
        const ids = await seeder.createUsers(TENANT, bodies);
        await seeder.addMembers(TENANT, groupId, ids);
        await groups.touch(TENANT, groupId, 'other');
        return ids;
      });
      await drainStreams();
      const { onlyLeft, onlyRight } = shapeDifferences(await itemShapes(documents, tableName, real), await itemShapes(documents, tableName, direct));
      if (onlyLeft.length > 0 || onlyRight.length > 0) {
        throw new Error(`the direct seed writes other items than the API:\n only through the API:\n  ${onlyLeft.join('\n  ')}\n only seeded:\n  ${onlyRight.join('\n  ')}`);
      }
      const userTotal = await users.count(TENANT);
      const seats = await users.seatsInUse(TENANT);
      if (userTotal !== 2 * SHAPE_SAMPLE || seats !== 2 * SHAPE_SAMPLE) throw new Error(`after the seed check, ${userTotal} users are counted and ${seats} seats taken; both should be ${2 * SHAPE_SAMPLE}`);
      console.log(`seed check: ${SHAPE_SAMPLE} users and memberships through the API and seeded directly leave alike items${STREAM_CONSUMERS ? ' (after the stream consumers)' : ''}, counters and seats`);
    }

    // --- Seeding -----------------------------------------------------------------------
    // Member pool (shared by every group) plus extra users the PATCHes add and remove.
    const extras = Math.max(1, WARMUP + SAMPLES);
    const userCount = LARGEST + extras;
    let phase = performance.now();
    const bodies = Array.from({ length: userCount }, (_, index) => userBody('bench', index));
    let userIds = new Array<string>(userCount);
    if (SEED_THROUGH_SERVICES) {
      let done = 0;
      await inParallel(bodies, SEED_PARALLEL, async (body, index) => {
        userIds[index] = (await users.create(TENANT, body, 'other')).id;
        if (++done % 10_000 === 0) log(`users: ${done}/${userCount} (${seconds(performance.now() - phase)})`);
      });
    } else {
      userIds = await seeder.createUsers(TENANT, bodies);
    }
    const userSeconds = performance.now() - phase;
    const how = SEED_THROUGH_SERVICES ? 'through ResourceService' : 'with BatchWriteItem';
    console.log(`seed: ${userCount} users ${how}, ${SEED_PARALLEL} requests in flight: ${seconds(userSeconds)} (${Math.round(userCount / (userSeconds / 1000))} users/s)`);
    const memberPool = userIds.slice(0, LARGEST);
    const patchTargets = userIds.slice(LARGEST);

    // Every group over HTTP, its memberships through the store or straight into the table.
    const newGroup = async (size: number, purpose: string): Promise<string> => {
      const id = await postGroup(`bench ${purpose} ${size} #${++groupCounter}`);
      if (size === 0) return id;
      if (SEED_THROUGH_SERVICES) await memberships.change(TENANT, id, { add: memberPool.slice(0, size), remove: [] });
      else {
        await seeder.addMembers(TENANT, id, memberPool.slice(0, size));
        // The new version a PATCH of its members gives the group.
        await groups.touch(TENANT, id, 'other');
      }
      return id;
    };
    const countMembers = async (groupId: string): Promise<number> => {
      let total = 0;
      let startKey: Record<string, unknown> | undefined;
      do {
        const output = await documents.send(
          new QueryCommand({
            TableName: tableName,
            // Only memberships: a deleted group's partition also keeps its count (keys.deletedGroup).
            KeyConditionExpression: `${tableKeys.partitionKey} = :pk AND begins_with(${tableKeys.sortKey}, :prefix)`,
            ExpressionAttributeValues: { ':pk': keys.groupMembers(TENANT, groupId), ':prefix': MEMBER_PREFIX },
            Select: 'COUNT',
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
        total += output.Count ?? 0;
        startKey = output.LastEvaluatedKey;
      } while (startKey);
      return total;
    };

    phase = performance.now();
    const measureGroup = new Map<number, string>();
    const deleteGroups = new Map<number, string[]>();
    let membershipItems = 0;
    for (const size of SIZES) {
      const started = performance.now();
      measureGroup.set(size, await newGroup(size, 'measure'));
      const forDelete: string[] = [];
      for (let sample = 0; sample < DELETE_SAMPLES; sample++) forDelete.push(await newGroup(size, 'delete'));
      deleteGroups.set(size, forDelete);
      membershipItems += size * (1 + DELETE_SAMPLES);
      log(`groups of ${size}: ${1 + DELETE_SAMPLES} seeded in ${seconds(performance.now() - started)}`);
    }
    const warmupDeleteGroups: string[] = [];
    for (let index = 0; index < WARMUP; index++) warmupDeleteGroups.push(await newGroup(SMALLEST, 'warm-up delete'));
    membershipItems += SMALLEST * WARMUP;
    const groupSeconds = performance.now() - phase;
    console.log(
      `seed: ${SIZES.length * (1 + DELETE_SAMPLES) + WARMUP} groups via POST /Groups, ${membershipItems} memberships ${SEED_THROUGH_SERVICES ? 'via DynamoMembershipStore.change' : 'with BatchWriteItem'}: ${seconds(groupSeconds)} (${Math.round(membershipItems / (groupSeconds / 1000))} memberships/s)`,
    );

    // Sanity: the groups really hold what they should.
    for (const size of SIZES) {
      for (const id of [measureGroup.get(size)!, ...deleteGroups.get(size)!]) {
        const count = await countMembers(id);
        if (count !== size) throw new Error(`group ${id} should have ${size} members, has ${count}`);
      }
    }
    console.log('seed: member counts verified with Query COUNT on every measured group');

    if (hasStreams) {
      log('draining the stream consumers (seeding backlog)...');
      console.log(`seed: stream consumers drained of the seeding backlog in ${seconds(await drainStreams())}`);
    }
    // Let the JVM settle after the write storm before anything is timed.
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 3000));

    // --- PATCH add / PATCH remove / GET --------------------------------------------------
    phase = performance.now();
    for (let round = 0; round < WARMUP + SAMPLES; round++) {
      const measured = round >= WARMUP;
      const target = patchTargets[round % patchTargets.length];
      for (const size of rotated(round)) {
        const path = `/Groups/${measureGroup.get(size)!}`;
        await client.measure('PATCH add member', size, 'PATCH', path, 204, addBody(target), measured);
        await client.measure('PATCH remove member', size, 'PATCH', path, 204, removeBody(target), measured);
        await client.measure('GET excl. members', size, 'GET', `${path}?excludedAttributes=members`, 200, undefined, measured);
      }
    }
    const patchGetSeconds = performance.now() - phase;
    // The add/remove pairs must have left every group at its size.
    for (const size of SIZES) {
      const count = await countMembers(measureGroup.get(size)!);
      if (count !== size) {
        failures.push({ operation: 'member count after PATCHes', size, status: count, expected: size, body: 'membership count (not an HTTP status)' });
      }
    }

    // --- DELETE ----------------------------------------------------------------------------
    // The memberships of a deleted group go asynchronously (stream consumer); each DELETE sample
    // waits for the previous one's cleanup, so a 100,000-member cleanup doesn't slow the next sample.
    await drainStreams();
    phase = performance.now();
    for (const id of warmupDeleteGroups) {
      await client.measure('DELETE group', SMALLEST, 'DELETE', `/Groups/${id}`, 204, undefined, false);
      await drainStreams();
    }
    const cleanups = new Map<number, number[]>();
    for (let sample = 0; sample < DELETE_SAMPLES; sample++) {
      for (const size of rotated(sample)) {
        await client.measure('DELETE group', size, 'DELETE', `/Groups/${deleteGroups.get(size)![sample]}`, 204, undefined, true);
        const cleanup = await drainStreams();
        if (!cleanups.has(size)) cleanups.set(size, []);
        cleanups.get(size)!.push(cleanup);
      }
    }
    // Deleted groups' memberships should be gone once the consumers have caught up.
    const leftovers = new Map<number, number>();
    if (hasStreams) {
      for (const size of SIZES) leftovers.set(size, await countMembers(deleteGroups.get(size)![0]));
    }
    // A deleted group is gone for readers at once, whatever its size.
    for (const size of SIZES) {
      const { status } = await client.request('GET', `/Groups/${deleteGroups.get(size)![0]}?excludedAttributes=members`);
      if (status !== 404) failures.push({ operation: 'GET after DELETE', size, status, expected: 404, body: '' });
    }
    const deleteSeconds = performance.now() - phase;
    console.log(`measure: PATCH/GET phase ${seconds(patchGetSeconds)}, DELETE phase ${seconds(deleteSeconds)} (including waits for the asynchronous cleanup)`);
    if (hasStreams) {
      for (const size of SIZES) {
        const times = cleanups.get(size) ?? [];
        console.log(
          `async cleanup after DELETE of a ${size}-member group (not part of the DELETE latency; DELETE to stream drained): p50 ${seconds(percentile(times, 50))}, max ${seconds(Math.max(...times))}; memberships left afterwards: ${leftovers.get(size)}`,
        );
      }
    } else {
      console.log('async cleanup: this local environment runs no stream consumers; memberships of deleted groups stay in the table');
    }

    // --- Report ----------------------------------------------------------------------------
    const fmt = (ms: number | undefined) => (ms === undefined ? '     n/a' : `${ms.toFixed(2).padStart(8)}`);
    console.log('');
    console.log(`${'operation'.padEnd(22)}${'members'.padStart(9)}${'n'.padStart(5)}${'p50 ms'.padStart(10)}${'p95 ms'.padStart(10)}`);
    const verdicts: string[] = [];
    for (const operation of OPERATIONS) {
      const p50s = new Map<number, number>();
      for (const size of SIZES) {
        const values = samples.get(`${operation}|${size}`) ?? [];
        const p50 = values.length > 0 ? percentile(values, 50) : undefined;
        const p95 = values.length > 0 ? percentile(values, 95) : undefined;
        if (p50 !== undefined) p50s.set(size, p50);
        console.log(`${operation.padEnd(22)}${String(size).padStart(9)}${String(values.length).padStart(5)}  ${fmt(p50)}  ${fmt(p95)}`);
      }
      const small = p50s.get(SMALLEST);
      const large = p50s.get(LARGEST);
      const short = operation === 'DELETE group' ? ` (${DELETE_SAMPLES} samples per size; p95 of so few is about the max)` : '';
      if (small === undefined || large === undefined) {
        console.log(`${operation.padEnd(22)} ratio p50 ${LARGEST}/${SMALLEST}: n/a (no successful samples)${short}`);
        verdicts.push(`${operation}=FAIL(no samples)`);
        continue;
      }
      const ratio = large / small;
      console.log(`${operation.padEnd(22)} ratio p50 ${LARGEST}/${SMALLEST}: ${ratio.toFixed(2)}${short}`);
      verdicts.push(`${operation}=${ratio <= MAX_RATIO ? 'PASS' : 'FAIL'}(${ratio.toFixed(2)})`);
    }
    console.log('');
    if (failures.length > 0) {
      console.log(`${failures.length} request(s) failed:`);
      for (const failure of failures.slice(0, 20)) {
        console.log(`  ${failure.operation} @${failure.size}: got ${failure.status}, expected ${failure.expected} ${failure.body}`);
      }
    }
    console.log(`total runtime ${seconds(performance.now() - runStarted)} (seeding users ${seconds(userSeconds)}, groups ${seconds(groupSeconds)})`);
    console.log(`SUMMARY p50 at ${LARGEST} members <= ${MAX_RATIO} x p50 at ${SMALLEST}: ${verdicts.join(' ')}; failed requests: ${failures.length}`);
    process.exitCode = failures.length > 0 ? 1 : 0;
  } finally {
    await stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
