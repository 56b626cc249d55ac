import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventSink } from '../directory/ports/event-sink';
import { EventBridgeEventSink } from '../event-sinks/eventbridge-event-sink';
import { loadTokenConfig, type TokenConfig } from './config';
import { localEventSink, tokenDependencies } from './token-dependencies';

/**
 * Where events go: the file of a local run, the deployment's bus, or nowhere (a function the stack
 * gave no bus). Only the functions that publish (the events consumer, the rotation, the expiry
 * report) import this file: the others never bundle or load the EventBridge client.
 */
export function eventSink(config: Pick<TokenConfig, 'EVENTS_FILE' | 'EVENT_BUS_NAME'>): EventSink | undefined {
  return localEventSink(config) ?? (config.EVENT_BUS_NAME ? new EventBridgeEventSink(new EventBridgeClient({}), config.EVENT_BUS_NAME) : undefined);
}

/** tokenDependencies for the functions that publish the tenancy's events (token rotated, token expiring). */
export function publishingTokenDependencies(config: TokenConfig = loadTokenConfig()) {
  return tokenDependencies(config, Date.now, eventSink(config));
}
