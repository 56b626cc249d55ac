import { TransactionCanceledException, type CancellationReason, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScimError } from '../scim/errors';

/**
 * What a store failure that a later attempt may not meet means to a SCIM client, decided here
 * once for every store call, after the SDK's own retries (3 attempts, backoff) are spent:
 *
 * - throttling (the table's or the account's capacity) answers 429 with Retry-After: the client is
 *   asked to slow down (RFC 6585 §4). Okta retries a 429 by itself after Retry-After, where any
 *   other 4xx becomes a task an admin must retry by hand; Entra ID backs off and retries it too.
 * - contention that outlasted our retries, timeouts, dropped connections and DynamoDB's own 5xx
 *   answer 503 with Retry-After (RFC 9110 §15.6.4): nothing is wrong with the request.
 *
 * Neither is ever a 500, which says the request can't succeed as sent. A cancelled transaction
 * whose reasons include a failed condition is the store's to interpret (uniqueness, a version
 * conflict, the seat limit), and so is one cancelled by a conflict, which the stores retry first.
 */

const THROTTLED_RETRY_AFTER_SECONDS = 2;
const CONTENDED_RETRY_AFTER_SECONDS = 1;
const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

const THROTTLING_ERRORS = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded']);
/** The CancellationReason codes of a transaction throttled on one of its items. */
const THROTTLING_REASONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);
/** A single write colliding with a transaction on the same item. */
const CONFLICT_ERRORS = new Set(['TransactionConflictException', 'ReplicatedWriteConflictException']);
const UNAVAILABLE_ERRORS = new Set(['InternalServerError', 'ServiceUnavailable', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
/** Node's socket errors, as the SDK's HTTP handler passes them on. */
const CONNECTION_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

interface AwsError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

const reasonsOf = (error: TransactionCanceledException): CancellationReason[] => error.CancellationReasons ?? [];

/** A transaction cancelled only because another one was writing the same items: the stores retry it themselves. */
export function isContendedTransaction(error: unknown): error is TransactionCanceledException {
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = reasonsOf(error).map((reason) => reason.Code);
  return codes.includes('TransactionConflict') && !codes.some((code) => code === 'ConditionalCheckFailed' || THROTTLING_REASONS.has(code ?? ''));
}

/** The 429 or 503 a store failure answers, or undefined when it is not one a retry may cure (the caller's to interpret, or a 500). */
export function retryableStoreFailure(error: unknown): ScimError | undefined {
  if (error instanceof TransactionCanceledException) {
    const codes = reasonsOf(error).map((reason) => reason.Code ?? 'None');
    if (codes.includes('ConditionalCheckFailed')) return undefined;
    if (codes.some((code) => THROTTLING_REASONS.has(code))) return throttled();
    return codes.includes('TransactionConflict') ? contended() : undefined;
  }
  const candidate = (error ?? {}) as AwsError;
  const status = candidate.$metadata?.httpStatusCode ?? 0;
  if (THROTTLING_ERRORS.has(candidate.name ?? '') || status === 429) return throttled();
  if (CONFLICT_ERRORS.has(candidate.name ?? '')) return contended();
  if (UNAVAILABLE_ERRORS.has(candidate.name ?? '') || CONNECTION_ERRORS.has(candidate.code ?? '') || status >= 500) return unavailable();
  return undefined;
}

/** Batch items DynamoDB still left unprocessed after every retry: what it does when throttled. */
export function unprocessedAfterRetries(): ScimError {
  return throttled();
}

function throttled(): ScimError {
  return ScimError.tooManyRequests('The directory store is over its capacity for the moment; retry after the delay in Retry-After.', THROTTLED_RETRY_AFTER_SECONDS);
}

function contended(): ScimError {
  return ScimError.serviceUnavailable('Other requests were changing the same resources at the same moment; retry after the delay in Retry-After.', CONTENDED_RETRY_AFTER_SECONDS);
}

function unavailable(): ScimError {
  return ScimError.serviceUnavailable('The directory store did not answer in time; retry after the delay in Retry-After.', UNAVAILABLE_RETRY_AFTER_SECONDS);
}

/**
 * Makes the client throw, for every store failure a retry may cure, its ScimError, once the SDK's
 * retries are spent (the initialize step wraps them). Transactions cancelled by contention pass
 * through: the stores retry those before they give up with a 503.
 */
export function answerStoreFailures(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (isContendedTransaction(error)) throw error;
        throw retryableStoreFailure(error) ?? error;
      }
    },
    { step: 'initialize', priority: 'high', name: 'scimStoreFailures' },
  );
}
