import middy, { type MiddlewareObj, type Request } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import { LogLevelThreshold, type Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { presentedToken, type Principal, type TokenVerifier } from '../tenancy/token-verifier';
import { tenantOfToken } from '../tenancy/tenant-secret';
import { assertTenant } from '../contracts/tenancy';
import { ScimError } from '../scim/errors';
import { assertBodyShape } from '../scim/json-limits';
import { isOperationData } from '../scim/bulk';
import { logger } from '../runtime/logger';
import type { ProvisioningClient } from '../contracts/table-design';
import { provisioningClientOf } from './provisioning-client';
import { authorizedPrincipal } from './token-authorizer';
import { REQUEST_LOG_MESSAGE, type RequestLogFields } from '../contracts/request-log';
import { recordRefusal } from './refusal-trail';
import type { ActivityTrail } from '../directory/activity';
import { SCIM_BASE_PATH, SCIM_CONTENT_TYPE, operationOf, parseRoute, routePaths, scimFunctions, type FunctionSpec, type HttpMethod, type RouteSpec } from '../contracts/routes';

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
  /** API Gateway's id of the request, which its access log and the request's log line carry. */
  readonly requestId?: string;
  /** Milliseconds the function may still run; work that cannot end by then should not start. */
  remainingMs(): number;
}

export interface ScimResponse {
  status: number;
  body?: unknown;
  /** The body as JSON, when the route has serialized it already (to measure it): sent as it is. */
  json?: string;
  headers?: Record<string, string>;
}

export type RouteRun = (request: ScimRequest) => Promise<ScimResponse>;
export type RouteImplementations<F extends FunctionSpec> = { readonly [K in keyof F['routes']]: RouteRun };

export interface HandlerDependencies {
  /** Checks the token of a request no authorizer checked (`npm start`); without one, such a request is refused. */
  verifier: TokenVerifier | undefined;
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
    requestId: event.requestContext?.requestId,
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

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

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
        // Bytes handed over as they came (the local server does so when they are not UTF-8): decoded
        // strictly, so that nothing is stored as U+FFFD in place of what the client meant.
        if (event.isBase64Encoded) {
          try {
            event.body = STRICT_UTF8.decode(Buffer.from(event.body, 'base64'));
            event.isBase64Encoded = false;
          } catch {
            throw ScimError.invalidSyntax('The request body is not valid UTF-8, which JSON requires (RFC 8259 §8.1); send it encoded as UTF-8.');
          }
        }
      } else {
        event.body = undefined;
      }
    },
  };
}

/**
 * In AWS, API Gateway's authorizer checked the token before this function ran and names the
 * tenant in the request context; without one (`npm start`), the same verifier runs here. A request
 * that reached a function in AWS without the authorizer is refused rather than trusted.
 */
function authentication(verifier: TokenVerifier | undefined): MiddlewareObj<ScimEvent> {
  return {
    before: async (request) => {
      const event = request.event;
      const authorization = (event.headers as Record<string, string | undefined>).authorization;
      event.principal =
        authorizedPrincipal(event.requestContext?.authorizer) ??
        (verifier ? await verifier.verify(authorization) : unauthenticated());
    },
  };
}

function unauthenticated(): never {
  throw ScimError.unauthorized('No authorizer checked this request\'s token; send it through the SCIM API.');
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
        const charset = parameters.map((parameter) => /^\s*charset\s*=\s*"?([^";\s]*)"?\s*$/i.exec(parameter)?.[1]).find((value) => value !== undefined);
        if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
          throw ScimError.unsupportedMediaType(`The body is declared as charset=${charset}; JSON is exchanged as UTF-8 (RFC 8259 §8.1): send it so, with charset=utf-8 or none.`);
        }
        headers['content-type'] = [mediaType.trim().toLowerCase(), ...parameters].join(';');
      }
      await parser.before!(request);
      // A Bulk operation's data is checked when that operation runs, so that it fails alone (RFC 7644 §3.7.3).
      const opaque = request.event.resource === BULK_RESOURCE ? isOperationData : undefined;
      assertBodyShape(request.event.body, 'The request body', opaque);
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

/**
 * The middleware that turns results and errors into API Gateway responses, and writes each
 * request's log line (contracts/request-log.ts).
 */
