import type { APIGatewayProxyEvent } from 'aws-lambda';
import { adminGatewayHandler, adminRequestOf, type AdminRequestLine } from '../../lambdas/admin/admin-gateway';
import type { AdminRequest } from '../../lambdas/admin/admin-api';

function event(overrides: Partial<APIGatewayProxyEvent>): APIGatewayProxyEvent {
  return {
    httpMethod: 'GET',
    resource: '/admin/v1/tenants',
    path: '/admin/v1/tenants',
    pathParameters: null,
    queryStringParameters: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'r-1', identity: { userArn: 'arn:aws:sts::123456789012:assumed-role/saas-backend/session' } },
    ...overrides,
  } as unknown as APIGatewayProxyEvent;
}

test('the path is rebuilt from the route, relative to the base path, parameters percent-encoded', () => {
  const request = adminRequestOf(
    event({
      resource: '/admin/v1/tenants/{tenant}/users/{user}',
      // A custom domain's base path mapping changes event.path, not the route.
      path: '/scim-admin/admin/v1/tenants/acme/users/jane@example.com',
      pathParameters: { tenant: 'acme', user: 'jane/doe@example.com' },
      queryStringParameters: { search: 'ja' },
    }),
  );
  expect(request).toEqual({ method: 'GET', path: '/tenants/acme/users/jane%2Fdoe%40example.com', query: { search: 'ja' }, body: undefined });
});

test('JSON bodies, base64 or not, reach the implementation parsed', () => {
  const body = { name: 'acme' };
  expect(adminRequestOf(event({ httpMethod: 'POST', body: JSON.stringify(body) })).body).toEqual(body);
  expect(adminRequestOf(event({ httpMethod: 'POST', body: Buffer.from(JSON.stringify(body)).toString('base64'), isBase64Encoded: true })).body).toEqual(body);
});

test('answers JSON, a malformed body 400 and a failure 500 without its message; logs neither body nor path', async () => {
  const lines: AdminRequestLine[] = [];
  const errors: unknown[] = [];
  const seen: AdminRequest[] = [];
  const handler = adminGatewayHandler(
    async (request) => {
      seen.push(request);
      if (request.path === '/tenants/boom') throw new Error('secret detail');
      return { status: 201, body: { tenant: 'acme', token: 'shown-once' } };
    },
    { log: (line) => lines.push(line), error: (_message, error) => errors.push(error), now: () => 0 },
  );

  const created = await handler(event({ httpMethod: 'POST', body: '{"name":"acme"}' }));
  expect(created).toEqual({ statusCode: 201, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }, body: '{"tenant":"acme","token":"shown-once"}' });

  const malformed = await handler(event({ httpMethod: 'POST', body: '{"name":' }));
  expect(malformed.statusCode).toBe(400);
  expect(JSON.parse(malformed.body)).toEqual({ error: { code: 'invalid_request', message: 'The request body is not valid JSON.' } });
  expect(seen).toHaveLength(1);

  const failed = await handler(event({ resource: '/admin/v1/tenants/{tenant}', pathParameters: { tenant: 'boom' } }));
  expect(failed.statusCode).toBe(500);
  expect(failed.body).not.toContain('secret detail');
  expect(errors).toHaveLength(1);

  expect(lines.map((line) => [line.method, line.resource, line.status, line.tenant])).toEqual([
    ['POST', '/admin/v1/tenants', 201, undefined],
    ['POST', '/admin/v1/tenants', 400, undefined],
    ['GET', '/admin/v1/tenants/{tenant}', 500, 'boom'],
  ]);
  expect(lines[0].caller).toBe('arn:aws:sts::123456789012:assumed-role/saas-backend/session');
  expect(JSON.stringify(lines)).not.toContain('shown-once');
});
