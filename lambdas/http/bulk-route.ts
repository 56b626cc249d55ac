import type { Logger } from '@aws-lambda-powertools/logger';
import { BULK_RESPONSE_SCHEMA, parseBulkRequest, type BulkOperation, type BulkOutcome, type BulkResponse } from '../scim/bulk';
import { ScimError } from '../scim/errors';
import { assertBodyShape } from '../scim/json-limits';
import { runBulk } from '../directory/bulk';
import { BULK_OPERATION_LOG_MESSAGE, type BulkOperationLogFields } from '../contracts/request-log';
import { SCIM_BASE_PATH, operationOf, parseRoute, pathMatcher, type RouteSpec } from '../contracts/routes';
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
    return { method: route.method, match: pathMatcher(route.path), run: target.run, operation: operationOf(route.method, SCIM_BASE_PATH + route.path) };
  });

  /**
   * Each operation's line: what happened to which resource. Its path and data come from the body,
   * so only the id is logged, and not when no resource has it (404): that may be anything.
   */
  const logOperation = (request: ScimRequest, target: (typeof table)[number] & { params: Record<string, string> }, outcome: BulkOutcome, error?: ScimError, cause?: unknown) => {
    const resourceId = outcome.status === 404 ? undefined : (target.params.id ?? outcome.id);
    const fields: BulkOperationLogFields = {
      operation: target.operation?.name,
      method: target.method,
      resourceType: target.operation?.resourceType,
      resourceId,
      status: outcome.status,
      scimType: error?.scimType,
      code: error?.code,
      tenant: request.tenant,
      requestId: request.requestId,
    };
    if (outcome.status >= 500) {
      options.log.error(BULK_OPERATION_LOG_MESSAGE, { ...fields, error: cause instanceof Error ? { name: cause.name, message: cause.message, stack: cause.stack } : String(cause) });
    } else {
      options.log.info(BULK_OPERATION_LOG_MESSAGE, { ...fields });
    }
  };

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
      assertBodyShape(operation.data, "The operation's data");
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
        requestId: request.requestId,
        remainingMs: request.remainingMs,
      });
      const body = response.body as { id?: unknown } | undefined;
      const outcome: BulkOutcome = {
        status: response.status,
        id: typeof body?.id === 'string' ? body.id : undefined,
        location: response.headers?.Location ?? location,
        version: response.headers?.ETag,
      };
      logOperation(request, target, outcome);
      return outcome;
    } catch (error) {
      const failure = toScimError(error);
      const outcome: BulkOutcome = { status: failure.status, location, response: failure.toBody() };
      // Without a target the path named no endpoint (404, 405): nothing to say of a resource.
      if (target) logOperation(request, target, outcome, failure, error);
      if (options.trail) {
        const id = candidates.find((candidate) => candidate.params.id !== undefined)?.params.id;
        await recordRefusal(options.trail, options.log, { tenant: request.tenant, client: request.client, method: operation.method, path, id, body: operation.data }, failure);
      }
      return outcome;
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
    options.log.info('bulk operations', { tenant: request.tenant, requestId: request.requestId, operations: bulk.Operations.length, statuses });
    const body: BulkResponse = { schemas: [BULK_RESPONSE_SCHEMA], Operations };
    return { status: 200, body };
  };
}
