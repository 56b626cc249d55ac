/**
 * How large a group can GET /Groups/{id} return with its members? Seeds users (as bare items in
 * the store's layout, which is all a membership needs) and memberships through the membership
 * store, then reads the group in full and prints size and latency; one group past the computed
 * limit shows the error.
 *
 *   npx tsx test/bench/group-read.bench.ts            (BENCH_MEMBERS=100000 by default)
 */
import { randomUUID } from 'node:crypto';
import { batchWrite } from '../../lambdas/store/batches';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { keys } from '../../lambdas/contracts/table-design';
import { DynamoMembershipStore } from '../../lambdas/store/dynamo-membership-store';
import { startBenchScim } from './bench-scim';

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 100_000);
const LIMIT = 5_500_000;
const BYTES_PER_MEMBER = JSON.stringify({ value: randomUUID() }).length + 1;

async function main() {
  const { store, api, headers, close } = await startBenchScim('group-read');
  const client = createDocumentClient(store.endpoint);
  const memberships = new DynamoMembershipStore(client, 'group-read');
  const seedUsers = async (ids: string[]) => {
    const now = new Date().toISOString();
    await batchWrite(
      client,
      'group-read',
      ids.map((id) => ({
        PutRequest: { Item: { ...keys.resource('default', 'User', id), tenant: 'default', resourceType: 'User', id, version: 1, created: now, lastModified: now, resource: { userName: `${id}@example.com` } } },
      })),
    );
  };
  const sizes = [MEMBERS, Math.ceil(LIMIT / BYTES_PER_MEMBER) + 1000];
  console.log(`bytes per member in a response: ${BYTES_PER_MEMBER}; computed limit: ~${Math.floor((LIMIT - 500) / BYTES_PER_MEMBER)} members`);
  for (const size of sizes) {
    const group = (await (await fetch(`${api.baseUrl}/Groups`, { method: 'POST', headers, body: JSON.stringify({ displayName: `g${size}` }) })).json()) as { id: string };
    const started = performance.now();
    const ids = Array.from({ length: size }, () => randomUUID());
    await seedUsers(ids);
    for (let start = 0; start < ids.length; start += 5000) await memberships.change('default', group.id, { add: ids.slice(start, start + 5000), remove: [] });
    console.log(`seeded ${size} users and memberships in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await api.drainStreams();
    for (let sample = 0; sample < 3; sample++) {
      const begin = performance.now();
      const response = await fetch(`${api.baseUrl}/Groups/${group.id}`, { headers });
      const text = await response.text();
      const body = JSON.parse(text);
      const summary = response.status === 200 ? `${body.members.length} members` : `${body.scimType}: ${body.detail.slice(0, 90)}…`;
      console.log(`GET group of ${size}: ${response.status}, ${text.length} bytes, ${(performance.now() - begin).toFixed(0)} ms, ${summary}`);
    }
  }
  await close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
