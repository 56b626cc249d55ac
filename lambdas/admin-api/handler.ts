import { adminApi } from '../admin/admin-api';
import { adminGatewayHandler } from '../admin/admin-gateway';
import { tableAdmin } from '../admin/table-admin';
import { prefixTenantAdmin } from '../admin/tenant-admin';
import { loadAdminConfig } from '../wiring/config';
import { logger } from '../runtime/logger';

const config = loadAdminConfig();
// Lambda sets AWS_REGION; it is the runtime's, not one the stack passes.
const region = process.env.AWS_REGION;
const table = tableAdmin({ tableName: config.TABLE_NAME, region });

export const handler = adminGatewayHandler(
  adminApi({
    tenants: prefixTenantAdmin(config.TENANT_SECRET_PREFIX, { region, rotationTimeoutMs: 20_000 }),
    table: async () => table,
    connection: async () => ({ scimBaseUrl: config.SCIM_BASE_URL, target: `table ${config.TABLE_NAME}` }),
    onDefect: (error, route) => logger.error('admin request failed', { route, error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) }),
  }),
  {
    log: (line) => logger.info('admin request', { ...line }),
    error: (message, error) => logger.error(message, error as Error),
  },
);
