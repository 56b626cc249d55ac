/**
 * What a provisioning workload costs in AWS, per million SCIM operations: runs any workload
 * against the real handlers on the embedded store (as `npm start` does) behind the counting
 * proxy, then prices what it measured. A benchmark, not a jest test.
 *
 * Usage (from the project root; needs Java 17 for the embedded DynamoDB Local):
 *
 *   npx tsx test/bench/provisioning-cost.bench.ts -- <workload command, with {base} and {token}>
 *
 * e.g. an Okta provisioning day replayed by a script at concurrency 1:
 *
 *   npx tsx test/bench/provisioning-cost.bench.ts -- node okta-day.mjs --base {base} --token {token} --concurrency 1
 *
 * Counted: SCIM requests (at the local API), every table call of the handlers and of the stream
 * consumers with its capacity units (store-proxy.ts), the provisioning events published (the
 * local event sink's file), and the rounds of table calls each request waited for (calls made
 * while it was in flight, so run the workload at concurrency 1). Priced with PRICES below.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { roundsOf, startMeasuredScim, type StoreCall } from './store-proxy';

/**
 * List prices, us-east-1, December 2026 (on-demand, no free tier). Lambda at the deployed size
 * (lib/scim-functions.ts: 1,024 MB, arm64).
 */
const PRICES = {
  apiGatewayRestPerMillion: 3.5,
  lambdaRequestsPerMillion: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaMemoryGb: 1,
  dynamoDbWritePerMillionUnits: 0.625,
  dynamoDbReadPerMillionUnits: 0.125,
  eventBridgePerMillionEvents: 1.0,
  secretsManagerPer10kCalls: 0.05,
  logsIngestionPerGb: 0.5,
  xRayPerMillionTraces: 5.0,
};

/**
 * What is assumed rather than measured. A round to DynamoDB from Lambda in the same region:
 * single-digit milliseconds; CPU per request outside the store: what the CPU benchmark measures.
 */
const ASSUMED = {
  msPerRound: 5,
  cpuMsPerRequest: 6,
  /** One structured line per request (lambdas/contracts/request-log.ts) and the platform's REPORT line. */
  logBytesPerRequest: 700,
  /** X-Ray's default sampling: the first request each second, then 5 %. */
  tracedShare: 0.05,
  /** Token verifications that reach Secrets Manager: one per container per cache period (5 min), ~20 containers busy. */
  secretsCallsPerHour: 20 * 12,
};

