/**
 * Runs the adversarial corpus (corpus.ts) against `npm start` on a fresh data directory, as issue 11
 * asks: no 5xx, every failure an RFC 7644 §3.12 error body, and no failed request changes the store.
 * Every entry runs whatever the others did; one table at the end shows all that broke.
 *
 * Against another running server instead: ADVERSARIAL_BASE_URL and ADVERSARIAL_TOKEN (and
 * ADVERSARIAL_OTHER_TOKEN, a second tenant's, for the cross-tenant entries; ADVERSARIAL_DATA_DIR,
 * the server's data directory, for the store comparisons, which are skipped without it).
 * ADVERSARIAL_REPORT=<file> writes the failures (and where the time went) as JSON too;
 * ADVERSARIAL_CATEGORIES=bulk,patch runs those categories alone.
 *
 * The store comparison leaves out the activity trail, which records refused writes by design;
 * nothing else is excluded: no item is written by a read (cursors are stateless, group leases are
 * deleted when their write ends), as the safe-method entries check.
 *
 *   npx jest test/adversarial --maxWorkers=1
 */
import { ScanCommand, DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { localDynamoDbClientConfig } from '../../lambdas/contracts/environment';
import { directoryStreamFilter, eventStreamFilter, passesStreamFilter, type StreamEventName } from '../../lambdas/contracts/table-design';
import { runAdmin } from '../../lib/admin/admin-cli';
import { freePort } from '../../lib/local/dynamodb-local';
import { BULK_RESPONSE, ERROR, GROUP, USER } from '../support/urns';
import { adversarialCorpus, CATEGORIES, seedPlan, type CorpusEntry, type Expect, type Outcome, type Seed, type SeedGroupKey, type SeedUserKey } from './corpus';

const ROOT = resolve(__dirname, '../..');
const REQUEST_TIMEOUT_MS = 30_000;

/** RFC 7644 §3.12 table 9, and RFC 9865 §2.4's cursor errors: the only scimType values there are. */
const SCIM_TYPES = new Set(['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive', 'invalidCursor', 'expiredCursor']);

/** Methods that never write (RFC 9110 §9.2.1), and searches (RFC 7644 §3.4.3): they must leave the store as it was even when they succeed. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND']);

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Why there is no answer (status 0). */
  error?: string;
}

interface Target {
  baseUrl: URL;
  token: string;
  otherToken?: string;
  /** The table, for snapshots; absent when the runner cannot reach the server's store. */
  table?: { client: DynamoDBClient; name: string };
  /** What the server has written to stdout and stderr so far (only for a server this file started). */
  log(): string;
  stop(): Promise<void>;
}

// ------------------------------------------------------------------------------------------------
// The server

async function startNpmStart(): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), 'scim-adversarial-'));
  const port = await freePort();
  const environment: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), SCIM_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'ERROR' };
  delete environment.SCIM_EXTENSIONS_FILE;
  // What `npm start` runs (tsx bin/start.ts), in this process's node so that stopping it stops the server itself.
  const server = spawn(process.execPath, ['--import', 'tsx', 'bin/start.ts'], { cwd: ROOT, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolvePromise) => server.once('exit', () => resolvePromise()));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      const killed = setTimeout(() => server.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killed);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const { baseUrl, token } = await printedStart(server, () => output);
    // A second tenant, as the admin CLI makes one (its token is the last line it prints).
    const lines: string[] = [];
    const code = await runAdmin(['--data-dir', dataDir, 'tenants', 'create', 'adversary'], { out: (line) => lines.push(...line.split('\n')), err: (line) => lines.push(...line.split('\n')) }, {}, ROOT);
    if (code !== 0) throw new Error(`admin CLI: ${lines.join('\n')}`);
    const store = JSON.parse(await readFile(join(dataDir, 'store.json'), 'utf8')) as { endpoint: string; tableName: string };
    const client = new DynamoDBClient(localDynamoDbClientConfig(store.endpoint));
    return {
      baseUrl: new URL(baseUrl),
      token,
      otherToken: lines.filter((line) => line.trim() !== '').at(-1)!.trim(),
      table: { client, name: store.tableName },
      log: () => output,
      stop: async () => {
        client.destroy();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw new Error(`npm start did not come up: ${(error as Error).message}\n${output}`);
  }
}

