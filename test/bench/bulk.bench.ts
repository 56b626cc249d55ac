/**
 * How long does a full bulk request take? POST /Bulk with maxOperations operations: one group
 * whose members are all the other operations' users by bulkId (sent first, so every reference is
 * a forward one), then the users. API Gateway gives up at 29 s, so this must stay well below;
 * AWS latencies differ from the embedded store's, so the figure is a comparison point, not a promise.
 * Then as many PATCHes of existing users (which run one at a time, in request order), DELETEs of
 * them (which run together), and the creates again under failOnErrors (which runs them one at a time).
 *
 *   npx tsx test/bench/bulk.bench.ts            (BENCH_SAMPLES=3 by default)
 *
 * Operations that could not start in time are answered 503 and counted in the statuses line.
 */
import { randomUUID } from 'node:crypto';
import { BULK_REQUEST_SCHEMA, MAX_OPERATIONS } from '../../lambdas/scim/bulk';
import { USER_SCHEMA } from '../../lambdas/scim/schemas';
import { startBenchScim } from './bench-scim';
import { PATCH as PATCH_OP } from '../support/urns';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 3);

function creates(run: string, size = MAX_OPERATIONS) {
  const users = Array.from({ length: size - 1 }, (_, index) => ({
    method: 'POST',
    path: '/Users',
    bulkId: `u${index}`,
    data: { schemas: [USER_SCHEMA], userName: `${run}.${index}@example.com`, name: { givenName: 'Bulk', familyName: `User ${index}` }, active: true },
  }));
  const group = {
    method: 'POST',
    path: '/Groups',
    bulkId: 'group',
    data: { displayName: `bulk ${run}`, members: users.map((user) => ({ value: `bulkId:${user.bulkId}` })) },
  };
  return [group, ...users];
}

async function main() {
  const { api, headers, close } = await startBenchScim('bulk-bench');
  const send = async (what: string, operations: unknown[], extra: Record<string, unknown> = {}) => {
    const body = JSON.stringify({ schemas: [BULK_REQUEST_SCHEMA], ...extra, Operations: operations });
    const started = performance.now();
    const response = await fetch(`${api.baseUrl}/Bulk`, { method: 'POST', headers, body });
    const result = (await response.json()) as { Operations: Array<{ status: string; location?: string }> };
    const seconds = (performance.now() - started) / 1000;
    const statuses: Record<string, number> = {};
    for (const operation of result.Operations) statuses[operation.status] = (statuses[operation.status] ?? 0) + 1;
    console.log(`${what}: HTTP ${response.status}, ${operations.length} operations, ${(body.length / 1024).toFixed(0)} KiB, ${seconds.toFixed(2)} s, statuses ${JSON.stringify(statuses)}`);
    return result.Operations;
  };

  // The embedded store's JVM compiles its hot paths during the first thousands of requests.
  await send('warm-up', creates(randomUUID().slice(0, 8), 300));
  let userIds: string[] = [];
  let groupLocation = '';
  for (let sample = 1; sample <= SAMPLES; sample++) {
    const results = await send(`creates, sample ${sample}`, creates(randomUUID().slice(0, 8)));
    if (results[0].status !== '201') throw new Error(`the group was not created: ${JSON.stringify(results[0])}`);
    groupLocation = results[0].location!;
    const group = (await (await fetch(groupLocation, { headers })).json()) as { members?: unknown[] };
    console.log(`  the group has ${group.members?.length ?? 0} members`);
    userIds = results.slice(1).map((result) => result.location!.slice(result.location!.lastIndexOf('/') + 1));
  }
  await send(
    'PATCHes of existing users',
    [...userIds, userIds[0]].map((id, index) => ({
      method: 'PATCH',
      path: `/Users/${id}`,
      data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `Title ${index}` }] },
    })),
  );
  await send('DELETEs of those users and their group', [
    ...userIds.map((id) => ({ method: 'DELETE', path: `/Users/${id}` })),
    { method: 'DELETE', path: groupLocation.slice(api.baseUrl.length) },
  ]);
  await send('creates under failOnErrors', creates(randomUUID().slice(0, 8)), { failOnErrors: 1 });
  await close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
