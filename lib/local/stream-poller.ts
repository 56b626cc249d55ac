import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';

type StreamHandler = (event: DynamoDBStreamEvent) => Promise<unknown>;

export interface StreamPoller {
  /** Resolves once every record written so far has been handed to the handler. */
  drain(): Promise<void>;
  /** Stops handing records on until resume(), once the pass under way has ended; drain() still works. */
  pause(): Promise<void>;
  resume(): void;
  stop(): Promise<void>;
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * What Lambda's event source mapping does for the deployed table: reads the table's stream and
 * invokes the consumer with batches of records, so the embedded store gets the same cleanup.
 */
export async function startStreamPoller(endpoint: string, tableName: string, handler: StreamHandler, intervalMs = 200): Promise<StreamPoller> {
  const tables = new DynamoDBClient({ endpoint, region: 'local', credentials });
  const streams = new DynamoDBStreamsClient({ endpoint, region: 'local', credentials });
  const description = await tables.send(new DescribeTableCommand({ TableName: tableName }));
  const streamArn = description.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`Table ${tableName} has no stream`);

  const iterators = new Map<string, string | undefined>();
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

  /** One pass over every open shard; returns how many records it handed on. */
  const pass = async (): Promise<number> => {
    await refreshShards();
    let handed = 0;
    for (const [shardId, iterator] of iterators) {
      if (!iterator) continue;
      const output = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
      const records = output.Records ?? [];
      if (records.length > 0) {
        await handler({ Records: records.map(toLambdaRecord) } as DynamoDBStreamEvent);
        handed += records.length;
      }
      iterators.set(shardId, output.NextShardIterator);
    }
    return handed;
  };

  const loop = async () => {
    while (running) {
      const handed = paused
        ? 0
        : await serial().catch((error) => {
            console.error('local stream poller:', (error as Error).message);
            return 0;
          });
      if (handed === 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
  const looping = loop();

  return {
    drain: async () => {
      while ((await serial()) > 0);
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

function toLambdaRecord(record: _Record) {
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: record.dynamodb,
  };
}
