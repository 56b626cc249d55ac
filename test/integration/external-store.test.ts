import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localDynamoDbClientConfig } from '../../lambdas/contracts/environment';
import { freePort } from '../../lib/local/dynamodb-local';
import { eventually } from '../support/eventually';
import { dynamoDbEndpoint, scimClient } from '../support/scim-server';
import { aUser } from '../support/builders';

const ROOT = resolve(__dirname, '../..');

interface Started {
  output(): string;
  baseUrl: string;
  token: string;
  stop(): Promise<void>;
}

/** `npm start -- --dynamodb-endpoint <endpoint>`, as a user runs it against a DynamoDB Local of their own. */
async function npmStart(endpoint: string, dataDir: string, tableName: string): Promise<Started> {
  const server: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'bin/start.ts', '--dynamodb-endpoint', endpoint], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(await freePort()), SCIM_DATA_DIR: dataDir, SCIM_TABLE_NAME: tableName, POWERTOOLS_LOG_LEVEL: 'SILENT' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolveExit) => server.once('exit', () => resolveExit()));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
    await exited;
  };
  // The token is alone on the line after "Bearer token", and that line is complete once a newline follows it.
  const tokenAfter = (lines: string[]) => lines.findIndex((line) => line.startsWith('Bearer token')) + 1;
  const lines = await eventually(
    async () => output.split('\n'),
    (seen) => server.exitCode !== null || (tokenAfter(seen) > 0 && seen.length > tokenAfter(seen) + 1),
    { withinMs: 60_000, everyMs: 100 },
  );
  const tokenLine = tokenAfter(lines);
  const baseUrl = lines.find((line) => line.startsWith('SCIM base URL: '))?.slice('SCIM base URL: '.length);
  if (tokenLine === 0 || lines.length <= tokenLine + 1 || !baseUrl) {
    await stop();
    throw new Error(`npm start did not come up:\n${output}`);
  }
  return { output: () => output, baseUrl, token: lines[tokenLine], stop };
}

describe('npm start against a DynamoDB it did not start', () => {
  it('makes its table there, serves from it, runs the stream consumers on its stream, and leaves it running', async () => {
    // This worker's DynamoDB Local, started by the test run: to npm start, one the user already runs.
    const endpoint = dynamoDbEndpoint();
    const tableName = `test-${randomUUID()}`;
    const dataDir = await mkdtemp(join(tmpdir(), 'scim-external-store-'));
    const client = new DynamoDBClient(localDynamoDbClientConfig(endpoint));
    try {
      const first = await npmStart(endpoint, dataDir, tableName);
      let id: string;
      try {
        expect(first.output()).toContain(`Store: table "${tableName}" at ${endpoint} (created).`);
        // No embedded store: nothing of DynamoDB Local's in the data directory.
        expect(existsSync(join(dataDir, 'dynamodb'))).toBe(false);
        // The admin tools find the store the server uses.
        expect(JSON.parse(await readFile(join(dataDir, 'store.json'), 'utf8'))).toMatchObject({ endpoint, tableName });

        const scim = scimClient(first);
        const created = await scim('POST', '/Users', aUser({ userName: 'ada@example.com' }));
        expect(created.status).toBe(201);
        id = created.body.id;
        // The events consumer read the change from the table's stream.
        const events = await eventually(
          () => readFile(join(dataDir, 'events.jsonl'), 'utf8').catch(() => ''),
          (text) => text.includes(id),
          { withinMs: 15_000, everyMs: 100 },
        );
        expect(events).toContain(id);
      } finally {
        await first.stop();
      }
      // Stopping npm start leaves the store alone, and its marker gone.
      expect((await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus).toBe('ACTIVE');
      expect(existsSync(join(dataDir, 'store.json'))).toBe(false);

      const second = await npmStart(endpoint, dataDir, tableName);
      try {
        expect(second.output()).toContain(`Store: table "${tableName}" at ${endpoint}.`);
        expect((await scimClient(second)('GET', `/Users/${id}`)).body).toMatchObject({ id, userName: 'ada@example.com' });
      } finally {
        await second.stop();
      }
    } finally {
      client.destroy();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
