import { DEFAULT_SETTINGS, parseSettings, type TenantSettings } from '../contracts/settings';
import type { Access, Provenance } from '../contracts/table-design';
import { assertTenant } from '../contracts/tenancy';
import { schemaRegistry } from '../scim/extensions';
import { createDocumentClient } from '../store/dynamo-client';
import type { TenantSettingsService } from '../tenancy/tenant-settings';
import { directoryServices } from '../wiring/dependencies';
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
  active: boolean;
  role: string | null;
  roles: string[];
  roleReason: Access['roleReason'] | null;
  groups: Array<{ id: string; displayName: string }>;
  provisionedBy?: Provenance;
  lastChangedBy?: Provenance;
}

/** Users moving from one role to another under settings not yet in force. */
export interface RoleMove {
  from: string | null;
  to: string | null;
  users: number;
}

/** What the admin library does on the directory's table; `close` ends its connections. */
export interface TableAdmin {
  settings: TenantSettingsService;
  /** Active users of a tenant: the seats in use. */
  seatsInUse(tenant: string): Promise<number>;
  /** A user by userName (any case) or id; undefined when there is none. */
  user(tenant: string, userNameOrId: string): Promise<UserSummary | undefined>;
  /** Who would change role if `input` were the tenant's settings (validated as `settings set` does). */
  previewSettings(tenant: string, input: unknown): Promise<RoleMove[]>;
  /** A user's or group's activity (by any name it held, or its id), or the tenant's own: the most recent `limit` entries, oldest first. */
  activity(tenant: string, query: TimelineQuery): Promise<ActivityEntry[]>;
  close(): void;
}

export function tableAdmin(location: TableLocation): TableAdmin {
  const client = createDocumentClient(location.endpoint, location.region);
  const directory = directoryServices(client, location.tableName, { uniqueExternalId: false, registry: schemaRegistry() });
  return {
    settings: directory.settings,
    seatsInUse: (tenant) => directory.users.seatsInUse(assertTenant(tenant)),
    user: async (tenant, userNameOrId) => {
      assertTenant(tenant);
      const [byName] = await directory.users.lookup(tenant, 'userName', userNameOrId);
      const stored = byName ?? (await directory.users.getMany(tenant, [userNameOrId]))[0];
      if (!stored) return undefined;
      return {
        id: stored.id,
        userName: String(stored.resource.userName),
        active: stored.resource.active === true,
        role: stored.access?.role ?? null,
        roles: stored.access?.roles ?? [],
        roleReason: stored.access?.roleReason ?? null,
        groups: (await directory.access.groupsOf(tenant, stored.id)).map(({ id, displayName }) => ({ id, displayName })),
        ...(stored.provisionedBy ? { provisionedBy: stored.provisionedBy } : {}),
        ...(stored.lastChangedBy ? { lastChangedBy: stored.lastChangedBy } : {}),
      };
    },
    previewSettings: async (tenant, input) => {
      const settings: TenantSettings = parseSettings(input ?? DEFAULT_SETTINGS);
      const { version } = await directory.settings.get(assertTenant(tenant));
      return directory.access.preview(tenant, settings, version + 1);
    },
    activity: (tenant, query) => directory.trail.timeline(assertTenant(tenant), query),
    close: () => client.destroy(),
  };
}
