import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backoff, chunks, mapLimited } from '../service/concurrency';

/** DynamoDB's per-request limits. */
const BATCH_GET_SIZE = 100;
const BATCH_WRITE_SIZE = 25;
/** Batches in flight at once: enough to hide latency, few enough not to throttle a partition. */
const PARALLEL_BATCHES = 8;
const WRITE_ATTEMPTS = 13;

type Item = Record<string, unknown>;
type GetRequest = Record<string, { Keys: Item[]; ConsistentRead: boolean; ProjectionExpression?: string }>;

/** Strongly consistent reads of any number of keys; keys DynamoDB leaves unprocessed are asked for again. */
export async function batchGet(client: DynamoDBDocumentClient, tableName: string, keys: Item[], projection?: string): Promise<Item[]> {
  const items: Item[] = [];
  await mapLimited(chunks(keys, BATCH_GET_SIZE), PARALLEL_BATCHES, async (chunk) => {
    let request: GetRequest | undefined = {
      [tableName]: { Keys: chunk, ConsistentRead: true, ...(projection ? { ProjectionExpression: projection } : {}) },
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt > 0) await backoff(attempt, 20, 1000);
      const output = await client.send(new BatchGetCommand({ RequestItems: request }));
      items.push(...(output.Responses?.[tableName] ?? []));
      request = output.UnprocessedKeys as GetRequest | undefined;
    }
  });
  return items;
}

/** Puts and deletes in batches; items DynamoDB leaves unprocessed are sent again. */
export async function batchWrite(client: DynamoDBDocumentClient, tableName: string, requests: Item[]): Promise<void> {
  await mapLimited(chunks(requests, BATCH_WRITE_SIZE), PARALLEL_BATCHES, async (chunk) => {
    let pending: Item[] = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= WRITE_ATTEMPTS) throw new Error(`batch write still unprocessed after ${attempt} attempts`);
      if (attempt > 0) await backoff(attempt, 20, 1000);
      const output = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (output.UnprocessedItems?.[tableName] ?? []) as Item[];
    }
  });
}
