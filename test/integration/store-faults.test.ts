import { aGroup, aUser, memberRefs, membersOp, patchOf } from '../support/builders';
import { useFaultyDirectory } from '../support/faulty-directory';
import { expectRetryLater, unique, type ScimTestResponse } from '../support/scim-server';
import { failures, storeFaults, type Fault } from '../support/store-faults';
import { BULK_REQUEST, ERROR, SEARCH } from '../support/urns';

// Every DynamoDB client the handlers and the admin library build meets the faults armed below.
jest.mock('../../lambdas/store/dynamo-client', () => jest.requireActual('../support/store-faults').faultyDynamoClient());

const TENANT = 'default';
const { scim, table, withFault } = useFaultyDirectory();

/** The same request again, with nothing armed: what an IdP's retry after Retry-After gets. */
async function expectRetrySucceeds(request: () => Promise<ScimTestResponse>, status: number) {
  const retried = await request();
  expect({ status: retried.status, detail: retried.body?.detail }).toEqual({ status, detail: undefined });
  await scim.server.drainStreams();
  expect(await table.problems(TENANT, { settled: true })).toEqual([]);
}

type Request = () => Promise<ScimTestResponse>;

/** Every write an IdP sends whose first write is a transaction (the resource, its claims, counters and seat). */
const transactionalWrites: Array<{ what: string; succeeds: number; prepare: () => Promise<Request> }> = [
  {
    what: 'POST /Users',
    succeeds: 201,
    prepare: async () => {
      const body = aUser();
      return () => scim('POST', '/Users', body);
    },
  },
  {
    what: 'PUT /Users/{id} with a new userName (claims move)',
    succeeds: 200,
    prepare: async () => {
      const user = await scim.createUser();
      const body = aUser();
      return () => scim('PUT', `/Users/${user.id}`, body);
    },
  },
  {
    what: 'PATCH /Users/{id} deactivating (the seat is freed)',
    succeeds: 200,
    prepare: async () => {
      const user = await scim.createUser();
      return () => scim('PATCH', `/Users/${user.id}`, patchOf({ op: 'replace', value: { active: false } }));
    },
  },
  {
    what: 'DELETE /Users/{id} of a group member',
    succeeds: 204,
    prepare: async () => {
      const user = await scim.createUser();
      await scim.createGroup({ members: memberRefs([user.id]) });
      return () => scim('DELETE', `/Users/${user.id}`);
    },
  },
  {
    what: 'POST /Groups with members',
    succeeds: 201,
    prepare: async () => {
      const users = await scim.createUsers(3);
      const body = aGroup({ members: memberRefs(users.map((user) => user.id)) });
      return () => scim('POST', '/Groups', body);
    },
  },
  {
    what: 'PUT /Groups/{id} renaming and replacing the members',
    succeeds: 200,
    prepare: async () => {
      const [kept, dropped, added] = await scim.createUsers(3);
      const group = await scim.createGroup({ members: memberRefs([kept.id, dropped.id]) });
      const body = aGroup({ members: memberRefs([kept.id, added.id]) });
      return () => scim('PUT', `/Groups/${group.id}`, body);
    },
  },
  {
    what: 'PATCH /Groups/{id} renaming and adding a member',
    succeeds: 204,
    prepare: async () => {
      const [member, added] = await scim.createUsers(2);
      const group = await scim.createGroup({ members: memberRefs([member.id]) });
      const operations = [{ op: 'replace', path: 'displayName', value: unique('Renamed') }, membersOp.add([added.id])];
      return () => scim.patchGroup(group.id, operations);
    },
  },
  {
    what: 'DELETE /Groups/{id}',
    succeeds: 204,
    prepare: async () => {
      const members = await scim.createUsers(2);
      const group = await scim.createGroup({ members: memberRefs(members.map((member) => member.id)) });
      return () => scim('DELETE', `/Groups/${group.id}`);
    },
  },
];

/** How DynamoDB fails a transaction, what we answer, and how many attempts it took (the SDK's 3, or the store's 6 for conflicts). */
const transactionFaults = [
  ['cancelled for throttling (ThrottlingError)', failures.throttledTransaction, 429, 1],
  ['ProvisionedThroughputExceededException', failures.provisionedThroughputExceeded, 429, 3],
  ['ThrottlingException', failures.throttling, 429, 3],
  ['cancelled by conflicts (TransactionConflict)', failures.conflictedTransaction, 503, 6],
  ['a timeout', failures.timeout, 503, 3],
  ['a reset connection', failures.connectionReset, 503, 3],
  ['InternalServerError', failures.internalServerError, 503, 3],
] as const;

