import { DEFAULT_SETTINGS, parseSettings, type TenantSettings } from '../contracts/settings';
import { couldBeId, foldCase, type Access, type Provenance } from '../contracts/table-design';
import { assertTenant } from '../contracts/tenancy';
import { schemaRegistry } from '../scim/extensions';
import { createDocumentClient } from '../store/dynamo-client';
import { deleteTenantItems } from '../store/tenant-items';
import { mapsGroup } from '../directory/roles';
import type { StoredResource } from '../directory/ports/resource-store';
import { mapLimited } from '../runtime/concurrency';
import type { TenantSettingsService } from '../tenancy/tenant-settings';
import { directoryServices } from '../wiring/dependencies';
import { migrationTotals, tableMigrations, type MigrationProgress, type MigrationRunOptions } from '../wiring/migrations';
import type { ActivityEntry } from '../contracts/events';
import type { TimelineQuery } from '../directory/activity';

export { SettingsError, type TenantSettings, type VersionedSettings } from '../contracts/settings';
export { SettingsConflictError, type SettingsChange } from '../tenancy/tenant-settings';
export type { ActivityEntry } from '../contracts/events';
export type { TimelineQuery } from '../directory/activity';

/** Where the directory's table is: the embedded store at `endpoint`, or a deployed stack's table in `region`. */
export interface TableLocation {
  tableName: string;
  endpoint?: string;
  region?: string;
}

/** One user as the admin sees it: the fields scripts rely on (`users show`). */
export interface UserSummary {
  id: string;
  userName: string;
  /** The primary email, else the first; absent when the user has none. */
  email?: string;
  active: boolean;
  role: string | null;
  roles: string[];
  roleReason: Access['roleReason'] | null;
  groups: Array<{ id: string; displayName: string }>;
  provisionedBy?: Provenance;
  lastChangedBy?: Provenance;
}

/** One group as the admin sees it: how many members it has and the roles its mappings give them. */
export interface GroupSummary {
  id: string;
  displayName: string;
  externalId?: string;
  members: number;
  /** Roles the tenant's settings map this group to, highest priority first; the first is what it gives. */
  roles: string[];
  provisionedBy?: Provenance;
  lastChangedBy?: Provenance;
}

/** A page of a list, in id order; `nextCursor` (the page's last id) asks for the next one. */
export interface AdminPage<T> {
  items: T[];
  nextCursor?: string;
}

export interface PageQuery {
  /** The id after which the page starts (a previous page's nextCursor). */
  cursor?: string;
  limit: number;
}

/** Users moving from one role to another under settings not yet in force. */
export interface RoleMove {
  from: string | null;
  to: string | null;
  users: number;
}

/** One format migration as `migrations status` shows it: its progress summed over its segments. */
export interface MigrationSummary {
  id: string;
  from: number;
  to: number;
  status: MigrationProgress['status'];
  startedAt?: string;
  updatedAt?: string;
  finishedAt?: string;
  scanned: number;
  migrated: number;
  skipped: number;
  conflicts: number;
  segments: string;
  conflictKeys?: MigrationProgress['conflictKeys'];
}

/** What the admin library does on the directory's table; `close` ends its connections. */
export interface TableAdmin {
  settings: TenantSettingsService;
  /** The table's format migrations (lambdas/directory/migrations.ts): where each stands, and a run of those not complete. */
  migrations: {
    status(): Promise<MigrationSummary[]>;
    run(options?: Partial<Pick<MigrationRunOptions, 'itemsPerSecond' | 'segments' | 'again' | 'log'>>): Promise<{ complete: boolean; migrations: MigrationSummary[] }>;
    /** For a table just created: nothing to move, every migration recorded complete. */
    completeNew(): Promise<void>;
  };
  /** Active users of a tenant: the seats in use. */
  seatsInUse(tenant: string): Promise<number>;
  /** A user by userName (any case) or id; undefined when there is none. */
  user(tenant: string, userNameOrId: string): Promise<UserSummary | undefined>;
  /** Users in id order; `search` keeps those whose userName or an email starts with it (any case), reading the whole collection. */
  users(tenant: string, query: PageQuery & { search?: string }): Promise<AdminPage<UserSummary>>;
  /** Groups in id order, each with its member count and mapped roles. */
  groups(tenant: string, query: PageQuery): Promise<AdminPage<GroupSummary>>;
  /** Deletes every item of the tenant from the table; answers how many. */
  deleteTenant(tenant: string): Promise<number>;
  /** Who would change role if `input` were the tenant's settings (validated as `settings set` does). */
  previewSettings(tenant: string, input: unknown): Promise<RoleMove[]>;
  /** A user's or group's activity (by any name it held, or its id), or the tenant's own: the most recent `limit` entries, oldest first. */
  activity(tenant: string, query: TimelineQuery): Promise<ActivityEntry[]>;
  close(): void;
}

