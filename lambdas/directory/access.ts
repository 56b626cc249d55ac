import type { SettingsProgress, TenantSettings, VersionedSettings } from '../contracts/settings';
import { foldCase, type Access } from '../contracts/table-design';
import { backoff, mapLimited, quiet } from '../runtime/concurrency';
import type { MembershipStore } from './ports/membership-store';
import type { StoredResource } from './ports/resource-store';
import type { ResourceService, SeatPolicySource } from './resources';
import { effectiveRole, mapsGroup, roleAttributeValues, type GroupForRoles } from './roles';

/** Where the directory reads the tenant's settings (the tenancy domain keeps them). */
export interface SettingsSource {
  get(tenant: string): Promise<VersionedSettings>;
  progress(tenant: string): Promise<SettingsProgress | undefined>;
  /** Records a step of applying the settings; false when the record was not `after` (another applier moved first). */
  recordProgress(tenant: string, progress: Omit<SettingsProgress, 'at'>, after?: SettingsProgress): Promise<boolean>;
}

/** The seat limit and policy of a tenant, from its settings. */
export function seatPolicyOf(settings: SettingsSource): SeatPolicySource {
  return {
    seatPolicy: async (tenant) => {
      const { settings: current } = await settings.get(tenant);
      return { seatLimit: current.seatLimit, seatPolicy: current.seatPolicy };
    },
  };
}

/** A user's groups as read alongside a write of the user (AccessService.alongside). */
export interface AccessInputs {
  groupIds: Promise<string[]>;
  /** Those of them that exist (read on first call). */
  groups: () => Promise<StoredResource[]>;
}

/** Recomputations racing other writes retry on fresh reads; past this the stream's pass repeats it. */
const REFRESH_ATTEMPTS = 8;
const PARALLEL_REFRESHES = 16;
/** Users a settings change recomputes per batch: one settings read and one read of their groups each. */
const BATCH_REFRESH = 500;

/**
 * Keeps every user's stored access (role, roles, reason) equal to what the tenant's settings make
 * of the user's groups and role attribute. Each refresh reads the settings, then the user, then
 * its groups, and writes only if neither the user nor the settings changed since: a refresh that
 * read stale inputs fails and reads again, so the last write for a user is always computed from
 * inputs no older than the last change of them. Changes call it for the users they touch; the
 * table's stream calls it again for each membership change, rename and settings change (a
 * crashed request is repaired there, and work proportional to a group's size happens there).
 */
export class AccessService {
  constructor(
    private readonly users: ResourceService,
    private readonly groups: ResourceService,
    private readonly memberships: MembershipStore,
    private readonly settings: SettingsSource,
    /** Users per step of applying settings (and per batch of reads there). */
    private readonly batchSize = BATCH_REFRESH,
  ) {}

  /**
   * Recomputes the users' access; returns each user as stored afterwards (absent: deleted, or
   * unchanged while the tenant maps nothing). `current`: the settings as the caller read them
   * after the change that calls for the refresh, which serves as each user's first read.
   */
  async refresh(tenant: string, userIds: string[], current?: VersionedSettings): Promise<Map<string, StoredResource>> {
    const first = current ?? (await this.settings.get(tenant));
    // Access exists only once settings were saved; saving them refreshes everyone.
    if (first.version === 0) return new Map();
    const refreshed = await mapLimited([...new Set(userIds)], PARALLEL_REFRESHES, async (userId) => [userId, await this.refreshOne(tenant, userId, first)] as const);
    return new Map(refreshed.filter((entry): entry is readonly [string, StoredResource] => entry[1] !== undefined));
  }

  /**
   * After members of a group changed: only a group the settings map can change anyone's role.
   * `versions` are the group before and after the request (a PUT or PATCH may rename it too): a
   * member removed from a group that was mapped under its old name loses that role.
   */
  async refreshMembersChanged(tenant: string, versions: StoredResource[], userIds: string[], settings?: Promise<VersionedSettings>): Promise<void> {
    if (userIds.length === 0) return;
    const current = await (settings ?? this.settings.get(tenant));
    if (mapsAny(current.settings, versions)) await this.refresh(tenant, userIds, current);
  }

