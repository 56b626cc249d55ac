import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { DAY_MS } from '../../lambdas/contracts/tenancy';
import { localTenantAdmin, stackTenantAdmin, TenantAdminError, type TenantAdmin, type TenantStatus } from '../../lambdas/admin/tenant-admin';
import { localDataDir, localSecretsDir } from '../local/local-environment';

export const USAGE = `Usage: npm run admin -- [--stack <name> [--region <region>] | --data-dir <dir>] <command>

  tenants create <name>        a new tenant; prints its first token
  tenants list                 every tenant, its state and its token's expiry
  tenants disable <name>       its tokens are refused (401) from now on
  tenants enable <name>        its tokens work again
  tokens rotate <tenant>       prints a new token; the old one works for the overlap
  tokens revoke <tenant>       ends the overlap now: the old token stops working
  tokens show-expiry <tenant>  when the token (and any old one) stops working

Against a deployed stack (--stack or SCIM_STACK), with your AWS credentials; otherwise against
the data directory of npm start (--data-dir or SCIM_DATA_DIR, default .scim-data).
A printed token is shown once, alone on the last line.`;

export interface AdminIo {
  out(line: string): void;
  err(line: string): void;
}

/** Where the CLI acts: a deployed stack's secrets, or a local data directory. */
export function tenantAdminFor(options: { stack?: string; region?: string; dataDir: string }, environment: NodeJS.ProcessEnv): { admin: TenantAdmin; where: string } {
  if (options.stack) return { admin: stackTenantAdmin(options.stack, options.region), where: `stack ${options.stack}` };
  return { admin: localTenantAdmin(localSecretsDir(options.dataDir), environment), where: `data directory ${options.dataDir}` };
}

/** Runs one admin command; returns the process exit code. */
export async function runAdmin(argv: string[], io: AdminIo, environment: NodeJS.ProcessEnv = process.env, root = resolve(__dirname, '../..')): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { stack: { type: 'string' }, region: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [group, command, name, ...extra] = positionals;
  if (values.help || group === undefined || group === 'help') {
    io.out(USAGE);
    return 0;
  }
  const action = actions[`${group} ${command}`];
  if (!action || (action.takesName ? name === undefined : name !== undefined) || extra.length > 0) {
    io.err(`Unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  const { admin, where } = tenantAdminFor(
    {
      stack: values.stack ?? (environment.SCIM_STACK || undefined),
      region: values.region,
      dataDir: values['data-dir'] ? resolve(values['data-dir']) : localDataDir(root, environment),
    },
    environment,
  );
  try {
    await action.run(admin, name ?? '', io, where);
    return 0;
  } catch (error) {
    io.err(error instanceof TenantAdminError ? error.message : `Failed: ${(error as Error).message}`);
    return 1;
  }
}

type Action = { takesName: boolean; run: (admin: TenantAdmin, name: string, io: AdminIo, where: string) => Promise<void> };

const actions: Record<string, Action> = {
  'tenants create': {
    takesName: true,
    run: async (admin, name, io, where) => {
      const token = await admin.create(name);
      const status = await admin.status(name);
      io.out(`Tenant "${name}" created in ${where}. ${describeCurrent(status)}`);
      showOnce(io, token);
    },
  },
  'tenants list': {
    takesName: false,
    run: async (admin, _name, io, where) => {
      const tenants = await admin.list();
      if (tenants.length === 0) io.out(`No tenants in ${where}.`);
      for (const status of tenants) {
        io.out(`${status.tenant}\t${status.problem ? `unreadable: ${status.problem}` : `${status.disabled ? 'disabled' : 'enabled'}\t${describeCurrent(status)}`}`);
      }
    },
  },
  'tenants disable': {
    takesName: true,
    run: async (admin, name, io) => {
      await admin.setDisabled(name, true);
      io.out(`Tenant "${name}" is disabled: its tokens are refused within 5 minutes. Undo with: tenants enable ${name}`);
    },
  },
  'tenants enable': {
    takesName: true,
    run: async (admin, name, io) => {
      await admin.setDisabled(name, false);
      io.out(`Tenant "${name}" is enabled: its tokens work again within 5 minutes.`);
    },
  },
  'tokens rotate': {
    takesName: true,
    run: async (admin, name, io) => {
      const token = await admin.rotate(name);
      const status = await admin.status(name);
      const overlap = status.previous ? `The previous token keeps working until ${status.previous.endsAt}; end that now with: tokens revoke ${name}` : 'No earlier token is still valid.';
      io.out(`New token for tenant "${name}". ${describeCurrent(status)} ${overlap}`);
      if (status.disabled) io.out(`Tenant "${name}" is disabled: no token of it works until: tenants enable ${name}`);
      showOnce(io, token);
    },
  },
  'tokens revoke': {
    takesName: true,
    run: async (admin, name, io) => {
      const revoked = await admin.revoke(name);
      io.out(
        revoked
          ? `The previous token of tenant "${name}" is revoked: it is refused within 5 minutes. The current token is unaffected.`
          : `Tenant "${name}" has no previous token in its overlap; nothing to revoke. To replace a leaked current token: tokens rotate ${name}, then tokens revoke ${name}.`,
      );
    },
  },
  'tokens show-expiry': {
    takesName: true,
    run: async (admin, name, io) => {
      const status = await admin.status(name);
      io.out(`Tenant "${name}" is ${status.disabled ? 'disabled' : 'enabled'}. ${describeCurrent(status)}`);
      if (status.previous) io.out(`Its previous token works until ${status.previous.endsAt}.`);
    },
  },
};

function describeCurrent(status: TenantStatus): string {
  if (!status.current) return 'It has no token yet: tokens rotate ' + status.tenant;
  const left = Date.parse(status.current.expiresAt) - Date.now();
  return left > 0 ? `Token expires ${status.current.expiresAt} (in ${Math.ceil(left / DAY_MS)} days).` : `Token expired ${status.current.expiresAt}: tokens rotate ${status.tenant}`;
}

/** The token alone on the last line, so that scripts can take it with `tail -n 1`; shown this once. */
function showOnce(io: AdminIo, token: string) {
  io.out('Shown only this once; paste it into the identity provider now:');
  io.out(token);
}
