import { resolve } from 'node:path';
import { runAdmin } from '../../lib/admin/admin-cli';

const ROOT = resolve(__dirname, '../..');

export interface AdminRun {
  code: number;
  out: string[];
  err: string[];
}

/** One admin CLI command run in-process, as `npm run admin -- <args>` would; its output split into lines. */
export async function adminCli(args: string[], environment: NodeJS.ProcessEnv = {}): Promise<AdminRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin(args, { out: (line) => out.push(...line.split('\n')), err: (line) => err.push(...line.split('\n')) }, environment, ROOT);
  return { code, out, err };
}
