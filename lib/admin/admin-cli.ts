import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { DAY_MS } from '../../lambdas/contracts/tenancy';
import { SettingsConflictError, SettingsError, type TenantSettings } from '../../lambdas/contracts/settings';
import type { TableAdmin } from '../../lambdas/admin/table-admin';
import { localTenantAdmin, stackTenantAdmin, TenantAdminError, type TenantAdmin, type TenantStatus } from '../../lambdas/admin/tenant-admin';
import { SCIM_BASE_URL_OUTPUT, TABLE_NAME_OUTPUT } from '../stack-outputs';
import type { AdminApiDependencies } from '../../lambdas/admin/admin-api';
import { localDataDir, localEventsFile, localSecretsDir } from '../local/local-paths';

export const USAGE = `Usage: npm run admin -- [--stack <name> [--region <region>] | --data-dir <dir>] <command>

  tenants create <name>        a new tenant; prints its first token
  tenants list                 every tenant, its state and its token's expiry
  tenants disable <name>       its tokens are refused (401) from now on
  tenants enable <name>        its tokens work again
  tenants delete <name> [--force]
                               deletes its secret (its tokens stop working) and every item of its
                               directory; the default tenant only with --force
  tokens rotate <tenant>       prints a new token; the old one works for the overlap
  tokens revoke <tenant>       ends the overlap now: the old token stops working
  tokens show-expiry <tenant>  when the token (and any old one) stops working
  settings show <tenant>       the tenant's settings (roles, group mappings, seats) as JSON
  settings set <tenant> --file <settings.json>
                               validates and saves them as the next version; prints who changes role
  users show <tenant> <userName or id>
                               one user as JSON: active, role, roles, roleReason, groups
  seats <tenant>               seats in use and the limit, as JSON
  activity <tenant> [--user <userName or id> | --group <displayName or id>] [--since <ISO time>] [--limit N]
                               a timeline, one JSON object a line, oldest first: the tenant's own
                               (settings, tokens, seats), or a user's or group's (also a deleted one's)
  migrations status            the table's format migrations, one JSON object a line: status,
                               items scanned, migrated, skipped, conflicts, segments done
  migrations run [--again]     runs those not complete from where they stopped (npm start and a
                               deployment run them by themselves); prints their status after.
                               --again scans complete ones once more, for items an older build
                               wrote during the deployment, after the scan had passed them

Against a deployed stack (--stack or SCIM_STACK), with your AWS credentials; otherwise against
the data directory of npm start (--data-dir or SCIM_DATA_DIR, default .scim-data).
A printed token is shown once, alone on the last line.`;

export interface AdminIo {
  out(line: string): void;
  err(line: string): void;
}

export interface Target {
  stack?: string;
  region?: string;
  dataDir: string;
}

/** What a command acts on: the tenants' secrets at once, the directory's table only when it asks. */
interface AdminContext {
  tenants: TenantAdmin;
  /** The directory's table; opened on first use (locally that may start the embedded store). */
  table(): Promise<TableAdmin>;
  where: string;
  name: string;
  /** The second operand, for commands that take one (`users show <tenant> <userName>`). */
  second: string;
  file?: string;
  force: boolean;
  /** `migrations run --again`: scan complete migrations once more. */
  again: boolean;
  /** `activity`'s filters. */
  query: { user?: string; group?: string; since?: string; limit?: string };
  io: AdminIo;
}

/** Where the CLI acts: a deployed stack's secrets, or a local data directory. */
export function tenantAdminFor(options: Target, environment: NodeJS.ProcessEnv): { admin: TenantAdmin; where: string } {
  if (options.stack) return { admin: stackTenantAdmin(options.stack, options.region), where: `stack ${options.stack}` };
  // Locally the rotation runs here, and publishes tenant.token_rotated where npm start keeps its events.
  return { admin: localTenantAdmin(localSecretsDir(options.dataDir), { ...environment, EVENTS_FILE: localEventsFile(options.dataDir) }), where: `data directory ${options.dataDir}` };
}

/**
 * The directory's table: a deployed stack's (named by its output), or the data directory's. The
 * table's code (the DynamoDB client, the directory) and the CloudFormation client are loaded here,
 * on first use, so that the tenant and token commands start in well under a second.
 */
