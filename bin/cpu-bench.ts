/**
 * CPU benchmark of the local server: how much CPU `npm start`'s process spends per SCIM request,
 * where it goes, and what it costs while idle. Prints figures; not a test.
 *
 *   npm run bench:cpu [-- --users 200 --groups 4 --idle-seconds 10 --cpuprofile out.cpuprofile --dynamodb-endpoint <url>]
 *   npm run bench:cpu -- --workload '<command>'
 *
 * The server runs in this process, built as `npm start` builds it (startLocalServer), in a fresh
 * data directory, with POWERTOOLS_LOG_LEVEL=ERROR unless set. The workload runs in a child
 * process at concurrency 1, so that only the server's CPU is counted here: by default a
 * provisioning day of our own (userName lookups, creates, GET by id, PATCH active, groups, member
 * adds and removes, deletes), measured phase by phase; or `--workload`, a shell command given
 * SCIM_BASE_URL and SCIM_TOKEN. Three runs of it: one to warm up, one measured (process CPU, and
 * DynamoDB Local's Java process apart from /proc), one profiled (the inspector's sampling profiler,
 * which costs CPU of its own, so its figures serve as shares of the measured CPU). Then the
 * server idles, measured.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { Session, type Profiler } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { localServerOptions, startLocalServer, type LocalServer } from '../lib/local/local-server';

const ROOT = resolve(__dirname, '..');
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** The target of issue 14: CPU per simple request outside the store and the AWS SDK. */
const TARGET_MS = 2;

interface Size {
  users: number;
  groups: number;
  members: number;
  batch: number;
  removes: number;
}

/** Driver → server process: a phase starts (answered when the server has taken its CPU reading) or ended. */
type DriverMessage = { phase: string; start: true } | { phase: string; end: true; requests: number; failures: number };

// ------------------------------------------------------------------------------------------------
// The built-in workload (the child process)

async function drive(base: string, token: string, size: Size, tag: string) {
  const ask = (message: DriverMessage) =>
    new Promise<void>((resolveAnswer) => {
      process.once('message', () => resolveAnswer());
      process.send!(message);
    });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(base + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/scim+json', ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };
  const phase = async <T>(name: string, items: T[], expected: number[], run: (item: T) => Promise<{ status: number }>) => {
    await ask({ phase: name, start: true });
    let failures = 0;
    for (const item of items) if (!expected.includes((await run(item)).status)) failures += 1;
    await ask({ phase: name, end: true, requests: items.length, failures });
  };

  const users = Array.from({ length: size.users }, (_, index) => ({ userName: `cpu.${tag}.${index}@bench.example.com`, id: '', index }));
  const filterPath = (userName: string) => `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`;
  await phase('GET /Users?filter=userName eq (miss)', users, [200], (user) => call('GET', filterPath(user.userName)));
  await phase('POST /Users', users, [201], async (user) => {
    const { index } = user;
    const created = await call('POST', '/Users', {
      schemas: [USER],
      userName: user.userName,
      externalId: `ext-${tag}-${index}`,
      name: { givenName: `Given${index}`, familyName: `Family${index % 50}` },
      emails: [{ primary: true, value: user.userName, type: 'work' }],
      displayName: `Given${index} Family${index % 50}`,
      active: true,
    });
    user.id = String(created.json?.id ?? '');
    return created;
  });
  await phase('GET /Users/{id}', users, [200], (user) => call('GET', `/Users/${user.id}`));
  await phase('GET /Users?filter=userName eq (hit)', users, [200], (user) => call('GET', filterPath(user.userName)));
  await phase('PATCH /Users/{id} active', users.filter((_, index) => index % 2 === 0), [200, 204], (user) =>
    call('PATCH', `/Users/${user.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] }),
  );
  const groups = Array.from({ length: size.groups }, (_, index) => ({ displayName: `cpu-${tag}-group-${index}`, id: '', index }));
  await phase('POST /Groups', groups, [201], async (group) => {
    const created = await call('POST', '/Groups', { schemas: [GROUP], displayName: group.displayName, members: [] });
    group.id = String(created.json?.id ?? '');
    return created;
  });
  const membersOf = (group: (typeof groups)[number]) => Array.from({ length: Math.min(size.members, users.length) }, (_, k) => users[(group.index * 7 + k) % users.length]);
  const batches = groups.flatMap((group) => {
    const members = membersOf(group);
    return Array.from({ length: Math.ceil(members.length / size.batch) }, (_, k) => ({ group, chunk: members.slice(k * size.batch, (k + 1) * size.batch) }));
  });
  await phase(`PATCH /Groups/{id} add ${size.batch} members`, batches, [200, 204], ({ group, chunk }) =>
    call('PATCH', `/Groups/${group.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: chunk.map((user) => ({ value: user.id })) }] }),
  );
  await phase('GET /Groups/{id}', groups, [200], (group) => call('GET', `/Groups/${group.id}`));
  const removals = groups.flatMap((group) => membersOf(group).slice(0, size.removes).map((user) => ({ group, user })));
  await phase('PATCH /Groups/{id} remove 1 member', removals, [200, 204], ({ group, user }) =>
    call('PATCH', `/Groups/${group.id}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${user.id}"]` }] }),
  );
  await phase('DELETE /Groups/{id}', groups, [204], (group) => call('DELETE', `/Groups/${group.id}`));
  await phase('DELETE /Users/{id}', users, [204], (user) => call('DELETE', `/Users/${user.id}`));
}

