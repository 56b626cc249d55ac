/**
 * PLACEHOLDER, to be replaced by the real implementation in the merge of issue 13: it is built in
 * parallel on another branch, against these same types. Until then every route answers 501, so the
 * deployed admin API (lib/admin-api.ts, lambdas/admin-api/handler.ts) can be built and tested.
 */
import type { TableAdmin } from './table-admin';
import type { TenantAdmin } from './tenant-admin';

/** One request to the admin API, whoever carries it (API Gateway, the local server). */
export interface AdminRequest {
  method: string;
  /** Relative to ADMIN_BASE_PATH, e.g. `/tenants/acme/users/jane%40example.com`: each segment percent-encoded, as in a URL. */
  path: string;
  query: Record<string, string | undefined>;
  /** The parsed JSON body; undefined when there is none. */
  body: unknown;
}

/** The answer; the carrier sends `body` as JSON. */
export interface AdminResponse {
  status: number;
  body: unknown;
}

/** What the deployment the admin API acts on is called, for `GET /connection`. */
export interface AdminConnection {
  /** What IdPs are given: `https://…/{stage}/scim/v2`. */
  scimBaseUrl: string;
  /** Tenants' token secrets are `{prefix}/tenants/{tenant}/token`. */
  tenantSecretPrefix: string;
  tableName: string;
  region?: string;
}

export interface AdminApiDependencies {
  tenants: TenantAdmin;
  table: TableAdmin;
  connection: AdminConnection;
}

export type AdminApi = (request: AdminRequest) => Promise<AdminResponse>;

export function adminApi(_dependencies: AdminApiDependencies): AdminApi {
  return async () => ({ status: 501, body: { error: { code: 'not_implemented', message: 'The admin API is not implemented in this build.' } } });
}
