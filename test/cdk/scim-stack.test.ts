import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { allRoutes, scimFunctions, SCIM_BASE_PATH, type FunctionName } from '../../lambdas/routes';
import { ERROR_SCHEMA } from '../../lambdas/scim/errors';
import { tableKeys } from '../../lambdas/store/table-design';
import { createTableInput } from '../../lambdas/store/table-definition';
import { ScimStack } from '../../lib/scim-stack';

// aws-cdk-lib's CloudFormation schema validation costs ~9 s per synth and checks nothing asserted here.
process.env.CDK_VALIDATION = 'false';

type Resource = { Type: string; Properties?: any; DeletionPolicy?: string; UpdateReplacePolicy?: string; DependsOn?: string[] };
type Json = { Resources: Record<string, Resource>; Outputs: Record<string, any> };

const functionNames = Object.keys(scimFunctions) as FunctionName[];

/** Every gateway response type AWS documents (supported-gateway-response-types). */
const ALL_RESPONSE_TYPES = [
  'ACCESS_DENIED',
  'API_CONFIGURATION_ERROR',
  'AUTHORIZER_CONFIGURATION_ERROR',
  'AUTHORIZER_FAILURE',
  'BAD_REQUEST_PARAMETERS',
  'BAD_REQUEST_BODY',
  'DEFAULT_4XX',
  'DEFAULT_5XX',
  'EXPIRED_TOKEN',
  'INTEGRATION_FAILURE',
  'INTEGRATION_TIMEOUT',
  'INVALID_API_KEY',
  'INVALID_SIGNATURE',
  'MISSING_AUTHENTICATION_TOKEN',
  'QUOTA_EXCEEDED',
  'REQUEST_TOO_LARGE',
  'RESOURCE_NOT_FOUND',
  'THROTTLED',
  'UNAUTHORIZED',
  'UNSUPPORTED_MEDIA_TYPE',
  'WAF_FILTERED',
];

let stack: ScimStack;
let template: Template;
let json: Json;

function ofType(type: string): Array<[string, Resource]> {
  return Object.entries(json.Resources).filter(([, resource]) => resource.Type === type);
}

function functionLogicalId(name: FunctionName): string {
  return stack.getLogicalId(stack.functions[name].node.defaultChild as CfnFunction);
}

