import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { keys, tableKeys } from '../../lambdas/contracts/table-design';
import { aGroup, memberRefs, membersOp, sorted } from '../support/builders';
import { useFaultyDirectory } from '../support/faulty-directory';
import { expectRetryLater } from '../support/scim-server';
import { failures, storeFaults, type Fault } from '../support/store-faults';

// Every DynamoDB client the handlers and the stream consumer build meets the faults armed below.
jest.mock('../../lambdas/store/dynamo-client', () => jest.requireActual('../support/store-faults').faultyDynamoClient());

const TENANT = 'default';
const { scim, table, withFault } = useFaultyDirectory();

/** A TransactWriteItems that writes or removes memberships (their items under the group). */
const membershipTransaction = (input: Record<string, any>) =>
  (input.TransactItems as Array<Record<string, any>>).some((action) =>
    String((action.Put?.Item ?? action.Delete?.Key)?.[tableKeys.partitionKey] ?? '').startsWith(keys.groupMembers(TENANT, '')),
  );
const failingMemberships = (fail: () => Error, when = membershipTransaction): Fault => ({ on: ['TransactWriteItems'], when, fail });

async function settledWithoutProblems() {
  await scim.server.drainStreams();
  expect(await table.problems(TENANT, { settled: true })).toEqual([]);
}

