import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../lib/local/dynamodb-local';

const ROOT = resolve(__dirname, '../..');

/** Java processes whose command line mentions `text` (this machine's /proc): the embedded store of one data directory. */
async function processesMentioning(text: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (commandLine.split('\0')[0].endsWith('java') && commandLine.includes(text)) pids.push(Number(entry));
  }
  return pids;
}

/** The addresses listening on `port`, from the kernel's socket tables (no traffic is sent anywhere). */
async function listeningAddresses(port: number): Promise<string[]> {
  const addresses: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue; // 0A: LISTEN
      const [address, hexPort] = local.split(':');
      if (parseInt(hexPort, 16) === port) addresses.push(kernelAddress(address));
    }
  }
  return addresses;
}

/** /proc/net/tcp* print addresses as 32-bit words in host (little-endian) order. */
function kernelAddress(hex: string): string {
  const words = hex.match(/.{8}/g)!.map((word) => Buffer.from(word, 'hex').reverse());
  const bytes = Buffer.concat(words);
  if (bytes.length === 4) return [...bytes].join('.');
  const v4Mapped = bytes.subarray(0, 12).equals(Buffer.from('00000000000000000000ffff', 'hex'));
  if (v4Mapped) return `::ffff:${[...bytes.subarray(12)].join('.')}`;
  return (bytes.toString('hex').match(/.{4}/g) ?? []).join(':');
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('npm start\'s embedded store', () => {
  it('listens on loopback only, keeps its files to their owner, and stops when npm start is killed with SIGKILL', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'scim-local-store-'));
    // The server itself (tsx's CLI would run it in a child, which a SIGKILL of the CLI leaves running).
    const server = spawn(process.execPath, ['--import', 'tsx', 'bin/start.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(await freePort()), SCIM_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'SILENT' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      server.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      await eventually(async () => out, (text) => text.includes('Bearer token'), 60_000);
      expect(out).toContain('Bearer token');

      const stores = await processesMentioning(join(dataDir, 'dynamodb'));
      expect(stores.length).toBeGreaterThan(0);
      const commandLine = (await readFile(`/proc/${stores[0]}/cmdline`, 'utf8')).split('\0');
      const storePort = Number(commandLine[commandLine.indexOf('-port') + 1]);
      expect(await listeningAddresses(storePort)).toEqual([expect.stringMatching(/^(127\.0\.0\.1|::ffff:127\.0\.0\.1)$/)]);
      expect((await stat(join(dataDir, 'dynamodb'))).mode & 0o777).toBe(0o700);
      for (const file of await readdir(join(dataDir, 'dynamodb'))) {
        expect({ file, mode: (await stat(join(dataDir, 'dynamodb', file))).mode & 0o077 }).toEqual({ file, mode: 0 });
      }

      server.kill('SIGKILL');
      const left = await eventually(() => processesMentioning(join(dataDir, 'dynamodb')), (pids) => pids.length === 0, 10_000);
      expect(left).toEqual([]);
    } finally {
      server.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
