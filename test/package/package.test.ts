/**
 * What `npm pack` ships, and a consumer's CDK app built on it: the tarball is packed (which runs
 * `prepack`, the build), installed into a copy of examples/consumer next to the packages that
 * app declares (from npm's cache when it holds them), type-checked, synthesized and asserted
 * (examples/consumer/src/check-template.ts). No AWS account, no Docker.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { assetNameOf, FUNCTION_ENTRIES } from '../../lib/function-code';
import manifest from '../../package.json';

const ROOT = resolve(__dirname, '../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string; size: number }>;
}

let work: string;
let packed: Packed;
let consumer: string;

const run = (command: string, args: string[], cwd: string) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'scim-package-'));
  [packed] = JSON.parse(run(NPM, ['pack', '--json', '--pack-destination', work], ROOT)) as Packed[];
  process.stdout.write(`npm pack: ${packed.filename}, ${(packed.size / 1024 / 1024).toFixed(2)} MB packed, ${(packed.unpackedSize / 1024 / 1024).toFixed(2)} MB unpacked, ${packed.files.length} files\n`);
  consumer = join(work, 'consumer');
  cpSync(join(ROOT, 'examples/consumer'), consumer, { recursive: true });
  run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed.filename)], consumer);
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the tarball', () => {
  test('holds the compiled package, the pre-bundled functions and the documents, and no tests, sources or data', () => {
    const paths = packed.files.map((file) => file.path);
    const unexpected = paths.filter(
      (path) => !/^dist\/(lib|lambdas)\/.+\.(js|d\.ts)$/.test(path) && !/^dist\/assets\/[a-z-]+\/index\.js(\.map)?$/.test(path) && !['package.json', 'README.md', 'CHANGELOG.md', 'docs/admin-api.openapi.json'].includes(path),
    );
    expect(unexpected).toEqual([]);
    expect(paths.filter((path) => /(^|\/)test\/|\.test\.|\.scim-data|node_modules|examples\//.test(path))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(FUNCTION_ENTRIES.map((entry) => `dist/assets/${assetNameOf(entry)}/index.js`)));
  });

  test('holds every file package.json exports', () => {
    const targets = Object.values(manifest.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)));
    expect(targets.map((target) => target.replace(/^\.\//, '')).filter((target) => !packed.files.some((file) => file.path === target))).toEqual([]);
  });
});

describe('a consumer app with the tarball installed', () => {
  test('type-checks against the published declarations', () => {
    expect(() => run(join(consumer, 'node_modules/.bin/tsc'), ['-p', '.'], consumer)).not.toThrow();
  }, 120_000);

  test('synthesizes offline with the construct beside its own resources: grants, rule, bus and alarm topic checked', () => {
    const output = run(join(consumer, 'node_modules/.bin/tsx'), ['src/check-template.ts'], consumer);
    expect(output).toMatch(/SaasApp: \d+ resources; grants, rule, bus and alarm topic as expected/);
  }, 180_000);

  test('the read library, the events contract and the admin client load without aws-cdk-lib', () => {
    const script = `
      for (const subpath of ['read', 'events', 'admin']) require('serverless-scim/' + subpath);
      const cdk = Object.keys(require.cache).filter((file) => /node_modules[\\\\/](aws-cdk-lib|constructs)[\\\\/]/.test(file));
      const { DirectoryReader } = require('serverless-scim/read');
      const { provisioningEventSchema } = require('serverless-scim/events');
      const { AdminClient } = require('serverless-scim/admin');
      process.stdout.write(JSON.stringify({ cdk, exports: [typeof DirectoryReader, typeof provisioningEventSchema.parse, typeof AdminClient] }));
    `;
    expect(JSON.parse(run(process.execPath, ['-e', script], consumer))).toEqual({ cdk: [], exports: ['function', 'function', 'function'] });
  });
});
