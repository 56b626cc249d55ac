/**
 * The admin API's route table: what the SaaS team's backend calls (with AWS IAM, SigV4) to build
 * its own "SSO & Provisioning" page, what the console calls locally, and what the CLI does.
 * The stack builds API Gateway resources from it, the OpenAPI document is checked against it,
 * and the implementation must answer exactly these routes.
 */

export const ADMIN_BASE_PATH = '/admin/v1';

export type AdminMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** `METHOD /path/{param}`, relative to ADMIN_BASE_PATH. */
export type AdminRouteSpec = `${AdminMethod} /${string}`;

export const adminRoutes = {
  /** The SCIM base URL IdPs are given, and the deployment's names. */
  connection: 'GET /connection',
  listTenants: 'GET /tenants',
  /** Body `{ "name": "acme" }`; answers the first token, shown once. */
  createTenant: 'POST /tenants',
  getTenant: 'GET /tenants/{tenant}',
  /** `?force=true` is needed for the default tenant; deletes its secret and its directory. */
  deleteTenant: 'DELETE /tenants/{tenant}',
  disableTenant: 'POST /tenants/{tenant}/disable',
  enableTenant: 'POST /tenants/{tenant}/enable',
  /** Answers the new token, shown once; the previous one works for the overlap. */
  rotateToken: 'POST /tenants/{tenant}/token/rotate',
  /** Ends the overlap now. */
  revokeToken: 'POST /tenants/{tenant}/token/revoke',
  getSettings: 'GET /tenants/{tenant}/settings',
  /** Body: the settings document and `expectedVersion`; answers the new version and who changes role. */
  putSettings: 'PUT /tenants/{tenant}/settings',
  /** Body: a settings document; answers who would change role, saving nothing. */
  previewSettings: 'POST /tenants/{tenant}/settings/preview',
  seats: 'GET /tenants/{tenant}/seats',
  /** `?search=<userName or email prefix>&cursor=…&limit=…` */
  listUsers: 'GET /tenants/{tenant}/users',
  /** `{user}` is a userName or an id. */
  getUser: 'GET /tenants/{tenant}/users/{user}',
  /** `?cursor=…&limit=…`; each group with its member count and the role it maps to. */
  listGroups: 'GET /tenants/{tenant}/groups',
  /** `?user=…|group=…&since=…&limit=…&type=…` */
  activity: 'GET /tenants/{tenant}/activity',
} as const satisfies Record<string, AdminRouteSpec>;

export type AdminRouteName = keyof typeof adminRoutes;

/** What the admin API's handler is built from (lambdas/admin-api/handler.ts) and the stack deploys. */
export const adminFunction = { entry: 'lambdas/admin-api/handler.ts' } as const;
