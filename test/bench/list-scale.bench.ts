/**
 * Listing at directory size: seeds users through the users service and the DynamoDB store (the
 * same transactions POST /Users runs, with their lookup keys and counters), then prints the median
 * latency over HTTP of page 1 and of the last page, by startIndex and by cursor, of the filters
 * the IdPs send (answered from an index) and of filters and sorts that read the whole tenant.
 *
 *   npx tsx test/bench/list-scale.bench.ts            (BENCH_USERS=100000 by default)
 */
import { parseListQuery } from '../../lambdas/scim/list';
import { encodeCursor } from '../../lambdas/scim/paging';
import { mapLimited } from '../../lambdas/runtime/concurrency';
import { ResourceService } from '../../lambdas/directory/resources';
import { userKind } from '../../lambdas/directory/users';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { DynamoResourceStore } from '../../lambdas/store/dynamo-resource-store';
import { startBenchScim } from './bench-scim';

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const SAMPLES = 5;
const TABLE = 'list-scale';

async function main() {
  process.env.JAVA_TOOL_OPTIONS ??= '-Xmx8g';
  const { store, api, headers, close } = await startBenchScim(TABLE);
  const users = new ResourceService(new DynamoResourceStore(createDocumentClient(store.endpoint), TABLE), userKind({ uniqueExternalId: false }));
  const started = performance.now();
  let done = 0;
  await mapLimited(
    Array.from({ length: USERS }, (_, index) => index),
    32,
    async (index) => {
      const userName = `user${String(index).padStart(6, '0')}@example.com`;
      await users.create('default', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName,
        externalId: `00u${index}`,
        name: { givenName: 'Bench', familyName: `User ${index}` },
        emails: [{ value: userName, type: 'work', primary: true }],
        title: `Title ${index % 97}`,
        active: true,
      }, 'other');
      if (++done % 10_000 === 0) console.log(`seeded ${done} users, ${(done / ((performance.now() - started) / 1000)).toFixed(0)}/s`);
    },
  );
  console.log(`seeded ${USERS} users in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  // The stream poller catches up with the seeding first, so it doesn't compete with the reads.
  await api.drainStreams();

  const get = async (path: string) => {
    const begin = performance.now();
    const response = await fetch(`${api.baseUrl}${path}`, { headers });
    const body = (await response.json()) as { totalResults?: number; itemsPerPage: number; Resources: Array<{ id: string }> };
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
    return { ms: performance.now() - begin, body };
  };
  const median = async (path: string) => {
    const runs = [];
    for (let sample = 0; sample < SAMPLES; sample++) runs.push(await get(path));
    const sorted = runs.map((run) => run.ms).sort((a, b) => a - b);
    return { ms: sorted[Math.floor(sorted.length / 2)], body: runs[0].body };
  };

  const lastStart = USERS - 99;
  const beforeLast = await get(`/Users?startIndex=${lastStart - 1}&count=1`);
  const lastCursor = encodeCursor(parseListQuery((name) => (name === 'cursor' ? '' : undefined)), { id: beforeLast.body.Resources[0].id });
  const filter = (text: string) => encodeURIComponent(text);
  const cases: Array<[string, string]> = [
    ['page 1, startIndex=1 count=100', '/Users?startIndex=1&count=100'],
    [`last page, startIndex=${lastStart} count=100`, `/Users?startIndex=${lastStart}&count=100`],
    ['page 1, cursor= count=100', '/Users?cursor=&count=100'],
    ['last page, by its cursor, count=100', `/Users?cursor=${lastCursor}&count=100`],
    ['count=0 (totalResults only)', '/Users?count=0'],
    ['indexed: userName eq', `/Users?filter=${filter(`userName eq "user${String(USERS - 7).padStart(6, '0')}@EXAMPLE.com"`)}`],
    ['indexed: externalId eq', `/Users?filter=${filter(`externalId eq "00u${USERS - 7}"`)}`],
    ['scan: userName co', `/Users?filter=${filter('userName co "99999"')}&count=100`],
    ['scan: title eq (non-indexed)', `/Users?filter=${filter('title eq "Title 5"')}&count=100`],
    ['scan + sort: sortBy=name.familyName', '/Users?sortBy=name.familyName&count=100'],
  ];
  console.log(`\n${USERS} users; median of ${SAMPLES} requests over HTTP on the embedded store`);
  const results = new Map<string, number>();
  for (const [label, path] of cases) {
    const { ms, body } = await median(path);
    results.set(label, ms);
    console.log(`${label.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms   totalResults=${body.totalResults ?? '-'} itemsPerPage=${body.itemsPerPage}`);
  }
  const ratio = (a: string, b: string) => (results.get(a)! / results.get(b)!).toFixed(2);
  console.log(`\nlast page / page 1: startIndex ${ratio(cases[1][0], cases[0][0])}, cursor ${ratio(cases[3][0], cases[2][0])}`);
  console.log(`scan co / indexed eq: ${ratio(cases[7][0], cases[5][0])}`);
  await close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
