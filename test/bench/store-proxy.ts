import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { startDynamoDbLocal } from '../../lib/local/dynamodb-local';
import { startLocalScim } from '../../lib/local/local-environment';

/** One DynamoDB call as it crossed the proxy. */
export interface StoreCall {
  operation: string;
  started: number;
  ended: number;
  readUnits: number;
  writeUnits: number;
}

export interface StoreProxy {
  endpoint: string;
  /** Starts recording the table's calls (stream reads are never recorded). */
  record(): void;
  /** Stops recording and hands over what was recorded. */
  take(): StoreCall[];
  close(): Promise<void>;
}

/** Operations whose requests accept ReturnConsumedCapacity. */
const CAPACITY_OPERATIONS = new Set([
  'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan',
  'BatchGetItem', 'BatchWriteItem', 'TransactGetItems', 'TransactWriteItems',
]);

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

type Capacity = { ReadCapacityUnits?: number; WriteCapacityUnits?: number; CapacityUnits?: number };

const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

/**
 * DynamoDB charges every item of a TransactWriteItems (a ConditionCheck too) as a transactional
 * write: 2 write units per started KB. DynamoDB Local reports 2 for a whole transaction, so the
 * proxy counts them from the request: a Put by its item's size (its JSON, a slight overestimate),
 * any other action as one KB (the items it touches here are smaller, resources aside).
 */
function transactionUnits(request: Buffer): number {
  const { TransactItems = [] } = JSON.parse(request.toString('utf8')) as { TransactItems?: Array<{ Put?: { Item: unknown } }> };
  return TransactItems.reduce((sum, action) => sum + 2 * Math.max(1, Math.ceil((action.Put ? Buffer.byteLength(JSON.stringify(action.Put.Item)) : 1) / 1024)), 0);
}

/** DynamoDB Local answers CapacityUnits only; the operation says which kind they are. */
function unitsOf(operation: string, body: Buffer): { readUnits: number; writeUnits: number } {
  let parsed: { ConsumedCapacity?: Capacity | Capacity[] };
  try {
    parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
  } catch {
    return { readUnits: 0, writeUnits: 0 };
  }
  const consumed = parsed.ConsumedCapacity === undefined ? [] : Array.isArray(parsed.ConsumedCapacity) ? parsed.ConsumedCapacity : [parsed.ConsumedCapacity];
  return consumed.reduce(
    (sum, capacity) => {
      const units = capacity.CapacityUnits ?? 0;
      const reads = capacity.ReadCapacityUnits ?? (READ_OPERATIONS.has(operation) ? units : 0);
      const writes = capacity.WriteCapacityUnits ?? (READ_OPERATIONS.has(operation) ? 0 : units);
      return { readUnits: sum.readUnits + reads, writeUnits: sum.writeUnits + writes };
    },
    { readUnits: 0, writeUnits: 0 },
  );
}

/**
 * A proxy in front of the embedded store that counts the table's calls and asks each for its
 * consumed capacity (ReturnConsumedCapacity TOTAL, added to the request: DynamoDB Local checks
 * no signature), so that the code measured is the code deployed, unchanged.
 */
export async function startStoreProxy(target: string): Promise<StoreProxy> {
  const upstream = new URL(target);
  let recording = false;
  let calls: StoreCall[] = [];
  const server = createServer(async (incoming, outgoing) => {
    try {
      const operationHeader = String(incoming.headers['x-amz-target'] ?? '');
      const [service, operation = ''] = operationHeader.split('.');
      const table = service.startsWith('DynamoDB_');
      let body = await readAll(incoming);
      if (table && CAPACITY_OPERATIONS.has(operation)) {
        const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        parsed.ReturnConsumedCapacity ??= 'TOTAL';
        body = Buffer.from(JSON.stringify(parsed));
      }
      const started = performance.now();
      const headers = { ...incoming.headers, 'content-length': String(body.length), host: upstream.host };
      const forwarded = httpRequest({ host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers }, async (response) => {
        const answer = await readAll(response);
        if (recording && table) {
          const units = unitsOf(operation, answer);
          if (operation === 'TransactWriteItems') units.writeUnits = transactionUnits(body);
          calls.push({ operation, started, ended: performance.now(), ...units });
        }
        outgoing.writeHead(response.statusCode ?? 500, { ...response.headers, 'content-length': String(answer.length) });
        outgoing.end(answer);
      });
      forwarded.on('error', (error) => outgoing.destroy(error));
      forwarded.end(body);
    } catch (error) {
      outgoing.destroy(error as Error);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    record: () => {
      calls = [];
      recording = true;
    },
    take: () => {
      recording = false;
      const taken = calls;
      calls = [];
      return taken;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * The calls made one after another: the longest chain of calls each starting after the one
 * before it ended. Calls in flight together count once; that is what latency in AWS pays.
 */
export function roundsOf(calls: StoreCall[]): number {
  const sorted = [...calls].sort((a, b) => a.ended - b.ended);
  const chain: number[] = [];
  sorted.forEach((call, index) => {
    let longest = 0;
    for (let before = 0; before < index; before++) if (sorted[before].ended <= call.started) longest = Math.max(longest, chain[before]);
    chain.push(longest + 1);
  });
  return Math.max(0, ...chain);
}

/** The real handlers over HTTP on a disk-backed embedded store, as `npm start` runs them, with the proxy in between. */
export async function startMeasuredScim(tableName: string) {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const dataDir = await mkdtemp(join(tmpdir(), `${tableName}-`));
  const store = await startDynamoDbLocal({ dataDir: join(dataDir, 'store') });
  const proxy = await startStoreProxy(store.endpoint);
  const eventsFile = join(dataDir, 'events.jsonl');
  const scim = await startLocalScim({ root: resolve(__dirname, '../..'), dynamoDbEndpoint: proxy.endpoint, tableName, secretsDir: join(dataDir, 'secrets'), eventsFile });
  return {
    scim,
    proxy,
    eventsFile,
    /** A client of the store itself, past the proxy. */
    storeEndpoint: store.endpoint,
    close: async () => {
      await scim.close();
      await proxy.close();
      await store.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
