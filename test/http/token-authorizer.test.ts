import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, APIGatewayTokenAuthorizerEvent, Context } from 'aws-lambda';
import { DEFAULT_TOKEN_POLICY, tenantSecretId } from '../../lambdas/contracts/tenancy';
import { ERROR_SCHEMA, ScimError } from '../../lambdas/scim/errors';
import { withNewToken } from '../../lambdas/tenancy/tenant-secret';
import { FakeSecretsManager } from '../support/fake-secrets-manager';

/**
 * The deployed authorizer and a SCIM function behind it, as API Gateway drives them: the real
 * handlers over their real wiring, with only Secrets Manager faked.
 */
const PREFIX = 'scim/Authorizer';
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/scim/v2/Users';
const STAGE_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/*';

type Authorizer = (event: APIGatewayTokenAuthorizerEvent) => Promise<any>;
type ScimLambda = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

let fake: FakeSecretsManager;
let authorizer: Authorizer;
let discovery: ScimLambda;

/** A tenant's secret as the rotation writes it, issued `ageMs` ago; returns its token. */
function tenantWithToken(tenant: string, ageMs = 0): string {
  const secret = withNewToken({ tenant, disabled: false }, DEFAULT_TOKEN_POLICY, Date.now() - ageMs);
  fake.seed(tenantSecretId(PREFIX, tenant), JSON.stringify(secret));
  return secret.current!.token;
}

const authorize = (authorizationToken: string) => authorizer({ type: 'TOKEN', methodArn: METHOD_ARN, authorizationToken });
const secretReads = () => fake.mock.commandCalls(GetSecretValueCommand).length;

function discoveryEvent(headers: Record<string, string>, authorizerContext?: Record<string, unknown>): APIGatewayProxyEvent {
  return {
    resource: '/scim/v2/ServiceProviderConfig',
    path: '/scim/v2/ServiceProviderConfig',
    httpMethod: 'GET',
    headers: { Host: 'scim.example.com', ...headers },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { path: '/prod/scim/v2/ServiceProviderConfig', stage: 'prod', authorizer: authorizerContext ?? null } as APIGatewayProxyEvent['requestContext'],
  };
}

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  delete process.env.LOCAL_SECRETS_DIR;
  process.env.TENANT_SECRET_PREFIX = PREFIX;
  // The discovery function reads no table; its configuration still names one.
  process.env.TABLE_NAME = 'unused';
  authorizer = (await import('../../lambdas/authorizer/handler')).handler as Authorizer;
  discovery = (await import('../../lambdas/discovery/handler')).handler as ScimLambda;
});
afterAll(() => {
  delete process.env.TENANT_SECRET_PREFIX;
  delete process.env.TABLE_NAME;
});
beforeEach(() => {
  fake = new FakeSecretsManager();
});
afterEach(() => fake.restore());

describe('the token authorizer', () => {
  it('allows a valid token, Bearer or bare as Okta sends it, for the whole stage, naming the tenant in its context', async () => {
    const token = tenantWithToken('acme');
    for (const header of [`Bearer ${token}`, token]) {
      expect(await authorize(header)).toEqual({
        principalId: 'acme',
        policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: STAGE_ARN }] },
        context: { tenant: 'acme' },
      });
    }
  });

  it('answers a missing or wrong token, or an unknown tenant, with "Unauthorized": API Gateway then answers 401', async () => {
    const token = tenantWithToken('globex');
    for (const header of ['', 'Bearer ', `Bearer ${token.slice(0, -1)}x`, `Bearer nobody.${'g'.repeat(43)}`, 'Basic dXNlcjpwYXNz']) {
      await expect(authorize(header)).rejects.toThrow(new Error('Unauthorized'));
    }
  });

  it('a repeated guess at an unknown tenant costs no further Secrets Manager read', async () => {
    const guess = `Bearer stranger.${'g'.repeat(43)}`;
    await expect(authorize(guess)).rejects.toThrow('Unauthorized');
    const reads = secretReads();
    for (let count = 0; count < 20; count++) await expect(authorize(guess)).rejects.toThrow('Unauthorized');
    expect(secretReads()).toBe(reads);
  });

  it('denies a dead token (here expired), which only a holder of a real token has, for the whole stage', async () => {
    const token = tenantWithToken('initech', DEFAULT_TOKEN_POLICY.validityMs + 1000);
    expect(await authorize(`Bearer ${token}`)).toEqual({
      principalId: 'initech',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: STAGE_ARN }] },
      // For the access log's tenant field; API Gateway answers 401 (ACCESS_DENIED) without running any function.
      context: { tenant: 'initech' },
    });
  });

  it('fails, never with "Unauthorized", when Secrets Manager is unreachable: API Gateway answers 5xx, not 401', async () => {
    const token = tenantWithToken('umbrella');
    fake.unreachable = true;
    const failure = await authorize(`Bearer ${token}`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ScimError);
    expect((failure as ScimError).status).toBe(503);
    expect((failure as Error).message).not.toBe('Unauthorized');
  });
});

describe('a SCIM function behind the authorizer', () => {
  const context = { awsRequestId: 'test' } as Context;

  it("trusts the tenant the authorizer named and reads no secret", async () => {
    const result = await discovery(discoveryEvent({}, { principalId: 'acme', tenant: 'acme' }), context);
    expect(result.statusCode).toBe(200);
    expect(secretReads()).toBe(0);
  });

  // Locally (npm start) the function verifies the token itself: test/integration/request-encoding.test.ts.
  it('refuses, reading no secret, a request that reached it without the authorizer, even with a valid token', async () => {
    const token = tenantWithToken('hooli');
    for (const headers of [{ Authorization: `Bearer ${token}` }, {}] as Record<string, string>[]) {
      const refused = await discovery(discoveryEvent(headers), context);
      expect(refused.statusCode).toBe(401);
      expect(refused.headers!['WWW-Authenticate']).toMatch(/^Bearer /);
      expect(JSON.parse(refused.body)).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
    }
    expect(secretReads()).toBe(0);
  });

  it('answers 500, and serves nothing, when the authorizer context names no valid tenant', async () => {
    const result = await discovery(discoveryEvent({}, { principalId: 'x', tenant: '../other' }), context);
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toMatchObject({ schemas: [ERROR_SCHEMA], status: '500' });
  });
});
