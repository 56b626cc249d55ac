import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Faults injected into real DynamoDB clients talking to the real embedded store: a middleware on
 * each client the code under test builds makes selected commands fail as DynamoDB does, or leave
 * part of a BatchWriteItem unprocessed. Nothing else about the store is pretended.
 *
 * A test file routes the code's clients through here, before anything imports the store:
 *
 *   jest.mock('../../lambdas/store/dynamo-client', () => jest.requireActual('../support/store-faults').faultyDynamoClient());
 *   afterEach(() => storeFaults.clear());
 *   storeFaults.inject({ on: ['TransactWriteItems'], fail: failures.throttledTransaction });
 */

/** DynamoDB operations, as the SDK names their commands without the `Command` suffix. */
export type Operation = 'TransactWriteItems' | 'BatchWriteItem' | 'BatchGetItem' | 'GetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem';

type Input = Record<string, any>;
type WriteRequest = Record<string, any>;

export interface Fault {
  on: Operation[];
  /** Only calls whose (document-level) input passes. */
  when?: (input: Input) => boolean;
  /** How many calls it strikes; each attempt the SDK makes is a call. Unlimited by default. */
  times?: number;
  /** Thrown on the attempt, inside the SDK's retry loop, as a failed request would surface. */
  fail?: () => Error;
  /** BatchWriteItem: the request's items DynamoDB leaves unprocessed (the rest are written). */
  unprocessed?: (requests: WriteRequest[]) => WriteRequest[];
}

interface Armed extends Fault {
  struck: number;
}

const armed: Armed[] = [];

/** How the SDK's clients under test retry: as many attempts as by default, without the waits. */
const SDK_ATTEMPTS = 3;

export const storeFaults = {
  inject(fault: Fault): { struck: () => number } {
    const entry: Armed = { ...fault, struck: 0 };
    armed.push(entry);
    return { struck: () => entry.struck };
  },
  clear(): void {
    armed.length = 0;
  },
};

/** Errors as the SDK surfaces DynamoDB's failures. */
export const failures = {
  /** A transaction cancelled because one of its items' partitions was throttled. */
  throttledTransaction: () =>
    new TransactionCanceledException({
      message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ThrottlingError]',
      $metadata: { httpStatusCode: 400 },
      CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError', Message: 'Throughput exceeds the current capacity for one or more global secondary indexes.' }],
    }),
  /** A transaction cancelled because another one was writing the same item: the stores retry it themselves. */
  conflictedTransaction: () =>
    new TransactionCanceledException({
      message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]',
      $metadata: { httpStatusCode: 400 },
      CancellationReasons: [{ Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }],
    }),
  /** A table over its provisioned capacity (the SDK retries it). */
  provisionedThroughputExceeded: () =>
    new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded.', $metadata: { httpStatusCode: 400 } }),
  /** On-demand throttling (the SDK retries it). */
  throttling: () => new ThrottlingException({ message: 'Throughput exceeds the current capacity of your table or index.', $metadata: { httpStatusCode: 400 } }),
  /** The SDK's request timeout (the SDK retries it). */
  timeout: () => Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' }),
  /** A dropped connection (the SDK retries it). */
  connectionReset: () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
  /** DynamoDB's own 500 (the SDK retries it). */
  internalServerError: () => new InternalServerError({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } }),
};

const operationOf = (commandName: unknown) => String(commandName ?? '').replace(/Command$/, '');

function strike(operation: string, input: Input, kind: 'fail' | 'unprocessed'): Armed | undefined {
  const fault = armed.find(
    (candidate) =>
      candidate[kind] !== undefined &&
      candidate.on.includes(operation as Operation) &&
      (candidate.times === undefined || candidate.struck < candidate.times) &&
      (!candidate.when || candidate.when(input)),
  );
  if (fault) fault.struck += 1;
  return fault;
}

/** SDK v2 retry strategy: the standard strategy's attempts and choice of errors, with no delay between attempts. */
function undelayedRetries() {
  const token = (count: number) => ({ getRetryCount: () => count, getRetryDelay: () => 0 });
  return {
    mode: 'standard',
    acquireInitialRetryToken: async () => token(0),
    refreshRetryTokenForRetry: async (previous: ReturnType<typeof token>, errorInfo: { errorType: string }) => {
      if (errorInfo.errorType === 'CLIENT_ERROR' || previous.getRetryCount() + 1 >= SDK_ATTEMPTS) throw new Error('no more retries');
      return token(previous.getRetryCount() + 1);
    },
    recordSuccess: () => undefined,
  };
}

/** Arms a client: the injected faults strike its commands; its SDK retries do not wait. */
export function withFaults<C extends DynamoDBDocumentClient | DynamoDBClient>(client: C): C {
  (client.config as { retryStrategy: () => Promise<unknown> }).retryStrategy = async () => undelayedRetries();
  const stack = client.middlewareStack as DynamoDBClient['middlewareStack'];
  const chosen = Symbol('fault');
  // Decided on the document-level input; thrown per attempt, inside the retry middleware.
  stack.add(
    (next, context) => async (args) => {
      const operation = operationOf(context.commandName);
      (context as Record<symbol, unknown>)[chosen] = { operation, input: args.input };
      const partial = operation === 'BatchWriteItem' ? strike(operation, args.input as Input, 'unprocessed') : undefined;
      if (!partial) return next(args);
      const requestItems = (args.input as Input).RequestItems as Record<string, WriteRequest[]>;
      const left: Record<string, WriteRequest[]> = {};
      const sent: Record<string, WriteRequest[]> = {};
      for (const [table, requests] of Object.entries(requestItems)) {
        const unprocessed = new Set(partial.unprocessed!(requests));
        const processed = requests.filter((request) => !unprocessed.has(request));
        if (unprocessed.size > 0) left[table] = [...unprocessed];
        if (processed.length > 0) sent[table] = processed;
      }
      const result =
        Object.keys(sent).length > 0
          ? await next({ ...args, input: { ...(args.input as Input), RequestItems: sent } })
          : { response: {}, output: { $metadata: {} } };
      const output = result.output as Input;
      const unprocessed: Record<string, WriteRequest[]> = { ...(output.UnprocessedItems ?? {}) };
      for (const [table, requests] of Object.entries(left)) unprocessed[table] = [...(unprocessed[table] ?? []), ...requests];
      output.UnprocessedItems = unprocessed;
      return result;
    },
    { step: 'initialize', priority: 'low', name: 'testFaultsUnprocessed' },
  );
  stack.add(
    (next, context) => async (args) => {
      const call = (context as Record<symbol, { operation: string; input: Input } | undefined>)[chosen];
      const fault = call && strike(call.operation, call.input, 'fail');
      if (fault) throw fault.fail!();
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'testFaultsFail' },
  );
  return client;
}

/** The store's client module with every client it builds armed (for jest.mock). */
export function faultyDynamoClient() {
  const actual = jest.requireActual('../../lambdas/store/dynamo-client') as typeof import('../../lambdas/store/dynamo-client');
  return { ...actual, createDocumentClient: (...args: Parameters<typeof actual.createDocumentClient>) => withFaults(actual.createDocumentClient(...args)) };
}
