import * as z from 'zod/mini';
import { adminRoutes, type AdminRouteName } from '../contracts/admin-routes';
import { validate } from '../scim/validation';
import { SettingsError } from '../contracts/settings';
import { SettingsConflictError } from '../tenancy/tenant-settings';
import { TenantAdminError, type TenantAdmin, type TenantAdminRefusal } from '../tenancy/tenants';
import type { TableAdmin } from './table-admin';

/**
 * The admin API: every route of adminRoutes over the admin library, JSON in and out. The stack's
 * handler (IAM-authorised) and the local console (its per-start secret) call it; no SCIM bearer
 * token is ever looked at here: whoever reaches it is the operator.
 */

/** What GET /connection answers: where IdPs are pointed, and which deployment this is. */
export interface AdminConnection {
  scimBaseUrl: string | null;
  /** `stack <name>` or `data directory <dir>`. */
  target: string;
}

export interface AdminApiDependencies {
  tenants: TenantAdmin;
  /** The directory's table, opened on first use. */
  table(): Promise<TableAdmin>;
  connection(): Promise<AdminConnection>;
  /** Told of defects (answered 500) so that the caller logs them; never of request bodies. */
  onDefect?(error: unknown, route: AdminRouteName): void;
}

export interface AdminRequest {
  method: string;
  /** Relative to ADMIN_BASE_PATH, e.g. `/tenants/acme/users`. */
  path: string;
  query?: Record<string, string | undefined>;
  /** Parsed JSON, or the raw text of it. */
  body?: unknown;
}

export interface AdminResponse {
  status: number;
  body: unknown;
}

export const ADMIN_ERROR_CODES = ['invalid_request', 'invalid_settings', 'not_found', 'exists', 'conflict', 'version_conflict', 'method_not_allowed', 'internal'] as const;
export type AdminErrorCode = (typeof ADMIN_ERROR_CODES)[number];

export function adminError(status: number, code: AdminErrorCode, message: string, extra: Record<string, unknown> = {}): AdminResponse {
  return { status, body: { error: { code, message, ...extra } } };
}

/** A request the API refuses with a 4xx, from wherever it is found. */
class Refused extends Error {
  constructor(readonly response: AdminResponse) {
    super('refused');
  }
}

const PAGE_LIMIT_DEFAULT = 50;
const limitParameter = (max: number, fallback: number) => z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(max)), fallback);
const pageQuery = z.object({ cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(256))), limit: limitParameter(200, PAGE_LIMIT_DEFAULT) });

/** What the routes parse from their body and query; exported so that the OpenAPI document is built from them. */
export const adminRequestSchemas = {
  createTenant: z.strictObject({ name: z.string() }),
  deleteTenantQuery: z.object({ force: z.optional(z.enum(['true', 'false'])) }),
  putSettings: z.strictObject({ settings: z.unknown(), expectedVersion: z.number().check(z.int(), z.minimum(0)) }),
  listUsersQuery: z.extend(pageQuery, { search: z.optional(z.string().check(z.trim(), z.maxLength(256))) }),
  listGroupsQuery: pageQuery,
  activityQuery: z
    .object({
      user: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
      group: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
      since: z.optional(z.iso.datetime({ offset: true })),
      limit: limitParameter(1_000, 100),
      type: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    })
    .check(z.refine((query) => query.user === undefined || query.group === undefined, 'give user or group, not both')),
};

function parse<T extends z.ZodMiniType>(schema: T, input: unknown, what: string): z.output<T> {
  const parsed = validate(schema, input ?? {});
  if (!parsed.success) throw new Refused(adminError(400, 'invalid_request', `Invalid ${what}: ${z.prettifyError(parsed.error)}`));
  return parsed.data;
}

type Params = Record<string, string>;
type Handler = (context: { params: Params; query: Record<string, string | undefined>; body: unknown }) => Promise<AdminResponse>;

const ok = (body: unknown, status = 200): AdminResponse => ({ status, body });

/** The route table compiled: each spec's path as a pattern whose groups are its `{params}`. */
const compiled = (Object.entries(adminRoutes) as Array<[AdminRouteName, string]>).map(([name, spec]) => {
  const [method, path] = spec.split(' ');
  const names = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
  const pattern = new RegExp(`^${path.replace(/\{\w+\}/g, '([^/]+)')}/?$`);
  return { name, method, pattern, names };
});

/** The admin API as one function: what the Lambda, the console and the tests call. */
export type AdminApi = (request: AdminRequest) => Promise<AdminResponse>;

