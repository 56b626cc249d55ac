/**
 * Round-trip benchmark: per SCIM operation, the DynamoDB calls it makes, how many of them run one
 * after another (rounds: what latency in AWS pays, a few ms each), the read and write capacity
 * units they consume, and the p50 latency on the embedded store. A benchmark, not a jest test.
 *
 * Usage (from the project root; needs Java 17 for the embedded DynamoDB Local):
 *
 *   npx tsx test/bench/round-trips.bench.ts
 *
 * Optional environment:
 *   BENCH_SAMPLES=15     measured requests per operation, after BENCH_WARMUP=3 unmeasured ones
 *                        (the embedded store's JVM compiles its hot paths as it goes)
 *   BENCH_USERS=300      users seeded before measuring (the list page reads among them)
 *   BENCH_ROLES=1        save settings that map the measured group to a role first, so every
 *                        membership and user change also recomputes access
 *   BENCH_JSON=file      also writes the figures as JSON (to compare two commits)
 *
 * How: the real handlers over HTTP (lib/local/local-environment.ts) on a disk-backed DynamoDB
 * Local, as `npm start` runs them, with a proxy in between (store-proxy.ts) that records the
 * table's calls and asks each for ReturnConsumedCapacity. The stream consumers are paused while
 * a request is measured and drained after it, so only the request's own calls are counted.
 * Capacity units are DynamoDB Local's figures, which follow DynamoDB's rules (4 KB read units,
 * 1 KB write units, transactions twice).
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { DynamoSettingsStore } from '../../lambdas/store/dynamo-settings-store';
import { TenantSettingsService } from '../../lambdas/tenancy/tenant-settings';
import { DEFAULT_TENANT } from '../../lambdas/contracts/tenancy';
import { membershipItems, tableKeys } from '../../lambdas/contracts/table-design';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { intFromEnv } from './bench-scim';
import { roundsOf, startMeasuredScim, type StoreCall } from './store-proxy';

const SAMPLES = Math.max(1, intFromEnv('BENCH_SAMPLES', 15));
const WARMUP = intFromEnv('BENCH_WARMUP', 3);
const USERS = intFromEnv('BENCH_USERS', 300, 60);
const ROLES = process.env.BENCH_ROLES === '1';
const TABLE = 'scim-round-trips';

interface Figures {
  operation: string;
  calls: string;
  rounds: number;
  readUnits: number;
  writeUnits: number;
  p50: number;
  /** p50 of the time some table call was in flight: the store's share of the latency. */
  inStore: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/** How long at least one of the calls was in flight (the union of their intervals). */
function timeInStore(calls: StoreCall[]): number {
  let total = 0;
  let end = -Infinity;
  for (const call of [...calls].sort((a, b) => a.started - b.started)) {
    if (call.started >= end) total += call.ended - call.started;
    else if (call.ended > end) total += call.ended - end;
    end = Math.max(end, call.ended);
  }
  return total;
}

/** The calls of one request in rounds: `A+B → C` ran A and B together, then C. */
function sequenceOf(calls: StoreCall[]): string {
  const sorted = [...calls].sort((a, b) => a.started - b.started);
  const level = new Map<StoreCall, number>();
  for (const call of [...sorted].sort((a, b) => a.ended - b.ended)) {
    let before = 0;
    for (const [other, otherLevel] of level) if (other.ended <= call.started) before = Math.max(before, otherLevel);
    level.set(call, before + 1);
  }
  const rounds: string[][] = [];
  for (const call of sorted) (rounds[level.get(call)! - 1] ??= []).push(call.operation);
  return rounds
    .map((round) => {
      const counts = new Map<string, number>();
      for (const operation of round) counts.set(operation, (counts.get(operation) ?? 0) + 1);
      return [...counts].map(([operation, n]) => (n > 1 ? `${operation}×${n}` : operation)).join('+');
    })
    .join(' → ');
}

