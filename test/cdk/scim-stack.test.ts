import { Duration, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { allRoutes, scimFunctions, SCIM_BASE_PATH, type FunctionName } from '../../lambdas/contracts/routes';
import { ERROR_SCHEMA } from '../../lambdas/scim/errors';
import { tableKeys } from '../../lambdas/contracts/table-design';
import { createTableInput } from '../../lambdas/contracts/table-definition';
import { ScimStack } from '../../lib/scim-stack';
import { TenantTokens } from '../../lib/tenant-tokens';
import { cdkApp } from '../support/cdk-app';

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

/** The admin API's own REST API and everything on it (test/cdk/admin-api.test.ts covers them). */
function ofAdminApi(logicalId: string, resource: Resource): boolean {
  const adminApi = stack.getLogicalId(stack.endpoint.adminApi.api.node.defaultChild as any);
  return logicalId === adminApi || resource.Properties?.RestApiId?.Ref === adminApi;
}

/** Resources of a type; for API Gateway's, those of the SCIM API only. */
function ofType(type: string): Array<[string, Resource]> {
  return Object.entries(json.Resources).filter(([logicalId, resource]) => resource.Type === type && !(type.startsWith('AWS::ApiGateway::') && ofAdminApi(logicalId, resource)));
}

function functionLogicalId(name: FunctionName): string {
  return stack.getLogicalId(stack.endpoint.functions[name].node.defaultChild as CfnFunction);
}

/** The statements of every IAM policy attached to the function's role. */
function roleStatements(name: FunctionName): any[] {
  const roleLogicalId = stack.getLogicalId(stack.endpoint.functions[name].role!.node.defaultChild as any);
  return ofType('AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleLogicalId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}

const actionsOf = (statement: any): string[] => [statement.Action].flat();
/** What active tracing adds to every function's role (test/cdk/scim-operations.test.ts checks the tracing itself). */
const isTracing = (action: string) => action === 'xray:PutTraceSegments' || action === 'xray:PutTelemetryRecords';

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
  // The one synth with real bundles: every handler entry must bundle, as in `cdk synth`.
  stack = new ScimStack(cdkApp({ bundle: true }), 'ScimTest');
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

describe('tenant tokens', () => {
  const prefix = { 'Fn::Join': ['', ['scim/', { Ref: 'AWS::StackName' }]] };
  const tenantSecrets = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':secret:scim/', { Ref: 'AWS::StackName' }, '/tenants/*']] };
  const logicalIdOf = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnFunction);
  const statementsOf = (fn: { role?: { node: { defaultChild?: unknown } } }) => {
    const roleLogicalId = stack.getLogicalId(fn.role!.node.defaultChild as any);
    return ofType('AWS::IAM::Policy')
      .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleLogicalId))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
      .filter((statement) => actionsOf(statement).some((action) => action.startsWith('secretsmanager:')));
  };

  test("the default tenant's secret: pinned logical id, named under the prefix, its value generated and holding no token", () => {
    const secrets = ofType('AWS::SecretsManager::Secret');
    expect(secrets.map(([logicalId]) => logicalId)).toEqual(['DefaultTenantToken']);
    const properties = secrets[0][1].Properties;
    expect(properties.SecretString).toBeUndefined();
    expect(properties.Name).toEqual({ 'Fn::Join': ['', ['scim/', { Ref: 'AWS::StackName' }, '/tenants/default/token']] });
    expect(JSON.parse(properties.GenerateSecretString.SecretStringTemplate)).toEqual({ tenant: 'default', disabled: false });
  });

  test('no token material anywhere in the template: no value, no dynamic reference, nothing shaped like a token', () => {
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/"SecretString"\s*:/);
    // {{resolve:secretsmanager:…}} would put a token into a property (an env var) at deploy time.
    expect(text).not.toContain('resolve:secretsmanager');
    expect(text).not.toMatch(/[a-z0-9-]+\.[A-Za-z0-9_-]{43}/);
  });

  test("its rotation runs the rotation function, on demand only, and creating it does not issue a token", () => {
    const [[logicalId, schedule]] = ofType('AWS::SecretsManager::RotationSchedule');
    expect(schedule.Properties).toEqual({
      SecretId: { Ref: 'DefaultTenantToken' },
      RotationLambdaARN: { 'Fn::GetAtt': [logicalIdOf(stack.endpoint.tenantTokens.rotationFunction), 'Arn'] },
      RotateImmediatelyOnUpdate: false,
    });
    // Secrets Manager tests the function as the schedule is made: it must be allowed to invoke it, for this account only.
    const [[permissionId, permission]] = ofType('AWS::Lambda::Permission').filter(([, candidate]) => candidate.Properties.Principal === 'secretsmanager.amazonaws.com');
    expect(permission.Properties).toMatchObject({ FunctionName: { 'Fn::GetAtt': [logicalIdOf(stack.endpoint.tenantTokens.rotationFunction), 'Arn'] }, SourceAccount: { Ref: 'AWS::AccountId' } });
    expect(json.Resources[logicalId].DependsOn).toEqual(expect.arrayContaining([permissionId, logicalIdOf(stack.endpoint.tenantTokens.rotationFunction)]));
  });

  test("the rotation function may run the four steps on tenants' secrets and nothing else, with the token policy", () => {
    const [statement] = statementsOf(stack.endpoint.tenantTokens.rotationFunction);
    expect(statementsOf(stack.endpoint.tenantTokens.rotationFunction)).toHaveLength(1);
    expect(actionsOf(statement).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage']);
    expect(statement.Resource).toEqual(tenantSecrets);
    expect(json.Resources[logicalIdOf(stack.endpoint.tenantTokens.rotationFunction)].Properties.Environment.Variables).toMatchObject({ TOKEN_VALIDITY_DAYS: '365', TOKEN_OVERLAP_DAYS: '7' });
  });

  test("every six hours the expiry report reads tenants' tokens; the alarm fires below 30 days to expiry", () => {
    const expiry = logicalIdOf(stack.endpoint.tenantTokens.expiryFunction);
    const [[, rule]] = ofType('AWS::Events::Rule');
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(6 hours)', Targets: [{ Arn: { 'Fn::GetAtt': [expiry, 'Arn'] } }] });
    expect(json.Resources[expiry].Properties.Environment.Variables.TENANT_SECRET_PREFIX).toEqual(prefix);
    const statements = statementsOf(stack.endpoint.tenantTokens.expiryFunction);
    // CDK merges the tracing actions into the statement on "*" that ListSecrets needs, ahead of the others.
    const granted = statements.map((statement) => [actionsOf(statement).filter((action) => !isTracing(action)), statement.Resource]);
    expect(granted).toHaveLength(2);
    expect(granted).toEqual(
      expect.arrayContaining([
        [['secretsmanager:GetSecretValue'], tenantSecrets],
        [['secretsmanager:ListSecrets'], '*'],
      ]),
    );
    const alarm = json.Resources[stack.getLogicalId(stack.endpoint.tenantTokens.expiryAlarm.node.defaultChild as any)];
    expect(alarm.Properties).toMatchObject({
      Namespace: 'ServerlessScim',
      MetricName: 'TokenDaysToExpiry',
      Dimensions: [{ Name: 'Prefix', Value: prefix }],
      Statistic: 'Minimum',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 30,
    });
  });

  test('validity, overlap and a rotation schedule are the deployer\'s to choose', () => {
    const other = new Stack(cdkApp(), 'Tokens');
    const tokens = new TenantTokens(other, 'TenantTokens', {
      logRetention: RetentionDays.ONE_MONTH,
      tokenValidity: Duration.days(90),
      tokenOverlap: Duration.days(2),
      automaticRotation: Duration.days(60),
    });
    const template = Template.fromStack(other).toJSON() as Json;
    const rotation = template.Resources[other.getLogicalId(tokens.rotationFunction.node.defaultChild as CfnFunction)];
    expect(rotation.Properties.Environment.Variables).toMatchObject({ TOKEN_VALIDITY_DAYS: '90', TOKEN_OVERLAP_DAYS: '2' });
    const [schedule] = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::SecretsManager::RotationSchedule');
    expect(schedule.Properties.RotationRules).toEqual({ AutomaticallyAfterDays: 60 });
  });
});