export function adminApi(dependencies: AdminApiDependencies): AdminApi {
  const { tenants } = dependencies;
  /** The tenant a route names, known to exist: every tenant route answers 404 for an unknown one. */
  const existing = async (params: Params) => {
    await tenants.status(params.tenant);
    return params.tenant;
  };
  const onTable = async (params: Params) => {
    const tenant = await existing(params);
    return { tenant, table: await dependencies.table() };
  };

  const handlers: Record<AdminRouteName, Handler> = {
    connection: async () => ok(await dependencies.connection()),
    listTenants: async () => ok({ tenants: await tenants.list() }),
    createTenant: async ({ body }) => {
      const { name } = parse(adminRequestSchemas.createTenant, body, 'tenant');
      const token = await tenants.create(name);
      return ok({ tenant: await tenants.status(name), token, shownOnce: true }, 201);
    },
    getTenant: async ({ params }) => ok(await tenants.status(params.tenant)),
    deleteTenant: async ({ params, query }) => {
      const { force } = parse(adminRequestSchemas.deleteTenantQuery, query, 'query');
      // The secret first: once it is gone the tenant's IdP is refused, and the directory can follow.
      await tenants.delete(params.tenant, { force: force === 'true' });
      const items = await (await dependencies.table()).deleteTenant(params.tenant);
      return ok({ tenant: params.tenant, deleted: { secret: true, items } });
    },
    disableTenant: async ({ params }) => {
      await tenants.setDisabled(params.tenant, true);
      return ok(await tenants.status(params.tenant));
    },
    enableTenant: async ({ params }) => {
      await tenants.setDisabled(params.tenant, false);
      return ok(await tenants.status(params.tenant));
    },
    rotateToken: async ({ params }) => {
      const token = await tenants.rotate(params.tenant);
      return ok({ tenant: await tenants.status(params.tenant), token, shownOnce: true });
    },
    revokeToken: async ({ params }) => {
      const revoked = await tenants.revoke(params.tenant);
      return ok({ revoked, tenant: await tenants.status(params.tenant) });
    },
    getSettings: async ({ params }) => {
      const { tenant, table } = await onTable(params);
      const [current, progress] = await Promise.all([table.settings.get(tenant), table.settings.progress(tenant)]);
      return ok({ ...current, progress: progress ?? null });
    },
    putSettings: async ({ params, body }) => {
      const { tenant, table } = await onTable(params);
      const { settings, expectedVersion } = parse(adminRequestSchemas.putSettings, body, 'settings request');
      // Computed from the stored directory before saving, so it says what the new settings change.
      const changes = await table.previewSettings(tenant, settings);
      const { after } = await table.settings.set(tenant, settings, expectedVersion);
      return ok({ ...after, changes });
    },
    previewSettings: async ({ params, body }) => {
      const { tenant, table } = await onTable(params);
      return ok({ changes: await table.previewSettings(tenant, body ?? {}) });
    },
    seats: async ({ params }) => {
      const { tenant, table } = await onTable(params);
      const [used, { settings }] = await Promise.all([table.seatsInUse(tenant), table.settings.get(tenant)]);
      return ok({ tenant, used, limit: settings.seatLimit, policy: settings.seatPolicy });
    },
    listUsers: async ({ params, query }) => {
      const page = parse(adminRequestSchemas.listUsersQuery, query, 'query');
      const { tenant, table } = await onTable(params);
      const { items, nextCursor } = await table.users(tenant, { ...page, search: page.search || undefined });
      return ok({ users: items, ...(nextCursor ? { nextCursor } : {}) });
    },
    getUser: async ({ params }) => {
      const { tenant, table } = await onTable(params);
      const user = await table.user(tenant, params.user);
      return user ? ok(user) : adminError(404, 'not_found', `Tenant "${tenant}" has no user "${params.user}".`);
    },
    listGroups: async ({ params, query }) => {
      const page = parse(adminRequestSchemas.listGroupsQuery, query, 'query');
      const { tenant, table } = await onTable(params);
      const { items, nextCursor } = await table.groups(tenant, page);
      return ok({ groups: items, ...(nextCursor ? { nextCursor } : {}) });
    },
    activity: async ({ params, query }) => {
      const { type, since, ...filters } = parse(adminRequestSchemas.activityQuery, query, 'query');
      const { tenant, table } = await onTable(params);
      const entries = await table.activity(tenant, { ...filters, since: since === undefined ? undefined : new Date(since).toISOString() });
      return ok({ entries: type === undefined ? entries : entries.filter((entry) => entry.type === type || entry.type.startsWith(`${type}.`)) });
    },
  };

  return async (request) => {
    const candidates = compiled.flatMap((route) => {
      const match = route.pattern.exec(request.path);
      return match ? [{ route, params: Object.fromEntries(route.names.map((name, index) => [name, decodeURIComponent(match[index + 1])])) }] : [];
    });
    if (candidates.length === 0) return adminError(404, 'not_found', `No admin route ${request.method} ${request.path}.`);
    const found = candidates.find(({ route }) => route.method === request.method.toUpperCase());
    if (!found) return adminError(405, 'method_not_allowed', `${request.path} answers ${candidates.map(({ route }) => route.method).join(', ')}.`);
    try {
      const body = parseBody(request.body);
      return await handlers[found.route.name]({ params: found.params, query: request.query ?? {}, body });
    } catch (error) {
      return refusal(error) ?? defect(error, found.route.name, dependencies);
    }
  };
}

function parseBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body);
  } catch {
    throw new Refused(adminError(400, 'invalid_request', 'The request body is not JSON.'));
  }
}

const refusalStatus: Record<TenantAdminRefusal, [number, AdminErrorCode]> = {
  invalid: [400, 'invalid_request'],
  not_found: [404, 'not_found'],
  exists: [409, 'exists'],
  conflict: [409, 'conflict'],
};

function refusal(error: unknown): AdminResponse | undefined {
  if (error instanceof Refused) return error.response;
  if (error instanceof TenantAdminError) return adminError(...refusalStatus[error.reason], error.message);
  if (error instanceof SettingsError) return adminError(400, 'invalid_settings', `The settings were not saved: ${error.problems.join('; ')}`, { problems: error.problems });
  if (error instanceof SettingsConflictError) return adminError(409, 'version_conflict', error.message);
  return undefined;
}

function defect(error: unknown, route: AdminRouteName, dependencies: AdminApiDependencies): AdminResponse {
  dependencies.onDefect?.(error, route);
  return adminError(500, 'internal', 'The admin API failed; its log says why.');
}
