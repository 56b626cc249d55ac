import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { provisioningEvent, type ProvisioningEvent } from '../../lambdas/contracts/events';
import { EventBridgeEventSink } from '../../lambdas/event-sinks/eventbridge-event-sink';

const BUS = 'scim-events';
const eventBridge = mockClient(EventBridgeClient);

function aUserEvent(index: number, resourceBytes = 100): ProvisioningEvent {
  return provisioningEvent('user.created', {
    eventId: `event-${index}`,
    tenant: 'acme',
    at: '2025-01-01T00:00:00.000Z',
    sequence: '1',
    id: `u${index}`,
    userName: `user${index}@example.com`,
    client: 'Okta',
    resource: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: `u${index}`, title: 'x'.repeat(resourceBytes), meta: { resourceType: 'User', created: 'c', lastModified: 'm', version: 'W/"1"' } },
    access: null,
  });
}

const sink = () => new EventBridgeEventSink(eventBridge as unknown as EventBridgeClient, BUS, 3, async () => undefined);
const sent = () => eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries as PutEventsRequestEntry[]);

beforeEach(() => eventBridge.reset());

describe('EventBridge event sink', () => {
  it('sends events in order, 10 a request, as entries of the bus with the source, the type and the detail', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input) => ({ FailedEntryCount: 0, Entries: input.Entries.map((_: unknown, index: number) => ({ EventId: String(index) })) }));
    const events = Array.from({ length: 23 }, (_, index) => aUserEvent(index));
    await sink().publish(events);
    const requests = sent();
    expect(requests.map((entries) => entries.length)).toEqual([10, 10, 3]);
    expect(requests.flat()[0]).toEqual({ EventBusName: BUS, Source: 'serverless-scim', DetailType: 'user.created', Detail: JSON.stringify(events[0].detail) });
    expect(requests.flat().map((entry) => JSON.parse(entry.Detail!).eventId)).toEqual(events.map((event) => event.detail.eventId));
  });

  it('keeps a request within 256 KB, and sends an event too large for an entry without its resource, marked', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input) => ({ FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'x' })) }));
    await sink().publish([aUserEvent(1, 100_000), aUserEvent(2, 100_000), aUserEvent(3, 100_000), aUserEvent(4, 300_000)]);
    const requests = sent();
    // Without its resource the fourth is small again, and goes with the third.
    expect(requests.map((entries) => entries.length)).toEqual([2, 2]);
    for (const entries of requests) expect(entries.reduce((bytes, entry) => bytes + Buffer.byteLength(entry.Detail!), 0)).toBeLessThan(256 * 1024);
    const omitted = JSON.parse(requests[1][1].Detail!);
    expect(omitted).toMatchObject({ id: 'u4', resourceOmitted: true });
    expect(omitted.resource).toBeUndefined();
  });

  it('sends again only the entries EventBridge refused, until they are accepted', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 2, Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException' }, { EventId: 'c' }, { ErrorCode: 'InternalFailure' }] })
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'b' }, { ErrorCode: 'ThrottlingException' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'd' }] });
    await sink().publish([1, 2, 3, 4].map((index) => aUserEvent(index)));
    expect(sent().map((entries) => entries.map((entry) => JSON.parse(entry.Detail!).id))).toEqual([['u1', 'u2', 'u3', 'u4'], ['u2', 'u4'], ['u4']]);
  });

  it('throws when entries are still refused after the last attempt, so the stream hands the changes over again', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input) => ({ FailedEntryCount: 1, Entries: input.Entries.map((_: unknown, index: number) => (index === 0 ? { ErrorCode: 'ThrottlingException' } : { EventId: 'ok' })) }));
    await expect(sink().publish([aUserEvent(1), aUserEvent(2)])).rejects.toThrow(/refused 1 of 2 events after 3 attempts \(ThrottlingException\)/);
    expect(sent()).toHaveLength(3);
  });

  it('throws when the request itself fails', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('AccessDeniedException'));
    await expect(sink().publish([aUserEvent(1)])).rejects.toThrow('AccessDeniedException');
  });
});