describe.each(transactionFaults)('TransactWriteItems %s', (_fault, fail, status, attempts) => {
  it.each(transactionalWrites.map((write) => [write.what, write] as const))(`%s answers ${status} with Retry-After, writes nothing, and succeeds when retried`, async (_what, write) => {
    const request = await write.prepare();
    await scim.server.drainStreams();
    const before = await table.items();

    const { response, struck } = await withFault({ on: ['TransactWriteItems'], fail }, request);
    expectRetryLater(response, status);
    expect(struck).toBe(attempts);
    // Not one item changed: claims, counters, seats, memberships, no lease left behind.
    expect(await table.items()).toEqual(before);

    await expectRetrySucceeds(request, write.succeeds);
  });
});

describe('reads throttled past the SDK retries', () => {
  const reads: Array<[string, Fault['on'][number], () => Promise<Request>]> = [
    ['GET /Users/{id}', 'GetItem', async () => { const user = await scim.createUser(); return () => scim('GET', `/Users/${user.id}`); }],
    ['GET /Users?filter=userName eq', 'GetItem', async () => { const user = await scim.createUser(); return () => scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`); }],
    ['GET /Groups (the counters, then the page)', 'Query', async () => () => scim('GET', '/Groups?startIndex=1&count=10')],
    ['GET /Groups/{id} (its members)', 'Query', async () => { const group = await scim.createGroup({ members: memberRefs([(await scim.createUser()).id]) }); return () => scim('GET', `/Groups/${group.id}`); }],
    ['POST /.search', 'Query', async () => () => scim('POST', '/.search', { schemas: [SEARCH], count: 5 })],
    ['PATCH /Users/{id} (its read before the write)', 'GetItem', async () => { const user = await scim.createUser(); return () => scim('PATCH', `/Users/${user.id}`, patchOf({ op: 'replace', path: 'title', value: 'Engineer' })); }],
    ['PATCH /Groups/{id} adding a member (the group, read before the write)', 'GetItem', async () => {
      const [member, added] = await scim.createUsers(2);
      const group = await scim.createGroup({ members: memberRefs([member.id]) });
      return () => scim.patchGroup(group.id, [membersOp.add([added.id])]);
    }],
  ];

  it.each(reads)('%s (%s) answers 429 with Retry-After, writes nothing, and succeeds when retried', async (_what, operation, prepare) => {
    const request = await prepare();
    await scim.server.drainStreams();
    const before = await table.items();

    const { response, struck } = await withFault({ on: [operation], fail: failures.throttling }, request);
    expectRetryLater(response, 429);
    // The SDK tried each read three times; independent reads (a user and its groups) run together, and each meets the fault.
    expect(struck).toBeGreaterThan(0);
    expect(struck % 3).toBe(0);
    expect(await table.items()).toEqual(before);

    const retried = await request();
    expect(retried.status).toBeLessThan(300);
    await scim.server.drainStreams();
    expect(await table.problems(TENANT, { settled: true })).toEqual([]);
  });
});

describe('a create whose completion fails after the resource was written', () => {
  /** The transaction that records a user's access, computed from the tenant's settings after the write. */
  const recordingAccess = (input: Record<string, any>) => input.TransactItems?.[0]?.Update?.ExpressionAttributeNames?.['#access'] !== undefined;

  it.each([
    ['throttling', 429, failures.throttledTransaction],
    ['a timeout', 503, failures.timeout],
  ] as const)("POST /Users meeting %s on the user's access answers %i and takes the user back, so that the retry creates it instead of meeting 409", async (_what, status, fail) => {
    await scim.admin.settings.set(TENANT, { roles: ['member'], defaultRole: 'member', groupRoles: [], seatLimit: null, seatPolicy: 'reject' });
    const body = aUser();
    await scim.server.drainStreams();

    const { response, struck } = await withFault({ on: ['TransactWriteItems'], when: recordingAccess, fail }, () => scim('POST', '/Users', body));
    expectRetryLater(response, status);
    expect(struck).toBeGreaterThan(0);
    expect((await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${body.userName}"`)}`)).body.totalResults).toBe(0);
    // Its claims, counters and seat went back with it.
    expect(await table.problems(TENANT)).toEqual([]);

    await expectRetrySucceeds(() => scim('POST', '/Users', body), 201);
    expect((await scim.admin.user(TENANT, body.userName))?.role).toBe('member');
  });
});

describe('POST /Bulk', () => {
  const bulk = (operations: unknown[]) => scim('POST', '/Bulk', { schemas: [BULK_REQUEST], Operations: operations });
  const postUser = (bulkId: string, data: unknown) => ({ method: 'POST', path: '/Users', bulkId, data });
  /** The transaction that creates this user. */
  const creating = (userName: string) => (input: Record<string, any>) => input.TransactItems?.[0]?.Put?.Item?.resource?.userName === userName;

  it.each([
    ['throttling', 429, failures.throttledTransaction],
    ['conflicts that outlast the retries', 503, failures.conflictedTransaction],
    ['a timeout', 503, failures.timeout],
  ] as const)('an operation meeting %s answers %i in its own result, the others are applied, and it succeeds when resent', async (_what, status, fail) => {
    const [first, victim, last] = [aUser(), aUser(), aUser()];
    const member = await scim.createUser();
    const team = await scim.createGroup();
    await scim.server.drainStreams();

    const { response } = await withFault({ on: ['TransactWriteItems'], when: creating(victim.userName), fail }, () =>
      bulk([
        postUser('first', first),
        postUser('victim', victim),
        postUser('last', last),
        { method: 'PATCH', path: `/Groups/${team.id}`, data: patchOf(membersOp.add([member.id])) },
      ]),
    );
    expect(response.status).toBe(200);
    const operations = response.body.Operations;
    expect(operations.map((operation: any) => [operation.bulkId, operation.status])).toEqual([
      ['first', '201'],
      ['victim', String(status)],
      ['last', '201'],
      [undefined, '200'],
    ]);
    expect(operations[1].response).toEqual({ schemas: [ERROR], status: String(status), detail: expect.stringMatching(/retry/i) });
    expect(await scim.memberIds(team.id)).toEqual([member.id]);
    const victims = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${victim.userName}"`)}`);
    expect(victims.body.totalResults).toBe(0);
    expect(await table.problems(TENANT)).toEqual([]);

    const resent = await bulk([postUser('victim', victim)]);
    expect(resent.body.Operations.map((operation: any) => operation.status)).toEqual(['201']);
    await scim.server.drainStreams();
    expect(await table.problems(TENANT, { settled: true })).toEqual([]);
  });
});

describe('saving settings (admin library)', () => {
  const settings = (seatLimit: number | null) => ({ roles: ['member'], defaultRole: 'member', groupRoles: [], seatLimit, seatPolicy: 'reject' });

  it.each([
    ['throttling', 429, failures.throttledTransaction],
    ['ProvisionedThroughputExceededException', 429, failures.provisionedThroughputExceeded],
    ['a conflict with another save', 503, failures.conflictedTransaction],
    ['a timeout', 503, failures.timeout],
  ] as const)('meeting %s fails with %i and Retry-After, leaves settings, history and the seat limit as they were, and succeeds when retried', async (_what, status, fail) => {
    const before = await scim.admin.settings.get(TENANT);
    const limit = (before.settings.seatLimit ?? 1000) + 1;
    await scim.server.drainStreams();
    const items = await table.items();

    const armed = storeFaults.inject({ on: ['TransactWriteItems'], fail });
    const failed = await scim.admin.settings.set(TENANT, settings(limit)).catch((error: unknown) => error);
    storeFaults.clear();
    expect(failed).toMatchObject({ status, headers: { 'Retry-After': expect.stringMatching(/^[1-9]\d*$/) } });
    expect(armed.struck()).toBeGreaterThan(0);
    expect(await table.items()).toEqual(items);

    const saved = await scim.admin.settings.set(TENANT, settings(limit));
    expect(saved).toMatchObject({ before: { version: before.version }, after: { version: before.version + 1 } });
    const seats = (await table.items()).find((item) => item.pk === `T#${TENANT}#Seats`);
    expect(seats?.seatLimit).toBe(limit);
    expect((await scim.admin.settings.history(TENANT, 1))[0].version).toBe(before.version + 1);
    await scim.server.drainStreams();
    expect(await table.problems(TENANT, { settled: true })).toEqual([]);
  });
});
