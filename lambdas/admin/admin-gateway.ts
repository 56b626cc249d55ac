import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ADMIN_BASE_PATH } from '../contracts/admin-routes';
import type { AdminApi, AdminRequest, AdminResponse } from './admin-api';

/** What the carrier logs per request: never the body, the query (search holds e-mail prefixes) or the path (user names). */
export interface AdminRequestLine {
  method: string;
  /** The route, `/admin/v1/tenants/{tenant}/users/{user}`, not the path. */
  resource: string;
  tenant?: string;
  status: number;
  requestId?: string;
  /** The IAM principal whose SigV4 signature API Gateway verified. */
  caller?: string;
  durationMs: number;
}

export interface AdminGatewayOptions {
  log(line: AdminRequestLine): void;
  error(message: string, error: unknown): void;
  now?: () => number;
}

class BadRequest extends Error {}

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };

/**
 * The admin API behind API Gateway: a proxy event becomes the implementation's request, its
 * answer a JSON response. The path is rebuilt from the route and its parameters rather than taken
 * from `event.path`, which a custom domain's base path mapping would change.
 */
export function adminGatewayHandler(api: AdminApi, options: AdminGatewayOptions) {
  const now = options.now ?? Date.now;
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const started = now();
    let response: AdminResponse;
    try {
      response = await api(adminRequestOf(event));
    } catch (error) {
      if (error instanceof BadRequest) {
        response = { status: 400, body: { error: { code: 'invalid_request', message: error.message } } };
      } else {
        options.error('admin request failed', error);
        response = { status: 500, body: { error: { code: 'internal_error', message: 'The admin API failed to answer; the request may have been applied. Retry, or check the function log.' } } };
      }
    }
    options.log({
      method: event.httpMethod,
      resource: event.resource,
      ...(event.pathParameters?.tenant ? { tenant: event.pathParameters.tenant } : {}),
      status: response.status,
      requestId: event.requestContext?.requestId,
      caller: event.requestContext?.identity?.userArn ?? undefined,
      durationMs: now() - started,
    });
    return {
      statusCode: response.status,
      headers: JSON_HEADERS,
      body: response.body === undefined ? '' : JSON.stringify(response.body),
    };
  };
}

export function adminRequestOf(event: APIGatewayProxyEvent): AdminRequest {
  const resource = event.resource.startsWith(ADMIN_BASE_PATH) ? event.resource.slice(ADMIN_BASE_PATH.length) : event.resource;
  const parameters = event.pathParameters ?? {};
  // REST APIs hand path parameters decoded; the implementation reads the path as a URL's.
  const path = resource.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(parameters[name] ?? ''));
  const query = Object.fromEntries(Object.entries(event.queryStringParameters ?? {}).map(([name, value]) => [name, value ?? undefined]));
  return { method: event.httpMethod, path, query, body: bodyOf(event) };
}

function bodyOf(event: APIGatewayProxyEvent): unknown {
  if (event.body === null || event.body === undefined || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest('The request body is not valid JSON.');
  }
}
