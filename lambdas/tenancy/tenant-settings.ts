import { assertTenant } from '../contracts/tenancy';
import type { SettingsStore } from './ports/settings-store';
import { DEFAULT_SETTINGS, parseSettings, SettingsConflictError, type SettingsProgress, type TenantSettings, type VersionedSettings } from '../contracts/settings';

export { SettingsConflictError } from '../contracts/settings';

/** What a settings change did: the version it replaced and the one it made. */
export interface SettingsChange {
  before: VersionedSettings;
  after: VersionedSettings;
}

/**
 * Reading and changing a tenant's settings. A change is a conditional write on the version it was
 * computed from, so two administrators saving at once never lose one another's change silently:
 * the second gets SettingsConflictError. Every version is kept.
 */
export class TenantSettingsService {
  constructor(
    private readonly store: SettingsStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** The settings in force; version 0 (the defaults) before any were saved. */
  async get(tenant: string): Promise<VersionedSettings> {
    return (await this.store.current(assertTenant(tenant))) ?? { version: 0, updatedAt: new Date(0).toISOString(), settings: DEFAULT_SETTINGS };
  }

  /**
   * Validates `input` and saves it as the next version. With `expectedVersion`, saves only if that is
   * still the version in force (what a reviewed preview was computed from); without, over whatever
   * is in force when it is read here.
   */
  async set(tenant: string, input: unknown, expectedVersion?: number): Promise<SettingsChange> {
    const settings: TenantSettings = parseSettings(input);
    const before = await this.get(tenant);
    if (expectedVersion !== undefined && before.version !== expectedVersion) throw new SettingsConflictError(tenant, expectedVersion);
    const after: VersionedSettings = { version: before.version + 1, updatedAt: new Date(this.now()).toISOString(), settings };
    if (!(await this.store.replace(tenant, after, before.version))) throw new SettingsConflictError(tenant, before.version);
    return { before, after };
  }

  /** How far the roles of the last saved version have been applied to the users. */
  async progress(tenant: string): Promise<SettingsProgress | undefined> {
    return this.store.progress(assertTenant(tenant));
  }

  /** Records a step of applying the settings (see SettingsStore.recordProgress); false when another applier moved first. */
  async recordProgress(tenant: string, progress: Omit<SettingsProgress, 'at'>, after?: SettingsProgress): Promise<boolean> {
    return this.store.recordProgress(assertTenant(tenant), { ...progress, at: new Date(this.now()).toISOString() }, after);
  }

  async history(tenant: string, limit = 20): Promise<VersionedSettings[]> {
    return this.store.history(assertTenant(tenant), limit);
  }
}
