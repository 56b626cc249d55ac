import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ProvisioningEvent } from '../contracts/events';
import type { EventSink } from '../directory/ports/event-sink';

/**
 * Events as `npm start` keeps them: appended to a JSON-lines file, one event per line in the shape
 * an EventBridge rule's target receives (id, time, source, detail-type, detail), so a local
 * consumer can be written against the same fields.
 */
export class FileEventSink implements EventSink {
  constructor(private readonly file: string) {}

  async publish(events: ProvisioningEvent[]): Promise<void> {
    if (events.length === 0) return;
    const lines = events.map((event) =>
      JSON.stringify({ id: event.detail.eventId, time: event.detail.at, source: event.source, 'detail-type': event['detail-type'], detail: event.detail }),
    );
    // One append per batch: a line is never interleaved with another writer's. Synchronous: its open,
    // write and close take microseconds, less than their trips through the thread pool would cost.
    const text = `${lines.join('\n')}\n`;
    try {
      appendFileSync(this.file, text, { mode: 0o600 });
    } catch (error) {
      // The directory is made when the first batch finds it missing, not checked for every batch.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      appendFileSync(this.file, text, { mode: 0o600 });
    }
  }
}