export async function openTable(target: Target): Promise<{ admin: TableAdmin; close(): Promise<void> }> {
  const { tableAdmin } = await import('../../lambdas/admin/table-admin');
  if (target.stack) {
    const tableName = (await stackOutputs(target.stack, target.region))[TABLE_NAME_OUTPUT];
    if (!tableName) throw new TenantAdminError(`Stack ${target.stack} has no ${TABLE_NAME_OUTPUT} output; deploy this version of the stack first.`);
    const admin = tableAdmin({ tableName, region: target.region });
    return { admin, close: async () => admin.close() };
  }
  const { openLocalTable } = await import('../local/local-store');
  const table = await openLocalTable(target.dataDir);
  const admin = tableAdmin(table);
  return {
    admin,
    close: async () => {
      admin.close();
      await table.close();
    },
  };
}

/** A deployed stack's outputs, by key. */
async function stackOutputs(stack: string, region?: string): Promise<Record<string, string | undefined>> {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const cloudFormation = new CloudFormationClient(region ? { region } : {});
  try {
    const output = await cloudFormation.send(new DescribeStacksCommand({ StackName: stack }));
    return Object.fromEntries((output.Stacks?.[0]?.Outputs ?? []).map((candidate) => [candidate.OutputKey, candidate.OutputValue]));
  } finally {
    cloudFormation.destroy();
  }
}

/** What the admin API acts on for the console: the same target as the CLI's; `close` ends the table's connections. */
export function adminDependencies(target: Target, environment: NodeJS.ProcessEnv): AdminApiDependencies & { close(): Promise<void> } {
  const { admin, where } = tenantAdminFor(target, environment);
  let table: Promise<{ admin: TableAdmin; close(): Promise<void> }> | undefined;
  return {
    tenants: admin,
    table: async () => {
      // A failed open is tried again on the next call rather than remembered.
      table ??= openTable(target).catch((error) => {
        table = undefined;
        throw error;
      });
      return (await table).admin;
    },
    connection: async () => {
      if (target.stack) return { scimBaseUrl: (await stackOutputs(target.stack, target.region))[SCIM_BASE_URL_OUTPUT] ?? null, target: where };
      const { runningScimBaseUrl } = await import('../local/local-store');
      return { scimBaseUrl: runningScimBaseUrl(target.dataDir) ?? null, target: where };
    },
    close: async () => {
      if (table) await (await table.catch(() => undefined))?.close();
    },
  };
}