async function main() {
  const measured = await startMeasuredScim(TABLE);
  const { scim, proxy } = measured;
  const headers = { Authorization: `Bearer ${scim.token}`, 'Content-Type': 'application/scim+json' };
  const send = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(scim.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
  };
  const newUser = async (name = `user-${randomUUID()}@example.com`) =>
    (await send('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: name, name: { givenName: 'A', familyName: 'B' }, emails: [{ value: name, type: 'work', primary: true }], active: true }))!.id as string;
  const newGroup = async (members: string[] = []) =>
    (await send('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `group-${randomUUID()}`, members: members.map((value) => ({ value })) }))!.id as string;
  const patch = (operations: unknown[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations });

  process.stderr.write(`[bench] seeding ${USERS} users\n`);
  const users: string[] = [];
  for (let start = 0; start < USERS; start += 16) {
    users.push(...(await Promise.all(Array.from({ length: Math.min(16, USERS - start) }, () => newUser()))));
  }
  const group = await newGroup(users.slice(0, 10));
  if (ROLES) {
    const groupName = (await send('GET', `/Groups/${group}?attributes=displayName`))!.displayName as string;
    const settings = new TenantSettingsService(new DynamoSettingsStore(createDocumentClient(measured.storeEndpoint), TABLE));
    await settings.set(DEFAULT_TENANT, { roles: ['admin', 'member'], defaultRole: 'member', groupRoles: [{ group: groupName, role: 'admin' }], seatLimit: null, seatPolicy: 'reject' });
  }
  await scim.drainStreams();

  let spare = 10;
  const nextUser = () => users[spare++ % users.length];
  const byName = new Map<string, string>();
  const userNameOf = async (id: string) => byName.get(id) ?? (await send('GET', `/Users/${id}?attributes=userName`))!.userName as string;

  /** Each operation: what to prepare (untimed), then the measured request. */
  const operations: Array<{ name: string; prepare?: () => Promise<unknown>; run: (prepared: never) => Promise<unknown> }> = [
    { name: 'POST /Users', run: () => newUser() },
    { name: 'GET /Users/{id} (in a group)', run: () => send('GET', `/Users/${users[0]}`) },
    {
      name: 'GET /Users?filter=userName eq (hit)',
      prepare: () => userNameOf(users[1]),
      run: (name: string) => send('GET', `/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`),
    },
    {
      name: 'PUT /Users/{id}',
      prepare: async () => ({ id: users[2], name: await userNameOf(users[2]) }),
      run: ({ id, name }: { id: string; name: string }) =>
        send('PUT', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: name, name: { givenName: 'C', familyName: randomUUID() }, active: true }),
    },
    { name: 'PATCH /Users/{id} (replace)', run: () => send('PATCH', `/Users/${users[3]}`, patch([{ op: 'replace', value: { displayName: randomUUID() } }])) },
    { name: 'PATCH /Users/{id} active false', prepare: () => newUser(), run: (id: string) => send('PATCH', `/Users/${id}`, patch([{ op: 'replace', path: 'active', value: false }])) },
    { name: 'POST /Groups (no members)', run: () => newGroup() },
    {
      name: 'PATCH /Groups add 1 member',
      prepare: async () => nextUser(),
      run: (id: string) => send('PATCH', `/Groups/${group}`, patch([{ op: 'add', path: 'members', value: [{ value: id }] }])),
    },
    {
      name: 'PATCH /Groups remove 1 member',
      prepare: async () => {
        const id = nextUser();
        await send('PATCH', `/Groups/${group}`, patch([{ op: 'add', path: 'members', value: [{ value: id }] }]));
        return id;
      },
      run: (id: string) => send('PATCH', `/Groups/${group}`, patch([{ op: 'remove', path: `members[value eq "${id}"]` }])),
    },
    {
      name: 'PATCH /Groups rename',
      prepare: () => newGroup(users.slice(0, 3)),
      run: (id: string) => send('PATCH', `/Groups/${id}`, patch([{ op: 'replace', path: 'displayName', value: `renamed-${randomUUID()}` }])),
    },
    { name: 'GET /Groups/{id} (10 members)', run: () => send('GET', `/Groups/${group}`) },
    { name: 'GET /Groups/{id} excl. members', run: () => send('GET', `/Groups/${group}?excludedAttributes=members`) },
    { name: 'GET /Users?startIndex=1&count=100', run: () => send('GET', '/Users?startIndex=1&count=100') },
    {
      name: 'PATCH /Groups add 50 members',
      prepare: () => newGroup(),
      run: (id: string) => send('PATCH', `/Groups/${id}`, patch([{ op: 'add', path: 'members', value: users.slice(20, 70).map((value) => ({ value })) }])),
    },
    {
      name: 'DELETE /Users (in a group)',
      prepare: async () => {
        const id = await newUser();
        await send('PATCH', `/Groups/${group}`, patch([{ op: 'add', path: 'members', value: [{ value: id }] }]));
        return id;
      },
      run: (id: string) => send('DELETE', `/Users/${id}`),
    },
    { name: 'DELETE /Groups (3 members)', prepare: () => newGroup(users.slice(0, 3)), run: (id: string) => send('DELETE', `/Groups/${id}`) },
  ];

  const results: Figures[] = [];
  for (const operation of operations) {
    const latencies: number[] = [];
    const samples: StoreCall[][] = [];
    for (let sample = 0; sample < WARMUP + SAMPLES; sample++) {
      const prepared = await operation.prepare?.();
      await scim.drainStreams();
      await scim.pauseStreams();
      proxy.record();
      const started = performance.now();
      await operation.run(prepared as never);
      const ms = performance.now() - started;
      const calls = proxy.take();
      scim.resumeStreams();
      await scim.drainStreams();
      if (sample < WARMUP) continue;
      latencies.push(ms);
      samples.push(calls);
    }
    const typical = samples.find((calls) => roundsOf(calls) === median(samples.map(roundsOf)))!;
    const mean = (pick: (call: StoreCall) => number) => samples.reduce((sum, calls) => sum + calls.reduce((s, call) => s + pick(call), 0), 0) / samples.length;
    results.push({
      operation: operation.name,
      calls: sequenceOf(typical),
      rounds: roundsOf(typical),
      readUnits: mean((call) => call.readUnits),
      writeUnits: mean((call) => call.writeUnits),
      p50: median(latencies),
      inStore: median(samples.map(timeInStore)),
    });
    process.stderr.write(`[bench] ${operation.name} done\n`);
  }

  const width = Math.max(...results.map((row) => row.operation.length));
  console.log(`round trips per SCIM operation (${SAMPLES} samples each, ${USERS} users${ROLES ? ', a mapped group' : ''}, disk-backed embedded store)`);
  console.log(`${'operation'.padEnd(width)}  rounds  calls  RCU    WCU    p50 ms  in store  calls in rounds`);
  for (const row of results) {
    const calls = row.calls === '' ? 0 : row.calls.split(/ → |\+/).reduce((n, part) => n + Number(part.split('×')[1] ?? 1), 0);
    console.log(
      `${row.operation.padEnd(width)}  ${String(row.rounds).padStart(6)}  ${String(calls).padStart(5)}  ${row.readUnits.toFixed(1).padStart(5)}  ${row.writeUnits.toFixed(1).padStart(5)}  ${row.p50.toFixed(1).padStart(6)}  ${row.inStore.toFixed(1).padStart(8)}  ${row.calls}`,
    );
  }
  // The store's own floor for the largest membership change: one transaction of 100 puts (the most
  // a transaction takes: 50 memberships' two items), sent straight to the store.
  const client = createDocumentClient(measured.storeEndpoint);
  const floor: number[] = [];
  for (let sample = 0; sample < WARMUP + SAMPLES; sample++) {
    const groupId = randomUUID();
    const items = users.slice(20, 70).flatMap((userId) => membershipItems(DEFAULT_TENANT, groupId, userId, new Date().toISOString()));
    const started = performance.now();
    await client.send(new TransactWriteCommand({ TransactItems: items.map((Item) => ({ Put: { TableName: TABLE, Item } })) }));
    if (sample >= WARMUP) floor.push(performance.now() - started);
    await client.send(new TransactWriteCommand({ TransactItems: items.map((item) => ({ Delete: { TableName: TABLE, Key: { [tableKeys.partitionKey]: item[tableKeys.partitionKey], [tableKeys.sortKey]: item[tableKeys.sortKey] } } })) }));
  }
  console.log(`the store alone: one TransactWriteItems of 100 membership puts, p50 ${median(floor).toFixed(1)} ms`);
  if (process.env.BENCH_JSON) await writeFile(process.env.BENCH_JSON, JSON.stringify(results, null, 2));

  await measured.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