  /**
   * For a write of a user that carries its access: starts reading what the access is computed
   * from (the settings, the user's groups and those groups) alongside the read of the user, and
   * computes it for the user as it will be written. Parallel reads have no order, so settings read
   * before a save and a user read after the save's pass recomputed it would write an access older
   * than the one stored: 'stale' then, and the write reads again. Otherwise the write's condition on
   * the user's version orders it with the pass, which recomputes any user it finds changed.
   */
  alongside(
    tenant: string,
    userId: string,
    showGroups: boolean,
  ): { inputs: AccessInputs; derive: (current: StoredResource, next: StoredResource) => Promise<Access | undefined | 'stale'> } {
    const settings = quiet(this.settings.get(tenant));
    const groupIds = quiet(this.memberships.groupsOf(tenant, userId));
    // The groups themselves only when shown (read at once) or mapped to roles (read once that is known).
    let read: Promise<StoredResource[]> | undefined;
    const groups = () => (read ??= quiet(groupIds.then((ids) => this.groups.getMany(tenant, ids))));
    if (showGroups) groups();
    return {
      inputs: { groupIds, groups },
      derive: async (current, next) => {
        const { version, settings: mapped } = await settings;
        if ((current.access?.settingsVersion ?? 0) > version) return 'stale';
        if (version === 0) return undefined;
        return accessOf(mapped, version, next, mapped.groupRoles.length > 0 ? (await groups()).map(forRoles) : []);
      },
    };
  }

  /**
   * A user just created: nobody can have added it to a group yet, so its access follows from the
   * settings and its attributes alone. Read after the create, the settings are at least as new
   * as any pass of applying them that could have missed the user.
   */
  async refreshCreated(tenant: string, created: StoredResource): Promise<StoredResource> {
    const { version, settings } = await this.settings.get(tenant);
    if (version === 0) return created;
    const access = accessOf(settings, version, created, []);
    const lastModified = new Date().toISOString();
    if (await this.users.setAccess(tenant, created.id, access, created.version, lastModified)) return { ...created, access, version: created.version + 1, lastModified };
    return (await this.refresh(tenant, [created.id])).get(created.id) ?? created;
  }

  /** The settings in force, read alongside a change that may need them. */
  settingsOf(tenant: string): Promise<VersionedSettings> {
    return this.settings.get(tenant);
  }

  /** After a group's name or externalId changed, or it was deleted: every member, a page at a time. */
  async refreshMembersOf(tenant: string, groupId: string): Promise<void> {
    for await (const page of this.memberships.members(tenant, groupId)) await this.refresh(tenant, page);
  }

  /**
   * One step of applying the settings in force to every user, in id order, BATCH_REFRESH users a
   * step: called when settings are saved and again for each step recorded, each call does one
   * step and records it, and the record hands the next step to the stream. So no run has to
   * finish a tenant of any size, a failed step is simply retried, and a newer version restarts
   * from the first user. The record of a step is written only over the record it follows, so
   * two appliers of the same version never both advance. Returns the users it applied.
   */
  async applySettings(tenant: string): Promise<number> {
    const { version } = await this.settings.get(tenant);
    if (version === 0) return 0;
    const progress = await this.settings.progress(tenant);
    if (!progress || progress.version < version) {
      await this.settings.recordProgress(tenant, { version, done: 0, total: await this.users.count(tenant), finished: false });
      return 0;
    }
    if (progress.version > version || progress.finished) return 0;
    const page = await this.users.pageAfter(tenant, progress.afterId, this.batchSize);
    await this.refreshBatch(tenant, page.resources);
    const last = page.resources.at(-1)?.id ?? progress.afterId;
    const next = { version, done: progress.done + page.resources.length, total: progress.total, finished: !page.more, ...(last ? { afterId: last } : {}) };
    await this.settings.recordProgress(tenant, { ...next, total: Math.max(next.total, next.done) }, progress);
    return page.resources.length;
  }

  /**
   * Users as a scan read them: the settings read once, each group once, a write only where the
   * access changes. The write is conditional like any other, and a user whose write is refused
   * (changed since the scan) is refreshed alone.
   */
  private async refreshBatch(tenant: string, users: StoredResource[]): Promise<void> {
    const { version: settingsVersion, settings } = await this.settings.get(tenant);
    if (settingsVersion === 0) return;
    const groupIds = new Map(
      await mapLimited(users, PARALLEL_REFRESHES, async (user) => [user.id, settings.groupRoles.length > 0 ? await this.memberships.groupsOf(tenant, user.id) : []] as const),
    );
    const groups = new Map((await this.groups.getMany(tenant, [...new Set([...groupIds.values()].flat())])).map((group) => [group.id, forRoles(group)]));
    const refused: string[] = [];
    await mapLimited(users, PARALLEL_REFRESHES, async (user) => {
      const userGroups = (groupIds.get(user.id) ?? []).flatMap((id) => groups.get(id) ?? []);
      const access = accessOf(settings, settingsVersion, user, userGroups);
      if (sameAccess(user.access, access)) return;
      if (!(await this.users.setAccess(tenant, user.id, access, user.version, new Date().toISOString()))) refused.push(user.id);
    });
    if (refused.length > 0) await this.refresh(tenant, refused);
  }

