import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { localDynamoDbClientConfig } from '../../lambdas/contracts/environment';
import { passesStreamFilter, type StreamEventName, type StreamFilter } from '../../lambdas/contracts/table-design';

type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;

/** As the stack's event source mappings: a failed record is handed over again this many times, then skipped. */
const RETRY_ATTEMPTS = 10;

export interface StreamPoller {
  /** Resolves once every record written so far has been handed to the handler; returns how many records it read. */
  drain(): Promise<number>;
  /** Stops handing records on until resume(), once the pass under way has ended; drain() still works. */
  pause(): Promise<void>;
  resume(): void;
  stop(): Promise<void>;
}

/**
 * What Lambda's event source mapping does for the deployed table: reads the table's stream and
 * invokes the consumer with batches of records, so the embedded store gets the same cleanup.
 */
export async function startStreamPoller(
  endpoint: string,
  tableName: string,
  handler: StreamHandler,
  filter: StreamFilter,
  intervalMs = 200,
): Promise<StreamPoller> {
  const tables = new DynamoDBClient(localDynamoDbClientConfig(endpoint));
  const streams = new DynamoDBStreamsClient(localDynamoDbClientConfig(endpoint));
  const description = await tables.send(new DescribeTableCommand({ TableName: tableName }));
  const streamArn = description.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`Table ${tableName} has no stream`);

  const iterators = new Map<string, string | undefined>();
  const retries = new Map<string, number>();
  let running = true;
  let paused = false;
  // Passes run one at a time, so a shard's iterator is never used twice.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = (): Promise<number> => {
    const next = chain.then(pass);
    chain = next.catch(() => undefined);
    return next;
  };

  const refreshShards = async () => {
    const stream = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of stream.StreamDescription?.Shards ?? []) {
      if (!shard.ShardId || iterators.has(shard.ShardId)) continue;
      const iterator = await streams.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      iterators.set(shard.ShardId, iterator.ShardIterator);
    }
  };

  /** One pass over every open shard; returns how many records it read. */
  const pass = async (): Promise<number> => {
    await refreshShards();
    let read = 0;
    for (const [shardId, iterator] of iterators) {
      if (!iterator) continue;
      const output = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
      const records = output.Records ?? [];
      // The event source mapping's filter, as Lambda applies it in AWS.
      const passed = records.filter((record) => passesStreamFilter(filter, asChange(record)));
      const response = passed.length > 0 ? await handler({ Records: passed.map(toLambdaRecord) } as DynamoDBStreamEvent) : undefined;
      read += records.length;
      // Partial batch responses, as Lambda reads them: the shard resumes at the first failed record.
      const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      const firstFailed = passed.find((record) => failed.has(record.dynamodb?.SequenceNumber ?? ''))?.dynamodb?.SequenceNumber;
      const attempts = retries.get(shardId) ?? 0;
      if (firstFailed !== undefined && attempts < RETRY_ATTEMPTS) {
        retries.set(shardId, attempts + 1);
        const again = await streams.send(
          new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: firstFailed }),
        );
        iterators.set(shardId, again.ShardIterator);
        continue;
      }
      if (firstFailed !== undefined) console.error(`local stream poller: records from ${firstFailed} still fail after ${RETRY_ATTEMPTS} retries; skipped`);
      retries.delete(shardId);
      iterators.set(shardId, output.NextShardIterator);
    }
    return read;
  };

  const loop = async () => {
    while (running) {
      const read = paused
        ? 0
        : await serial().catch((error) => {
            console.error('local stream poller:', (error as Error).message);
            return 0;
          });
      if (read === 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
  const looping = loop();

  return {
    drain: async () => {
      let total = 0;
      for (let read = await serial(); read > 0; read = await serial()) total += read;
      return total;
    },
    pause: async () => {
      paused = true;
      await chain;
    },
    resume: () => {
      paused = false;
    },
    stop: async () => {
      running = false;
      await looping;
      tables.destroy();
      streams.destroy();
    },
  };
}

function asChange(record: _Record) {
  const image = (value: Record<string, unknown> | undefined) => (value ? unmarshall(value as Record<string, AttributeValue>) : undefined);
  return { eventName: record.eventName as StreamEventName, oldImage: image(record.dynamodb?.OldImage), newImage: image(record.dynamodb?.NewImage) };
}

function toLambdaRecord(record: _Record) {
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: record.dynamodb,
  };
}
