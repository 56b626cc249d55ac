import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { dependencies } from '../wiring/dependencies';
import { logger } from '../runtime/logger';
import { cleanUp, type ItemChange } from '../directory/cleanup';

const { directory } = dependencies();
const services = directory();

type Image = Record<string, AttributeValue> | undefined;
const image = (value: unknown) => (value ? unmarshall(value as Record<string, AttributeValue>) : undefined);

/** The table's stream consumer; reports failed records so only they are retried. */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const changes: ItemChange[] = event.Records.map((record) => ({
    id: record.dynamodb?.SequenceNumber ?? '',
    eventName: record.eventName as ItemChange['eventName'],
    oldImage: image(record.dynamodb?.OldImage as Image),
    newImage: image(record.dynamodb?.NewImage as Image),
  }));
  const failed = await cleanUp(changes, services);
  if (failed.length > 0) logger.warn('cleanup will retry records', { failed: failed.length, of: changes.length });
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}