describe('functions', () => {
  test('one per scimFunctions entry, the token authorizer, the two stream consumers, the two token functions, the admin API and the migrations, and no others', () => {
    const { endpoint } = stack;
    const others = [endpoint.authorizerFunction, endpoint.cleanupFunction, endpoint.eventsFunction, endpoint.tenantTokens.rotationFunction, endpoint.tenantTokens.expiryFunction, endpoint.adminApi.function, endpoint.migrations.function].map((fn) =>
      stack.getLogicalId(fn.node.defaultChild as CfnFunction),
    );
    // And the CDK's own provider of AwsCustomResource (it puts the migrations' start event on deploy).
    const provider = ofType('AWS::Lambda::Function').filter(([logicalId]) => logicalId.startsWith('AWS679f53fac002430cb0da5b7982bd2287'));
    expect(provider).toHaveLength(1);
    expect(ofType('AWS::Lambda::Function').map(([logicalId]) => logicalId).sort()).toEqual([...functionNames.map(functionLogicalId), ...others, provider[0][0]].sort());
  });

  test.each(functionNames)('%s: 50 executions reserved by default (functionConcurrency)', (name) => {
    expect(json.Resources[functionLogicalId(name)].Properties.ReservedConcurrentExecutions).toBe(50);
  });

  test('the stream consumers and the token functions, which no request reaches, reserve nothing', () => {
    for (const fn of [stack.endpoint.cleanupFunction, stack.endpoint.eventsFunction, stack.endpoint.tenantTokens.rotationFunction, stack.endpoint.tenantTokens.expiryFunction]) {
      expect(json.Resources[stack.getLogicalId(fn.node.defaultChild as CfnFunction)].Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  test('the cleanup consumer reads the table stream, filtered, retrying failed records alone, with a dead-letter queue', () => {
    const cleanupId = stack.getLogicalId(stack.endpoint.cleanupFunction.node.defaultChild as CfnFunction);
    const [[, mapping]] = ofType('AWS::Lambda::EventSourceMapping').filter(([, candidate]) => candidate.Properties.FunctionName.Ref === cleanupId);
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
    expect(variables.TENANT_SECRET_PREFIX).toBeUndefined();
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
      // The functions that write record refused writes in the activity trail, kept this many days.
      ...(name === 'discovery' ? {} : { ACTIVITY_RETENTION_DAYS: '400' }),
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

  test.each(functionNames)('%s: reads no secret; the authorizer alone reads tokens', (name) => {
    expect(roleStatements(name).flatMap(actionsOf).filter((action) => action.startsWith('secretsmanager:'))).toEqual([]);
  });

  test.each(functionNames)('%s: its role carries no managed policies', (name) => {
    const roleLogicalId = stack.getLogicalId(stack.endpoint.functions[name].role!.node.defaultChild as any);
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

describe('token authorizer', () => {
  const authorizerId = () => stack.getLogicalId(stack.endpoint.authorizerFunction.node.defaultChild as CfnFunction);

  test('one TOKEN authorizer on the Authorization header, its answers cached for five minutes, invoking the authorizer function', () => {
    const authorizers = ofType('AWS::ApiGateway::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [[, authorizer]] = authorizers;
    expect(authorizer.Properties).toMatchObject({
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
    });
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(`"Fn::GetAtt":["${authorizerId()}","Arn"]`);
    const [[, permission]] = ofType('AWS::Lambda::Permission').filter(([, candidate]) => JSON.stringify(candidate.Properties.FunctionName).includes(authorizerId()));
    expect(permission.Properties.Principal).toBe('apigateway.amazonaws.com');
  });

  test('guards every method, the discovery routes and the 405 ANY methods included, as the functions did themselves', () => {
    const [[authorizerLogicalId]] = ofType('AWS::ApiGateway::Authorizer');
    const found = [...methods()];
    expect(found.length).toBeGreaterThan(allRoutes().length);
    for (const [key, { resource }] of found) {
      expect({ key, type: resource.Properties.AuthorizationType, authorizer: resource.Properties.AuthorizerId }).toEqual({ key, type: 'CUSTOM', authorizer: { Ref: authorizerLogicalId } });
    }
  });

  test("reads tenants' token secrets and nothing else: no table, no other Secrets Manager action", () => {
    const roleLogicalId = stack.getLogicalId(stack.endpoint.authorizerFunction.role!.node.defaultChild as any);
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleLogicalId))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap(actionsOf);
    expect(actions.filter((action) => !action.startsWith('logs:') && !isTracing(action))).toEqual(['secretsmanager:GetSecretValue']);
    const secrets = statements.find((statement) => actionsOf(statement).includes('secretsmanager:GetSecretValue'));
    expect(JSON.stringify(secrets.Resource)).toMatch(/:secret:scim\/",\{"Ref":"AWS::StackName"\},"\/tenants\/\*"\]\]\}$/);
  });

  test('trusts no secret it read beyond what the gateway cache leaves of five minutes, has no table, and reserves its concurrency', () => {
    const fn = json.Resources[authorizerId()].Properties;
    expect(fn.Environment.Variables).toEqual({
      TENANT_SECRET_PREFIX: { 'Fn::Join': ['', ['scim/', { Ref: 'AWS::StackName' }]] },
      TOKEN_CACHE_SECONDS: '0',
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'scim',
    });
    const [[, authorizer]] = ofType('AWS::ApiGateway::Authorizer');
    expect(authorizer.Properties.AuthorizerResultTtlInSeconds + Number(fn.Environment.Variables.TOKEN_CACHE_SECONDS)).toBeLessThanOrEqual(300);
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], ReservedConcurrentExecutions: 50 });
  });
});

describe('web ACL', () => {
  const webAclOf = (resources: Json['Resources']) => Object.values(resources).filter((resource) => resource.Type === 'AWS::WAFv2::WebACL');

  test('on by default: regional, allowing by default, one rate rule per source IP over five minutes, a third of the stage throttle', () => {
    const [[, webAcl]] = ofType('AWS::WAFv2::WebACL');
    expect(webAcl.Properties).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    expect(webAcl.Properties.Rules).toHaveLength(1);
    const [rule] = webAcl.Properties.Rules;
    expect(rule.Statement).toEqual({ RateBasedStatement: { AggregateKeyType: 'IP', Limit: 10_000, EvaluationWindowSec: 300 } });
    const [[, stage]] = ofType('AWS::ApiGateway::Stage');
    expect(rule.Statement.RateBasedStatement.Limit).toBe((stage.Properties.MethodSettings[0].ThrottlingRateLimit * 300) / 3);
  });

  test('answers a blocked source 429 with Retry-After and a SCIM error body (RFC 7644 §3.12)', () => {
    const [[, webAcl]] = ofType('AWS::WAFv2::WebACL');
    const { CustomResponse } = webAcl.Properties.Rules[0].Action.Block;
    expect(CustomResponse.ResponseCode).toBe(429);
    expect(CustomResponse.ResponseHeaders).toEqual([{ Name: 'Retry-After', Value: expect.stringMatching(/^\d+$/) }]);
    const body = webAcl.Properties.CustomResponseBodies[CustomResponse.CustomResponseBodyKey];
    expect(body.ContentType).toBe('APPLICATION_JSON');
    const error = JSON.parse(body.Content);
    expect(error).toEqual({ schemas: [ERROR_SCHEMA], status: '429', detail: expect.stringMatching(/Retry-After/) });
  });

  test('keeps no sampled requests: they would hold the Authorization header', () => {
    const [[, webAcl]] = ofType('AWS::WAFv2::WebACL');
    for (const config of [webAcl.Properties.VisibilityConfig, ...webAcl.Properties.Rules.map((rule: any) => rule.VisibilityConfig)]) {
      expect(config).toMatchObject({ SampledRequestsEnabled: false, CloudWatchMetricsEnabled: true });
    }
  });

  test('is associated with the stage, which its ARN references, so CloudFormation makes the stage first', () => {
    const [[webAclId]] = ofType('AWS::WAFv2::WebACL');
    const [[stageId]] = ofType('AWS::ApiGateway::Stage');
    const [[apiId]] = ofType('AWS::ApiGateway::RestApi');
    const associations = ofType('AWS::WAFv2::WebACLAssociation');
    expect(associations).toHaveLength(1);
    const [[, association]] = associations;
    expect(association.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [webAclId, 'Arn'] });
    const arn = JSON.stringify(association.Properties.ResourceArn);
    expect(arn).toContain(`{"Ref":"${apiId}"}`);
    expect(arn).toContain(`"/stages/",{"Ref":"${stageId}"}`);
  });

  test('takes its limit from wafRateLimit, and follows the stage throttle when unset', () => {
    const limitOf = (props: ConstructorParameters<typeof ScimStack>[2]) => {
      const [webAcl] = webAclOf((Template.fromStack(new ScimStack(cdkApp(), 'Waf', props)).toJSON() as Json).Resources);
      return webAcl.Properties.Rules[0].Statement.RateBasedStatement.Limit;
    };
    expect(limitOf({ wafRateLimit: 2_500 })).toBe(2_500);
    expect(limitOf({ throttlingRateLimit: 300 })).toBe(30_000);
  });

  test('is absent with webAcl: false, for accounts that manage WAF centrally', () => {
    const resources = (Template.fromStack(new ScimStack(cdkApp(), 'NoWaf', { webAcl: false, wafRateLimit: 500 })).toJSON() as Json).Resources;
    expect(webAclOf(resources)).toEqual([]);
    expect(Object.values(resources).filter((resource) => resource.Type === 'AWS::WAFv2::WebACLAssociation')).toEqual([]);
  });

  test('refuses a limit WAF would refuse, at synth rather than at deploy', () => {
    expect(() => new ScimStack(cdkApp(), 'LowWaf', { wafRateLimit: 5 })).toThrow(/wafRateLimit/);
    expect(() => new ScimStack(cdkApp(), 'OddWaf', { wafRateLimit: 100.5 })).toThrow(/wafRateLimit/);
  });
});

describe('function concurrency', () => {
  const httpFunctions = (other: ScimStack) => [...functionNames.map((name) => other.endpoint.functions[name]), other.endpoint.authorizerFunction];
  const reservedOf = (other: ScimStack) => {
    const resources = (Template.fromStack(other).toJSON() as Json).Resources;
    return httpFunctions(other).map((fn) => resources[other.getLogicalId(fn.node.defaultChild as CfnFunction)].Properties.ReservedConcurrentExecutions);
  };

  test('functionConcurrency sets every SCIM function and the authorizer', () => {
    expect(reservedOf(new ScimStack(cdkApp(), 'Concurrency', { functionConcurrency: 7 }))).toEqual(Array(functionNames.length + 1).fill(7));
  });

  test('0 reserves nothing and caps nothing (a reserved concurrency of 0 would stop the functions)', () => {
    expect(reservedOf(new ScimStack(cdkApp(), 'NoConcurrency', { functionConcurrency: 0 }))).toEqual(Array(functionNames.length + 1).fill(undefined));
  });

  test('refuses a negative or fractional value at synth', () => {
    expect(() => new ScimStack(cdkApp(), 'Negative', { functionConcurrency: -1 })).toThrow(/functionConcurrency/);
    expect(() => new ScimStack(cdkApp(), 'Fraction', { functionConcurrency: 2.5 })).toThrow(/functionConcurrency/);
  });
});

describe('REST API', () => {
  test('a method for every route, proxied to the function that owns it', () => {
    const found = methods();
    for (const route of allRoutes()) {
      const method = found.get(`${route.method} ${route.resource}`);
      expect({ route: `${route.method} ${route.resource}`, target: method?.target }).toEqual({
        route: `${route.method} ${route.resource}`,
        target: functionLogicalId(route.function),
      });
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
    // The functions' request lines carry the same requestId and tenant (lambdas/contracts/request-log.ts).
    expect(fields.tenant).toBe('$context.authorizer.tenant');
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
      // Static: no $context substitution can break the JSON or quote the request.
      expect(response.ResponseTemplates[key]).not.toContain('$');
    }
  });

  test.each(['UNAUTHORIZED', 'ACCESS_DENIED', 'AUTHORIZER_FAILURE', 'AUTHORIZER_CONFIGURATION_ERROR', 'THROTTLED', 'WAF_FILTERED'])(
    '%s, which the authorizer, the throttle or a web ACL produce, tells the IdP admin what to do',
    (type) => {
      const { detail } = JSON.parse(responses().get(type)!.ResponseTemplates['application/json']);
      expect(detail).toMatch(/\b(check|ask|retry|tell)\b/i);
    },
  );

  test('the 401 for a missing or wrong token names the token and where to check it', () => {
    const { detail } = JSON.parse(responses().get('UNAUTHORIZED')!.ResponseTemplates['application/json']);
    expect(detail).toMatch(/^The API token is not valid\. Check the token configured in your identity provider/);
  });

  test('a dead token (the authorizer denies only those) is 401 too, and says to ask for a new token', () => {
    const response = responses().get('ACCESS_DENIED')!;
    expect(response.ResponseParameters['gatewayresponse.header.WWW-Authenticate']).toMatch(/^'Bearer /);
    expect(JSON.parse(response.ResponseTemplates['application/json']).detail).toMatch(/expired.*replaced.*disabled.*new token/);
  });

  test.each(['AUTHORIZER_FAILURE', 'AUTHORIZER_CONFIGURATION_ERROR'])('%s is 503 with Retry-After, as the verifier answers an unreachable token store, never 401', (type) => {
    const response = responses().get(type)!;
    expect(response.StatusCode).toBe('503');
    expect(response.ResponseParameters['gatewayresponse.header.Retry-After']).toMatch(/^'\d+'$/);
  });

  test.each([
    ['MISSING_AUTHENTICATION_TOKEN', '404'],
    ['RESOURCE_NOT_FOUND', '404'],
    ['UNAUTHORIZED', '401'],
    ['ACCESS_DENIED', '401'],
    ['WAF_FILTERED', '403'],
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

  test("name the tenants' secret prefix and the command for the first token, never a value", () => {
    expect(json.Outputs.TenantSecretPrefix.Value).toEqual({ 'Fn::Join': ['', ['scim/', { Ref: 'AWS::StackName' }]] });
    const command = JSON.stringify(json.Outputs.FirstTokenCommand.Value);
    expect(command).toContain('npm run admin -- --stack ');
    expect(command).toContain('tokens rotate default');
    expect(json.Outputs.TokenExpiryAlarmName.Value).toEqual({ Ref: stack.getLogicalId(stack.endpoint.tenantTokens.expiryAlarm.node.defaultChild as any) });
    expect(Object.keys(json.Outputs).filter((key) => /token/i.test(key)).sort()).toEqual(['FirstTokenCommand', 'TokenExpiryAlarmName']);
  });
});

test('is environment-agnostic, so synth needs no credentials', () => {
  expect(Token.isUnresolved(stack.account)).toBe(true);
  expect(Token.isUnresolved(stack.region)).toBe(true);
});
