import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { createDocumentClient } from '../../lambdas/store/dynamo-client';
import { ensureTable } from '../../lib/local/local-environment';
import { startStreamPoller } from '../../lib/local/stream-poller';
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
});