/** Runs one admin command; returns the process exit code. */
export async function runAdmin(argv: string[], io: AdminIo, environment: NodeJS.ProcessEnv = process.env, root = resolve(__dirname, '../..')): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        stack: { type: 'string' },
        region: { type: 'string' },
        'data-dir': { type: 'string' },
        file: { type: 'string' },
        user: { type: 'string' },
        group: { type: 'string' },
        since: { type: 'string' },
        limit: { type: 'string' },
        force: { type: 'boolean' },
        again: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const single = positionals[0] !== undefined && actions[positionals[0]] !== undefined;
  // One-word commands (`seats <tenant>`) take their tenant where others have their second word.
  const [group, command, name, second, ...extra] = single ? [positionals[0], '', ...positionals.slice(1)] : positionals;
  if (values.help || group === undefined || group === 'help') {
    io.out(USAGE);
    return 0;
  }
  const action = actions[single ? group : `${group} ${command}`];
  if (
    !action ||
    (action.takesName ? name === undefined : name !== undefined) ||
    (action.takesSecond === true) !== (second !== undefined) ||
    extra.length > 0 ||
    (action.needsFile === true) !== (values.file !== undefined) ||
    (!action.takesFilters && [values.user, values.group, values.since, values.limit].some((value) => value !== undefined)) ||
    (values.force === true && !action.takesForce) ||
    (values.again === true && !action.takesAgain) ||
    (values.user !== undefined && values.group !== undefined)
  ) {
    io.err(`Unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
    return 2;
  }
  const target: Target = {
    stack: values.stack ?? (environment.SCIM_STACK || undefined),
    region: values.region,
    dataDir: values['data-dir'] ? resolve(values['data-dir']) : localDataDir(root, environment),
  };
  const { admin, where } = tenantAdminFor(target, environment);
  let table: Promise<{ admin: TableAdmin; close(): Promise<void> }> | undefined;
  const context: AdminContext = {
    tenants: admin,
    table: async () => (await (table ??= openTable(target))).admin,
    where,
    name: name ?? '',
    second: second ?? '',
    file: values.file,
    force: values.force === true,
    again: values.again === true,
    query: { user: values.user, group: values.group, since: values.since, limit: values.limit },
    io,
  };
  try {
    await action.run(context);
    return 0;
  } catch (error) {
    const refusal = error instanceof TenantAdminError || error instanceof SettingsConflictError;
    if (error instanceof SettingsError) io.err(`The settings were not saved:\n${error.message}`);
    else io.err(refusal ? (error as Error).message : `Failed: ${(error as Error).message}`);
    return 1;
  } finally {
    if (table) await (await table.catch(() => undefined))?.close();
  }
}

type Action = { takesName: boolean; takesSecond?: boolean; needsFile?: boolean; takesFilters?: boolean; takesForce?: boolean; takesAgain?: boolean; run: (context: AdminContext) => Promise<void> };

/** How many entries `activity` prints unless --limit says otherwise, and the most it prints. */
const ACTIVITY_LIMIT = 100;
const MAX_ACTIVITY_LIMIT = 10_000;

const actions: Record<string, Action> = {
  'tenants create': {
    takesName: true,
    run: async ({ tenants: admin, name, io, where }) => {
      const token = await admin.create(name);
      const status = await admin.status(name);
      io.out(`Tenant "${name}" created in ${where}. ${describeCurrent(status)}`);
      showOnce(io, token);
    },
  },
  'tenants list': {
    takesName: false,
    run: async ({ tenants: admin, io, where }) => {
      const tenants = await admin.list();
      if (tenants.length === 0) io.out(`No tenants in ${where}.`);
      for (const status of tenants) {
        io.out(`${status.tenant}\t${status.problem ? `unreadable: ${status.problem}` : `${status.disabled ? 'disabled' : 'enabled'}\t${describeCurrent(status)}`}`);
      }
    },
  },
  'tenants disable': {
    takesName: true,
    run: async ({ tenants: admin, name, io }) => {
      await admin.setDisabled(name, true);
      io.out(`Tenant "${name}" is disabled: its tokens are refused within 5 minutes. Undo with: tenants enable ${name}`);
    },
  },
  'tenants enable': {
    takesName: true,
    run: async ({ tenants: admin, name, io }) => {
      await admin.setDisabled(name, false);
      io.out(`Tenant "${name}" is enabled: its tokens work again within 5 minutes.`);
    },
  },
  'tenants delete': {
    takesName: true,
    takesForce: true,
    run: async ({ tenants: admin, table, name, force, io, where }) => {
      // The secret first: from then on the tenant's IdP is refused, and its directory can go.
      await admin.delete(name, { force });
      io.out(`Tenant "${name}" deleted from ${where}: its secret (its tokens are refused within 5 minutes).`);
      const items = await (await table()).deleteTenant(name);
      io.out(`Deleted ${items} item${items === 1 ? '' : 's'} of its directory (users, groups, memberships, settings, activity).`);
    },
  },
  'tokens rotate': {
    takesName: true,
    run: async ({ tenants: admin, name, io }) => {
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
    run: async ({ tenants: admin, name, io }) => {
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
    run: async ({ tenants: admin, name, io }) => {
      const status = await admin.status(name);
      io.out(`Tenant "${name}" is ${status.disabled ? 'disabled' : 'enabled'}. ${describeCurrent(status)}`);
      if (status.previous) io.out(`Its previous token works until ${status.previous.endsAt}.`);
    },
  },
  'settings show': {
    takesName: true,
    run: async ({ tenants, table, name, io }) => {
      await tenants.status(name);
      const current = await (await table()).settings.get(name);
      // The document alone on stdout, so `settings show t > f.json` then `settings set t --file f.json` round-trips.
      io.out(JSON.stringify(current.settings, null, 2));
      io.err(current.version === 0 ? `Tenant "${name}" has the default settings (never set).` : `Version ${current.version}, saved ${current.updatedAt}.`);
      const progress = await (await table()).settings.progress(name);
      if (current.version > 0) io.err(describeProgress(current.version, progress));
    },
  },
  'settings set': {
    takesName: true,
    needsFile: true,
    run: async ({ tenants, table, name, file, io }) => {
      await tenants.status(name);
      let input: unknown;
      try {
        input = JSON.parse(readFileSync(file!, 'utf8'));
      } catch (error) {
        throw new TenantAdminError(`Could not read ${file} as JSON: ${(error as Error).message}`);
      }
      const admin = await table();
      // Computed from the stored directory before saving, so the figures say what the new settings change.
      const moves = await admin.previewSettings(name, input);
      const { before, after } = await admin.settings.set(name, input);
      io.out(`Settings of tenant "${name}" saved as version ${after.version}.`);
      for (const line of describeSettingsChange(before.settings, after.settings)) io.out(`  ${line}`);
      if (moves.length === 0) io.out('No user changes role.');
      for (const move of moves) io.out(`${move.users} user${move.users === 1 ? '' : 's'}: ${move.from ?? 'no role'} → ${move.to ?? 'no role'}`);
      if (moves.length > 0) io.out('Roles follow in the background; users show <tenant> <userName> tells where a user stands.');
    },
  },
  'users show': {
    takesName: true,
    takesSecond: true,
    run: async ({ tenants, table, name, second, io }) => {
      await tenants.status(name);
      const user = await (await table()).user(name, second);
      if (!user) throw new TenantAdminError(`Tenant "${name}" has no user "${second}".`);
      io.out(JSON.stringify(user, null, 2));
    },
  },
  seats: {
    takesName: true,
    run: async ({ tenants, table, name, io }) => {
      await tenants.status(name);
      const admin = await table();
      const [used, { settings }] = await Promise.all([admin.seatsInUse(name), admin.settings.get(name)]);
      io.out(JSON.stringify({ tenant: name, used, limit: settings.seatLimit, policy: settings.seatPolicy }));
    },
  },
  activity: {
    takesName: true,
    takesFilters: true,
    run: async ({ tenants, table, name, query, io }) => {
      const limit = query.limit === undefined ? ACTIVITY_LIMIT : Number(query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ACTIVITY_LIMIT) throw new TenantAdminError(`--limit is a whole number from 1 to ${MAX_ACTIVITY_LIMIT}; got ${query.limit}.`);
      if (query.since !== undefined && Number.isNaN(Date.parse(query.since))) throw new TenantAdminError(`--since is an ISO 8601 time such as 2025-01-31T00:00:00Z; got ${query.since}.`);
      await tenants.status(name);
      const since = query.since === undefined ? undefined : new Date(query.since).toISOString();
      // One entry a line, so the timeline pipes into jq or grep.
      for (const entry of await (await table()).activity(name, { user: query.user, group: query.group, since, limit })) io.out(JSON.stringify(entry));
    },
  },
  'migrations status': {
    takesName: false,
    run: async ({ table, io }) => {
      for (const migration of await (await table()).migrations.status()) io.out(JSON.stringify(migration));
    },
  },
  'migrations run': {
    takesName: false,
    takesAgain: true,
    run: async ({ table, again, io }) => {
      const run = await (await table()).migrations.run({ again, log: (message, fields) => io.err(`${message} ${JSON.stringify(fields)}`) });
      for (const migration of run.migrations) io.out(JSON.stringify(migration));
      if (!run.complete) throw new TenantAdminError('Migrations did not complete; run again to continue from where they stopped.');
    },
  },
};

/** Where the background application of the roles of `version` stands. */
function describeProgress(version: number, progress: { version: number; done: number; total: number; at: string; finished: boolean } | undefined): string {
  if (!progress || progress.version < version) return 'Roles: waiting to be applied to the users.';
  if (progress.finished) return `Roles: applied to all ${progress.done} users (${progress.at}).`;
  return `Roles: being applied, ${progress.done} of ${progress.total} users (${progress.at}).`;
}

/** What an administrator should check after a change, field by field. */
function describeSettingsChange(before: TenantSettings, after: TenantSettings): string[] {
  const lines: string[] = [];
  const show = (value: unknown) => JSON.stringify(value);
  for (const field of ['roles', 'defaultRole', 'roleAttribute', 'seatLimit', 'seatPolicy'] as const) {
    if (show(before[field]) !== show(after[field])) lines.push(`${field}: ${show(before[field]) ?? 'unset'} → ${show(after[field]) ?? 'unset'}`);
  }
  const mappings = (settings: TenantSettings) => new Set(settings.groupRoles.map((mapping) => show(mapping)));
  const [was, now] = [mappings(before), mappings(after)];
  for (const mapping of now) if (!was.has(mapping)) lines.push(`group mapping added: ${mapping}`);
  for (const mapping of was) if (!now.has(mapping)) lines.push(`group mapping removed: ${mapping}`);
  return lines.length > 0 ? lines : ['nothing changed'];
}

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
