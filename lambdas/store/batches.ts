import { BatchGetCommand, BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { backoff, chunks, mapLimited } from '../runtime/concurrency';
import { unprocessedAfterRetries } from './store-failures';

/** DynamoDB's per-request limits. */
const BATCH_GET_SIZE = 100;
const BATCH_WRITE_SIZE = 25;
/** Batches in flight at once: enough to hide latency, few enough not to throttle a partition. */
const PARALLEL_BATCHES = 8;
/** Rounds for the keys or items DynamoDB leaves unprocessed (it does when throttled): up to 8 s of backoff in all. */
const BATCH_ATTEMPTS = 13;

type Item = Record<string, unknown>;
type GetRequest = Record<string, { Keys: Item[]; ConsistentRead: boolean; ProjectionExpression?: string }>;

/** Strongly consistent reads of any number of keys; keys DynamoDB leaves unprocessed are asked for again, then answer 429. */
export async function batchGet(client: DynamoDBDocumentClient, tableName: string, keys: Item[], projection?: string): Promise<Item[]> {
  const items: Item[] = [];
  await mapLimited(chunks(keys, BATCH_GET_SIZE), PARALLEL_BATCHES, async (chunk) => {
    let request: GetRequest | undefined = {
      [tableName]: { Keys: chunk, ConsistentRead: true, ...(projection ? { ProjectionExpression: projection } : {}) },
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt >= BATCH_ATTEMPTS) throw unprocessedAfterRetries();
      if (attempt > 0) await backoff(attempt, 20, 1000);
      const output = await client.send(new BatchGetCommand({ RequestItems: request }));
      items.push(...(output.Responses?.[tableName] ?? []));
      request = output.UnprocessedKeys as GetRequest | undefined;
    }
  });
  return items;
}

/**
 * Puts and deletes in batches; items DynamoDB leaves unprocessed are sent again, then answer 429.
 * Not atomic: when that happens, the other batches (and the processed part of this one) stay written.
 */
export async function batchWrite(client: DynamoDBDocumentClient, tableName: string, requests: Item[]): Promise<void> {
  await mapLimited(chunks(requests, BATCH_WRITE_SIZE), PARALLEL_BATCHES, async (chunk) => {
    let pending: Item[] = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= BATCH_ATTEMPTS) throw unprocessedAfterRetries();
      if (attempt > 0) await backoff(attempt, 20, 1000);
      const output = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (output.UnprocessedItems?.[tableName] ?? []) as Item[];
    }
  });
}

/**
 * The items of a Query, a page at a time, strongly consistent; with `limit`, pages stop once that
 * many items are read (the last page may hold fewer, DynamoDB returns at most 1 MB a page).
 */
export async function* queryPages(client: DynamoDBDocumentClient, input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit'>, limit?: number): AsyncIterable<Item[]> {
  let startKey: Item | undefined;
  let read = 0;
  do {
    const output = await client.send(
      new QueryCommand({ ConsistentRead: true, ...input, ExclusiveStartKey: startKey, ...(limit === undefined ? {} : { Limit: limit - read }) }),
    );
    const items = output.Items ?? [];
    yield items;
    read += items.length;
    startKey = output.LastEvaluatedKey;
  } while (startKey && (limit === undefined || read < limit));
}
