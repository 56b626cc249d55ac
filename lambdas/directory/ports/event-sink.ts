import type { ProvisioningEvent } from '../../contracts/events';

/** Where provisioning events go: EventBridge in AWS, a JSON-lines file locally. */
export interface EventSink {
  /** Resolves once every event is accepted; throws otherwise, so the caller's change is retried (at least once). */
  publish(events: ProvisioningEvent[]): Promise<void>;
}