function scimResponses(logger: Logger): MiddlewareObj<ScimEvent, APIGatewayProxyResult | ScimResponse> {
  const started = new WeakMap<object, number>();
  const log = (request: ScimRequestContext, status: number, outcome: { created?: unknown; error?: ScimError; cause?: unknown }) => {
    // A line that would not be written is not assembled either: at ERROR (npm start's level too) that is every line but a 5xx.
    if (status < 500 && logger.level > LogLevelThreshold.INFO) return;
    const event = request.event;
    const userAgent = headerOf(event, 'user-agent');
    const operation = operationOf(event.httpMethod, event.resource);
    const fields: RequestLogFields = {
      operation: operation?.name,
      method: event.httpMethod,
      resource: event.resource,
      resourceType: operation?.resourceType,
      resourceId: operation?.resourceType ? (event.pathParameters?.id ?? createdId(status, outcome.created)) : undefined,
      status,
      scimType: outcome.error?.scimType,
      code: outcome.error?.code,
      tenant: loggedTenant(event),
      client: provisioningClientOf(userAgent),
      userAgent,
      durationMs: Date.now() - (started.get(request) ?? Date.now()),
      requestId: event.requestContext?.requestId,
    };
    if (status >= 500) {
      const { cause } = outcome;
      logger.error(REQUEST_LOG_MESSAGE, { ...fields, error: cause instanceof Error ? { name: cause.name, message: cause.message, stack: cause.stack } : String(cause) });
    } else {
      logger.info(REQUEST_LOG_MESSAGE, { ...fields });
    }
  };
  return {
    before: (request) => {
      started.set(request, Date.now());
      // The function's name and Lambda request id on every line: the stack's metric filters count by function.
      if (request.context) logger.addContext(request.context);
    },
    after: (request) => {
      const result = request.response as ScimResponse;
      request.response = toHttp(result.status, result.body, result.headers, result.json);
      log(request as ScimRequestContext, result.status, { created: result.body });
    },
    onError: (request) => {
      const error = toScimError(request.error);
      request.response = toHttp(error.status, error.toBody(), error.headers);
      log(request as ScimRequestContext, error.status, { error, cause: request.error });
    },
  };
}

/** The id a 201 answers with: the resource the request created. */
function createdId(status: number, body: unknown): string | undefined {
  const id = status === 201 ? (body as { id?: unknown } | undefined)?.id : undefined;
  return typeof id === 'string' ? id : undefined;
}

function headerOf(event: ScimEvent, name: string): string | undefined {
  const headers = (event.headers ?? {}) as Record<string, string | undefined>;
  return headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
}

/**
 * Who the request came from: the authenticated tenant, else (a 401, or a refusal before the
 * token was checked) the tenant the token's prefix names. Never the token: its prefix is the
 * tenant's name, which is not secret; the rest is.
 */
function loggedTenant(event: ScimEvent): string | undefined {
  if (event.principal) return event.principal.tenant;
  const authorized = (event.requestContext?.authorizer as { tenant?: unknown } | null | undefined)?.tenant;
  if (typeof authorized === 'string') return isTenant(authorized) ? authorized : undefined;
  const token = presentedToken(headerOf(event, 'authorization'));
  return token === undefined ? undefined : tenantOfToken(token);
}

function isTenant(name: string): boolean {
  try {
    assertTenant(name);
    return true;
  } catch {
    return false;
  }
}

function toHttp(status: number, body: unknown, headers: Record<string, string> = {}, json?: string): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: {
      'Content-Type': SCIM_CONTENT_TYPE,
      // SCIM bodies are personal data: no shared cache should keep them.
      'Cache-Control': 'no-store',
      ...headers,
    },
    body: json ?? (body === undefined ? '' : JSON.stringify(body)),
  };
}

/**
 * The SCIM error a failure answers. Failures a retry may cure arrive as ScimErrors already (429 or
 * 503 with Retry-After, decided by the store adapter: lambdas/store/store-failures.ts); what is
 * left is a defect, a 500.
 */
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
  return new ScimError(500, 'An internal error occurred; the request was not applied. Retry, and report it if it persists.');
}