/** The statements of every IAM policy attached to the function's role. */
function roleStatements(name: FunctionName): any[] {
  const roleLogicalId = stack.getLogicalId(stack.functions[name].role!.node.defaultChild as any);
  return ofType('AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleLogicalId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}

const actionsOf = (statement: any): string[] => [statement.Action].flat();

/** API Gateway resource logical id -> full path, rebuilt from ParentId/PathPart. */
function resourcePaths(): Map<string, string> {
  const resources = new Map(ofType('AWS::ApiGateway::Resource'));
  const paths = new Map<string, string>();
  const pathOf = (logicalId: string): string => {
    const known = paths.get(logicalId);
    if (known) return known;
    const { ParentId, PathPart } = resources.get(logicalId)!.Properties;
    const parent = ParentId.Ref ? pathOf(ParentId.Ref) : '';
    const path = `${parent}/${PathPart}`;
    paths.set(logicalId, path);
    return path;
  };
  for (const logicalId of resources.keys()) pathOf(logicalId);
  return paths;
}

/** `METHOD /path -> function logical id` for every method in the template. */
function methods(): Map<string, { target: string; resource: Resource }> {
  const paths = resourcePaths();
  const found = new Map<string, { target: string; resource: Resource }>();
  for (const [, method] of ofType('AWS::ApiGateway::Method')) {
    const { HttpMethod, ResourceId, Integration } = method.Properties;
    const path = ResourceId.Ref ? paths.get(ResourceId.Ref) : '/';
    const target = JSON.stringify(Integration.Uri).match(/"Fn::GetAtt":\["([^"]+)","Arn"\]/)?.[1] ?? '';
    found.set(`${HttpMethod} ${path}`, { target, resource: method });
  }
  return found;
}

beforeAll(() => {
  // The same feature flags `cdk synth` runs with.
  const { context } = JSON.parse(readFileSync(join(__dirname, '../../cdk.json'), 'utf8'));
  const app = new App({ context });
  stack = new ScimStack(app, 'ScimTest');
  template = Template.fromStack(stack);
  json = template.toJSON() as Json;
});

describe('table', () => {
  test('keeps the pinned logical id, so a refactor cannot replace it and lose the data', () => {
    expect(ofType('AWS::DynamoDB::Table').map(([logicalId]) => logicalId)).toEqual(['ScimTable']);
  });

  test('is keyed by tableKeys, exactly as the embedded store creates it', () => {
    const local = createTableInput('unused');
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: local.KeySchema,
      AttributeDefinitions: local.AttributeDefinitions,
      GlobalSecondaryIndexes: Match.absent(),
      StreamSpecification: { StreamViewType: local.StreamSpecification!.StreamViewType },
      TimeToLiveSpecification: { AttributeName: tableKeys.timeToLive, Enabled: true },
    });
    expect(local.KeySchema).toEqual([
      { AttributeName: tableKeys.partitionKey, KeyType: 'HASH' },
      { AttributeName: tableKeys.sortKey, KeyType: 'RANGE' },
    ]);
  });

  test('is protected: on-demand, encrypted with KMS, PITR, deletion protection, retained', () => {
    const table = json.Resources.ScimTable;
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  test('streams old and new images and expires items on expiresAt', () => {
    expect(json.Resources.ScimTable.Properties).toMatchObject({
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });
});

describe('token secret', () => {
  test('is generated by Secrets Manager: no value in the template, pinned logical id', () => {
    const secrets = ofType('AWS::SecretsManager::Secret');
    expect(secrets.map(([logicalId]) => logicalId)).toEqual(['DefaultTenantToken']);
    const properties = secrets[0][1].Properties;
    expect(properties.SecretString).toBeUndefined();
    expect(properties.GenerateSecretString).toMatchObject({
      SecretStringTemplate: JSON.stringify({ tenant: 'default' }),
      GenerateStringKey: 'token',
      ExcludePunctuation: true,
    });
    expect(properties.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(40);
  });

  test('never reaches the template as a value or a dynamic reference', () => {
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/"SecretString"\s*:/);
    // {{resolve:secretsmanager:…}} would put the token into a property (an env var) at deploy time.
    expect(text).not.toContain('resolve:secretsmanager');
  });
});

describe('functions', () => {
  test('one per scimFunctions entry and the stream cleanup consumer, and no others', () => {
    const cleanupId = stack.getLogicalId(stack.cleanupFunction.node.defaultChild as CfnFunction);
    expect(ofType('AWS::Lambda::Function').map(([logicalId]) => logicalId).sort()).toEqual([...functionNames.map(functionLogicalId), cleanupId].sort());
  });

  test('the cleanup consumer reads the table stream, filtered, retrying failed records alone, with a dead-letter queue', () => {
    const cleanupId = stack.getLogicalId(stack.cleanupFunction.node.defaultChild as CfnFunction);
    const [[, mapping]] = ofType('AWS::Lambda::EventSourceMapping');
    expect(mapping.Properties.FunctionName.Ref).toBe(cleanupId);
    expect(mapping.Properties.EventSourceArn['Fn::GetAtt'][0]).toBe('ScimTable');
    expect(mapping.Properties).toMatchObject({ BisectBatchOnFunctionError: true, FunctionResponseTypes: ['ReportBatchItemFailures'], StartingPosition: 'TRIM_HORIZON' });
    expect(mapping.Properties.DestinationConfig.OnFailure.Destination).toBeDefined();
    const patterns = mapping.Properties.FilterCriteria.Filters.map((filter: { Pattern: string }) => JSON.parse(filter.Pattern));
    expect(patterns).toEqual(
      expect.arrayContaining([
        { eventName: ['REMOVE'], dynamodb: { OldImage: { resourceType: { S: ['User', 'Group'] } } } },
        { eventName: ['INSERT'], dynamodb: { NewImage: { itemType: { S: ['Membership'] } } } },
      ]),
    );
    const variables = json.Resources[cleanupId].Properties.Environment.Variables;
    expect(variables.TOKEN_SECRET_ID).toBeUndefined();
  });

  test.each(functionNames)('%s: arm64, Node 24, 1024 MB, 28 s, bundled handler', (name) => {
    const fn = json.Resources[functionLogicalId(name)].Properties;
    expect(fn).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 28,
      Handler: 'index.handler',
    });
    expect(fn.Timeout).toBeLessThan(29);
  });

  test.each(functionNames)('%s: environment holds names and ARNs, never the token', (name) => {
    const variables = json.Resources[functionLogicalId(name)].Properties.Environment.Variables;
    expect(variables).toEqual({
      TABLE_NAME: { Ref: 'ScimTable' },
      TOKEN_SECRET_ID: { Ref: 'DefaultTenantToken' },
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'scim',
    });
  });

  test.each(functionNames)('%s: logs to its own log group with a finite retention', (name) => {
    const logGroupRef = json.Resources[functionLogicalId(name)].Properties.LoggingConfig.LogGroup.Ref;
    expect(json.Resources[logGroupRef].Type).toBe('AWS::Logs::LogGroup');
    expect(json.Resources[logGroupRef].Properties.RetentionInDays).toBeGreaterThan(0);
  });

  test('every log group in the stack expires its events', () => {
    const logGroups = ofType('AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThanOrEqual(functionNames.length + 2);
    for (const [, logGroup] of logGroups) expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  test.each(functionNames)('%s: reads the token secret and nothing else of Secrets Manager', (name) => {
    const secretStatements = roleStatements(name).filter((statement) => actionsOf(statement).some((action) => action.startsWith('secretsmanager:')));
    expect(secretStatements).toHaveLength(1);
    expect(actionsOf(secretStatements[0]).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    expect(secretStatements[0].Resource).toEqual({ Ref: 'DefaultTenantToken' });
  });

  test.each(functionNames)('%s: its role carries no managed policies', (name) => {
    const roleLogicalId = stack.getLogicalId(stack.functions[name].role!.node.defaultChild as any);
    expect(json.Resources[roleLogicalId].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('discovery has no DynamoDB permission at all', () => {
    const dynamo = roleStatements('discovery').flatMap(actionsOf).filter((action) => action.startsWith('dynamodb:'));
    expect(dynamo).toEqual([]);
  });

  test.each(['users', 'groups', 'bulk'] as FunctionName[])('%s reads and writes the table and its indexes only', (name) => {
    const statements = roleStatements(name).filter((statement) => actionsOf(statement).some((action) => action.startsWith('dynamodb:')));
    expect(statements.flatMap(actionsOf)).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:DeleteItem']));
    expect(JSON.stringify(statements.map((statement) => statement.Resource))).not.toContain('"*"');
    for (const statement of statements) {
      for (const resource of [statement.Resource].flat()) expect(JSON.stringify(resource)).toContain('ScimTable');
    }
  });
});

describe('REST API', () => {
  test('a method for every route, proxied to the function that owns it, with no authorizer', () => {
    const found = methods();
    for (const route of allRoutes()) {
      const method = found.get(`${route.method} ${route.resource}`);
      expect({ route: `${route.method} ${route.resource}`, target: method?.target }).toEqual({
        route: `${route.method} ${route.resource}`,
        target: functionLogicalId(route.function),
      });
      expect(method!.resource.Properties.AuthorizationType).toBe('NONE');
      expect(method!.resource.Properties.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
    }
  });

  test.each([
    ['POST /scim/v2/Users/.search', 'users'],
    ['POST /scim/v2/Groups/.search', 'groups'],
    ['POST /scim/v2/.search', 'bulk'],
    ['POST /scim/v2/Bulk', 'bulk'],
  ] as Array<[string, FunctionName]>)('%s reaches the %s function (RFC 7644 §3.4.3, §3.7)', (route, name) => {
    expect(methods().get(route)?.target).toBe(functionLogicalId(name));
  });

  test('no method beyond the routes, except ANY on each routed path for the function to answer 405', () => {
    const routed = allRoutes();
    const expected = new Map<string, string>(routed.map((route) => [`${route.method} ${route.resource}`, functionLogicalId(route.function)]));
    for (const route of routed) expected.set(`ANY ${route.resource}`, functionLogicalId(route.function));
    const actual = new Map([...methods()].map(([key, { target }]) => [key, target]));
    expect(Object.fromEntries([...actual].sort())).toEqual(Object.fromEntries([...expected].sort()));
    for (const key of actual.keys()) expect(key.split(' ')[1].startsWith(`${SCIM_BASE_PATH}/`)).toBe(true);
  });

  test('regional, no binary media types', () => {
    const [[, api]] = ofType('AWS::ApiGateway::RestApi');
    expect(api.Properties.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
    expect(api.Properties.BinaryMediaTypes).toBeUndefined();
  });

  test('stage prod: throttled, error-level execution logs without data trace', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          ThrottlingRateLimit: Match.anyValue(),
          ThrottlingBurstLimit: Match.anyValue(),
        }),
      ],
    });
    const [[, stage]] = ofType('AWS::ApiGateway::Stage');
    const [settings] = stage.Properties.MethodSettings;
    expect(settings.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(settings.ThrottlingBurstLimit).toBeGreaterThanOrEqual(settings.ThrottlingRateLimit);
  });

  test('the execution log group exists before the stage, so API Gateway cannot create it without retention', () => {
    const [[stageLogicalId, stage]] = ofType('AWS::ApiGateway::Stage');
    const executionLogs = ofType('AWS::Logs::LogGroup').find(([, logGroup]) =>
      JSON.stringify(logGroup.Properties.LogGroupName ?? '').includes('API-Gateway-Execution-Logs_'),
    );
    expect(executionLogs).toBeDefined();
    expect(JSON.stringify(executionLogs![1].Properties.LogGroupName)).toContain('/prod');
    expect(stage.DependsOn).toContain(executionLogs![0]);
    expect(stageLogicalId).toBeTruthy();
  });

  test('access log is JSON with the request id, and no headers, query strings or bodies', () => {
    const [[, stage]] = ofType('AWS::ApiGateway::Stage');
    const format: string = stage.Properties.AccessLogSetting.Format;
    const fields = JSON.parse(format);
    expect(fields.requestId).toBe('$context.requestId');
    expect(format).not.toMatch(/\$input|\$method\.request|header|querystring|authorization|body/i);
    expect(format).not.toContain('$context.error.message');
    const destination = JSON.stringify(stage.Properties.AccessLogSetting.DestinationArn);
    const logGroup = json.Resources[destination.match(/"Ref":"(\w+)"\}\]\]\}$/)![1]];
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
  });
});

describe('gateway responses', () => {
  const responses = () =>
    new Map(ofType('AWS::ApiGateway::GatewayResponse').map(([, response]) => [response.Properties.ResponseType as string, response.Properties]));

  test('every response type API Gateway can produce is replaced', () => {
    expect([...responses().keys()].sort()).toEqual([...ALL_RESPONSE_TYPES].sort());
  });

  test.each(ALL_RESPONSE_TYPES)('%s: SCIM error body whose status is the response status, as a string', (type) => {
    const response = responses().get(type)!;
    expect(response.ResponseParameters['gatewayresponse.header.Content-Type']).toBe("'application/scim+json'");
    expect(response.StatusCode).toMatch(/^[45]\d\d$/);
    for (const key of ['application/json', 'application/scim+json']) {
      const body = JSON.parse(response.ResponseTemplates[key]);
      expect(body.schemas).toEqual([ERROR_SCHEMA]);
      expect(typeof body.status).toBe('string');
      expect(body.status).toBe(response.StatusCode);
      expect(typeof body.detail).toBe('string');
    }
  });

  test.each([
    ['MISSING_AUTHENTICATION_TOKEN', '404'],
    ['RESOURCE_NOT_FOUND', '404'],
    ['UNAUTHORIZED', '401'],
    ['ACCESS_DENIED', '403'],
    ['REQUEST_TOO_LARGE', '413'],
    ['THROTTLED', '429'],
    ['QUOTA_EXCEEDED', '429'],
    ['INTEGRATION_FAILURE', '502'],
    ['INTEGRATION_TIMEOUT', '504'],
    ['BAD_REQUEST_BODY', '400'],
    ['BAD_REQUEST_PARAMETERS', '400'],
  ])('%s answers %s', (type, status) => {
    expect(responses().get(type)!.StatusCode).toBe(status);
  });

  test('unknown paths say so', () => {
    const body = JSON.parse(responses().get('MISSING_AUTHENTICATION_TOKEN')!.ResponseTemplates['application/json']);
    expect(body.detail).toMatch(/No SCIM endpoint/);
  });

  test.each(['THROTTLED', 'QUOTA_EXCEEDED'])('%s tells the client when to retry', (type) => {
    expect(responses().get(type)!.ResponseParameters['gatewayresponse.header.Retry-After']).toMatch(/^'\d+'$/);
  });

  test('401 names the Bearer scheme (RFC 6750 §3)', () => {
    expect(responses().get('UNAUTHORIZED')!.ResponseParameters['gatewayresponse.header.WWW-Authenticate']).toMatch(/^'Bearer /);
  });

  test.each(['BAD_REQUEST_BODY', 'BAD_REQUEST_PARAMETERS'])('%s is invalidSyntax', (type) => {
    expect(JSON.parse(responses().get(type)!.ResponseTemplates['application/json']).scimType).toBe('invalidSyntax');
  });
});

describe('outputs', () => {
  test('the SCIM base URL is the stage URL plus /scim/v2', () => {
    const value = JSON.stringify(json.Outputs.ScimBaseUrl.Value);
    expect(value).toContain('execute-api');
    expect(value).toMatch(/\/scim\/v2"\]\]\}$/);
  });

  test('the secret is named by ARN, with the command that reads it, never its value', () => {
    expect(json.Outputs.TokenSecretArn.Value).toEqual({ Ref: 'DefaultTenantToken' });
    const command = JSON.stringify(json.Outputs.TokenReadCommand.Value);
    expect(command).toContain('aws secretsmanager get-secret-value');
    expect(command).toContain('{"Ref":"DefaultTenantToken"}');
    expect(command).toContain('--query SecretString');
  });
});

test('is environment-agnostic, so synth needs no credentials', () => {
  expect(Token.isUnresolved(stack.account)).toBe(true);
  expect(Token.isUnresolved(stack.region)).toBe(true);
});