  /**
   * What other settings would do: how many users would move from which role to which, computed
   * from the stored directory without writing anything (shown before a change is applied).
   */
  async preview(tenant: string, settings: TenantSettings, settingsVersion: number): Promise<Array<{ from: string | null; to: string | null; users: number }>> {
    const users: StoredResource[] = [];
    await this.users.scanAll(tenant, (batch) => users.push(...batch));
    const moves = new Map<string, { from: string | null; to: string | null; users: number }>();
    await mapLimited(users, PARALLEL_REFRESHES, async (user) => {
      const next = await this.compute(tenant, user, settings, settingsVersion);
      const [from, to] = [user.access?.role ?? null, next?.role ?? null];
      if (from === to) return;
      const key = JSON.stringify([from, to]);
      const move = moves.get(key) ?? { from, to, users: 0 };
      move.users += 1;
      moves.set(key, move);
    });
    return [...moves.values()].sort((a, b) => b.users - a.users);
  }

  /** A user's groups as role mapping sees them. */
  async groupsOf(tenant: string, userId: string): Promise<GroupForRoles[]> {
    return (await this.groups.getMany(tenant, await this.memberships.groupsOf(tenant, userId))).map(forRoles);
  }

  /** Whether a change of this group (rename, delete) can change its members' roles. */
  async groupMatters(tenant: string, ...versions: StoredResource[]): Promise<boolean> {
    return mapsAny((await this.settings.get(tenant)).settings, versions);
  }

  private async refreshOne(tenant: string, userId: string, first: VersionedSettings): Promise<StoredResource | undefined> {
    for (let attempt = 1; ; attempt++) {
      // Read fresh on every retry: deciding that nothing changed is only as good as the settings it was decided under.
      const { version: settingsVersion, settings } = attempt === 1 ? first : await this.settings.get(tenant);
      const [user] = await this.users.getMany(tenant, [userId]);
      if (!user) return undefined;
      const access = await this.compute(tenant, user, settings, settingsVersion);
      if (!access || sameAccess(user.access, access)) return user;
      const lastModified = new Date().toISOString();
      if (await this.users.setAccess(tenant, userId, access, user.version, lastModified)) {
        return { ...user, access, version: user.version + 1, lastModified };
      }
      if (attempt >= REFRESH_ATTEMPTS) return user;
      await backoff(attempt, 10, 300);
    }
  }

  private async compute(tenant: string, user: StoredResource, settings: TenantSettings, settingsVersion: number): Promise<Access | undefined> {
    // A tenant that never mapped anything gives no access information at all.
    if (settingsVersion === 0) return undefined;
    const groups = settings.groupRoles.length > 0 ? await this.groupsOf(tenant, user.id) : [];
    return accessOf(settings, settingsVersion, user, groups);
  }
}

function accessOf(settings: TenantSettings, settingsVersion: number, user: StoredResource, groups: GroupForRoles[]): Access {
  const role = effectiveRole(settings, { attribute: roleAttributeValues(user.resource, settings.roleAttribute), groups }, foldCase);
  return { ...role, settingsVersion };
}

function forRoles(group: StoredResource): GroupForRoles {
  return {
    id: group.id,
    displayName: String(group.resource.displayName ?? ''),
    externalId: typeof group.resource.externalId === 'string' ? group.resource.externalId : undefined,
  };
}

/** Whether the settings map any of these versions of a group. */
function mapsAny(settings: TenantSettings, versions: StoredResource[]): boolean {
  return versions.some((group) => settings.groupRoles.some((mapping) => mapsGroup(mapping, forRoles(group), foldCase)));
}

/** Field by field: a map read back from DynamoDB need not keep its keys' order. */
function sameAccess(stored: Access | undefined, computed: Access | undefined): boolean {
  if (!stored || !computed) return stored === computed;
  const reason = (access: Access) => {
    const why = access.roleReason;
    return why.source === 'group' ? `group:${why.group.id}:${why.group.displayName}` : why.source === 'attribute' ? `attribute:${why.attribute}` : 'default';
  };
  return (
    stored.role === computed.role &&
    stored.settingsVersion === computed.settingsVersion &&
    stored.roles.join('\n') === computed.roles.join('\n') &&
    reason(stored) === reason(computed)
  );
}