// ------------------------------------------------------------------------------------------------
// Measurement (the server process)

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU milliseconds a process has used so far (user + system), from /proc. */
async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** The Java process of an embedded DynamoDB Local, found by its port. */
async function storeProcess(endpoint: string): Promise<number | undefined> {
  const port = new URL(endpoint).port;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (args[0].endsWith('java') && args[args.indexOf('-port') + 1] === port) return Number(entry);
  }
  return undefined;
}

/** HTTP requests this process has made: in the server, only the SDK makes any, each a store call. */
let storeCalls = 0;
subscribe('http.client.request.start', () => (storeCalls += 1));

const ownCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

interface Reading {
  own: number;
  store?: number;
  calls: number;
  /** performance.now(), ms. */
  at: number;
  /** The monotonic clock in µs, as the profiler stamps its samples. */
  clockUs: number;
}

async function reading(storePid: number | undefined): Promise<Reading> {
  const store = storePid === undefined ? undefined : await processCpuMs(storePid).catch(() => undefined);
  return { own: ownCpuMs(), store, calls: storeCalls, at: performance.now(), clockUs: Number(process.hrtime.bigint() / 1000n) };
}

interface PhaseFigures {
  phase: string;
  requests: number;
  failures: number;
  storeCalls: number;
  ownMs: number;
  storeMs?: number;
  wallMs: number;
  /** When it ran, on the profiler's clock (µs). */
  fromUs: number;
  toUs: number;
}

interface RunFigures {
  requests: number;
  storeCalls: number;
  ownMs: number;
  storeMs?: number;
  wallMs: number;
  phases: PhaseFigures[];
}

async function run(server: LocalServer, storePid: number | undefined, how: { size: Size; tag: string } | { command: string }): Promise<RunFigures> {
  let requests = 0;
  const count = () => (requests += 1);
  server.scim.server.on('request', count);
  const environment = { ...process.env, SCIM_BASE_URL: server.scim.baseUrl, SCIM_TOKEN: server.scim.token };
  const phases: PhaseFigures[] = [];
  let child: ChildProcess;
  if ('command' in how) {
    child = spawn('/bin/sh', ['-c', how.command], { env: environment, stdio: 'inherit' });
  } else {
    child = fork(__filename, ['--drive', JSON.stringify(how)], { env: environment, stdio: 'inherit' });
    let started: Reading | undefined;
    child.on('message', (message: DriverMessage) => {
      void (async () => {
        if ('start' in message) started = await reading(storePid);
        else {
          const ended = await reading(storePid);
          phases.push({
            phase: message.phase,
            requests: message.requests,
            failures: message.failures,
            storeCalls: ended.calls - started!.calls,
            ownMs: ended.own - started!.own,
            storeMs: ended.store === undefined || started!.store === undefined ? undefined : ended.store - started!.store,
            wallMs: ended.at - started!.at,
            fromUs: started!.clockUs,
            toUs: ended.clockUs,
          });
        }
        child.send('go');
      })();
    });
  }
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (exitCode) => resolveExit(exitCode)));
  // Taken once the child is spawned: starting it is the harness's cost, not the server's.
  const before = await reading(storePid);
  const code = await exited;
  // What the writes left for the stream consumers is part of their cost.
  await server.scim.drainStreams();
  const after = await reading(storePid);
  server.scim.server.off('request', count);
  if (code !== 0) throw new Error(`The workload exited with code ${code}.`);
  return {
    requests,
    storeCalls: after.calls - before.calls,
    ownMs: after.own - before.own,
    storeMs: after.store === undefined || before.store === undefined ? undefined : after.store - before.store,
    wallMs: after.at - before.at,
    phases,
  };
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolvePost, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolvePost(result as T))));
}

