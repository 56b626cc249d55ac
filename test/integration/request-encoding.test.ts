import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { useScimServer } from '../support/scim-fixture';

const scim = useScimServer();
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  // The same module instance the local server loaded, configured by its environment.
  ({ handler } = await import('../../lambdas/users/handler'));
});

/** A REST API proxy event as API Gateway sends it when the body arrives base64-encoded. */
function event(method: string, body: string | null, isBase64Encoded: boolean, headers: Record<string, string> = {}): APIGatewayProxyEvent {
  return {
    resource: '/scim/v2/Users',
    path: '/scim/v2/Users',
    httpMethod: method,
    headers: { Authorization: `Bearer ${scim.server.token}`, Host: 'scim.example.com', 'X-Forwarded-Proto': 'https', ...headers },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body,
    isBase64Encoded,
    requestContext: { path: '/prod/scim/v2/Users', stage: 'prod' } as APIGatewayProxyEvent['requestContext'],
  };
}

const context = { awsRequestId: 'test' } as Context;

describe('request bodies as API Gateway delivers them', () => {
  it('accepts a base64-encoded scim+json body', async () => {
    const userName = `b64.${Date.now()}@example.com`;
    const body = Buffer.from(JSON.stringify({ userName, name: { givenName: 'Zoë' } })).toString('base64');
    const result = await handler(event('POST', body, true, { 'Content-Type': 'application/scim+json; charset=utf-8' }), context);
    expect(result.statusCode).toBe(201);
    const created = JSON.parse(result.body);
    expect(created).toMatchObject({ userName, name: { givenName: 'Zoë' } });
    // The stage in front of the route is part of the URL clients use.
    expect(created.meta.location).toBe(`https://scim.example.com/prod/scim/v2/Users/${created.id}`);
  });

  it('answers 400 invalidSyntax for base64 that decodes to malformed JSON', async () => {
    const result = await handler(event('POST', Buffer.from('{"userName":').toString('base64'), true, { 'content-type': 'application/json' }), context);
    expect(result.statusCode).toBe(400);
    expect(result.headers?.['Content-Type']).toBe('application/scim+json');
    expect(JSON.parse(result.body)).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
  });

  it('reads header names in any case', async () => {
    const userName = `case.${Date.now()}@example.com`;
    const result = await handler(event('POST', JSON.stringify({ userName }), false, { 'CONTENT-TYPE': 'application/scim+json' }), context);
    expect(result.statusCode).toBe(201);
  });
});
