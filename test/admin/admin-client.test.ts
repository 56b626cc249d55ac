import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { AdminApiError, AdminClient } from '../../lambdas/admin/admin-client';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

interface Received {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: string;
  signatureValid: boolean;
}

/**
 * API Gateway's side of AWS IAM authorization, which has no local equivalent: the request is
 * signed again from what arrived, with the same key and the client's X-Amz-Date, and the two
 * signatures must agree.
 */
async function verify(request: IncomingMessage, body: string, url: URL): Promise<boolean> {
  const { authorization, ...rest } = request.headers;
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(String(authorization))?.[1].split(';') ?? [];
  const headers = Object.fromEntries(signedHeaders.map((name) => [name, String(rest[name])]));
  const date = String(request.headers['x-amz-date']);
  const signingDate = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
  const signer = new SignatureV4({ service: 'execute-api', region: 'eu-west-1', credentials, sha256: Hash.bind(null, 'sha256') });
  const again = await signer.sign(
    new HttpRequest({ method: request.method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body: body || undefined }),
    { signingDate },
  );
  return again.headers.authorization === authorization && String(authorization).includes('/eu-west-1/execute-api/aws4_request');
}

let server: Server;
let baseUrl: string;
let received: Received[] = [];
let answer: { status: number; body?: string } = { status: 200, body: '{}' };

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', async () => {
      const url = new URL(request.url!, `http://${request.headers.host}`);
      received.push({ method: request.method!, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: request.headers, body, signatureValid: await verify(request, body, url) });
      response.writeHead(answer.status, answer.body === undefined ? {} : { 'content-type': 'application/json' });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod/admin/v1/`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

beforeEach(() => {
  received = [];
  answer = { status: 200, body: '{}' };
});

const client = () => new AdminClient({ baseUrl, region: 'eu-west-1', credentials });

test('signs each call with SigV4 for execute-api, sends JSON to the route, answers the parsed body', async () => {
  answer = { status: 201, body: JSON.stringify({ tenant: 'acme', token: 'scim_x' }) };
  await expect(client().request('createTenant', { body: { name: 'acme' } })).resolves.toEqual({ tenant: 'acme', token: 'scim_x' });
  expect(received).toEqual([
    expect.objectContaining({ method: 'POST', path: '/prod/admin/v1/tenants', body: '{"name":"acme"}', signatureValid: true, headers: expect.objectContaining({ 'content-type': 'application/json' }) }),
  ]);
});

test('fills path parameters encoded and sends the query it is given, leaving out undefined values', async () => {
  await client().request('getUser', { params: { tenant: 'acme', user: 'ann@example.com/x y' }, query: { limit: 5, cursor: undefined } });
  expect(received[0]).toMatchObject({ method: 'GET', path: '/prod/admin/v1/tenants/acme/users/ann%40example.com%2Fx%20y', query: {}, signatureValid: true });
  await client().request('activity', { params: { tenant: 'acme' }, query: { user: 'ann', limit: 20, since: '2026-12-01T00:00:00Z' } });
  expect(received[1]).toMatchObject({ path: '/prod/admin/v1/tenants/acme/activity', query: { user: 'ann', limit: '20', since: '2026-12-01T00:00:00Z' }, signatureValid: true });
});

test('a refusal is an AdminApiError with the status, code and message the API gave', async () => {
  answer = { status: 409, body: JSON.stringify({ error: { code: 'version_conflict', message: 'settings changed since version 3', currentVersion: 4 } }) };
  const refused = await client().request('putSettings', { params: { tenant: 'acme' }, body: { expectedVersion: 3 } }).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(AdminApiError);
  expect(refused).toMatchObject({ status: 409, code: 'version_conflict', message: 'PUT /tenants/acme/settings: settings changed since version 3', body: { error: { currentVersion: 4 } } });
});

test("API Gateway's own refusal (no grant) and a body that is not JSON are errors too, not parse failures", async () => {
  answer = { status: 403, body: JSON.stringify({ message: 'User: arn:aws:sts::1:assumed-role/app is not authorized' }) };
  await expect(client().request('listTenants')).rejects.toMatchObject({ status: 403, code: 'http_403', message: expect.stringContaining('not authorized') });
  answer = { status: 502, body: '<html>Bad Gateway</html>' };
  await expect(client().request('listTenants')).rejects.toMatchObject({ status: 502, body: '<html>Bad Gateway</html>' });
});

test('a 204 answers undefined; a missing path parameter fails before anything is sent', async () => {
  answer = { status: 204 };
  await expect(client().request('deleteTenant', { params: { tenant: 'acme' }, query: { force: true } })).resolves.toBeUndefined();
  expect(received[0].query).toEqual({ force: 'true' });
  await expect(client().request('getTenant')).rejects.toThrow('getTenant needs params.tenant');
  expect(received).toHaveLength(1);
});