describe('membership writes meeting store failures (each membership is a transaction of its two items)', () => {
  it.each([
    ['adding', 429, membersOp.add, failures.throttledTransaction],
    ['removing', 429, membersOp.removeByValue, failures.throttledTransaction],
    ['adding', 503, membersOp.add, failures.timeout],
    ['removing', 503, membersOp.removeByValue, failures.internalServerError],
  ] as const)('PATCH %s members whose transaction fails answers %i, changes no membership, and succeeds when retried', async (_what, status, operation, fail) => {
    const [member, other] = await scim.createUsers(2);
    const group = await scim.createGroup({ members: memberRefs([member.id]) });
    const change = operation === membersOp.add ? other.id : member.id;
    await scim.server.drainStreams();
    const before = await table.memberships(TENANT);

    const { response, struck } = await withFault(failingMemberships(fail), () => scim.patchGroup(group.id, [operation([change])]));
    expectRetryLater(response, status);
    expect(struck).toBeGreaterThan(0);
    expect(await table.memberships(TENANT)).toEqual(before);
    expect(await table.problems(TENANT)).toEqual([]);

    expect((await scim.patchGroup(group.id, [operation([change])])).status).toBe(204);
    expect(await scim.memberIds(group.id)).toEqual(operation === membersOp.add ? sorted([member.id, other.id]) : []);
    await settledWithoutProblems();
  });

  it('PATCH adding members across several transactions answers 429 when one of them fails: those written are whole, and the retry adds the rest', async () => {
    // 40 members: 120 items, two transactions.
    const users = await scim.createUsers(40);
    const group = await scim.createGroup();
    const first = keys.membership(TENANT, group.id, users[0].id)[tableKeys.sortKey];
    await scim.server.drainStreams();

    // Every transaction but the one holding the first member fails.
    const { response } = await withFault(failingMemberships(failures.throttledTransaction, (input) => membershipTransaction(input) && !JSON.stringify(input).includes(first)), () =>
      scim.patchGroup(group.id, [membersOp.add(users.map((user) => user.id))]),
    );
    expectRetryLater(response, 429);
    const added = (await table.memberships(TENANT)).groupSide.filter((membership) => membership.startsWith(`${group.id}/`));
    expect(added.length).toBeGreaterThan(0);
    expect(added.length).toBeLessThan(users.length);
    // No membership is listed on one side only.
    expect(await table.problems(TENANT)).toEqual([]);

    await scim.addMembers(group.id, users.map((user) => user.id));
    expect(await scim.memberIds(group.id)).toEqual(sorted(users.map((user) => user.id)));
    await settledWithoutProblems();
  }, 90_000);

  it('PUT /Groups/{id} replacing the members answers 429 with the group renamed and its members as they were; the retry replaces them', async () => {
    const [kept, dropped, added] = await scim.createUsers(3);
    const group = await scim.createGroup({ members: memberRefs([kept.id, dropped.id]) });
    const body = aGroup({ members: memberRefs([kept.id, added.id]) });
    await scim.server.drainStreams();

    const { response } = await withFault(failingMemberships(failures.throttledTransaction), () => scim('PUT', `/Groups/${group.id}`, body));
    expectRetryLater(response, 429);
    // The rename is its own transaction, written before the members: the IdP's retry of the PUT is idempotent.
    expect((await scim('GET', `/Groups/${group.id}`)).body.displayName).toBe(body.displayName);
    expect(await scim.memberIds(group.id)).toEqual(sorted([kept.id, dropped.id]));
    expect(await table.problems(TENANT)).toEqual([]);

    expect((await scim('PUT', `/Groups/${group.id}`, body)).status).toBe(200);
    expect(await scim.memberIds(group.id)).toEqual(sorted([kept.id, added.id]));
    await settledWithoutProblems();
  }, 90_000);

  it('POST /Groups with members answers 429 when its memberships cannot be written, and takes the group back so that the retry creates it whole', async () => {
    const users = await scim.createUsers(3);
    const body = aGroup({ members: memberRefs(users.map((user) => user.id)) });
    await scim.server.drainStreams();

    const { response } = await withFault(failingMemberships(failures.throttledTransaction), () => scim('POST', '/Groups', body));
    expectRetryLater(response, 429);
    const found = await scim('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${body.displayName}"`)}`);
    expect(found.body.totalResults).toBe(0);
    await settledWithoutProblems();

    const created = await scim('POST', '/Groups', body);
    expect(created.status).toBe(201);
    expect(await scim.memberIds(created.body.id)).toEqual(sorted(users.map((user) => user.id)));
    await settledWithoutProblems();
  });

  it('DELETE /Users/{id} whose transaction fails answers 429 and changes nothing; the retry deletes the user and its memberships together', async () => {
    const user = await scim.createUser();
    const groups = [await scim.createGroup({ members: memberRefs([user.id]) }), await scim.createGroup({ members: memberRefs([user.id]) })];
    await scim.server.drainStreams();
    const before = await table.items();

    const { response } = await withFault(failingMemberships(failures.throttledTransaction), () => scim('DELETE', `/Users/${user.id}`));
    expectRetryLater(response, 429);
    expect(await table.items()).toEqual(before);

    expect((await scim('DELETE', `/Users/${user.id}`)).status).toBe(204);
    expect((await scim('GET', `/Users/${user.id}`)).status).toBe(404);
    for (const group of groups) expect(await scim.memberIds(group.id)).toEqual([]);
    await settledWithoutProblems();
  });

  it("DELETE /Users/{id} answers 429 when its groups' new versions cannot be written, once the user and its memberships are gone; the retry answers 404", async () => {
    const user = await scim.createUser();
    const group = await scim.createGroup({ members: memberRefs([user.id]) });
    await scim.server.drainStreams();

    const { response } = await withFault({ on: ['UpdateItem'], fail: failures.throttling }, () => scim('DELETE', `/Users/${user.id}`));
    expectRetryLater(response, 429);
    expect((await scim('GET', `/Users/${user.id}`)).status).toBe(404);
    expect(await scim.memberIds(group.id)).toEqual([]);
    expect(await table.problems(TENANT)).toEqual([]);

    // RFC 7644 §3.6: the resource is gone; the IdP's retry learns so.
    expect((await scim('DELETE', `/Users/${user.id}`)).status).toBe(404);
    await settledWithoutProblems();
  });

  it('a membership transaction that meets concurrent ones a few times is sent again until it is written: the request succeeds', async () => {
    const users = await scim.createUsers(5);
    const group = await scim.createGroup();
    await scim.server.drainStreams();

    const { response, struck } = await withFault({ ...failingMemberships(failures.conflictedTransaction), times: 3 }, () =>
      scim.patchGroup(group.id, [membersOp.add(users.map((user) => user.id))]),
    );
    expect(response.status).toBe(204);
    expect(struck).toBe(3);
    expect(await scim.memberIds(group.id)).toEqual(sorted(users.map((user) => user.id)));
    await settledWithoutProblems();
  });
});

describe('the stream cleanup consumer', () => {
  /** What Lambda's event source mapping hands the consumer for a deleted item. */
  const removal = (sequenceNumber: string, item: Record<string, unknown>) =>
    ({ Records: [{ eventID: sequenceNumber, eventName: 'REMOVE', eventSource: 'aws:dynamodb', dynamodb: { SequenceNumber: sequenceNumber, OldImage: marshall(item) } }] }) as unknown as DynamoDBStreamEvent;

  it.each([
    ["reading the group's members is throttled", { on: ['Query'], fail: failures.throttling } as Fault],
    ['its transactions time out', failingMemberships(failures.timeout)],
  ])("removing a deleted group's memberships reports the record failed when %s, and its retry finishes the job", async (_what, fault) => {
    const members = await scim.createUsers(3);
    const group = await scim.createGroup({ members: memberRefs(members.map((member) => member.id)) });
    const item = (await table.items()).find((candidate) => candidate[tableKeys.partitionKey] === keys.resourceCollection(TENANT, 'Group') && candidate.id === group.id)!;
    expect((await scim('DELETE', `/Groups/${group.id}`)).status).toBe(204);
    const { handler } = await import('../../lambdas/cleanup/handler');
    const event = removal(`${Date.now()}`, item);

    const armed = storeFaults.inject(fault);
    const failed = await handler(event);
    storeFaults.clear();
    expect(armed.struck()).toBeGreaterThan(0);
    expect(failed).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0].dynamodb!.SequenceNumber }] });
    // What is left is still listed under the group, where the retry looks.
    const { groupSide } = await table.memberships(TENANT);
    expect(groupSide.filter((membership) => membership.startsWith(`${group.id}/`))).toEqual(sorted(members.map((member) => `${group.id}/${member.id}`)));

    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    const after = await table.memberships(TENANT);
    expect([...after.groupSide, ...after.userSide].filter((membership) => membership.startsWith(`${group.id}/`))).toEqual([]);
    await settledWithoutProblems();
  });
});
