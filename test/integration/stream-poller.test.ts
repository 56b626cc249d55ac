import { randomUUID } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { ensureTable } from '../../lib/local/local-environment';
import { startStreamPoller } from '../../lib/local/stream-poller';
import { eventually } from '../support/eventually';
import { dynamoDbEndpoint } from '../support/scim-server';

describe('the local stream poller', () => {
  it('hands a failed record (and what follows it) over again, as Lambda does with partial batch responses', async () => {
    const tableName = `test-${randomUUID()}`;
    await ensureTable(dynamoDbEndpoint(), tableName);
    const client = createDocumentClient(dynamoDbEndpoint());
    const handed: string[][] = [];
    let failOnce = true;
    const poller = await startStreamPoller(
      dynamoDbEndpoint(),
      tableName,
      async (event: DynamoDBStreamEvent) => {
        const names = event.Records.map((record) => record.dynamodb!.NewImage!.name.S!);
        handed.push(names);
        const second = event.Records.find((record) => record.dynamodb!.NewImage!.name.S === 'b');
        if (failOnce && second) {
          failOnce = false;
          return { batchItemFailures: [{ itemIdentifier: second.dynamodb!.SequenceNumber! }] };
        }
        return { batchItemFailures: [] };
      },
      [{ eventNames: ['INSERT'], image: 'NewImage', attribute: 'kind', values: ['Probe'] }],
    );
    try {
      for (const name of ['a', 'b', 'c']) await client.send(new PutCommand({ TableName: tableName, Item: { pk: 'p', sk: name, kind: 'Probe', name } }));
      await poller.drain();
      // The poller may see the writes in one batch or several; the one after the failure starts at b.
      const failedBatch = handed.findIndex((names) => names.includes('b'));
      expect(handed[failedBatch + 1]?.[0]).toBe('b');
      const count = (name: string) => handed.flat().filter((handedName) => handedName === name).length;
      expect([count('a'), count('b'), handed.flat().at(-1)]).toEqual([1, 2, 'c']);
    } finally {
      await poller.stop();
      client.destroy();
    }
  });

  it('backs off while the stream is idle (rare reads, shards listed once), and reads at once when nudged', async () => {
    const tableName = `test-${randomUUID()}`;
    await ensureTable(dynamoDbEndpoint(), tableName);
    const client = createDocumentClient(dynamoDbEndpoint());
    // The poller's calls, by the operation each names.
    const calls: Array<{ operation: string; at: number }> = [];
    const onRequest = (message: unknown) => {
      const target = (message as { request: ClientRequest }).request.getHeader('x-amz-target');
      if (typeof target === 'string' && target.startsWith('DynamoDBStreams_')) calls.push({ operation: target.split('.')[1], at: Date.now() });
    };
    subscribe('http.client.request.start', onRequest);
    const handed: Array<{ name: string; at: number }> = [];
    const poller = await startStreamPoller(
      dynamoDbEndpoint(),
      tableName,
      async (event: DynamoDBStreamEvent) => {
        for (const record of event.Records) handed.push({ name: record.dynamodb!.NewImage!.name.S!, at: Date.now() });
      },
      [{ eventNames: ['INSERT'], image: 'NewImage', attribute: 'kind', values: ['Probe'] }],
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      const idle = calls.filter((call) => call.operation === 'GetRecords').length;
      // Every 200 ms, as before, would be 30 reads and as many listings; backing off to 2 s is about 6.
      expect(idle).toBeLessThanOrEqual(10);
      expect(calls.filter((call) => call.operation === 'DescribeStream')).toHaveLength(1);

      // Right after an idle read the next is 2 s away: a nudged write is handed over well before.
      const read = calls.length;
      await eventually(async () => calls.length, (seen) => seen > read, { withinMs: 5_000 });
      const written = Date.now();
      await client.send(new PutCommand({ TableName: tableName, Item: { pk: 'p', sk: 'woken', kind: 'Probe', name: 'woken' } }));
      poller.nudge();
      const seen = await eventually(async () => handed, (records) => records.length > 0, { withinMs: 5_000 });
      expect(seen.map((record) => record.name)).toEqual(['woken']);
      expect(seen[0].at - written).toBeLessThan(1_500);
    } finally {
      unsubscribe('http.client.request.start', onRequest);
      await poller.stop();
      client.destroy();
    }
  }, 30_000);
});
