import { dependencies } from '../wiring/dependencies';
import { eventSink } from '../wiring/event-sink';
import { streamHandler } from '../wiring/stream-handler';
import { publishChanges } from '../directory/event-publisher';

const { config, directory, registry } = dependencies();
const { users, groups, memberships, trail } = directory();
const sink = eventSink(config);
if (!sink) throw new Error('Invalid Lambda environment: EVENT_BUS_NAME (or EVENTS_FILE locally) is required to publish provisioning events');

/** The table's stream consumer that publishes provisioning events and keeps the activity trail (lambdas/directory/event-publisher.ts). */
export const handler = streamHandler('events', (changes) => publishChanges(changes, { sink, trail, users, groups, memberships, models: registry.models }));
