import { ConditionalCheckFailedException, ResourceNotFoundException, TransactionCanceledException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { isContendedTransaction, retryableStoreFailure } from '../../lambdas/store/store-failures';
import { failures } from '../support/store-faults';

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: { httpStatusCode: 400 }, CancellationReasons: codes.map((Code) => ({ Code })) });

/** The status and Retry-After a failure answers; undefined: the store's to interpret, or a defect (500). */
const answer = (error: unknown) => {
  const failure = retryableStoreFailure(error);
  return failure && { status: failure.status, retryAfter: failure.headers['Retry-After'] };
};

describe('what a store failure answers once the SDK has given up', () => {
  it.each([
    ['a transaction throttled on one item', cancelled('None', 'ThrottlingError'), 429],
    ['a transaction over provisioned throughput', cancelled('ProvisionedThroughputExceeded', 'None'), 429],
    ['a transaction both throttled and in conflict', cancelled('TransactionConflict', 'ThrottlingError'), 429],
    ['ProvisionedThroughputExceededException', failures.provisionedThroughputExceeded(), 429],
    ['ThrottlingException', failures.throttling(), 429],
    ['RequestLimitExceeded', Object.assign(new Error('account limit'), { name: 'RequestLimitExceeded' }), 429],
    ['any 429', Object.assign(new Error('slow down'), { $metadata: { httpStatusCode: 429 } }), 429],
    ['a transaction in conflict after the store retried it', cancelled('None', 'TransactionConflict'), 503],
    ['a single write colliding with a transaction', new TransactionConflictException({ message: 'conflict', $metadata: {} }), 503],
    ['a timeout', failures.timeout(), 503],
    ['a reset connection', failures.connectionReset(), 503],
    ['InternalServerError', failures.internalServerError(), 503],
    ['any 5xx', Object.assign(new Error('bad gateway'), { $metadata: { httpStatusCode: 502 } }), 503],
  ])('%s answers %i with Retry-After', (_what, error, status) => {
    expect(answer(error)).toEqual({ status, retryAfter: expect.stringMatching(/^[1-9]\d*$/) });
  });

  it.each([
    // Mapped by the store to uniqueness, a version conflict or the seat limit, by the index of the failed item.
    ['a failed condition among items that passed', cancelled('None', 'ConditionalCheckFailed', 'None')],
    ['a failed condition beside a throttled item', cancelled('ConditionalCheckFailed', 'ThrottlingError')],
    ['ConditionalCheckFailedException', new ConditionalCheckFailedException({ message: 'failed', $metadata: { httpStatusCode: 400 } })],
    // Defects: a retry would fail the same way.
    ['a transaction refused as invalid', cancelled('ValidationError')],
    ['a missing table', new ResourceNotFoundException({ message: 'no table', $metadata: { httpStatusCode: 400 } })],
    ['a programming error', new TypeError('undefined is not a function')],
  ])('%s is not one a retry cures', (_what, error) => {
    expect(answer(error)).toBeUndefined();
  });

  it('passes transactions cancelled by conflicts alone on to the stores, which retry them before answering 503', () => {
    expect(isContendedTransaction(cancelled('None', 'TransactionConflict'))).toBe(true);
    expect(isContendedTransaction(cancelled('ConditionalCheckFailed', 'TransactionConflict'))).toBe(false);
    expect(isContendedTransaction(cancelled('ThrottlingError', 'TransactionConflict'))).toBe(false);
    expect(isContendedTransaction(failures.throttling())).toBe(false);
  });
});
