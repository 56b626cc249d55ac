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

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('npm start\'s embedded store', () => {
  it('keeps its files to their owner, and stops when npm start is killed with SIGKILL', async () => {
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
