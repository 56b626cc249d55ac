/**
 * How much each Lambda weighs and how long its cold start takes, against a handler that only
 * builds a DynamoDB document client. Every `lambdas/<name>/handler.ts` and the reference are
 * bundled as the stack bundles them (FUNCTION_BUNDLING), then each bundle is required by a fresh
 * `node` with the functions' runtime environment (FUNCTION_RUNTIME_ENVIRONMENT: source maps on, as
 * in Lambda), RUNS times each, round-robin so drift hits every bundle alike. Init is the time from
 * process start (performance.timeOrigin) to the bundle evaluated; require is the bundle's share.
 *
 *   npm run bench:startup                          (STARTUP_RUNS=15 by default)
 *   npm run bench:startup -- --no-source-maps      node without --enable-source-maps, for comparison
 *   npm run bench:startup -- --why                 the packages that weigh most in each bundle
 *   npm run bench:startup -- --instructions        instructions to the bundle evaluated, counted by
 *                                                  valgrind: the same figure on every run, where
 *                                                  times on a busy machine are not
 *
 * Targets, for the functions that serve SCIM requests: bundle at most 1.3x and init at most 1.2x
 * the reference. The others are reported against the same figures. The `libraries` row is the
 * reference plus the libraries the functions are built on, with no code of ours.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { functionBuildOptions } from '../lib/function-build-options';
import { FUNCTION_RUNTIME_ENVIRONMENT } from '../lib/scim-functions';

const ROOT = resolve(__dirname, '..');
const RUNS = Number(process.env.STARTUP_RUNS ?? 15);
const SOURCE_MAPS = !process.argv.includes('--no-source-maps');
const WHY = process.argv.includes('--why');
const INSTRUCTIONS = process.argv.includes('--instructions');
const BUNDLE_TARGET = 1.3;
const INIT_TARGET = 1.2;
/** The functions API Gateway calls on a SCIM request; the targets are theirs. */
const SCIM_FUNCTIONS = ['users', 'groups', 'bulk', 'discovery', 'authorizer'];

/** The floor: a handler that imports the DynamoDB document client and builds one at module scope. */
const REFERENCE_SOURCE = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async (event: { Key: Record<string, unknown> }) => client.config.region && event;
`;

/**
 * The reference plus the libraries every SCIM function is built on (middy and its JSON body parser,
 * zod/mini with one schema, Powertools' logger), and nothing of ours: how much of the targets'
 * room the libraries take before any SCIM code.
 */
const LIBRARIES_SOURCE = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import jsonBodyParser from '@middy/http-json-body-parser';
import { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod/mini';
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const logger = new Logger({ serviceName: 'startup-bench' });
const body = z.object({ schemas: z.array(z.string()), userName: z.string().check(z.minLength(1)), active: z.optional(z.boolean()) });
export const handler = middy(async (event: { body: unknown }) => {
  logger.info('request');
  return client.config.region && body.parse(event.body);
}).use(jsonBodyParser());
`;

/**
 * What the functions' configuration (lambdas/wiring/config.ts) requires, and what Lambda sets, with
 * dummy values: module init must need no network, and these make sure nothing reaches for one.
 */
const ENVIRONMENT = {
  ...FUNCTION_RUNTIME_ENVIRONMENT,
  ...(SOURCE_MAPS ? {} : { NODE_OPTIONS: '' }),
  TABLE_NAME: 'startup-bench',
  TENANT_SECRET_PREFIX: 'startup-bench',
  EVENT_BUS_NAME: 'startup-bench',
  SCIM_BASE_URL: 'https://scim.example.com/scim/v2',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'startup-bench',
  AWS_SECRET_ACCESS_KEY: 'startup-bench',
  AWS_LAMBDA_FUNCTION_NAME: 'startup-bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
  // The SDK's notice for Node below 22 (Lambda runs 24) would be printed and timed otherwise.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  PATH: process.env.PATH ?? '',
};

/**
 * Records, in the measured process, when the bundle has been evaluated, and the CPU time spent
 * until then: on a busy machine wall time mostly measures the wait for a core, CPU time does not.
 */
const MEASURE_SOURCE = `
const start = performance.now();
require(process.argv[2]);
const end = performance.now();
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ init: end, require: end - start, cpu: (cpu.user + cpu.system) / 1000 }));
process.exit(0);
`;

interface Bundle {
  name: string;
  file: string;
  bytes: number;
  metafile: Metafile;
}

async function bundle(name: string, outDir: string, entry: { file: string } | { source: string }): Promise<Bundle> {
  const file = join(outDir, name, 'index.js');
  const result = await build({
    ...functionBuildOptions(file),
    metafile: true,
    ...('file' in entry ? { entryPoints: [join(ROOT, entry.file)] } : { stdin: { contents: entry.source, loader: 'ts', resolveDir: ROOT, sourcefile: `${name}.ts` } }),
  });
  return { name, file, bytes: statSync(file).size, metafile: result.metafile! };
}

/** The package an input belongs to (`@scope/name`), or for our own code its folder (`lambdas/scim`). */
function ownerOf(input: string): string {
  const modules = input.lastIndexOf('node_modules/');
  if (modules < 0) return input.split('/').slice(0, 2).join('/');
  const parts = input.slice(modules + 'node_modules/'.length).split('/');
  return parts.slice(0, parts[0].startsWith('@') ? 2 : 1).join('/');
}

/** Bytes each package (or folder of ours) contributes to the bundle, largest first. */
function contributors(metafile: Metafile): [string, number][] {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) bytes.set(ownerOf(input), (bytes.get(ownerOf(input)) ?? 0) + bytesInOutput);
  }
  return [...bytes].sort((a, b) => b[1] - a[1]);
}

