import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { adminApi } from '../lambdas/admin/admin-api';
import { adminDependencies } from '../lib/admin/admin-cli';
import { startConsole } from '../lib/console/console-server';
import { localDataDir } from '../lib/local/local-paths';

const DEFAULT_PORT = 8790;
const root = resolve(__dirname, '..');

async function main() {
  const { values } = parseArgs({
    options: { stack: { type: 'string' }, region: { type: 'string' }, 'data-dir': { type: 'string' }, port: { type: 'string' } },
  });
  const stack = values.stack ?? (process.env.SCIM_STACK || undefined);
  const target = { stack, region: values.region, dataDir: values['data-dir'] ? resolve(values['data-dir']) : localDataDir(root) };
  const dependencies = adminDependencies(target, process.env);
  const port = Number.parseInt(values.port ?? process.env.CONSOLE_PORT ?? String(DEFAULT_PORT), 10);
  const running = await startConsole({
    api: adminApi({ ...dependencies, onDefect: (error, route) => console.error(`Console: ${route} failed:`, error) }),
    port,
  });
  console.log(`Admin console of ${stack ? `stack ${stack}` : `data directory ${target.dataDir}`}, on 127.0.0.1 only.`);
  // The link carries this run's secret: whoever has it administers every tenant.
  console.log(`Console: ${running.url}`);
  const stop = async () => {
    await Promise.allSettled([running.close(), dependencies.close()]);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: Error) => {
  console.error(`Could not start the console: ${error.message}`);
  process.exit(1);
});
