import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { ADMIN_BASE_PATH, adminRoutes } from '../../lambdas/contracts/admin-routes';
import { adminApiRoutes } from '../../lib/admin-api';
import { ScimStack } from '../../lib/scim-stack';
import { cdkApp } from '../support/cdk-app';

type Resource = { Type: string; Properties?: any; DependsOn?: string[] };
type Json = { Resources: Record<string, Resource>; Outputs: Record<string, any> };

let stack: ScimStack;
let json: Json;

const ofType = (type: string): Array<[string, Resource]> => Object.entries(json.Resources).filter(([, resource]) => resource.Type === type);
const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnFunction);
const adminApiId = () => logicalId(stack.endpoint.adminApi.api);
const scimApiId = () => logicalId(stack.endpoint.api);
const tableId = () => ofType('AWS::DynamoDB::Table')[0][0];
const stageRef = () => `{"Ref":"${stack.getLogicalId(stack.endpoint.adminApi.api.deploymentStage.node.defaultChild as any)}"}`;
const onApi = (resource: Resource, apiId: string) => resource.Properties?.RestApiId?.Ref === apiId;

/** `METHOD /path` of every method on the REST API `apiId`, rebuilt from ParentId/PathPart. */
function methodsOf(apiId: string): Map<string, Resource> {
  const resources = new Map(ofType('AWS::ApiGateway::Resource'));
  const pathOf = (id: string): string => {
    const { ParentId, PathPart } = resources.get(id)!.Properties;
    return `${ParentId.Ref ? pathOf(ParentId.Ref) : ''}/${PathPart}`;
  };
  return new Map(
    ofType('AWS::ApiGateway::Method')
      .filter(([, method]) => onApi(method, apiId))
      .map(([, method]) => [`${method.Properties.HttpMethod} ${method.Properties.ResourceId.Ref ? pathOf(method.Properties.ResourceId.Ref) : '/'}`, method]),
  );
}