interface Sample {
  init: number;
  require: number;
  cpu: number;
}

function measureOnce(measure: string, file: string): Sample {
  const run = spawnSync(process.execPath, [measure, file], { env: ENVIRONMENT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${file} failed to load: ${run.stderr}`);
  return JSON.parse(run.stdout) as Sample;
}

/**
 * Instructions a process executes until the bundle is evaluated, in millions. On one thread and
 * with V8's predictable mode (no background compilation or GC, fixed seeds) the count is the same
 * on every run; V8's threads would otherwise make it vary by a tenth.
 */
function instructionsOf(measure: string, file: string): number {
  const run = spawnSync(
    'valgrind',
    ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', process.execPath, '--single-threaded', '--predictable', measure, file],
    { env: ENVIRONMENT, encoding: 'utf8' },
  );
  const collected = /Collected : (\d+)/.exec(run.stderr ?? '');
  if (run.error || run.status !== 0 || !collected) throw new Error(`valgrind could not count ${file}: ${run.error?.message ?? run.stderr}`);
  return Number(collected[1]) / 1e6;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
};

/** Wall and CPU time to each bundle evaluated: RUNS fresh processes per bundle, round-robin. */
function measureTimes(bundles: Bundle[], measure: string, size: (b: Bundle) => object, verdict: (b: Bundle, initRatio: number) => string) {
  const samples = new Map<string, Sample[]>(bundles.map((b) => [b.name, []]));
  // One warm-up each: the first process to read a file pays for the disk cache.
  for (const b of bundles) measureOnce(measure, b.file);
  for (let run = 0; run < RUNS; run++) {
    for (const b of bundles) samples.get(b.name)!.push(measureOnce(measure, b.file));
  }
  const median = (b: Bundle, figure: keyof Sample) => quantile(samples.get(b.name)!.map((sample) => sample[figure]), 0.5);
  const [reference] = bundles;
  console.log(`node ${process.version}${SOURCE_MAPS ? ' --enable-source-maps' : ''}, ${RUNS} runs each; init = process start to bundle evaluated (ms), cpu = CPU time until then`);
  console.table(
    bundles.map((b) => {
      const initRatio = median(b, 'init') / median(reference, 'init');
      return {
        ...size(b),
        'init median': median(b, 'init').toFixed(1),
        'init p90': quantile(samples.get(b.name)!.map((sample) => sample.init), 0.9).toFixed(1),
        'x ref ': initRatio.toFixed(2),
        'require median': median(b, 'require').toFixed(1),
        'cpu median': median(b, 'cpu').toFixed(1),
        'x ref  ': (median(b, 'cpu') / median(reference, 'cpu')).toFixed(2),
        targets: verdict(b, initRatio),
      };
    }),
  );
}

async function main() {
  const outDir = mkdtempSync(join(tmpdir(), 'startup-bench-'));
  try {
    const names = readdirSync(join(ROOT, 'lambdas'))
      .filter((name) => {
        try {
          return statSync(join(ROOT, 'lambdas', name, 'handler.ts')).isFile();
        } catch {
          return false;
        }
      })
      .sort((a, b) => Number(SCIM_FUNCTIONS.includes(b)) - Number(SCIM_FUNCTIONS.includes(a)) || a.localeCompare(b));
    const bundles = [
      await bundle('reference', outDir, { source: REFERENCE_SOURCE }),
      await bundle('libraries', outDir, { source: LIBRARIES_SOURCE }),
      ...(await Promise.all(names.map((name) => bundle(name, outDir, { file: `lambdas/${name}/handler.ts` })))),
    ];
    const measure = join(outDir, 'measure.cjs');
    writeFileSync(measure, MEASURE_SOURCE);

    const reference = bundles[0];
    const verdict = (b: Bundle, initRatio: number) => {
      if (b === reference || b.name === 'libraries') return '';
      const meets = b.bytes / reference.bytes <= BUNDLE_TARGET && initRatio <= INIT_TARGET;
      return `${meets ? 'met' : 'missed'}${SCIM_FUNCTIONS.includes(b.name) ? '' : ' (reported)'}`;
    };
    const size = (b: Bundle) => ({ function: b.name, 'bundle KB': Math.round(b.bytes / 1024), 'x ref': (b.bytes / reference.bytes).toFixed(2) });

    if (INSTRUCTIONS) {
      const counts = new Map(bundles.map((b) => [b.name, instructionsOf(measure, b.file)]));
      const referenceCount = counts.get('reference')!;
      console.log(`node ${process.version}${SOURCE_MAPS ? ' --enable-source-maps' : ''} --single-threaded --predictable; init = instructions to the bundle evaluated (millions)`);
      console.table(
        bundles.map((b) => {
          const ratio = counts.get(b.name)! / referenceCount;
          return { ...size(b), 'init Minstr': Math.round(counts.get(b.name)!), 'x ref ': ratio.toFixed(2), targets: verdict(b, ratio) };
        }),
      );
    } else {
      measureTimes(bundles, measure, size, verdict);
    }
    console.log(`targets: bundle <= ${BUNDLE_TARGET}x and init <= ${INIT_TARGET}x the reference, for ${SCIM_FUNCTIONS.join(', ')}`);

    if (WHY) {
      for (const b of bundles) {
        console.log(`\n${b.name} (${Math.round(b.bytes / 1024)} KB):`);
        for (const [owner, bytes] of contributors(b.metafile).slice(0, 12)) console.log(`  ${String(Math.round(bytes / 1024)).padStart(5)} KB  ${owner}`);
      }
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
