import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_BASE_PATH } from '../../lambdas/contracts/admin-routes';
import { adminError, type AdminRequest, type AdminResponse } from '../../lambdas/admin/admin-api';
import { CONSOLE_CSS, CONSOLE_HTML, CONSOLE_SCRIPT } from './console-page';

/** The header every console API call carries the per-start secret in. */
export const CONSOLE_SECRET_HEADER = 'x-console-secret';

/** Requests bodies larger than this are refused: settings documents are far smaller. */
const MAX_BODY_BYTES = 1_000_000;

export interface ConsoleOptions {
  api: (request: AdminRequest) => Promise<AdminResponse>;
  port?: number;
  /** Tests pass their own; otherwise a new one per start. */
  secret?: string;
}

export interface RunningConsole {
  /** Opens the console: the secret rides in the fragment, which browsers never send to a server. */
  url: string;
  port: number;
  secret: string;
  close(): Promise<void>;
}

const assets: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: CONSOLE_HTML },
  '/console.css': { type: 'text/css; charset=utf-8', body: CONSOLE_CSS },
  '/console.js': { type: 'text/javascript; charset=utf-8', body: CONSOLE_SCRIPT },
};

/**
 * The console's server: its page, and the admin API in-process under ADMIN_BASE_PATH. It listens on
 * 127.0.0.1 only; an API call must carry the per-start secret, and every request must name this
 * server in Host (against DNS rebinding) and, when it has an Origin, come from this server's page.
 */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const secret = options.secret ?? randomBytes(32).toString('base64url');
  let port = options.port ?? 0;
  const server = createServer((request, response) => {
    void handle(request, response).catch(() => send(response, adminError(500, 'internal', 'The console failed; its terminal says why.')));
  });

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const own = [`127.0.0.1:${port}`, `localhost:${port}`];
    if (!own.includes(request.headers.host ?? '')) return send(response, adminError(403, 'invalid_request', 'This console answers only at 127.0.0.1 or localhost on its own port.'));
    const origin = request.headers.origin;
    if (origin !== undefined && !own.some((host) => origin === `http://${host}`)) return send(response, adminError(403, 'invalid_request', 'Requests from other sites are refused.'));
    const url = new URL(request.url ?? '/', `http://${own[0]}`);
    const asset = request.method === 'GET' ? assets[url.pathname] : undefined;
    if (asset) {
      response.writeHead(200, { 'Content-Type': asset.type, ...securityHeaders });
      response.end(asset.body);
      return;
    }
    if (url.pathname !== ADMIN_BASE_PATH && !url.pathname.startsWith(`${ADMIN_BASE_PATH}/`)) return send(response, adminError(404, 'not_found', 'Not found.'));
    if (!holdsSecret(request.headers[CONSOLE_SECRET_HEADER], secret)) {
      return send(response, adminError(403, 'invalid_request', 'Open the console from the link npm run console printed (it carries the secret).'));
    }
    const body = await readBody(request);
    if (body === undefined) return send(response, adminError(413, 'invalid_request', 'The request body is too large.'));
    send(
      response,
      await options.api({
        method: request.method ?? 'GET',
        path: url.pathname.slice(ADMIN_BASE_PATH.length) || '/',
        query: Object.fromEntries(url.searchParams),
        body,
      }),
    );
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/#secret=${secret}`,
    port,
    secret,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const securityHeaders = {
  'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function holdsSecret(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== 'string') return false;
  const [a, b] = [Buffer.from(given), Buffer.from(secret)];
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, answer: AdminResponse): void {
  response.writeHead(answer.status, { 'Content-Type': 'application/json; charset=utf-8', ...securityHeaders });
  response.end(JSON.stringify(answer.body));
}
