import { createHash } from 'node:crypto';
import type { EventOf, EventType } from './events';

/**
 * What every published event carries besides its detail: the source, the type, an id derived from
 * the change. The publishers import this file rather than the schemas of events.ts, which only
 * consumers parse with, so no function builds those schemas at cold start.
 */

/** EventBridge `source` of every event. */
export const EVENT_SOURCE = 'serverless-scim';

/** The activity trail's one entry type that is not an event: a refused write. */
export const REQUEST_REFUSED = 'request.refused';

/** An event's id from what identifies its change (a stream record's sequence number, a secret version): the same change, the same id. */
export function eventId(type: EventType, ...change: string[]): string {
  return createHash('sha256').update([type, ...change].join('\n')).digest('hex').slice(0, 32);
}

/** An event of `type` with its detail, as published. */
export function provisioningEvent<T extends EventType>(type: T, detail: EventOf<T>['detail']): EventOf<T> {
  return { 'detail-type': type, source: EVENT_SOURCE, detail } as EventOf<T>;
}
