import { appendFile, mkdir } from 'node:fs/promises';
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
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    // One append per batch: a line is never interleaved with another writer's.
    await appendFile(this.file, `${lines.join('\n')}\n`, { mode: 0o600 });
  }
}
