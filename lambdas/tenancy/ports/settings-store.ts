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
  /**
   * Records a step of applying a version: the first step of a version only over an older
   * version's record; a later one only over the step it follows (`after`), so two appliers of
   * one version never both advance. False when the record was not the expected one.
   */
  recordProgress(tenant: string, progress: SettingsProgress, after?: SettingsProgress): Promise<boolean>;
  progress(tenant: string): Promise<SettingsProgress | undefined>;
}
