import type { Logger } from '@aws-lambda-powertools/logger';
import { BULK_RESPONSE_SCHEMA, parseBulkRequest, type BulkOperation, type BulkOutcome, type BulkResponse } from '../scim/bulk';
import { ScimError } from '../scim/errors';
import { assertBodyNesting } from '../scim/json-limits';
import { runBulk } from '../directory/bulk';
import { parseRoute, pathMatcher, type RouteSpec } from '../contracts/routes';
import type { ResourceRoutes } from './resource-routes';
import { toScimError, type RouteRun, type ScimRequest } from './scim-handler';
import { recordRefusal } from './refusal-trail';
import type { ActivityTrail } from '../directory/activity';

/** The routes a bulk operation may address: RFC 7644 §3.7 allows POST, PUT, PATCH and DELETE, never reads or searches. */
const BULK_ROUTES = ['create', 'replace', 'patch', 'delete'] as const;

export interface BulkTarget {
  route: RouteSpec;
  run: RouteRun;
}

/** A resource endpoint's routes as bulk operations reach them: the same code its own HTTP routes run. */
export function bulkTargets(spec: { routes: Record<(typeof BULK_ROUTES)[number], RouteSpec> }, routes: ResourceRoutes): BulkTarget[] {
  return BULK_ROUTES.map((name) => ({ route: spec.routes[name], run: routes[name] }));
}

export interface BulkRouteOptions {
  maxOperations: number;
  /** How many independent creates run at once. */
  concurrency: number;
  /** No operation starts with less time than this left, so the response leaves before API Gateway's 29 s. */
  reserveMs: number;
  log: Pick<Logger, 'info' | 'error' | 'warn'>;
  /** Where refused operations are recorded, as the single requests' refusals are. */
  trail?: Pick<ActivityTrail, 'refused'>;
}

/**
 * POST /Bulk (RFC 7644 §3.7). Each operation becomes the request its own route would receive,
 * under the caller's tenant (never one named in the body), with `version` as If-Match, and runs
 * through that route: validation, uniqueness and ETags are exactly those of the single requests.
 */
export function bulkRoute(targets: BulkTarget[], options: BulkRouteOptions): RouteRun {
  const table = targets.map((target) => {
    const route = parseRoute(target.route);
    return { method: route.method, match: pathMatcher(route.path), run: target.run };
  });

  const execute = async (request: ScimRequest, operation: BulkOperation): Promise<BulkOutcome> => {
    const path = operation.path.startsWith('/') ? operation.path : `/${operation.path}`;
    const candidates = table.flatMap((entry) => {
      const params = entry.match(path);
      return params ? [{ ...entry, params }] : [];
    });
    const target = candidates.find((candidate) => candidate.method === operation.method);
    // A POST creates: its location is known once it has, from the route's Location header.
    const location = candidates.length > 0 && operation.method !== 'POST' ? `${request.baseUrl}${path}` : undefined;
    try {
      assertBodyNesting(operation.data, "The operation's data");
      if (candidates.length === 0) throw ScimError.notFound(`No SCIM endpoint at ${path}: bulk operations address /Users, /Groups, /Users/{id} and /Groups/{id}.`);
      if (!target) {
        const allowed = candidates.map((candidate) => candidate.method);
        throw ScimError.methodNotAllowed(`${operation.method} is not supported on ${path}; use ${allowed.join(' or ')}.`, allowed);
      }
      const response = await target.run({
        tenant: request.tenant,
        // Each operation is the caller's own write: the same identity provider as the POST /Bulk.
        client: request.client,
        method: operation.method,
        params: target.params,
        // Successful operations are answered without the resource (RFC 7644 §3.7.3), so the route reads
        // and renders the least it can: no member lists, no user's groups (a third of a PATCH's time).
        // Its ETag then names the stored version alone, which If-Match takes exactly as GET's (scim/etag.ts).
        query: (name) => (name.toLowerCase() === 'attributes' ? 'id' : undefined),
        header: (name) => (name.toLowerCase() === 'if-match' ? operation.version : undefined),
        body: operation.data,
        baseUrl: request.baseUrl,
        remainingMs: request.remainingMs,
      });
      const body = response.body as { id?: unknown } | undefined;
      return {
        status: response.status,
        id: typeof body?.id === 'string' ? body.id : undefined,
        location: response.headers?.Location ?? location,
        version: response.headers?.ETag,
      };
    } catch (error) {
      const failure = toScimError(error);
      if (failure.status >= 500) {
        const cause = error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error);
        options.log.error('bulk operation failed', { method: operation.method, status: failure.status, error: cause });
      }
      if (options.trail) {
        const id = candidates.find((candidate) => candidate.params.id !== undefined)?.params.id;
        await recordRefusal(options.trail, options.log, { tenant: request.tenant, client: request.client, method: operation.method, path, id, body: operation.data }, failure);
      }
      return { status: failure.status, location, response: failure.toBody() };
    }
  };

  return async (request) => {
    const bulk = parseBulkRequest(request.body, options.maxOperations);
    const Operations = await runBulk(bulk, (operation) => execute(request, operation), {
      concurrency: options.concurrency,
      mayStart: () => request.remainingMs() > options.reserveMs,
    });
    // The request's own log line says 200 whatever its operations did; this says what they did.
    const statuses: Record<string, number> = {};
    for (const operation of Operations) statuses[operation.status] = (statuses[operation.status] ?? 0) + 1;
    options.log.info('bulk operations', { tenant: request.tenant, operations: bulk.Operations.length, statuses });
    const body: BulkResponse = { schemas: [BULK_RESPONSE_SCHEMA], Operations };
    return { status: 200, body };
  };
}