async function main() {
  const separator = process.argv.indexOf('--');
  const command = separator < 0 ? [] : process.argv.slice(separator + 1);
  if (command.length === 0) throw new Error('usage: provisioning-cost.bench.ts -- <workload command with {base} and {token}>');
  const measured = await startMeasuredScim('scim-cost');
  const { scim, proxy, eventsFile } = measured;
  await scim.drainStreams();

  const windows: Array<{ started: number; ended: number }> = [];
  scim.server.on('request', (_request, response) => {
    const window = { started: performance.now(), ended: Number.POSITIVE_INFINITY };
    windows.push(window);
    response.on('finish', () => (window.ended = performance.now()));
  });
  proxy.record();
  const started = performance.now();
  const substituted = command.map((part) => part.replaceAll('{base}', scim.baseUrl).replaceAll('{token}', scim.token));
  const exitCode = await new Promise<number>((done) => spawn(substituted[0], substituted.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] }).on('exit', (code) => done(code ?? 1)));
  const hours = (performance.now() - started) / 3_600_000;
  await scim.drainStreams();
  const calls = proxy.take();
  const events = (await readFile(eventsFile, 'utf8').catch(() => '')).split('\n').filter((line) => line.trim() !== '').length;

  const requests = windows.length;
  if (requests === 0) throw new Error('the workload sent no request');
  let rounds = 0;
  let cursor = 0;
  const byStart = [...calls].sort((a, b) => a.started - b.started);
  for (const window of windows) {
    const inside: StoreCall[] = [];
    while (cursor < byStart.length && byStart[cursor].started < window.started) cursor++;
    for (let index = cursor; index < byStart.length && byStart[index].started < window.ended; index++) inside.push(byStart[index]);
    rounds += roundsOf(inside);
  }
  const readUnits = calls.reduce((sum, call) => sum + call.readUnits, 0);
  const writeUnits = calls.reduce((sum, call) => sum + call.writeUnits, 0);
  const operations = new Map<string, { n: number; readUnits: number; writeUnits: number }>();
  for (const call of calls) {
    const entry = operations.get(call.operation) ?? { n: 0, readUnits: 0, writeUnits: 0 };
    operations.set(call.operation, { n: entry.n + 1, readUnits: entry.readUnits + call.readUnits, writeUnits: entry.writeUnits + call.writeUnits });
  }

  const perRequest = { rounds: rounds / requests, readUnits: readUnits / requests, writeUnits: writeUnits / requests, events: events / requests };
  const million = 1_000_000;
  const billedMs = Math.ceil(perRequest.rounds * ASSUMED.msPerRound + ASSUMED.cpuMsPerRequest);
  const lines: Array<[string, number, string]> = [
    ['API Gateway (REST)', PRICES.apiGatewayRestPerMillion, `$${PRICES.apiGatewayRestPerMillion} per million requests`],
    ['Lambda requests', PRICES.lambdaRequestsPerMillion, `$${PRICES.lambdaRequestsPerMillion} per million`],
    [
      'Lambda duration',
      million * (billedMs / 1000) * PRICES.lambdaMemoryGb * PRICES.lambdaArmPerGbSecond,
      `${billedMs} ms billed (${perRequest.rounds.toFixed(2)} rounds × ${ASSUMED.msPerRound} ms + ${ASSUMED.cpuMsPerRequest} ms CPU) × ${PRICES.lambdaMemoryGb} GB × $${PRICES.lambdaArmPerGbSecond}/GB-s`,
    ],
    ['DynamoDB writes', perRequest.writeUnits * PRICES.dynamoDbWritePerMillionUnits, `${perRequest.writeUnits.toFixed(2)} WRU × $${PRICES.dynamoDbWritePerMillionUnits} per million`],
    ['DynamoDB reads', perRequest.readUnits * PRICES.dynamoDbReadPerMillionUnits, `${perRequest.readUnits.toFixed(2)} RRU × $${PRICES.dynamoDbReadPerMillionUnits} per million`],
    ['EventBridge', perRequest.events * PRICES.eventBridgePerMillionEvents, `${perRequest.events.toFixed(2)} events × $${PRICES.eventBridgePerMillionEvents} per million`],
    [
      'CloudWatch Logs',
      ((million * ASSUMED.logBytesPerRequest) / 1e9) * PRICES.logsIngestionPerGb,
      `${ASSUMED.logBytesPerRequest} bytes × $${PRICES.logsIngestionPerGb} per GB ingested`,
    ],
    ['X-Ray', ASSUMED.tracedShare * PRICES.xRayPerMillionTraces, `${ASSUMED.tracedShare * 100} % traced × $${PRICES.xRayPerMillionTraces} per million traces`],
  ];
  const total = lines.reduce((sum, [, cost]) => sum + cost, 0);

  console.log(`\nworkload: ${command.join(' ')} (exit ${exitCode})`);
  console.log(`${requests} SCIM requests in ${(hours * 60).toFixed(1)} min; table calls per request (calls, RRU, WRU), the stream consumers' included:`);
  for (const [operation, { n, readUnits: reads, writeUnits: writes }] of operations) {
    console.log(`  ${operation.padEnd(20)} ${(n / requests).toFixed(2).padStart(6)} ${(reads / requests).toFixed(2).padStart(6)} ${(writes / requests).toFixed(2).padStart(6)}`);
  }
  console.log(`per request: ${perRequest.rounds.toFixed(2)} rounds, ${perRequest.readUnits.toFixed(2)} RRU, ${perRequest.writeUnits.toFixed(2)} WRU, ${perRequest.events.toFixed(2)} events`);
  console.log('\ncost per million SCIM operations of this workload (us-east-1 list prices):');
  for (const [what, cost, arithmetic] of lines) console.log(`  ${what.padEnd(20)} $${cost.toFixed(2).padStart(6)}   ${arithmetic}`);
  console.log(`  ${'total'.padEnd(20)} $${total.toFixed(2).padStart(6)}`);
  console.log(`  plus the stream consumers' Lambda invocations (batched), storage, and Secrets Manager: ~$${((ASSUMED.secretsCallsPerHour * 24 * 30 * PRICES.secretsManagerPer10kCalls) / 10_000).toFixed(2)} a month (token checks cached per container)`);

  await measured.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
