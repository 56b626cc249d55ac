import { randomUUID } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ERROR_SCHEMA } from '../../lambdas/scim/errors';
import { allRoutes, pathMatcher, percentDecoded, scimFunctions, SCIM_BASE_PATH, SCIM_CONTENT_TYPE, type FunctionName } from '../../lambdas/contracts/routes';

type LambdaHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** API Gateway REST APIs refuse larger payloads with 413 before any Lambda runs. */
const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
const STAGE = 'local';

interface CompiledRoute {
  function: FunctionName;
  method: string;
  resource: string;
  match(path: string): Record<string, string> | undefined;
}

const parameterCount = (resource: string) => resource.split('{').length - 1;

/** What API Gateway says itself (as configured by the stack's gateway responses). */
function gatewayError(response: ServerResponse, status: number, detail: string) {
  response.writeHead(status, { 'Content-Type': SCIM_CONTENT_TYPE });
  response.end(JSON.stringify({ schemas: [ERROR_SCHEMA], status: String(status), detail }));
}

function readBody(request: IncomingMessage): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > API_GATEWAY_MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? 'too large' : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function queryParameters(search: string) {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const pair of search.replace(/^\?/, '').split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = percentDecoded(equals < 0 ? pair : pair.slice(0, equals));
    const value = percentDecoded(equals < 0 ? '' : pair.slice(equals + 1));
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

function lambdaContext(functionName: string): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, 28_000 - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface LocalApiOptions {
  host?: string;
  port?: number;
  /** Project root, against which the route table's entry paths resolve. */
  root: string;
  /** Called once a request that may have written (any method but GET and HEAD) has been answered. */
  onWrite?: () => void;
}

export interface LocalApi {
  server: Server;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Serves the real Lambda handlers over HTTP: each request becomes the API Gateway proxy
 * event the deployed REST API would send, routed with the same table the CDK stack uses.
 * Handlers read their configuration from process.env, so set it before calling this.
 */
export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const routes: CompiledRoute[] = allRoutes().map((route) => ({ function: route.function, method: route.method, resource: route.resource, match: pathMatcher(route.resource) }));
  const handlers = new Map<FunctionName, LambdaHandler>();
  for (const name of Object.keys(scimFunctions) as FunctionName[]) {
    const module = (await import(join(options.root, scimFunctions[name].entry))) as { handler: LambdaHandler };
    handlers.set(name, module.handler);
  }

  // Node would answer a request without Host (RFC 9112 §3.2) with an empty 400 of its own.
  const server = createServer({ requireHostHeader: false }, async (request, response) => {
    try {
      if (request.headers.host === undefined) return gatewayError(response, 400, 'The request has no Host header, which HTTP/1.1 requires (RFC 9112 §3.2).');
      const url = new URL(request.url ?? '/', 'http://local');
      const path = url.pathname;
      // Like API Gateway, a literal path segment wins over a {parameter}: /Users/.search is not user ".search".
      const candidates = routes.filter((route) => route.match(path) !== undefined).sort((a, b) => parameterCount(a.resource) - parameterCount(b.resource));
      const route = candidates.find((candidate) => candidate.resource === candidates[0].resource && candidate.method === request.method);
      if (!route) {
        // A REST API answers unknown routes and methods alike with MISSING_AUTHENTICATION_TOKEN, which the stack maps to 404.
        return gatewayError(response, 404, `No SCIM endpoint at ${request.method} ${path}.`);
      }
      const body = await readBody(request);
      if (body === 'too large') return gatewayError(response, 413, 'The request body is larger than API Gateway accepts (10 MB).');
      const pathParameters = route.match(path)!;
      const headers: Record<string, string> = {};
      const multiValueHeaders: Record<string, string[]> = {};
      for (let index = 0; index < request.rawHeaders.length; index += 2) {
        const name = request.rawHeaders[index];
        const value = request.rawHeaders[index + 1];
        headers[name] = value;
        (multiValueHeaders[name] ??= []).push(value);
      }
      headers['X-Forwarded-Proto'] ??= 'http';
      const query = queryParameters(url.search);
      const event: APIGatewayProxyEvent = {
        resource: route.resource,
        path,
        httpMethod: route.method,
        headers,
        multiValueHeaders,
        queryStringParameters: Object.keys(query.single).length > 0 ? query.single : null,
        multiValueQueryStringParameters: Object.keys(query.multi).length > 0 ? query.multi : null,
        pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
        stageVariables: null,
        // As API Gateway does for bytes it cannot pass as text: base64, for the handler to judge.
        body: body.length > 0 ? (isUtf8(body) ? body.toString('utf8') : body.toString('base64')) : null,
        isBase64Encoded: body.length > 0 && !isUtf8(body),
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          // No API Gateway authorizer here: the handlers run the same token verifier themselves.
          authorizer: null,
          protocol: `HTTP/${request.httpVersion}`,
          httpMethod: route.method,
          identity: { sourceIp: request.socket.remoteAddress ?? '127.0.0.1' } as APIGatewayProxyEvent['requestContext']['identity'],
          path,
          stage: STAGE,
          requestId: randomUUID(),
          requestTimeEpoch: Date.now(),
          resourceId: 'local',
          resourcePath: route.resource,
        },
      };
      const result = await handlers.get(route.function)!(event, lambdaContext(route.function));
      const outgoing: Record<string, string | string[]> = { ...(result.multiValueHeaders as Record<string, string[]> | undefined) };
      for (const [name, value] of Object.entries(result.headers ?? {})) outgoing[name] = String(value);
      response.writeHead(result.statusCode, outgoing);
      response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
      if (request.method !== 'GET' && request.method !== 'HEAD') options.onWrite?.();
    } catch (error) {
      // What API Gateway answers when a Lambda fails outright (the stack maps it to a SCIM body).
      console.error('local api: handler failed', (error as Error).message);
      if (!response.headersSent) gatewayError(response, 502, 'The SCIM function failed; retry, and report it if it persists.');
      else response.end();
    }
  });

  // Requests Node refuses before any handler runs (headers over its 16 KB, malformed HTTP) get a SCIM body too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const [status, detail] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'The request line and headers are larger than 16 KB. Send a long filter in the body of POST /Users/.search or /Groups/.search (RFC 7644 §3.4.3).']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'The request was not received in time; send it again.']
          : [400, 'The request is not valid HTTP.'];
    const body = JSON.stringify({ schemas: [ERROR_SCHEMA], status: String(status), detail });
    const reason = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }[status];
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${SCIM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    server,
    baseUrl: `http://${options.host ?? '127.0.0.1'}:${port}${SCIM_BASE_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