export function tableAdmin(location: TableLocation): TableAdmin {
  const client = createDocumentClient(location.endpoint, location.region);
  const directory = directoryServices(client, location.tableName, { uniqueExternalId: false, registry: schemaRegistry() });
  const summary = async (tenant: string, stored: StoredResource): Promise<UserSummary> => {
    const email = primaryEmail(stored.resource.emails);
    return {
      id: stored.id,
      userName: String(stored.resource.userName),
      ...(email ? { email } : {}),
      active: stored.resource.active === true,
      role: stored.access?.role ?? null,
      roles: stored.access?.roles ?? [],
      roleReason: stored.access?.roleReason ?? null,
      groups: (await directory.access.groupsOf(tenant, stored.id)).map(({ id, displayName }) => ({ id, displayName })),
      ...(stored.provisionedBy ? { provisionedBy: stored.provisionedBy } : {}),
      ...(stored.lastChangedBy ? { lastChangedBy: stored.lastChangedBy } : {}),
    };
  };
  const page = async <T>(found: { resources: StoredResource[]; more: boolean }, describe: (stored: StoredResource) => Promise<T>): Promise<AdminPage<T>> => ({
    items: await mapLimited(found.resources, PARALLEL_READS, describe),
    ...(found.more && found.resources.length > 0 ? { nextCursor: found.resources.at(-1)!.id } : {}),
  });
  const migrations = tableMigrations(client, location.tableName);
  return {
    settings: directory.settings,
    migrations: {
      status: async () => (await migrations.status()).map(summarized),
      run: async (options = {}) => {
        const run = await migrations.run(options);
        return { complete: run.complete, migrations: run.progress.map(summarized) };
      },
      completeNew: () => migrations.completeNew(),
    },
    seatsInUse: (tenant) => directory.users.seatsInUse(assertTenant(tenant)),
    user: async (tenant, userNameOrId) => {
      assertTenant(tenant);
      const [byName] = await directory.users.lookup(tenant, 'userName', userNameOrId);
      const stored = byName ?? (await directory.users.getMany(tenant, [userNameOrId]))[0];
      return stored && summary(tenant, stored);
    },
    users: async (tenant, query) => {
      assertTenant(tenant);
      const after = query.cursor !== undefined && couldBeId(query.cursor) ? query.cursor : undefined;
      if (!query.search) return page(await directory.users.pageAfter(tenant, after, query.limit), (stored) => summary(tenant, stored));
      const prefix = foldCase(query.search);
      const matching: StoredResource[] = [];
      await directory.users.scanAll(tenant, (batch) => {
        for (const stored of batch) if ((after === undefined || stored.id > after) && searchable(stored).some((value) => foldCase(value).startsWith(prefix))) matching.push(stored);
      });
      matching.sort((a, b) => (a.id < b.id ? -1 : 1));
      return page({ resources: matching.slice(0, query.limit), more: matching.length > query.limit }, (stored) => summary(tenant, stored));
    },
    groups: async (tenant, query) => {
      assertTenant(tenant);
      const after = query.cursor !== undefined && couldBeId(query.cursor) ? query.cursor : undefined;
      const [{ settings }, found] = await Promise.all([directory.settings.get(tenant), directory.groups.pageAfter(tenant, after, query.limit)]);
      return page(found, async (stored) => {
        const group = { id: stored.id, displayName: String(stored.resource.displayName), ...(typeof stored.resource.externalId === 'string' ? { externalId: stored.resource.externalId } : {}) };
        let members = 0;
        for await (const ids of directory.memberships.members(tenant, stored.id)) members += ids.length;
        const mapped = new Set(settings.groupRoles.filter((mapping) => mapsGroup(mapping, group, foldCase)).map((mapping) => mapping.role));
        return {
          ...group,
          members,
          roles: settings.roles.filter((role) => mapped.has(role)),
          ...(stored.provisionedBy ? { provisionedBy: stored.provisionedBy } : {}),
          ...(stored.lastChangedBy ? { lastChangedBy: stored.lastChangedBy } : {}),
        };
      });
    },
    deleteTenant: (tenant) => deleteTenantItems(client, location.tableName, tenant),
    previewSettings: async (tenant, input) => {
      const settings: TenantSettings = parseSettings(input ?? DEFAULT_SETTINGS);
      const { version } = await directory.settings.get(assertTenant(tenant));
      return directory.access.preview(tenant, settings, version + 1);
    },
    activity: (tenant, query) => directory.trail.timeline(assertTenant(tenant), query),
    close: () => client.destroy(),
  };
}

/** Users (and their group lists) read at once for a page. */
const PARALLEL_READS = 8;

/** What a user search matches a prefix against: the userName and every email. */
function searchable(stored: StoredResource): string[] {
  const emails = Array.isArray(stored.resource.emails) ? stored.resource.emails : [];
  return [String(stored.resource.userName), ...emails.flatMap((email) => (typeof email?.value === 'string' ? [email.value] : []))];
}

function primaryEmail(emails: unknown): string | undefined {
  if (!Array.isArray(emails)) return undefined;
  const values = emails.filter((email): email is { value: string; primary?: boolean } => typeof email?.value === 'string');
  return (values.find((email) => email.primary === true) ?? values[0])?.value;
}

function summarized(progress: MigrationProgress): MigrationSummary {
  const { segmentsDone, ...counts } = migrationTotals(progress);
  return {
    id: progress.id,
    from: progress.from,
    to: progress.to,
    status: progress.status,
    ...(progress.startedAt ? { startedAt: progress.startedAt } : {}),
    ...(progress.updatedAt ? { updatedAt: progress.updatedAt } : {}),
    ...(progress.finishedAt ? { finishedAt: progress.finishedAt } : {}),
    ...counts,
    segments: `${segmentsDone}/${progress.segments.length} done`,
    ...(progress.conflictKeys?.length ? { conflictKeys: progress.conflictKeys } : {}),
  };
}
