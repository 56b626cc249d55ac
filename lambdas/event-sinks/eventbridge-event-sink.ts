import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { ProvisioningEvent } from '../contracts/events';
import type { EventSink } from '../directory/ports/event-sink';
import { backoff } from '../runtime/concurrency';

/** PutEvents takes at most 10 entries, together at most 256 KB (EventBridge quotas). */
const ENTRIES_PER_REQUEST = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
const ATTEMPTS = 4;

/** An entry's size as EventBridge counts it (Source, DetailType and Detail in UTF-8; no Time or Resources here). */
function entrySize(entry: PutEventsRequestEntry): number {
  return Buffer.byteLength(entry.Source ?? '') + Buffer.byteLength(entry.DetailType ?? '') + Buffer.byteLength(entry.Detail ?? '');
}

/**
 * An event as a PutEvents entry. A user's resource may weigh up to 384 KB, more than an entry may:
 * such an event goes without it, marked `resourceOmitted`, and the consumer reads the resource by id.
 */
export function entryOf(event: ProvisioningEvent, busName: string): PutEventsRequestEntry {
  const entry = { EventBusName: busName, Source: event.source, DetailType: event['detail-type'], Detail: JSON.stringify(event.detail) };
  if (entrySize(entry) <= MAX_REQUEST_BYTES || !('resource' in event.detail)) return entry;
  const { resource: _omitted, ...rest } = event.detail;
  return { ...entry, Detail: JSON.stringify({ ...rest, resourceOmitted: true }) };
}

/** Entries in requests of at most 10 and 256 KB, in order. */
function requests(entries: PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const batches: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (current.length === ENTRIES_PER_REQUEST || (current.length > 0 && bytes + size > MAX_REQUEST_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Publishes on an EventBridge bus. PutEvents accepts a request yet may refuse some of its entries
 * (FailedEntryCount, e.g. ThrottlingException): those alone are sent again, and if some are still
 * refused after the last attempt, publish throws, so the stream hands the changes over again.
 */
export class EventBridgeEventSink implements EventSink {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly attempts = ATTEMPTS,
    private readonly wait: (attempt: number) => Promise<void> = (attempt) => backoff(attempt, 50, 1000),
  ) {}

  async publish(events: ProvisioningEvent[]): Promise<void> {
    for (const batch of requests(events.map((event) => entryOf(event, this.busName)))) await this.send(batch);
  }

  private async send(entries: PutEventsRequestEntry[]): Promise<void> {
    let pending = entries;
    let errors: string[] = [];
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await this.wait(attempt - 1);
      const output = await this.client.send(new PutEventsCommand({ Entries: pending }));
      if (!output.FailedEntryCount) return;
      // Results come in the order of the entries; a failed one has an ErrorCode.
      const results = output.Entries ?? [];
      errors = results.flatMap((result) => (result.ErrorCode ? [result.ErrorCode] : []));
      pending = pending.filter((_, index) => results[index]?.ErrorCode !== undefined || results[index] === undefined);
      if (pending.length === 0) return;
    }
    throw new Error(`EventBridge refused ${pending.length} of ${entries.length} events after ${this.attempts} attempts (${[...new Set(errors)].join(', ')})`);
  }
}