/** npm start prints the base URL, then the default tenant's token alone on the line after "Bearer token". */
async function printedStart(server: ChildProcess, output: () => string): Promise<{ baseUrl: string; token: string }> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const lines = output().split('\n');
    const tokenLine = lines.findIndex((line) => line.startsWith('Bearer token'));
    const baseUrl = lines.find((line) => line.startsWith('SCIM base URL: '))?.slice('SCIM base URL: '.length).trim();
    const token = tokenLine >= 0 ? lines[tokenLine + 1]?.trim() : undefined;
    if (baseUrl && token) return { baseUrl, token };
    if (server.exitCode !== null) throw new Error(`it exited with code ${server.exitCode}`);
    if (Date.now() > deadline) throw new Error('no token within 120 s');
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 100));
  }
}

async function runningServer(): Promise<Target> {
  const dataDir = process.env.ADVERSARIAL_DATA_DIR;
  let table: Target['table'];
  if (dataDir) {
    const store = JSON.parse(await readFile(join(dataDir, 'store.json'), 'utf8')) as { endpoint: string; tableName: string };
    table = { client: new DynamoDBClient(localDynamoDbClientConfig(store.endpoint)), name: store.tableName };
  }
  return {
    baseUrl: new URL(process.env.ADVERSARIAL_BASE_URL!),
    token: process.env.ADVERSARIAL_TOKEN!,
    otherToken: process.env.ADVERSARIAL_OTHER_TOKEN || undefined,
    table,
    log: () => '',
    stop: async () => table?.client.destroy(),
  };
}

// ------------------------------------------------------------------------------------------------
// Requests

function bodyBytes(body: CorpusEntry['body']): Buffer | undefined {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Sends one entry as written: node:http, no agent, no normalisation of the path. */
function send(target: Target, entry: Pick<CorpusEntry, 'method' | 'path' | 'headers' | 'body' | 'raw'>, token = target.token): Promise<Answer> {
  if (entry.raw !== undefined) return sendRaw(target, entry.raw, token);
  const body = bodyBytes(entry.body);
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/scim+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/scim+json';
  for (const [name, value] of Object.entries(entry.headers ?? {})) {
    for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    if (value !== null) headers[name] = value;
  }
  if (body !== undefined) headers['Content-Length'] = String(body.length);
  return new Promise((resolvePromise) => {
    let answered: Answer | undefined;
    const request = httpRequest(
      { host: target.baseUrl.hostname, port: target.baseUrl.port, method: entry.method, path: target.baseUrl.pathname + entry.path, headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        answered = { status: response.statusCode ?? 0, headers: response.headers, text: '' };
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolvePromise({ ...answered!, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', () => resolvePromise({ ...answered!, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    request.on('error', (error) => {
      if (!answered) resolvePromise({ status: 0, headers: {}, text: '', error: error.message });
    });
    request.end(body);
  });
}

/** Writes bytes node:http would refuse to, and reads whatever comes back until the server closes. */
function sendRaw(target: Target, raw: string | Buffer, token: string): Promise<Answer> {
  const fill = (text: string) => text.split('{BASE}').join(target.baseUrl.pathname).split('{TOKEN}').join(token);
  const bytes = Buffer.isBuffer(raw) ? Buffer.from(fill(raw.toString('latin1')), 'latin1') : Buffer.from(fill(raw), 'utf8');
  return new Promise((resolvePromise) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(target.baseUrl.port), target.baseUrl.hostname, () => socket.write(bytes));
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => resolvePromise(parseRawResponse(Buffer.concat(chunks))));
  });
}