const HARNESS = 'this benchmark (not counted)';
const isNodeFrame = (frame: Profiler.ProfileNode['callFrame']) => frame.url === '' || frame.url.startsWith('node:');

/**
 * Where a sample's CPU goes: the first frame from the top of its stack that is not node itself, so
 * that node's work for a caller counts as the caller's. Node's HTTP client counts as the SDK's
 * (nothing else in the server makes requests: it is how the SDK reaches the store), its HTTP server
 * as ours (the local API), also where the event loop, not a caller, runs them (sockets written on
 * the next tick, responses read). What is left (promise jobs, GC) is node's.
 */
function bucketOf(stack: Profiler.ProfileNode['callFrame'][]): { bucket: string; detail: string } {
  const leaf = stack[0];
  if (leaf.functionName === '(idle)') return { bucket: 'idle (not CPU)', detail: 'idle' };
  if (leaf.functionName === '(garbage collector)') return { bucket: 'node: GC', detail: 'GC' };
  if (leaf.functionName === '(program)') return { bucket: 'node: native, unattributed', detail: '(program)' };
  for (const frame of stack) {
    if (frame.url === 'node:_http_client' || frame.url === 'node:_http_agent') return { bucket: 'AWS SDK', detail: 'node:http client' };
    if (frame.url === 'node:_http_server') return { bucket: 'ours (lambdas/, lib/)', detail: 'node:http server' };
    if (isNodeFrame(frame) || frame.functionName === '(root)') continue;
    const path = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
    const modules = path.lastIndexOf(`${sep}node_modules${sep}`);
    if (modules >= 0) {
      const parts = path.slice(modules + '/node_modules/'.length).split(sep);
      const name = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
      if (/^@(aws-sdk|smithy|aws-crypto)\//.test(name)) return { bucket: 'AWS SDK', detail: name };
      if (/^@(middy|aws-lambda-powertools)\//.test(name)) return { bucket: 'middy + powertools', detail: name };
      return { bucket: 'other packages', detail: name };
    }
    const own = relative(ROOT, path);
    if (path === __filename) return { bucket: HARNESS, detail: own };
    if (!own.startsWith('..')) return { bucket: 'ours (lambdas/, lib/)', detail: own };
    return { bucket: 'other packages', detail: path };
  }
  return { bucket: 'node: event loop, promise jobs', detail: leaf.url || `(native) ${leaf.functionName}` };
}

interface ProfileFigures {
  requests: number;
  phases: PhaseFigures[];
  /** Per phase, by bucket, ms. */
  phaseBuckets: Map<string, Map<string, number>>;
  buckets: Map<string, number>;
  details: Map<string, number>;
  functions: Map<string, number>;
}

async function profiledRun(server: LocalServer, how: Parameters<typeof run>[2], intervalUs: number, saveTo?: string): Promise<ProfileFigures> {
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: intervalUs });
  await post(session, 'Profiler.start');
  let figures: RunFigures;
  let profile: Profiler.Profile;
  try {
    figures = await run(server, undefined, how);
  } finally {
    profile = (await post<{ profile: Profiler.Profile }>(session, 'Profiler.stop')).profile;
    session.disconnect();
  }
  if (saveTo) await writeFile(saveTo, JSON.stringify(profile));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map(profile.nodes.flatMap((node) => (node.children ?? []).map((child) => [child, node.id] as const)));
  const stacks = new Map<number, Profiler.ProfileNode['callFrame'][]>();
  const stackOf = (id: number) => {
    let stack = stacks.get(id);
    if (!stack) {
      stack = [];
      for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) stack.push(nodes.get(at)!.callFrame);
      stacks.set(id, stack);
    }
    return stack;
  };
  const buckets = new Map<string, number>();
  const details = new Map<string, number>();
  const functions = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);
  const phaseBuckets = new Map(figures.phases.map((phase) => [phase.phase, new Map<string, number>()]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let clockUs = profile.startTime;
  let phaseIndex = 0;
  for (let index = 0; index < samples.length; index += 1) {
    clockUs += deltas[index] ?? 0;
    // A sample stands for the time until the next one.
    const ms = (deltas[index + 1] ?? 0) / 1000;
    const frame = nodes.get(samples[index])!.callFrame;
    const { bucket, detail } = bucketOf(stackOf(samples[index]));
    add(buckets, bucket, ms);
    while (phaseIndex < figures.phases.length && figures.phases[phaseIndex].toUs < clockUs) phaseIndex += 1;
    const phase = figures.phases[phaseIndex];
    if (phase && phase.fromUs <= clockUs) add(phaseBuckets.get(phase.phase)!, bucket, ms);
    add(details, `${bucket} · ${detail}`, ms);
    const where = frame.url ? `${frame.url.startsWith('file://') ? relative(ROOT, fileURLToPath(frame.url)) : frame.url}:${frame.lineNumber + 1}` : '';
    add(functions, `${frame.functionName || '(anonymous)'} ${where}`.trim(), ms);
  }
  return { requests: figures.requests, phases: figures.phases, phaseBuckets, buckets, details, functions };
}

async function idle(storePid: number | undefined, seconds: number) {
  const before = await reading(storePid);
  await new Promise((resolveIdle) => setTimeout(resolveIdle, seconds * 1000));
  const after = await reading(storePid);
  const percent = (ms: number) => (ms / (after.at - before.at)) * 100;
  return { own: percent(after.own - before.own), store: after.store === undefined || before.store === undefined ? undefined : percent(after.store - before.store) };
}

const f = (value: number, digits = 2) => value.toFixed(digits);
const top = (map: Map<string, number>, count: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, count);

async function main() {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '200' },
      groups: { type: 'string', default: '4' },
      members: { type: 'string', default: '50' },
      batch: { type: 'string', default: '25' },
      removes: { type: 'string', default: '10' },
      workload: { type: 'string' },
      'idle-seconds': { type: 'string', default: '10' },
      'sampling-us': { type: 'string', default: '250' },
      'dynamodb-endpoint': { type: 'string' },
      /** Where to write the profiled run's profile, for Chrome DevTools (a .cpuprofile file). */
      cpuprofile: { type: 'string' },
    },
  });
  const number = (name: keyof typeof values) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  const size: Size = { users: number('users'), groups: number('groups'), members: number('members'), batch: number('batch'), removes: number('removes') };
  const workload = (tag: string) => (values.workload ? { command: values.workload } : { size, tag });

  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dataDir = await mkdtemp(join(tmpdir(), 'scim-cpu-bench-'));
  const options = localServerOptions(values['dynamodb-endpoint'] ? ['--dynamodb-endpoint', values['dynamodb-endpoint']] : [], { ...process.env, SCIM_DATA_DIR: dataDir, PORT: '0' }, ROOT);
  const server = await startLocalServer({ ...options, root: ROOT });
  try {
    const storePid = options.dynamoDbEndpoint === undefined ? await storeProcess(server.dynamoDbEndpoint) : undefined;
    console.log(`Server ${server.scim.baseUrl}, pid ${process.pid}; store ${server.dynamoDbEndpoint}${storePid ? ` (DynamoDB Local, pid ${storePid})` : ' (not measured: not ours)'}`);
    console.log(`POWERTOOLS_LOG_LEVEL=${process.env.POWERTOOLS_LOG_LEVEL}; workload: ${values.workload ? 'the given command' : `built in, ${JSON.stringify(size)}`}, concurrency 1\n`);

    // A run as large as the measured one, so that the code measured is what V8 has optimised.
    await run(server, storePid, { size, tag: `warm${Date.now().toString(36)}` });

    const measured = await run(server, storePid, workload(`m${Date.now().toString(36)}`));
    const profiled = await profiledRun(server, workload(`p${Date.now().toString(36)}`), number('sampling-us'), values.cpuprofile);
    const perRequest = (ms: number | undefined, requests: number) => (ms === undefined ? '-' : f(ms / requests));
    const sdkShare = (buckets: Map<string, number>) => {
      const cpu = [...buckets].filter(([bucket]) => !bucket.startsWith('idle') && bucket !== HARNESS).reduce((sum, [, ms]) => sum + ms, 0);
      return cpu === 0 ? 0 : (buckets.get('AWS SDK') ?? 0) / cpu;
    };

    console.log(`Measured run: ${measured.requests} requests in ${f(measured.wallMs / 1000, 1)} s (${f(measured.requests / (measured.wallMs / 1000), 1)} req/s), ${f(measured.storeCalls / measured.requests)} store calls a request`);
    console.log(`  server process CPU     ${perRequest(measured.ownMs, measured.requests).padStart(7)} ms/request`);
    console.log(`  DynamoDB Local (Java)  ${perRequest(measured.storeMs, measured.requests).padStart(7)} ms/request`);

    const cpu = [...profiled.buckets].filter(([bucket]) => !bucket.startsWith('idle') && bucket !== HARNESS).reduce((sum, [, ms]) => sum + ms, 0);
    console.log(`\nProfiled run (${profiled.requests} requests): main-thread CPU by who called for it (the profiler's own cost included):`);
    for (const [bucket, ms] of top(profiled.buckets, 20)) {
      const share = bucket.startsWith('idle') || bucket === HARNESS ? '' : `${f((ms / cpu) * 100, 1)} %`;
      console.log(`  ${bucket.padEnd(32)} ${f(ms / profiled.requests).padStart(7)} ms/request ${share.padStart(8)}`);
    }
    console.log('\n  Heaviest sources outside the AWS SDK (ms/request):');
    for (const [detail, ms] of top(new Map([...profiled.details].filter(([key]) => !key.startsWith('AWS SDK') && !key.startsWith('idle'))), 15)) {
      console.log(`    ${f(ms / profiled.requests, 3).padStart(7)}  ${detail}`);
    }
    console.log('\n  Heaviest functions (self time, ms/request):');
    for (const [name, ms] of top(new Map([...profiled.functions].filter(([key]) => !key.startsWith('(idle)'))), 20)) {
      console.log(`    ${f(ms / profiled.requests, 3).padStart(7)}  ${name}`);
    }

    // The measured run's CPU, less the share the profiled run (the same workload) shows for the SDK.
    const outside = (figures: { ownMs: number; requests: number }, share: number) => (figures.ownMs * (1 - share)) / figures.requests;
    console.log(`\nServer CPU outside the store and the AWS SDK (target ≤ ${TARGET_MS} ms/request): measured CPU less the SDK's share in the profiled run`);
    if (measured.phases.length > 0) {
      const header = ['phase'.padEnd(40), 'requests'.padStart(8), 'fail'.padStart(4), 'calls/req'.padStart(9), 'server ms/req'.padStart(13), 'SDK share'.padStart(9), 'outside SDK'.padStart(11), 'store ms/req'.padStart(12), 'wall ms/req'.padStart(11)];
      console.log(`  ${header.join(' ')}`);
      for (const phase of measured.phases) {
        const share = sdkShare(profiled.phaseBuckets.get(phase.phase) ?? new Map());
        const row = [
          phase.phase.padEnd(40),
          String(phase.requests).padStart(8),
          String(phase.failures).padStart(4),
          f(phase.storeCalls / phase.requests).padStart(9),
          perRequest(phase.ownMs, phase.requests).padStart(13),
          `${f(share * 100, 0)} %`.padStart(9),
          f(outside(phase, share)).padStart(11),
          perRequest(phase.storeMs, phase.requests).padStart(12),
          perRequest(phase.wallMs, phase.requests).padStart(11),
        ];
        console.log(`  ${row.join(' ')}`);
      }
    }
    console.log(`  all requests: ${f(outside(measured, sdkShare(profiled.buckets)))} ms/request (SDK ${f(sdkShare(profiled.buckets) * 100, 0)} %)`);

    // The pollers back off over a few empty reads before they idle.
    await new Promise((resolveSettle) => setTimeout(resolveSettle, 5_000));
    const seconds = number('idle-seconds');
    const quiet = await idle(storePid, seconds);
    console.log(`Idle over ${seconds} s: server process ${f(quiet.own)} % of a core; DynamoDB Local ${quiet.store === undefined ? '-' : `${f(quiet.store)} %`}`);
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--drive') {
  const how = JSON.parse(process.argv[3]) as { size: Size; tag: string };
  drive(process.env.SCIM_BASE_URL!, process.env.SCIM_TOKEN!, how.size, how.tag).then(
    () => process.exit(0),
    (error: Error) => {
      console.error(`workload: ${error.message}`);
      process.exit(1);
    },
  );
} else {
  main().catch((error: Error) => {
    console.error(`cpu-bench: ${error.stack ?? error.message}`);
    process.exit(1);
  });
}
