import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocal } from './lib/local/dynamodb-local';
import { ensureTable } from './lib/local/local-environment';
import { createDocumentClient } from './lambdas/store/dynamo-client';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
(async () => {
  const s = await startDynamoDbLocal(process.env.MEM ? {} : { dataDir: mkdtempSync(join(tmpdir(), 'tx-')) });
  await ensureTable(s.endpoint, 'txbench');
  const c = createDocumentClient(s.endpoint);
  let n = 0;
  const put = () => { n++; return { Put: { TableName: 'txbench', Item: { pk: `P#${n}`, sk: `S#${n}`, a: 'x'.repeat(100) } } }; };
  const tx = (size: number) => c.send(new TransactWriteCommand({ TransactItems: Array.from({ length: size }, put) }));
  const time = async (label: string, run: () => Promise<unknown>) => {
    const t: number[] = [];
    for (let k = 0; k < 9; k++) { const s0 = performance.now(); await run(); t.push(performance.now() - s0); }
    t.sort((a, b) => a - b); console.log(label.padEnd(28), t[4].toFixed(1), 'ms');
  };
  for (let w = 0; w < 20; w++) await tx(10);
  for (const [count, size, parallel] of [[1, 100, 1], [2, 50, 1], [2, 50, 2], [4, 25, 1], [4, 25, 4], [10, 10, 10], [1, 50, 1], [1, 25, 1], [1, 10, 1], [1, 2, 1]] as const) {
    await time(`${count} × ${size} ${parallel > 1 ? 'parallel' : 'sequential'}`, async () => {
      if (parallel > 1) await Promise.all(Array.from({ length: count }, () => tx(size)));
      else for (let i = 0; i < count; i++) await tx(size);
    });
  }
  await s.stop();
})();
