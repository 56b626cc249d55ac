import { createDocumentClient } from '../store/dynamo-client';
import { assertTenant } from '../contracts/tenancy';
import { DynamoResourceStore } from '../store/dynamo-resource-store';
import { DynamoSettingsStore } from '../store/dynamo-settings-store';
import { TenantSettingsService } from '../tenancy/tenant-settings';

export { SettingsError, type TenantSettings, type VersionedSettings } from '../contracts/settings';
export { SettingsConflictError, type SettingsChange } from '../tenancy/tenant-settings';

/** Where the directory's table is: the embedded store at `endpoint`, or a deployed stack's table in `region`. */
export interface TableLocation {
  tableName: string;
  endpoint?: string;
  region?: string;
}

/** What the admin library does on the directory's table; `close` ends its connections. */
export interface TableAdmin {
  settings: TenantSettingsService;
  /** Active users of a tenant: the seats in use. */
  seatsInUse(tenant: string): Promise<number>;
  close(): void;
}

export function tableAdmin(location: TableLocation, now: () => number = Date.now): TableAdmin {
  const client = createDocumentClient(location.endpoint, location.region);
  const resources = new DynamoResourceStore(client, location.tableName);
  return {
    settings: new TenantSettingsService(new DynamoSettingsStore(client, location.tableName), now),
    seatsInUse: (tenant) => resources.seatsInUse(assertTenant(tenant)),
    close: () => client.destroy(),
  };
}
