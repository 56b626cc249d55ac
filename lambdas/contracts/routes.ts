/**
 * The one route table. The CDK stack builds API Gateway resources from it, the local
 * server dispatches with it, and each handler must implement exactly its routes.
 */
import { directoryStreamFilter, eventStreamFilter, type ResourceTypeName } from './table-design';

export const SCIM_BASE_PATH = '/scim/v2';

/** RFC 7644 §3.1: the media type of every SCIM request and response body. */
export const SCIM_CONTENT_TYPE = 'application/scim+json';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** `METHOD /Path/{param}`, relative to SCIM_BASE_PATH. */
export type RouteSpec = `${HttpMethod} /${string}`;

export interface FunctionSpec {
  /** Source of the Lambda entry point, relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly routes: Readonly<Record<string, RouteSpec>>;
  /** The resource type its routes serve, when they serve one. */
  readonly resourceType?: ResourceTypeName;
}

export const scimFunctions = {
  users: {
    entry: 'lambdas/users/handler.ts',
    resourceType: 'User',
    routes: {
      list: 'GET /Users',
      search: 'POST /Users/.search',
      create: 'POST /Users',
      get: 'GET /Users/{id}',
      replace: 'PUT /Users/{id}',
      patch: 'PATCH /Users/{id}',
      delete: 'DELETE /Users/{id}',
    },
  },
  groups: {
    entry: 'lambdas/groups/handler.ts',
    resourceType: 'Group',
    routes: {
      list: 'GET /Groups',
      search: 'POST /Groups/.search',
      create: 'POST /Groups',
      get: 'GET /Groups/{id}',
      replace: 'PUT /Groups/{id}',
      patch: 'PATCH /Groups/{id}',
      delete: 'DELETE /Groups/{id}',
    },
  },
  /** Requests that span resource types: RFC 7644 §3.4.3 (root search) and §3.7 (bulk). */
  bulk: {
    entry: 'lambdas/bulk/handler.ts',
    routes: {
      search: 'POST /.search',
      bulk: 'POST /Bulk',
    },
  },
  discovery: {
    entry: 'lambdas/discovery/handler.ts',
    routes: {
      serviceProviderConfig: 'GET /ServiceProviderConfig',
      resourceTypes: 'GET /ResourceTypes',
      resourceType: 'GET /ResourceTypes/{id}',
      schemas: 'GET /Schemas',
      schema: 'GET /Schemas/{id}',
    },
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof scimFunctions;

/** Functions fed by the table's stream (Lambda event source mapping in AWS, a poller locally). */
export const streamFunctions = {
  cleanup: { entry: 'lambdas/cleanup/handler.ts', filter: directoryStreamFilter },
  /** Provisioning events on EventBridge and the activity trail. */
  events: { entry: 'lambdas/events/handler.ts', filter: eventStreamFilter },
} as const;

/**
 * Functions API Gateway runs before a SCIM function: the bearer token's Lambda authorizer, whose
 * answer API Gateway caches per Authorization header, so the SCIM functions never run for a
 * request without a valid token.
 */
export const gatewayFunctions = {
  authorizer: { entry: 'lambdas/authorizer/handler.ts' },
} as const;

/** Functions of the tenants' tokens: Secrets Manager's rotation, and the scheduled expiry report. */
export const tokenFunctions = {
  rotation: { entry: 'lambdas/rotation/handler.ts' },
  tokenExpiry: { entry: 'lambdas/token-expiry/handler.ts' },
} as const;

/** The table's format migrations, started by the deployment and continued by EventBridge (lib/table-migrations.ts). */
export const migrationFunctions = {
  migrations: { entry: 'lambdas/migrations/handler.ts' },
} as const;

export interface ParsedRoute {
  method: HttpMethod;
  /** Relative to SCIM_BASE_PATH, with `{param}` placeholders. */
  path: string;
}

export function parseRoute(spec: RouteSpec): ParsedRoute {
  const space = spec.indexOf(' ');
  return { method: spec.slice(0, space) as HttpMethod, path: spec.slice(space + 1) };
}

/**
 * Paths relative to SCIM_BASE_PATH a route answers on. RFC 7644 §3.2 names the endpoints
 * /Users and /Groups; Microsoft's SCIM reference code and its test collection call /users, and
 * API Gateway matches paths case-sensitively, so the resource endpoints answer in lower case too.
 */
export function routePaths(path: string): string[] {
  const endpoint = ['/Users', '/Groups'].find((candidate) => path === candidate || path.startsWith(`${candidate}/`));
  return endpoint ? [path, endpoint.toLowerCase() + path.slice(endpoint.length)] : [path];
}

/** Every route of every function, as API Gateway's `resource` (the full path template), aliases included. */
export function allRoutes(): Array<ParsedRoute & { function: FunctionName; name: string; resource: string; alias: boolean }> {
  return (Object.keys(scimFunctions) as FunctionName[]).flatMap((fn) =>
    Object.entries(scimFunctions[fn].routes as Record<string, RouteSpec>).flatMap(([name, spec]) => {
      const route = parseRoute(spec);
      return routePaths(route.path).map((path) => ({ ...route, path, function: fn, name, resource: SCIM_BASE_PATH + path, alias: path !== route.path }));
    }),
  );
}

/** What a request does, in the route table's words. */
export interface Operation {
  /** `{function}.{route}`: `users.create`, `groups.patch`, `bulk.bulk`. */
  readonly name: string;
  readonly resourceType?: ResourceTypeName;
}

let operations: Map<string, Operation> | undefined;

/**
 * The operation a method on an API Gateway resource (`/scim/v2/Users/{id}`, aliases included)
 * runs; undefined for a method no route has (answered 405).
 */
export function operationOf(method: string, resource: string): Operation | undefined {
  operations ??= new Map(
    allRoutes().map((route) => {
      const resourceType = (scimFunctions[route.function] as FunctionSpec).resourceType;
      return [`${route.method} ${route.resource}`, { name: `${route.function}.${route.name}`, ...(resourceType ? { resourceType } : {}) }];
    }),
  );
  return operations.get(`${method} ${resource}`);
}

/** API Gateway decodes %-escapes (but leaves '+' alone); a value that is not valid escaping is kept as sent. */
export function percentDecoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Matches concrete paths against a path template, as API Gateway does: `/Users/{id}` matches
 * `/Users/2819c223` (and `/Users/2819c223/`) with `{ id: '2819c223' }`; undefined when it does not match.
 */
export function pathMatcher(template: string): (path: string) => Record<string, string> | undefined {
  const parameters: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const match = /^\{(\w+)\}$/.exec(segment);
      if (!match) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      parameters.push(match[1]);
      return '([^/]+)';
    })
    .join('/');
  const pattern = new RegExp(`^${source}/?$`);
  return (path) => {
    const match = pattern.exec(path);
    return match ? Object.fromEntries(parameters.map((name, index) => [name, percentDecoded(match[index + 1])])) : undefined;
  };
}
