import middy, { type MiddlewareObj, type Request } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Principal, TokenVerifier } from '../tenancy/token-verifier';
import { ScimError } from '../scim/errors';
import { assertBodyNesting } from '../scim/json-limits';
import { isOperationData } from '../scim/bulk';
import { logger } from '../runtime/logger';
import type { ProvisioningClient } from '../contracts/table-design';
import { provisioningClientOf } from './provisioning-client';
import { authorizedPrincipal } from './token-authorizer';
import { recordRefusal } from './refusal-trail';
import type { ActivityTrail } from '../directory/activity';
import { SCIM_BASE_PATH, SCIM_CONTENT_TYPE, parseRoute, routePaths, scimFunctions, type FunctionSpec, type HttpMethod, type RouteSpec } from '../contracts/routes';

export interface ScimRequest {
  readonly tenant: string;
  /** The identity provider making the request (from its User-Agent), recorded on what it writes. */
  readonly client: ProvisioningClient;
  readonly method: HttpMethod;
  readonly params: Readonly<Record<string, string>>;
  /** A query parameter, its name matched case-insensitively; undefined when absent. */
  query(name: string): string | undefined;
  /** A header, its name matched case-insensitively. */
  header(name: string): string | undefined;
  /** The parsed JSON body; undefined when the request had none. */
  readonly body: unknown;
  /** Absolute SCIM base URL as the client addressed us (scheme, host, stage, `/scim/v2`). */
  readonly baseUrl: string;
  /** Milliseconds the function may still run; work that cannot end by then should not start. */
  remainingMs(): number;
}

export interface ScimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteRun = (request: ScimRequest) => Promise<ScimResponse>;
export type RouteImplementations<F extends FunctionSpec> = { readonly [K in keyof F['routes']]: RouteRun };

export interface HandlerDependencies {
  verifier: TokenVerifier;
  maxBodyBytes: number;
  logger?: Logger;
  /** Where refused writes are recorded; none for functions that write nothing (discovery). */
  trail?: Pick<ActivityTrail, 'refused'>;
}

type ScimEvent = Omit<APIGatewayProxyEvent, 'body'> & { body: unknown; principal?: Principal };
type ScimRequestContext = Request<ScimEvent, APIGatewayProxyResult | ScimResponse, Error, Context>;

/**
 * Builds a Lambda handler from a function's routes and their implementations. Everything
 * HTTP lives here: header normalisation, auth, body parsing, dispatch, serialisation, and
 * the one place that turns errors into SCIM error responses.
 */
