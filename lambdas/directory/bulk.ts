import {
  bulkOperationResponse,
  referencedBulkIds,
  resolveBulkIds,
  type BulkOperation,
  type BulkOperationResponse,
  type BulkOutcome,
  type BulkRequest,
} from '../scim/bulk';
import { ScimError } from '../scim/errors';
import { mapLimited } from '../runtime/concurrency';

export interface BulkRunOptions {
  /** How many creates that do not depend on one another run at once. */
  concurrency: number;
  /** Whether there is still time to start an operation and answer before the gateway gives up. */
  mayStart(): boolean;
}

interface Waiting {
  index: number;
  operation: BulkOperation;
  needs: string[];
}

const failure = (error: ScimError): BulkOutcome => ({ status: error.status, response: error.toBody() });

/**
 * Runs a bulk request's operations (RFC 7644 §3.7) through `execute`, which answers for one
 * operation as its own route would, and returns their responses in request order.
 *
 * Order: request order, except that an operation referring to `bulkId:x` waits until the POST
 * defining x has run, wherever that POST is in the request (§3.7.2 allows forward references).
 * A run of consecutive ready creates, or of deletes of distinct resources, runs `concurrency` at a
 * time; PUT and PATCH run alone, so that what one operation frees (a userName) is free for the next
 * one, exactly as if the client had sent them one by one. Two creates of one run that claim the same
 * userName still get one 201 and one 409, but which of them is not decided by their order.
 *
 * An operation whose reference cannot be resolved (no such POST, or its POST failed) fails with 409
 * invalidValue; so do operations left waiting on one another in a circle, which RFC 7644 §3.7.1
 * lets a service provider refuse. After `failOnErrors` errors nothing more starts, and the
 * response lists only what ran (§3.7.3); failOnErrors also makes everything run one at a time, so
 * that no operation beyond the limit is already under way. When time runs short the operations
 * not yet started are answered 503 without being attempted, so the client knows exactly which to resend.
 */
export async function runBulk(
  request: BulkRequest,
  execute: (operation: BulkOperation) => Promise<BulkOutcome>,
  options: BulkRunOptions,
): Promise<BulkOperationResponse[]> {
  const responses: Array<BulkOperationResponse | undefined> = [];
  const posted = new Set(request.Operations.flatMap((operation) => (operation.method === 'POST' && operation.bulkId !== undefined ? [operation.bulkId] : [])));
  const created = new Map<string, string>();
  const failedPosts = new Set<string>();
  const errorLimit = request.failOnErrors ?? Number.POSITIVE_INFINITY;
  const concurrency = request.failOnErrors === undefined ? options.concurrency : 1;
  let errors = 0;

  const settle = ({ index, operation }: Waiting, outcome: BulkOutcome) => {
    responses[index] = bulkOperationResponse(operation, outcome);
    const succeeded = outcome.status < 400;
    if (!succeeded) errors += 1;
    if (operation.method === 'POST' && operation.bulkId !== undefined) {
      if (succeeded && outcome.id !== undefined) created.set(operation.bulkId, outcome.id);
      else failedPosts.add(operation.bulkId);
    }
  };
  const unresolvable = (item: Waiting) => item.needs.find((bulkId) => !posted.has(bulkId) || failedPosts.has(bulkId));
  const ready = (item: Waiting) => item.needs.every((bulkId) => created.has(bulkId));
  const run = async (item: Waiting) => {
    if (!options.mayStart()) return settle(item, notAttempted());
    if (item.operation.method === 'POST' && item.operation.bulkId === undefined) {
      return settle(item, failure(ScimError.invalidValue('A POST operation needs a bulkId, so that its result can be told apart and referred to (RFC 7644 §3.7).')));
    }
    settle(item, await execute(resolveBulkIds(item.operation, created)));
  };

  let waiting: Waiting[] = request.Operations.map((operation, index) => ({ index, operation, needs: referencedBulkIds(operation) }));
  while (waiting.length > 0 && errors < errorLimit) {
    if (!options.mayStart()) {
      for (const item of waiting) settle(item, notAttempted());
      break;
    }
    const start = waiting.findIndex((item) => unresolvable(item) !== undefined || ready(item));
    if (start < 0) {
      for (const item of waiting) {
        if (errors >= errorLimit) break;
        settle(item, failure(circular(item)));
      }
      break;
    }
    const first = waiting[start];
    const bulkId = unresolvable(first);
    let batch = [first];
    if (bulkId !== undefined) {
      settle(first, failure(unresolved(bulkId, posted.has(bulkId))));
    } else {
      if (concurrency > 1) batch = independentRun(waiting.slice(start), ready, created);
      await mapLimited(batch, concurrency, run);
    }
    const done = new Set(batch);
    waiting = waiting.filter((item) => !done.has(item));
  }
  return responses.filter((response): response is BulkOperationResponse => response !== undefined);
}

/**
 * The ready operations at the head of `waiting` that may run at once. Creates only claim (a
 * userName), deletes only release, so neither can undo or enable another of its kind; a PUT or
 * PATCH can do both, as when a userName passes from one user to another, so it runs alone.
 */
function independentRun(waiting: Waiting[], ready: (item: Waiting) => boolean, created: ReadonlyMap<string, string>): Waiting[] {
  const [first] = waiting;
  const method = first.operation.method;
  if (method !== 'POST' && method !== 'DELETE') return [first];
  const targets = new Set<string>();
  const run: Waiting[] = [];
  for (const item of waiting) {
    if (item.operation.method !== method || !ready(item)) break;
    if (method === 'DELETE') {
      const target = targetOf(item.operation, created);
      if (targets.has(target)) break;
      targets.add(target);
    }
    run.push(item);
  }
  return run;
}

/** The resource an operation addresses, as a comparable path. */
function targetOf(operation: BulkOperation, created: ReadonlyMap<string, string>): string {
  return resolveBulkIds(operation, created).path.replace(/^\/?/, '/').replace(/\/$/, '');
}

function unresolved(bulkId: string, posted: boolean): ScimError {
  return new ScimError(
    409,
    posted
      ? `"bulkId:${bulkId}" cannot be resolved: the POST with bulkId "${bulkId}" failed, so this operation was not attempted.`
      : `"bulkId:${bulkId}" cannot be resolved: no POST in this request has bulkId "${bulkId}" (RFC 7644 §3.7.2).`,
    'invalidValue',
  );
}

function circular(item: Waiting): ScimError {
  const names = item.needs.map((bulkId) => `"${bulkId}"`).join(', ');
  return new ScimError(
    409,
    `This operation waits on bulkId ${names}, whose POST waits in turn on this or another waiting operation: circular bulkId references are not resolved (RFC 7644 §3.7.1). Create the resources first, then add the references with PATCH.`,
    'invalidValue',
  );
}

function notAttempted(): BulkOutcome {
  return failure(
    ScimError.serviceUnavailable('Not attempted: the bulk request ran out of time before this operation, which changed nothing. Send it again.', 1),
  );
}
