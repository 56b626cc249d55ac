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

/** An API Gateway resource: its path template and the functions its methods go to. */
interface CompiledResource {
  resource: string;
  methods: Map<string, FunctionName>;
  match(path: string): Record<string, string> | undefined;
}

const parameterCount = (resource: string) => resource.split('{').length - 1;

/** Resources in the order API Gateway prefers them: a literal path segment wins over a {parameter}, so /Users/.search is not user ".search". */
function compiledResources(): CompiledResource[] {
  const byResource = new Map<string, CompiledResource>();
  for (const route of allRoutes()) {
    let entry = byResource.get(route.resource);
    if (!entry) byResource.set(route.resource, (entry = { resource: route.resource, methods: new Map(), match: pathMatcher(route.resource) }));
    entry.methods.set(route.method, route.function);
  }
  return [...byResource.values()].sort((a, b) => parameterCount(a.resource) - parameterCount(b.resource));
}

/** As API Gateway answers: with Content-Length, never chunked; none where RFC 9110 §8.6 forbids it. */
function send(response: ServerResponse, status: number, headers: Record<string, string | string[]>, body: string | Buffer) {
  if (status !== 204 && status !== 304) headers['Content-Length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.length);
  response.writeHead(status, headers);
  response.end(body);
}

/** What API Gateway says itself (as configured by the stack's gateway responses). */
function gatewayError(response: ServerResponse, status: number, detail: string) {
  send(response, status, { 'Content-Type': SCIM_CONTENT_TYPE }, JSON.stringify({ schemas: [ERROR_SCHEMA], status: String(status), detail }));
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
  const resources = compiledResources();
  const handlers = new Map<FunctionName, LambdaHandler>();
  for (const name of Object.keys(scimFunctions) as FunctionName[]) {
    const module = (await import(join(options.root, scimFunctions[name].entry))) as { handler: LambdaHandler };
    handlers.set(name, module.handler);
  }

  // Node would answer a request without Host (RFC 9112 §3.2) with an empty 400 of its own.
  const server = createServer({ requireHostHeader: false }, async (request, response) => {
    try {
      // Headers as the client sent them, as API Gateway passes them (request.headers would build a lower-cased copy).
      const headers: Record<string, string> = {};
      const multiValueHeaders: Record<string, string[]> = {};
      let hasHost = false;
      for (let index = 0; index < request.rawHeaders.length; index += 2) {
        const name = request.rawHeaders[index];
        const value = request.rawHeaders[index + 1];
        headers[name] = value;
        (multiValueHeaders[name] ??= []).push(value);
        if (name.length === 4 && name.toLowerCase() === 'host') hasHost = true;
      }
      if (!hasHost) return gatewayError(response, 400, 'The request has no Host header, which HTTP/1.1 requires (RFC 9112 §3.2).');
      const url = new URL(request.url ?? '/', 'http://local');
      const path = url.pathname;
      let resource: CompiledResource | undefined;
      let pathParameters: Record<string, string> = {};
      for (const candidate of resources) {
        const matched = candidate.match(path);
        if (!matched) continue;
        [resource, pathParameters] = [candidate, matched];
        break;
      }
      const method = request.method ?? '';
      const fn = resource?.methods.get(method);
      if (!resource || !fn) {
        // A REST API answers unknown routes and methods alike with MISSING_AUTHENTICATION_TOKEN, which the stack maps to 404.
        return gatewayError(response, 404, `No SCIM endpoint at ${method} ${path}.`);
      }
      const body = await readBody(request);
      if (body === 'too large') return gatewayError(response, 413, 'The request body is larger than API Gateway accepts (10 MB).');
      headers['X-Forwarded-Proto'] ??= 'http';
      const query = queryParameters(url.search);
      // As API Gateway does for bytes it cannot pass as text: base64, for the handler to judge.
      const text = body.length > 0 && isUtf8(body);
      const event: APIGatewayProxyEvent = {
        resource: resource.resource,
        path,
        httpMethod: method,
        headers,
        multiValueHeaders,
        queryStringParameters: Object.keys(query.single).length > 0 ? query.single : null,
        multiValueQueryStringParameters: Object.keys(query.multi).length > 0 ? query.multi : null,
        pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
        stageVariables: null,
        body: body.length === 0 ? null : text ? body.toString('utf8') : body.toString('base64'),
        isBase64Encoded: body.length > 0 && !text,
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          // No API Gateway authorizer here: the handlers run the same token verifier themselves.
          authorizer: null,
          protocol: `HTTP/${request.httpVersion}`,
          httpMethod: method,
          identity: { sourceIp: request.socket.remoteAddress ?? '127.0.0.1' } as APIGatewayProxyEvent['requestContext']['identity'],
          path,
          stage: STAGE,
          requestId: randomUUID(),
          requestTimeEpoch: Date.now(),
          resourceId: 'local',
          resourcePath: resource.resource,
        },
      };
      const result = await handlers.get(fn)!(event, lambdaContext(fn));
      const outgoing: Record<string, string | string[]> = { ...(result.multiValueHeaders as Record<string, string[]> | undefined) };
      for (const name in result.headers) outgoing[name] = String(result.headers[name]);
      send(response, result.statusCode, outgoing, result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
      if (method !== 'GET' && method !== 'HEAD') options.onWrite?.();
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
