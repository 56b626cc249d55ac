import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { ItemChange } from '../directory/cleanup';
import { logger } from '../runtime/logger';

const image = (value: unknown) => (value ? unmarshall(value as Record<string, AttributeValue>) : undefined);

/** Lambda hands epoch seconds; the local poller hands what the Streams API returns (a Date). */
function approximateTime(value: unknown): string | undefined {
  if (typeof value === 'number') return new Date(value * 1000).toISOString();
  if (value instanceof Date) return value.toISOString();
  return undefined;
}

/** A stream record as the directory reads it. */
export function itemChangeOf(record: DynamoDBRecord): ItemChange {
  const at = approximateTime(record.dynamodb?.ApproximateCreationDateTime);
  return {
    id: record.dynamodb?.SequenceNumber ?? '',
    eventName: record.eventName as ItemChange['eventName'],
    ...(at ? { at } : {}),
    oldImage: image(record.dynamodb?.OldImage),
    newImage: image(record.dynamodb?.NewImage),
  };
}

/**
 * A table stream consumer: `consume` returns the ids of the changes that failed, which are
 * reported so that only they (and what follows them in their shard) are handed over again.
 */
export function streamHandler(name: string, consume: (changes: ItemChange[]) => Promise<string[]>) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const changes = event.Records.map(itemChangeOf);
    const failed = await consume(changes);
    if (failed.length > 0) logger.warn(`${name} will retry records`, { failed: failed.length, of: changes.length });
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
