import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocal } from './lib/local/dynamodb-local';
import { ensureTable } from './lib/local/local-environment';
import { createDocumentClient } from './lambdas/store/dynamo-client';
import { TransactWriteCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
(async () => {
  const s = await startDynamoDbLocal(process.env.MEM ? {} : { dataDir: mkdtempSync(join(tmpdir(), 'tx-')) });
  await ensureTable(s.endpoint, 'txbench');
  const c = createDocumentClient(s.endpoint);
  const put = (i: number, j: number) => ({ Put: { TableName: 'txbench', Item: { pk: `P#${j}#${i}`, sk: `S#${i}`, a: 'x'.repeat(100) } } });
  const check = (i: number) => ({ ConditionCheck: { TableName: 'txbench', Key: { pk: `P#0#${i}`, sk: `S#${i}` }, ConditionExpression: 'attribute_exists(pk)' } });
  const time = async (label: string, run: () => Promise<unknown>) => {
    const t: number[] = [];
    for (let k = 0; k < 7; k++) { const s0 = performance.now(); await run(); t.push(performance.now() - s0); }
    t.sort((a, b) => a - b); console.log(label, t[3].toFixed(1), 'ms');
  };
  let n = 1000;
  await c.send(new TransactWriteCommand({ TransactItems: Array.from({ length: 100 }, (_, i) => put(i, 0)) }));
  await time('tx 100 puts', () => c.send(new TransactWriteCommand({ TransactItems: Array.from({ length: 100 }, (_, i) => put(i, n++)) })));
  await time('tx 33 checks + 66 puts', () => { const b = n++; return c.send(new TransactWriteCommand({ TransactItems: Array.from({ length: 33 }, (_, i) => [check(i), put(i, b), put(i + 50, b)]).flat() })); });
  await time('tx 50 puts', () => c.send(new TransactWriteCommand({ TransactItems: Array.from({ length: 50 }, (_, i) => put(i, n++)) })));
  await time('2 × tx 50 puts parallel', () => Promise.all([0, 1].map(() => c.send(new TransactWriteCommand({ TransactItems: Array.from({ length: 50 }, (_, i) => put(i, n++)) })))));
  await time('4 × batch 25 parallel', () => Promise.all([0, 1, 2, 3].map(() => c.send(new BatchWriteCommand({ RequestItems: { txbench: Array.from({ length: 25 }, (_, i) => ({ PutRequest: put(i, n++).Put })) } })))));
  await time('tx 10 puts', () => c.send(new TransactWriteCommand({ TransactItems: Array.from({ length: 10 }, (_, i) => put(i, n++)) })));
  await s.stop();
})();
