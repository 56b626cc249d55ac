import { DAY_MS } from '../contracts/tenancy';
import type { EventSink } from '../directory/ports/event-sink';
import { FileEventSink } from '../event-sinks/file-event-sink';
import { FileSecretStore } from '../secrets/file-secret-store';
import { SecretsManagerStore } from '../secrets/secrets-manager-store';
import { runRotation, type PublishTenantEvents } from '../tenancy/token-rotation';
import { loadTokenConfig, type TokenConfig } from './config';
import { tenantSecretPrefix, tokenVerifier } from './token-verification';

/**
 * Where a local run's events go: the file npm start keeps. In AWS only the functions that publish
 * have a sink (event-sink.ts), so that no other bundles or loads the EventBridge client.
 */
export function localEventSink(config: Pick<TokenConfig, 'EVENTS_FILE'>): EventSink | undefined {
  return config.EVENTS_FILE ? new FileEventSink(config.EVENTS_FILE) : undefined;
}

/** What the token functions need, from the token environment alone (they have no table); the tenancy's events go to `sink`. */
export function tokenDependencies(config: TokenConfig = loadTokenConfig(), now: () => number = Date.now, sink: EventSink | undefined = localEventSink(config)) {
  const policy = { validityMs: config.TOKEN_VALIDITY_DAYS * DAY_MS, overlapMs: config.TOKEN_OVERLAP_DAYS * DAY_MS };
  const publish: PublishTenantEvents | undefined = sink && ((events) => sink.publish(events));
  // Locally the rotation runs in the process that asks for it; in AWS, Secrets Manager invokes the rotation function.
  const store = config.LOCAL_SECRETS_DIR
    ? new FileSecretStore(config.LOCAL_SECRETS_DIR, (store, secretId, versionId) => runRotation(store, policy, secretId, versionId, now, publish))
    : new SecretsManagerStore();
  const prefix = () => tenantSecretPrefix(config);
  return {
    config,
    policy,
    store,
    prefix,
    /** Publishes the tenancy domain's events (token rotated, expiring); undefined without a sink. */
    publish,
    /** The one token check, as API Gateway's authorizer runs it (the SCIM functions build theirs in scim-dependencies.ts). */
    verifier: () => tokenVerifier(store, config),
  };
}
