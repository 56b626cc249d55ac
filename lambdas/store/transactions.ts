import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backoff } from '../runtime/concurrency';
import { retryableStoreFailure } from './store-failures';

export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** DynamoDB's limit of items per TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;

const TRANSACTION_ATTEMPTS = 6;

/**
 * Runs a transaction and answers the positions of the items whose condition failed (none: it was
 * written). A conflict with a concurrent transaction is retried, so that the retry sees the
 * winner's write and fails on its condition instead (50 racing creates: one 201, 49 × 409);
 * conflicts that outlast the retries answer 503 (store-failures.ts), having written nothing.
 */
export async function transactWrite(client: DynamoDBDocumentClient, items: TransactItem[]): Promise<number[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.send(new TransactWriteCommand({ TransactItems: items }));
      return [];
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons.flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : []));
      if (failed.length > 0) return failed;
      if (!reasons.some((reason) => reason.Code === 'TransactionConflict')) throw error;
      if (attempt + 1 >= TRANSACTION_ATTEMPTS) throw retryableStoreFailure(error) ?? error;
      await backoff(attempt + 1, 15, 400);
    }
  }
}