export function scimHandler<F extends FunctionSpec>(spec: F, implementations: RouteImplementations<F>, dependencies: HandlerDependencies) {
  const log = dependencies.logger ?? logger;
  const table = Object.entries(spec.routes as Record<string, RouteSpec>).flatMap(([name, routeSpec]) => {
    const route = parseRoute(routeSpec);
    const run = (implementations as Record<string, RouteRun>)[name];
    return routePaths(route.path).map((path) => ({ resource: SCIM_BASE_PATH + path, method: route.method, run }));
  });

  const dispatch = async (event: ScimEvent, context: Context): Promise<ScimResponse> => {
    const route = table.find((candidate) => candidate.resource === event.resource && candidate.method === event.httpMethod);
    if (!route) {
      const allowed = table.filter((candidate) => candidate.resource === event.resource).map((candidate) => candidate.method);
      if (allowed.length > 0) throw ScimError.methodNotAllowed(`${event.httpMethod} is not supported on ${event.path}.`, allowed);
      throw ScimError.notFound(`No SCIM endpoint at ${event.path}.`);
    }
    return route.run(toScimRequest(event, context));
  };

  const handler = middy<ScimEvent, APIGatewayProxyResult | ScimResponse, Error, Context>().use(scimResponses(log));
  // Used after scimResponses, so its onError runs first (middy runs them in reverse) and sees the error.
  if (dependencies.trail) handler.use(refusals(dependencies.trail, log));
  return handler
    .use(normalizedRequest(dependencies.maxBodyBytes))
    .use(authentication(dependencies.verifier))
    .use(jsonBody())
    .handler(dispatch) as unknown as (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
}

function toScimRequest(event: ScimEvent, context: Context | undefined): ScimRequest {
  const headers = event.headers as Record<string, string | undefined>;
  const query = Object.fromEntries(
    Object.entries(event.queryStringParameters ?? {}).map(([name, value]) => [name.toLowerCase(), value ?? undefined]),
  );
  return {
    tenant: event.principal!.tenant,
    client: provisioningClientOf(headers['user-agent']),
    method: event.httpMethod as HttpMethod,
    params: Object.fromEntries(Object.entries(event.pathParameters ?? {}).map(([name, value]) => [name, value ?? ''])),
    query: (name) => query[name.toLowerCase()],
    header: (name) => headers[name.toLowerCase()],
    body: event.body,
    baseUrl: baseUrl(event),
    remainingMs: () => context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY,
  };
}

/** Stage and any custom-domain base path are what requestContext.path has in front of event.path. */
function baseUrl(event: ScimEvent): string {
  const headers = event.headers as Record<string, string | undefined>;
  const host = headers['x-forwarded-host'] ?? headers.host ?? 'localhost';
  const protocol = headers['x-forwarded-proto'] ?? 'https';
  const fullPath = event.requestContext?.path ?? event.path;
  const prefix = fullPath.endsWith(event.path) ? fullPath.slice(0, fullPath.length - event.path.length) : '';
  return `${protocol}://${host}${prefix}${SCIM_BASE_PATH}`;
}

function normalizedRequest(maxBodyBytes: number): MiddlewareObj<ScimEvent> {
  return {
    before: (request) => {
      const event = request.event;
      // API Gateway keeps header names as the client sent them; HTTP says they are case-insensitive.
      event.headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
      if (typeof event.body === 'string' && event.body.length > 0) {
        const bytes = event.isBase64Encoded ? Math.floor((event.body.length * 3) / 4) : Buffer.byteLength(event.body);
        if (bytes > maxBodyBytes) {
          throw ScimError.payloadTooLarge(`The request body is ${bytes} bytes; the largest accepted is ${maxBodyBytes} bytes.`);
        }
      } else {
        event.body = undefined;
      }
    },
  };
}

/**
 * In AWS, API Gateway's authorizer checked the token before this function ran and names the
 * tenant in the request context; without one (`npm start`), the same verifier runs here.
 */
function authentication(verifier: TokenVerifier): MiddlewareObj<ScimEvent> {
  return {
    before: async (request) => {
      const event = request.event;
      event.principal =
        authorizedPrincipal(event.requestContext?.authorizer) ?? (await verifier.verify((event.headers as Record<string, string | undefined>).authorization));
    },
  };
}

const BULK_RESOURCE = SCIM_BASE_PATH + parseRoute(scimFunctions.bulk.routes.bulk).path;

/** Parses JSON bodies, and refuses nesting no SCIM message has before any code walks it. */
function jsonBody(): MiddlewareObj<ScimEvent> {
  const parser = httpJsonBodyParser() as unknown as MiddlewareObj<ScimEvent>;
  return {
    before: async (request) => {
      if (request.event.body === undefined) return;
      const headers = request.event.headers as Record<string, string | undefined>;
      const contentType = headers['content-type'];
      if (contentType === undefined || contentType.trim() === '') {
        // Scripts often omit it; a JSON body is the only kind SCIM has (RFC 7644 §3.1).
        headers['content-type'] = SCIM_CONTENT_TYPE;
      } else {
        // Media types compare case-insensitively (RFC 9110 §8.3.1); the body parser's test does not.
        const [mediaType, ...parameters] = contentType.split(';');
        headers['content-type'] = [mediaType.trim().toLowerCase(), ...parameters].join(';');
      }
      await parser.before!(request);
      // A Bulk operation's data is checked when that operation runs, so that it fails alone (RFC 7644 §3.7.3).
      const opaque = request.event.resource === BULK_RESOURCE ? isOperationData : undefined;
      assertBodyNesting(request.event.body, 'The request body', opaque);
    },
  };
}

/** Refused writes of an authenticated tenant into its activity trail (a 401 has no tenant). */
function refusals(trail: Pick<ActivityTrail, 'refused'>, log: Logger): MiddlewareObj<ScimEvent, APIGatewayProxyResult | ScimResponse> {
  return {
    onError: async (request) => {
      const event = request.event;
      if (!event.principal) return;
      await recordRefusal(
        trail,
        log,
        {
          tenant: event.principal.tenant,
          client: provisioningClientOf((event.headers as Record<string, string | undefined>)['user-agent']),
          method: event.httpMethod as HttpMethod,
          path: event.resource.startsWith(SCIM_BASE_PATH) ? event.resource.slice(SCIM_BASE_PATH.length) : event.resource,
          id: event.pathParameters?.id ?? undefined,
          body: event.body,
        },
        toScimError(request.error),
      );
    },
  };
}

/** The middleware that turns results and errors into API Gateway responses. */
function scimResponses(logger: Logger): MiddlewareObj<ScimEvent, APIGatewayProxyResult | ScimResponse> {
  const started = new WeakMap<object, number>();
  const log = (request: ScimRequestContext, status: number, error?: unknown) => {
    const event = request.event;
    const fields = {
      method: event.httpMethod,
      resource: event.resource,
      status,
      tenant: event.principal?.tenant,
      userAgent: (event.headers as Record<string, string | undefined> | undefined)?.['user-agent'],
      durationMs: Date.now() - (started.get(request) ?? Date.now()),
      requestId: request.context?.awsRequestId,
    };
    if (status >= 500) logger.error('request failed', { ...fields, error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
    else logger.info('request', fields);
  };
  return {
    before: (request) => {
      started.set(request, Date.now());
    },
    after: (request) => {
      const result = request.response as ScimResponse;
      request.response = toHttp(result.status, result.body, result.headers);
      log(request as ScimRequestContext, result.status);
    },
    onError: (request) => {
      const error = toScimError(request.error);
      request.response = toHttp(error.status, error.toBody(), error.headers);
      log(request as ScimRequestContext, error.status, request.error);
    },
  };
}

function toHttp(status: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: {
      'Content-Type': SCIM_CONTENT_TYPE,
      // SCIM bodies are personal data: no shared cache should keep them.
      'Cache-Control': 'no-store',
      ...headers,
    },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

const RETRYABLE_AWS_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TimeoutError',
]);

export function toScimError(error: unknown): ScimError {
  if (error instanceof ScimError) return error;
  const candidate = error as { name?: string; message?: string; cause?: { package?: string; message?: string } } | undefined;
  if (candidate?.cause?.package === '@middy/http-json-body-parser') {
    if (candidate.message === 'Unsupported Media Type') {
      return ScimError.unsupportedMediaType('Send the request body as JSON with "Content-Type: application/scim+json" (or application/json).');
    }
    const reason = candidate.cause.message ? `: ${candidate.cause.message}` : '';
    return ScimError.invalidSyntax(`The request body is not valid JSON${reason}.`);
  }
  if (candidate?.name && RETRYABLE_AWS_ERRORS.has(candidate.name)) {
    return ScimError.serviceUnavailable('The directory store is busy; retry shortly.', 2);
  }
  return new ScimError(500, 'An internal error occurred; the request was not applied. Retry, and report it if it persists.');
}