function roleStatements(roleLogicalId: string): any[] {
  return ofType('AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleLogicalId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}

beforeAll(() => {
  stack = new ScimStack(cdkApp(), 'ScimAdmin');
  new Role(stack, 'SaasBackend', { assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com') });
  stack.endpoint.grantAdmin(stack.node.findChild('SaasBackend') as Role);
  json = Template.fromStack(stack).toJSON() as Json;
});

describe('methods', () => {
  test('exactly the route table, under the admin base path, on a REST API of its own', () => {
    const expected = Object.values(adminRoutes).map((spec) => spec.replace(' /', ` ${ADMIN_BASE_PATH}/`));
    expect([...methodsOf(adminApiId()).keys()].sort()).toEqual(expected.sort());
    expect(adminApiRoutes()).toHaveLength(Object.keys(adminRoutes).length);
    expect(adminApiId()).not.toBe(scimApiId());
  });

  test('every admin method requires AWS IAM and has no authorizer: no route is open, no SCIM token opens one', () => {
    for (const [key, method] of methodsOf(adminApiId())) {
      expect({ key, auth: method.Properties.AuthorizationType, authorizer: method.Properties.AuthorizerId }).toEqual({ key, auth: 'AWS_IAM', authorizer: undefined });
    }
  });

  test('every admin method reaches the admin function, and no SCIM method does', () => {
    const adminFunction = logicalId(stack.endpoint.adminApi.function);
    for (const [, method] of methodsOf(adminApiId())) expect(JSON.stringify(method.Properties.Integration.Uri)).toContain(`"${adminFunction}"`);
    for (const [key, method] of methodsOf(scimApiId())) {
      expect(key.includes(ADMIN_BASE_PATH)).toBe(false);
      expect(JSON.stringify(method.Properties.Integration.Uri)).not.toContain(`"${adminFunction}"`);
    }
  });

  test('the SCIM API keeps no IAM method, and the admin API no token authorizer', () => {
    for (const [, method] of methodsOf(scimApiId())) expect(method.Properties.AuthorizationType).toBe('CUSTOM');
    for (const [, authorizer] of ofType('AWS::ApiGateway::Authorizer')) expect(onApi(authorizer, adminApiId())).toBe(false);
  });

  test('only API Gateway may invoke the admin function, from the admin API', () => {
    const adminFunction = logicalId(stack.endpoint.adminApi.function);
    const permissions = ofType('AWS::Lambda::Permission').filter(([, permission]) => JSON.stringify(permission.Properties.FunctionName).includes(`"${adminFunction}"`));
    expect(permissions.length).toBeGreaterThan(0);
    for (const [, permission] of permissions) {
      expect(permission.Properties.Principal).toBe('apigateway.amazonaws.com');
      expect(JSON.stringify(permission.Properties.SourceArn)).toContain(`{"Ref":"${adminApiId()}"}`);
    }
  });
});

describe('the admin function', () => {
  const fn = () => json.Resources[logicalId(stack.endpoint.adminApi.function)];

  test('is built from the route table entry and knows the table, the secrets prefix and the SCIM base URL', () => {
    expect(Object.keys(fn().Properties.Environment.Variables)).toEqual(expect.arrayContaining(['TABLE_NAME', 'TENANT_SECRET_PREFIX', 'SCIM_BASE_URL']));
    expect(fn().Properties.Environment.Variables.TABLE_NAME).toEqual({ Ref: tableId() });
    expect(JSON.stringify(fn().Properties.Environment.Variables.SCIM_BASE_URL)).toContain(`{"Ref":"${scimApiId()}"}`);
    expect(fn().Properties.Timeout).toBeLessThan(29);
  });

  test('its role reaches the table, the tenants secrets prefix, the rotation function and nothing else', () => {
    const statements = roleStatements(stack.getLogicalId(stack.endpoint.adminApi.function.role!.node.defaultChild as any));
    const rotation = JSON.stringify({ 'Fn::GetAtt': [logicalId(stack.endpoint.tenantTokens.rotationFunction), 'Arn'] });
    const grants = statements.flatMap((statement) => [statement.Action].flat().map((action: string) => ({ action, resource: JSON.stringify(statement.Resource) })));
    const anywhere = new Set(['secretsmanager:ListSecrets', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
    for (const { action, resource } of grants) {
      const where = anywhere.has(action)
        ? '"*"'
        : action.startsWith('dynamodb:')
          ? JSON.stringify({ 'Fn::GetAtt': [tableId(), 'Arn'] })
          : action.startsWith('secretsmanager:')
            ? 'tenants prefix'
            : action === 'lambda:InvokeFunction'
              ? rotation
              : action.startsWith('logs:')
                ? 'own log group'
                : 'nothing';
      if (where === 'tenants prefix') expect({ action, prefix: /:secret:scim\/",\{"Ref":"AWS::StackName"\},"\/tenants\/\*"/.test(resource) }).toEqual({ action, prefix: true });
      else if (where === 'own log group') expect(resource).toContain('AdminadminLogs');
      else expect({ action, resource }).toEqual({ action, resource: where });
    }
    const actions = grants.map((grant) => grant.action);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:DeleteItem', 'secretsmanager:CreateSecret', 'secretsmanager:RotateSecret', 'secretsmanager:DeleteSecret']));
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });

  test('is watched like the others: an errors alarm on it', () => {
    const ref = { Ref: logicalId(stack.endpoint.adminApi.function) };
    const alarms = ofType('AWS::CloudWatch::Alarm').filter(
      ([, alarm]) => alarm.Properties.MetricName === 'Errors' && (alarm.Properties.Dimensions ?? []).some((dimension: any) => JSON.stringify(dimension.Value) === JSON.stringify(ref)),
    );
    expect(alarms).toHaveLength(1);
  });
});

describe('stage, logs and output', () => {
  const stage = () => ofType('AWS::ApiGateway::Stage').find(([, candidate]) => onApi(candidate, adminApiId()))![1];

  test('throttled on its own, error-level execution logs without data trace, access logs that expire', () => {
    expect(stage().Properties.MethodSettings).toEqual([
      expect.objectContaining({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20, LoggingLevel: 'ERROR', DataTraceEnabled: false }),
    ]);
    const destination = JSON.stringify(stage().Properties.AccessLogSetting.DestinationArn);
    const accessLogs = logicalId(stack.endpoint.adminApi.accessLogs);
    expect(destination).toContain(`{"Ref":"${accessLogs}"}`);
    expect(json.Resources[accessLogs].Properties.RetentionInDays).toBeGreaterThan(0);
    const format = JSON.parse(stage().Properties.AccessLogSetting.Format);
    expect(format.caller).toBe('$context.identity.userArn');
    expect(Object.keys(format)).not.toContain('path');
  });

  test('its execution log group exists with a retention before the stage does, and so does the region logging role', () => {
    const executionLogs = ofType('AWS::Logs::LogGroup').find(([, group]) => JSON.stringify(group.Properties.LogGroupName ?? '').includes(`{"Ref":"${adminApiId()}"}`));
    expect(executionLogs![1].Properties.RetentionInDays).toBeGreaterThan(0);
    expect(stage().DependsOn).toEqual(expect.arrayContaining([executionLogs![0], ...ofType('AWS::ApiGateway::Account').map(([id]) => id)]));
  });

  test('AdminApiUrl is the admin API stage URL with the base path', () => {
    const value = JSON.stringify(json.Outputs.AdminApiUrl.Value);
    expect(value).toContain(`{"Ref":"${adminApiId()}"}`);
    expect(value).toContain(`${stageRef()},"${ADMIN_BASE_PATH}"`);
  });

  test('grantAdmin allows execute-api:Invoke on the admin routes of the admin API stage, and nothing else', () => {
    const statements = roleStatements(stack.getLogicalId((stack.node.findChild('SaasBackend') as Role).node.defaultChild as any));
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('execute-api:Invoke');
    const resource = JSON.stringify(statements[0].Resource);
    expect(resource).toContain(`{"Ref":"${adminApiId()}"}`);
    expect(resource).not.toContain(`{"Ref":"${scimApiId()}"}`);
    expect(resource).toContain(`${stageRef()},"/*${ADMIN_BASE_PATH}/*"`);
  });
});

describe('gateway responses', () => {
  const responses = () =>
    new Map(
      ofType('AWS::ApiGateway::GatewayResponse')
        .filter(([, response]) => onApi(response, adminApiId()))
        .map(([, response]) => [response.Properties.ResponseType as string, response.Properties]),
    );

  test('as many types as the SCIM API replaces, each a JSON error whose code and message are set', () => {
    const scim = ofType('AWS::ApiGateway::GatewayResponse').filter(([, response]) => onApi(response, scimApiId())).map(([, response]) => response.Properties.ResponseType);
    expect([...responses().keys()].sort()).toEqual(scim.sort());
    for (const [type, response] of responses()) {
      expect({ type, contentType: response.ResponseParameters['gatewayresponse.header.Content-Type'] }).toEqual({ type, contentType: "'application/json'" });
      const body = JSON.parse(response.ResponseTemplates['application/json']);
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error).toEqual({ code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) });
    }
  });

  test.each(['MISSING_AUTHENTICATION_TOKEN', 'INVALID_SIGNATURE', 'ACCESS_DENIED', 'UNAUTHORIZED', 'EXPIRED_TOKEN'])('%s: 403 saying to sign with SigV4 and have execute-api:Invoke', (type) => {
    const response = responses().get(type)!;
    expect(response.StatusCode).toBe('403');
    const { message } = JSON.parse(response.ResponseTemplates['application/json']).error;
    expect(message).toContain('Signature Version 4');
    expect(message).toContain('execute-api:Invoke');
  });
});
