import type { SettingsProgress, VersionedSettings } from '../../contracts/settings';

/** Where tenants' settings are kept: the directory's table in AWS and locally. */
export interface SettingsStore {
  /** The tenant's settings now; undefined before the first are saved. */
  current(tenant: string): Promise<VersionedSettings | undefined>;
  /**
   * Saves `next` if the tenant's current version is still `expectedVersion` (0: none saved yet),
   * keeping `next` among the tenant's versions as well; false when another change came first.
   */
  replace(tenant: string, next: VersionedSettings, expectedVersion: number): Promise<boolean>;
  /** Saved versions, newest first. */
  history(tenant: string, limit: number): Promise<VersionedSettings[]>;
  /** Records how far a version has been applied; a record of an older version never replaces a newer one's. */
  recordProgress(tenant: string, progress: SettingsProgress): Promise<void>;
  progress(tenant: string): Promise<SettingsProgress | undefined>;
}
