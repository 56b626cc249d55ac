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

/** Empty reads double the wait up to this, so an idle server costs next to nothing; a write (nudge) ends the wait. */
const IDLE_INTERVAL_MS = 2_000;

/** How often shards are listed anyway; a shard that ends (its iterator runs out) has them listed at once. */
const SHARD_REFRESH_MS = 60_000;

export interface StreamPoller {
  /** Resolves once every record written so far has been handed to the handler; returns how many records it read. */
  drain(): Promise<number>;
  /** Something was written: read again soon (after the busy interval since the last read), not after an idle wait. */
  nudge(): void;
  /** Stops handing records on until resume(), once the pass under way has ended; drain() still works. */
  pause(): Promise<void>;
  resume(): void;
  stop(): Promise<void>;
}

/**
 * What Lambda's event source mapping does for the deployed table: reads the table's stream and
 * invokes the consumer with batches of records, so the embedded store gets the same cleanup.
 * It reads every `intervalMs` while records come, and backs off to IDLE_INTERVAL_MS while none do.
 */
export async function startStreamPoller(
  endpoint: string,
  tableName: string,
  handler: StreamHandler,
  filter: StreamFilter,
  intervalMs = 200,
): Promise<StreamPoller> {
  const tables = new DynamoDBClient(localDynamoDbClientConfig(endpoint));
  const description = await tables.send(new DescribeTableCommand({ TableName: tableName })).finally(() => tables.destroy());
  const streamArn = description.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`Table ${tableName} has no stream; the stream consumers (cleanup, events) need one (NEW_AND_OLD_IMAGES).`);
  const streams = new DynamoDBStreamsClient(localDynamoDbClientConfig(endpoint));

  const filterAttributes = [...new Set(filter.map((rule) => rule.attribute))];
  const iterators = new Map<string, string | undefined>();
  const retries = new Map<string, number>();
  let shardsListedAt = Number.NEGATIVE_INFINITY;
  let shardEnded = false;
  let running = true;
  let paused = false;
  // Passes run one at a time, so a shard's iterator is never used twice.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = (listShards: boolean): Promise<number> => {
    const next = chain.then(() => pass(listShards));
    chain = next.catch(() => undefined);
    return next;
  };

  const refreshShards = async () => {
    const stream = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    shardsListedAt = Date.now();
    shardEnded = false;
    for (const shard of stream.StreamDescription?.Shards ?? []) {
      if (!shard.ShardId || iterators.has(shard.ShardId)) continue;
      const iterator = await streams.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      iterators.set(shard.ShardId, iterator.ShardIterator);
    }
  };

  /** One pass over every open shard; returns how many records it read. */
  const pass = async (listShards: boolean): Promise<number> => {
    if (listShards || shardEnded || Date.now() - shardsListedAt >= SHARD_REFRESH_MS) await refreshShards();
    let read = 0;
    for (const [shardId, iterator] of iterators) {
      if (!iterator) continue;
      const output = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
      const records = output.Records ?? [];
      // The event source mapping's filter, as Lambda applies it in AWS.
      const passed = records.filter((record) => passesStreamFilter(filter, asChange(record, filterAttributes)));
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
      // A closed shard read to its end: its successor is in the next listing.
      if (!output.NextShardIterator) shardEnded = true;
    }
    return read;
  };

  let wait = intervalMs;
  let lastPass = 0;
  let wake: (() => void) | undefined;
  let wakeTimer: NodeJS.Timeout | undefined;
  /** Sleeps `ms`, or until nudge() or stop() ends the sleep sooner. */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = () => {
        clearTimeout(wakeTimer);
        wake = undefined;
        resolve();
      };
      wakeTimer = setTimeout(wake, ms);
    });

  const nudge = () => {
    wait = intervalMs;
    if (!wake) return;
    // Writes in a row are read together, as before: at most one read per busy interval.
    clearTimeout(wakeTimer);
    wakeTimer = setTimeout(wake, Math.max(0, lastPass + intervalMs - Date.now()));
  };

  const loop = async () => {
    while (running) {
      const more = paused
        ? false
        : await serial(false).then(
            (read) => read > 0 || shardEnded,
            (error) => {
              console.error('local stream poller:', (error as Error).message);
              return false;
            },
          );
      lastPass = Date.now();
      if (more) {
        wait = intervalMs;
        continue;
      }
      if (!running) break;
      const ms = wait;
      wait = Math.min(wait * 2, IDLE_INTERVAL_MS);
      await sleep(ms);
    }
  };
  const looping = loop();

  return {
    drain: async () => {
      // Shards are listed first: records may have gone to a shard this poller has not seen yet.
      let total = 0;
      for (let read = await serial(true); read > 0 || shardEnded; read = await serial(false)) total += read;
      return total;
    },
    nudge,
    pause: async () => {
      paused = true;
      await chain;
    },
    resume: () => {
      paused = false;
      nudge();
    },
    stop: async () => {
      running = false;
      wake?.();
      await looping;
      await chain;
      streams.destroy();
    },
  };
}

/** The attributes of an image the filter reads, unmarshalled (the rest of a user or group is not looked at). */
function image(value: Record<string, AttributeValue> | undefined, attributes: string[]) {
  if (!value) return undefined;
  const read: Record<string, AttributeValue> = {};
  for (const attribute of attributes) if (value[attribute] !== undefined) read[attribute] = value[attribute];
  return unmarshall(read);
}

/** A record as the filter sees it. */
function asChange(record: _Record, attributes: string[]) {
  const images = record.dynamodb as { OldImage?: Record<string, AttributeValue>; NewImage?: Record<string, AttributeValue> } | undefined;
  return { eventName: record.eventName as StreamEventName, oldImage: image(images?.OldImage, attributes), newImage: image(images?.NewImage, attributes) };
}

function toLambdaRecord(record: _Record) {
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: record.dynamodb,
  };
}