function parseRawResponse(bytes: Buffer): Answer {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, text: '', error: bytes.length === 0 ? 'the server closed the connection without an answer' : `an unreadable answer: ${bytes.toString('latin1').slice(0, 80)}` };
  const [statusLine, ...headerLines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers: IncomingHttpHeaders = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = bytes.subarray(end + 4);
  if (/chunked/i.test(String(headers['transfer-encoding'] ?? ''))) {
    const parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const lineEnd = body.indexOf('\r\n', offset);
      const size = lineEnd < 0 ? 0 : Number.parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16);
      if (!size) break;
      parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
      offset = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    body = body.subarray(0, Number(headers['content-length']));
  }
  return { status: Number(statusLine.split(' ')[1]) || 0, headers, text: body.toString('utf8') };
}

const parsed = (text: string): any => {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
};

// ------------------------------------------------------------------------------------------------
// The store

/** Every item of the table by pk and sk: as canonical JSON (attribute names sorted) to compare, and as read. */
type Snapshot = Map<string, { text: string; item: Record<string, AttributeValue> }>;

const ACTIVITY_TRAIL = /^T#[^#]+#Activity#/;

async function snapshot(table: NonNullable<Target['table']>): Promise<Snapshot> {
  const items: Snapshot = new Map();
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await table.client.send(new ScanCommand({ TableName: table.name, ConsistentRead: true, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      // The activity trail records refused writes by design (issue 12): it is the log of the request, not the directory.
      if (ACTIVITY_TRAIL.test(item.pk?.S ?? '')) continue;
      items.set(`${item.pk?.S} | ${item.sk?.S}`, { text: canonical(item), item });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value);
}

/** What differs, briefly: items added, removed and changed (a few keys of each). */
function difference(before: Snapshot, after: Snapshot): string | undefined {
  const short = (keys: string[]) => keys.slice(0, 3).map((key) => (key.length > 90 ? `${key.slice(0, 87)}...` : key)).join('; ') + (keys.length > 3 ? `; … ${keys.length - 3} more` : '');
  const added = [...after.keys()].filter((key) => !before.has(key));
  const removed = [...before.keys()].filter((key) => !after.has(key));
  const changed = [...after.keys()].filter((key) => before.has(key) && before.get(key)!.text !== after.get(key)!.text);
  const parts = [added.length ? `+${added.length} (${short(added)})` : '', removed.length ? `-${removed.length} (${short(removed)})` : '', changed.length ? `~${changed.length} (${short(changed)})` : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : undefined;
}

/** Whether a change between two snapshots is one the table's stream hands to its consumers (the stack's event filter). */
function wakesStreamConsumers(before: Snapshot, after: Snapshot): boolean {
  const image = (entry: { item: Record<string, AttributeValue> } | undefined) => (entry ? unmarshall(entry.item) : undefined);
  const passes = (eventName: StreamEventName, oldEntry?: { item: Record<string, AttributeValue> }, newEntry?: { item: Record<string, AttributeValue> }) =>
    [directoryStreamFilter, eventStreamFilter].some((filter) => passesStreamFilter(filter, { eventName, oldImage: image(oldEntry), newImage: image(newEntry) }));
  for (const [key, entry] of after) {
    const old = before.get(key);
    if (old === undefined ? passes('INSERT', undefined, entry) : old.text !== entry.text && passes('MODIFY', old, entry)) return true;
  }
  return [...before].some(([key, old]) => !after.has(key) && passes('REMOVE', old));
}

/**
 * Waits for the stream consumers to finish what a successful write set off (the local poller reads
 * every 200 ms): two scans in a row alike, 250 ms apart, so that the next entry is not blamed for them.
 * A write the stream's filter drops wakes no consumer, and needs no wait.
 */
async function settled(table: NonNullable<Target['table']>, last: Snapshot, before?: Snapshot): Promise<Snapshot> {
  if (before && !wakesStreamConsumers(before, last)) return last;
  for (let attempt = 0; attempt < 40; attempt++) {
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 250));
    const next = await snapshot(table);
    if (difference(last, next) === undefined) return next;
    last = next;
  }
  return last;
}

// ------------------------------------------------------------------------------------------------
// Seeding

async function seed(target: Target): Promise<Seed> {
  const run = randomBytes(3).toString('hex');
  const plan = seedPlan(run);
  const created = async (path: string, body: object, token = target.token) => {
    const answer = await send(target, { method: 'POST', path, body }, token);
    const json = parsed(answer.text);
    if (answer.status !== 201 || typeof json?.id !== 'string') throw new Error(`seeding POST ${path} ${JSON.stringify(body)}: ${answer.status} ${answer.text.slice(0, 300)}`);
    return json.id as string;
  };
  const users = {} as Seed['users'];
  for (const [key, userName] of Object.entries(plan.users) as Array<[SeedUserKey, string]>) {
    users[key] = { id: await created('/Users', { schemas: [USER], userName, displayName: key }), userName };
  }
  const groups = {} as Seed['groups'];
  for (const [key, { displayName, members }] of Object.entries(plan.groups) as Array<[SeedGroupKey, { displayName: string; members: SeedUserKey[] }]>) {
    groups[key] = { id: await created('/Groups', { schemas: [GROUP], displayName, members: members.map((member) => ({ value: users[member].id })) }), displayName };
  }
  const otherTenantUserId = target.otherToken ? await created('/Users', { schemas: [USER], userName: `other.${run}@example.com` }, target.otherToken) : undefined;
  return { run, token: target.token, otherToken: target.otherToken, otherTenantUserId, users, groups };
}

// ------------------------------------------------------------------------------------------------
// Judging one answer

const matches = (outcome: Outcome, status: number) =>
  outcome === '2xx' ? status >= 200 && status < 300 : outcome === 'error4xx' ? status >= 400 && status < 500 : status === outcome;
const allows = (expect: Expect, status: number) => (Array.isArray(expect) ? (expect as readonly Outcome[]) : [expect as Outcome]).some((outcome) => matches(outcome, status));
const describeExpect = (expect: Expect) => (Array.isArray(expect) ? (expect as readonly Outcome[]).join('|') : String(expect));

/** RFC 7644 §3.12: the Error schema, status as a string equal to the HTTP status, a detail, a defined scimType. */
function errorBodyProblems(status: number, contentType: string | undefined, body: any, text: string, scimType?: string | readonly string[]): string[] {
  if (body === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) {
    return [`not a SCIM error body (Content-Type ${contentType ?? 'none'}): ${JSON.stringify(text.slice(0, 80))}`];
  }
  const problems: string[] = [];
  if (!/application\/scim\+json/i.test(contentType ?? '')) problems.push(`Content-Type ${contentType ?? 'none'}`);
  if (JSON.stringify(body.schemas) !== JSON.stringify([ERROR])) problems.push(`schemas ${JSON.stringify(body.schemas)}`);
  if (body.status !== String(status)) problems.push(`status ${JSON.stringify(body.status)} in the body`);
  if (typeof body.detail !== 'string' || body.detail.trim() === '') problems.push('no detail');
  if (body.scimType !== undefined && !SCIM_TYPES.has(body.scimType)) problems.push(`scimType ${JSON.stringify(body.scimType)} is not one RFC 7644 defines`);
  const wanted = scimType === undefined ? undefined : typeof scimType === 'string' ? [scimType] : scimType;
  if (wanted && !wanted.includes(body.scimType)) problems.push(`scimType ${JSON.stringify(body.scimType)}, expected ${wanted.join('|')}`);
  return problems;
}

/** RFC 7644 §3.7.3: a BulkResponse, each operation's status a string, each failed one with an error body. */
function bulkProblems(body: any, expected: NonNullable<CorpusEntry['operations']>): string[] {
  if (!body || !Array.isArray(body.schemas) || !body.schemas.includes(BULK_RESPONSE) || !Array.isArray(body.Operations)) return ['not a BulkResponse'];
  const operations = body.Operations as any[];
  const list = Array.isArray(expected) ? (expected as readonly Expect[]) : undefined;
  const problems: string[] = [];
  if (list && operations.length !== list.length) problems.push(`${operations.length} operations answered, expected ${list.length}`);
  operations.forEach((operation, index) => {
    const expect = list ? list[index] : (expected as { each: Expect }).each;
    const status = Number(operation?.status);
    if (typeof operation?.status !== 'string') problems.push(`operation ${index}: status ${JSON.stringify(operation?.status)} is not a string`);
    if (status >= 500) problems.push(`operation ${index}: ${status}: a server error (${operation?.response?.detail ?? 'no detail'})`);
    else if (expect !== undefined && !allows(expect, status)) problems.push(`operation ${index}: status ${operation?.status}, expected ${describeExpect(expect)}${operation?.response?.detail ? ` (${operation.response.detail})` : ''}`);
    if (status >= 400) {
      const response = operation?.response;
      const bodyProblems = errorBodyProblems(status, 'application/scim+json', response, JSON.stringify(response ?? null));
      problems.push(...bodyProblems.map((problem) => `operation ${index}: ${problem}`));
    }
  });
  return problems;
}

function judge(entry: CorpusEntry, answer: Answer): string[] {
  if (answer.status === 0) return [`no answer: ${answer.error}`];
  const problems: string[] = [];
  const body = parsed(answer.text);
  const contentType = answer.headers['content-type'];
  if (answer.status >= 500) problems.push(`${answer.status}: a server error${body?.detail ? ` ("${body.detail}")` : ''}`);
  else if (!allows(entry.expect, answer.status)) problems.push(`status ${answer.status}, expected ${describeExpect(entry.expect)}${body?.detail ? ` ("${String(body.detail).slice(0, 160)}")` : ''}`);
  // HEAD answers carry no body (RFC 9110 §9.3.2).
  if (answer.status >= 400 && answer.status < 500 && entry.method !== 'HEAD') {
    problems.push(...errorBodyProblems(answer.status, contentType, body, answer.text, entry.scimType?.[answer.status]));
    if (entry.detailMustNotMatch && typeof body?.detail === 'string' && entry.detailMustNotMatch.test(body.detail)) problems.push(`detail "${body.detail}"`);
  }
  if (answer.status === 200 && entry.operations) problems.push(...bulkProblems(body, entry.operations));
  if (entry.check && body !== undefined && answer.status >= 200 && answer.status < 300) {
    const problem = entry.check(body, answer.text);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** The first error the server logged while it answered (Powertools JSON lines, or the local API's own). */
function loggedError(log: string): string | undefined {
  for (const line of log.split('\n')) {
    const record = parsed(line.trim());
    const message = record?.error?.message ?? (record?.level === 'ERROR' ? record.message : undefined);
    if (message) return `${record.error?.name ? `${record.error.name}: ` : ''}${message}`.slice(0, 200);
    if (/error|exception/i.test(line) && record === undefined) return line.trim().slice(0, 200);
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------------

interface Failure {
  index: number;
  category: string;
  name: string;
  request: string;
  status: number;
  expected: string;
  problems: string[];
  serverError?: string;
}

function report(failures: Failure[], entries: CorpusEntry[]): string {
  const counts = CATEGORIES.filter((category) => entries.some((entry) => entry.category === category)).map((category) => {
    const total = entries.filter((entry) => entry.category === category).length;
    const failing = failures.filter((failure) => failure.category === category).length;
    return `  ${category.padEnd(18)} ${String(total).padStart(4)} entries, ${String(failing).padStart(3)} failing`;
  });
  const rows = failures.map(
    (failure) =>
      `#${failure.index} [${failure.category}] ${failure.name}\n      ${failure.request} -> ${failure.status || 'no answer'} (expected ${failure.expected})\n` +
      failure.problems.map((problem) => `      - ${problem}`).join('\n') +
      (failure.serverError ? `\n      server: ${failure.serverError}` : ''),
  );
  return [`${failures.length} of ${entries.length} corpus entries failed:`, ...counts, '', ...rows].join('\n');
}

const standalone = Boolean(process.env.ADVERSARIAL_BASE_URL && process.env.ADVERSARIAL_TOKEN);

describe(`the adversarial corpus against ${standalone ? process.env.ADVERSARIAL_BASE_URL : 'npm start'}`, () => {
  let target: Target | undefined;
  beforeAll(async () => {
    target = standalone ? await runningServer() : await startNpmStart();
  }, 150_000);
  afterAll(async () => {
    await target?.stop();
  }, 30_000);

  it('answers every hostile request without a 5xx, fails with RFC 7644 §3.12 errors, and changes nothing when it fails', async () => {
    const server = target!;
    const seeded = await seed(server);
    const corpus = adversarialCorpus(seeded);
    expect(corpus.length).toBeGreaterThanOrEqual(250);
    for (const category of CATEGORIES) expect({ category, atLeast3: corpus.filter((entry) => entry.category === category).length >= 3 }).toEqual({ category, atLeast3: true });
    const only = process.env.ADVERSARIAL_CATEGORIES?.split(',').map((category) => category.trim());
    const entries = only ? corpus.filter((entry) => only.includes(entry.category)) : corpus;

    const table = server.table;
    let current = table ? await settled(table, await snapshot(table)) : undefined;
    const failures: Failure[] = [];
    const durations: Array<{ index: number; name: string; ms: number }> = [];
    const timing = { requests: 0, scans: 0, settling: 0, items: 0 };
    for (const [index, entry] of entries.entries()) {
      const logFrom = server.log().length;
      const started = Date.now();
      const answer = await send(server, entry);
      durations.push({ index, name: entry.name, ms: Date.now() - started });
      const problems = judge(entry, answer);
      timing.requests += Date.now() - started;
      if (table && current) {
        const scanned = Date.now();
        const after = await snapshot(table);
        timing.scans += Date.now() - scanned;
        const changed = difference(current, after);
        const safe = SAFE_METHODS.has(entry.method) || (entry.path.includes('.search') && entry.method === 'POST');
        const mustNotChange = answer.status === 0 || answer.status >= 400 || entry.unchanged === true || safe;
        if (changed && mustNotChange) problems.push(`changed the store: ${changed}`);
        const settling = Date.now();
        current = changed ? await settled(table, after, current) : after;
        timing.settling += Date.now() - settling;
      }
      if (problems.length > 0) {
        const path = entry.raw !== undefined ? '(raw bytes)' : entry.path.length > 80 ? `${entry.path.slice(0, 77)}...` : entry.path;
        failures.push({
          index,
          category: entry.category,
          name: entry.name,
          request: `${entry.method} ${path}`,
          status: answer.status,
          expected: describeExpect(entry.expect),
          problems,
          serverError: answer.status >= 500 || answer.status === 0 ? loggedError(server.log().slice(logFrom)) : undefined,
        });
      }
    }

    // The server is still up, and nothing a "__proto__" key carried reached another resource.
    const after = await send(server, { method: 'GET', path: `/Users/${seeded.users.alice.id}` });
    if (after.status !== 200 || /polluted/.test(after.text)) {
      failures.push({ index: entries.length, category: 'hostile-values', name: 'the server still answers, unpolluted', request: 'GET /Users/{alice}', status: after.status, expected: '200', problems: [after.text.slice(0, 200)] });
    }

    if (process.env.ADVERSARIAL_REPORT) {
      timing.items = current?.size ?? 0;
      const slowest = [...durations].sort((a, b) => b.ms - a.ms).slice(0, 25);
      await writeFile(process.env.ADVERSARIAL_REPORT, JSON.stringify({ failures, timing, slowest }, null, 2));
    }
    if (failures.length > 0) throw new Error(report(failures, entries));
  }, 900_000);
});
