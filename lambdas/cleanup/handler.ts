import { dependencies } from '../wiring/dependencies';
import { streamHandler } from '../wiring/stream-handler';
import { cleanUp } from '../directory/cleanup';

const { directory } = dependencies();
const services = directory();

/** The table's stream consumer for referential integrity and roles (lambdas/directory/cleanup.ts). */
export const handler = streamHandler('cleanup', (changes) => cleanUp(changes, services));
