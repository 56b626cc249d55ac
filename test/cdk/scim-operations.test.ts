import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Code, Function as LambdaFunction, Runtime, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { scimFunctions, type FunctionName } from '../../lambdas/contracts/routes';
import { BULK_OPERATION_LOG_MESSAGE, REQUEST_LOG_MESSAGE, requestMetrics } from '../../lambdas/contracts/request-log';
import { ScimOperations } from '../../lib/scim-operations';
import { ScimStack } from '../../lib/scim-stack';
import { cdkApp } from '../support/cdk-app';

type Resource = { Type: string; Properties?: any };
type Json = { Resources: Record<string, Resource> };

const functionNames = Object.keys(scimFunctions) as FunctionName[];

let stack: ScimStack;
let json: Json;

const ofType = (template: Json, type: string): Array<[string, Resource]> => Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnFunction);
const topicRef = () => ({ Ref: logicalId(stack.endpoint.operations.alarmTopic) });

/** The metrics an alarm reads: its own, or those of its math expression. */
function alarmMetrics(alarm: Resource): Array<{ MetricName: string; Namespace: string; Dimensions?: Array<{ Name: string; Value: unknown }> }> {
  const { Properties: properties } = alarm;
  if (properties.MetricName) return [{ MetricName: properties.MetricName, Namespace: properties.Namespace, Dimensions: properties.Dimensions }];
  return properties.Metrics.filter((entry: any) => entry.MetricStat).map((entry: any) => entry.MetricStat.Metric);
}

/** The alarms reading `metricName`, with the dimension `name` equal to `value` when given. */
function alarmsOn(template: Json, metricName: string, dimension?: { name: string; value: unknown }): Resource[] {
  return ofType(template, 'AWS::CloudWatch::Alarm')
    .map(([, alarm]) => alarm)
    .filter((alarm) =>
      alarmMetrics(alarm).some(
        (metric) =>
          metric.MetricName === metricName &&
          (!dimension || (metric.Dimensions ?? []).some((candidate) => candidate.Name === dimension.name && JSON.stringify(candidate.Value) === JSON.stringify(dimension.value))),
      ),
    );
}

beforeAll(() => {
  stack = new ScimStack(cdkApp(), 'ScimOps');
  json = Template.fromStack(stack).toJSON() as Json;
});

describe('alarms', () => {
  const fnRef = (fn: IConstruct) => ({ Ref: logicalId(fn) });
  const allFunctions = () => ({
    ...stack.endpoint.functions,
    authorizer: stack.endpoint.authorizerFunction,
    cleanup: stack.endpoint.cleanupFunction,
    rotation: stack.endpoint.tenantTokens.rotationFunction,
    tokenExpiry: stack.endpoint.tenantTokens.expiryFunction,
    admin: stack.endpoint.adminApi.function,
  });

  test('every alarm in the stack notifies the topic, and tells it when it is OK again', () => {
    const alarms = ofType(json, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(20);
    for (const [id, alarm] of alarms) {
      expect({ id, actions: alarm.Properties.AlarmActions, ok: alarm.Properties.OKActions }).toEqual({ id, actions: [topicRef()], ok: [topicRef()] });
      expect(alarm.Properties.AlarmDescription.length).toBeGreaterThan(40);
    }
  });

  test('API 5xx rate: above 5 % of at least 10 requests per five minutes, as API Gateway counts them', () => {
    const [alarm] = alarmsOn(json, '5XXError');
    expect(alarm.Properties).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    const expression = alarm.Properties.Metrics.find((entry: any) => entry.Expression).Expression;
    expect(expression).toMatch(/^IF\(requests >= 10, 100 \* errors \/ requests, 0\)$/);
    expect(alarmMetrics(alarm).map((metric) => metric.MetricName).sort()).toEqual(['5XXError', 'Count']);
  });

  test.each(['users', 'groups', 'bulk', 'discovery', 'cleanup', 'rotation', 'tokenExpiry', 'admin'])('%s: an errors alarm', (name) => {
    const fn = allFunctions()[name as keyof ReturnType<typeof allFunctions>];
    expect(alarmsOn(json, 'Errors', { name: 'FunctionName', value: fnRef(fn) })).toHaveLength(1);
  });

  test('the token authorizer has no errors alarm: each wrong token is an error to Lambda (API Gateway answers 401)', () => {
    expect(alarmsOn(json, 'Errors', { name: 'FunctionName', value: fnRef(stack.endpoint.authorizerFunction) })).toEqual([]);
  });

  test('every function has a throttles alarm', () => {
    for (const [name, fn] of Object.entries(allFunctions())) {
      expect({ name, alarms: alarmsOn(json, 'Throttles', { name: 'FunctionName', value: fnRef(fn) }).length }).toEqual({ name, alarms: 1 });
    }
  });

  test('DynamoDB throttling on the table, reads and writes', () => {
    const [alarm] = alarmsOn(json, 'ReadThrottleEvents', { name: 'TableName', value: { Ref: 'ScimTable' } });
    expect(alarmMetrics(alarm).map((metric) => metric.MetricName).sort()).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
    expect(alarm.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  });

  test("each stream consumer's dead-letter queue (cleanup, events) alarms as soon as it holds a message", () => {
    const queues = ofType(json, 'AWS::SQS::Queue');
    expect(queues.map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual(['FunctionsCleanupDeadLetters', 'FunctionsEventsDeadLetters']);
    for (const [id] of queues) {
      const [alarm] = alarmsOn(json, 'ApproximateNumberOfMessagesVisible', { name: 'QueueName', value: { 'Fn::GetAtt': [id, 'QueueName'] } });
      expect(alarm.Properties).toMatchObject({ Statistic: 'Maximum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [topicRef()] });
    }
  });

  test('each stream consumer alarms 30 minutes behind', () => {
    for (const consumer of [stack.endpoint.cleanupFunction, stack.endpoint.eventsFunction]) {
      const [alarm] = alarmsOn(json, 'IteratorAge', { name: 'FunctionName', value: fnRef(consumer) });
      expect(alarm.Properties).toMatchObject({ Statistic: 'Maximum', Threshold: 30 * 60 * 1000, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
  });

  test('tokens expiring within 30 days: the tenant tokens\' alarm, with the topic', () => {
    const alarms = alarmsOn(json, 'TokenDaysToExpiry');
    expect(alarms).toHaveLength(1);
    expect(alarms[0].Properties).toMatchObject({ Threshold: 30, ComparisonOperator: 'LessThanThreshold', AlarmActions: [topicRef()] });
  });

  test('the expiry report missing for 12 hours alarms: no data is breaching', () => {
    const [alarm] = alarmsOn(json, 'Invocations', { name: 'FunctionName', value: fnRef(stack.endpoint.tenantTokens.expiryFunction) });
    expect(alarm.Properties).toMatchObject({ Period: 12 * 3600, Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching' });
  });
});

describe('alarm topic', () => {
  test('encrypted with a rotating key CloudWatch may use, and refusing requests without TLS', () => {
    const [[, topic]] = ofType(json, 'AWS::SNS::Topic');
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    const key = json.Resources[keyId];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeyPolicy.Statement).toEqual(
      expect.arrayContaining([expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]),
    );
    const [[, policy]] = ofType(json, 'AWS::SNS::TopicPolicy');
    expect(policy.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
    );
  });

  test("the stack outputs the topic's ARN and the dashboard's name", () => {
    const outputs = (Template.fromStack(stack).toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    expect(outputs.AlarmTopicArn.Value).toEqual(topicRef());
    expect(outputs.DashboardName.Value).toEqual({ Ref: logicalId(stack.endpoint.operations.dashboard) });
  });

  test('an e-mail subscription only when alarmEmail is set', () => {
    expect(ofType(json, 'AWS::SNS::Subscription')).toEqual([]);
    const withEmail = new ScimStack(cdkApp(), 'ScimOpsMail', { alarmEmail: 'oncall@example.com' });
    const subscriptions = ofType(Template.fromStack(withEmail).toJSON() as Json, 'AWS::SNS::Subscription');
    expect(subscriptions).toHaveLength(1);
    expect(subscriptions[0][1].Properties).toMatchObject({ Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: withEmail.getLogicalId(withEmail.endpoint.operations.alarmTopic.node.defaultChild as any) } });
  });
});

describe('request metrics', () => {
  test.each(functionNames)('%s: 4xx and 5xx counted from its request lines, per function name', (name) => {
    const logGroup = { Ref: logicalId(stack.endpoint.functions[name].logGroup) };
    const filters = ofType(json, 'AWS::Logs::MetricFilter')
      .map(([, filter]) => filter.Properties)
      .filter((filter) => JSON.stringify(filter.LogGroupName) === JSON.stringify(logGroup));
    expect(filters.map((filter) => filter.MetricTransformations[0].MetricName).sort()).toEqual([requestMetrics.clientErrors, requestMetrics.serverErrors]);
    for (const filter of filters) {
      expect(filter.FilterPattern).toContain(`$.message = "${REQUEST_LOG_MESSAGE}"`);
      expect(filter.FilterPattern).toMatch(/\$\.status >= [45]00\) && \(\$\.status < [56]00/);
      expect(filter.MetricTransformations[0]).toMatchObject({ MetricNamespace: requestMetrics.namespace, Dimensions: [{ Key: 'FunctionName', Value: '$.function_name' }] });
    }
  });
});

describe('saved queries', () => {
  const queries = () => ofType(json, 'AWS::Logs::QueryDefinition').map(([, query]) => query.Properties);
  const named = (title: string) => queries().find((query) => query.Name.endsWith(`/${title}`))!;
  const requestLogGroups = () => functionNames.map((name) => ({ Ref: logicalId(stack.endpoint.functions[name].logGroup) }));

  test('at least four, in a folder named after the stack, each over log groups of the stack', () => {
    expect(queries().length).toBeGreaterThanOrEqual(4);
    for (const query of queries()) {
      expect(query.Name).toMatch(/^ScimOps\//);
      expect(query.LogGroupNames.length).toBeGreaterThan(0);
      for (const group of query.LogGroupNames) expect(json.Resources[group.Ref].Type).toBe('AWS::Logs::LogGroup');
    }
  });

  test('what happened to a user or group: by resource id, over every SCIM function, bulk operations included', () => {
    const query = named('What happened to a user or group');
    expect(query.LogGroupNames).toEqual(requestLogGroups());
    expect(query.QueryString).toMatch(/\| filter resourceId = "REPLACE-WITH-RESOURCE-ID"/);
    expect(query.QueryString).toContain(BULK_OPERATION_LOG_MESSAGE);
  });

  test('refused requests by scimType and tenant', () => {
    const query = named('Refused requests by scimType and tenant');
    expect(query.LogGroupNames).toEqual(requestLogGroups());
    expect(query.QueryString).toContain(`filter message = "${REQUEST_LOG_MESSAGE}" and status >= 400 and status < 500`);
    expect(query.QueryString).toMatch(/stats count\(\*\) as refused by tenant, status, scimType, code, operation/);
  });

  test('requests by tenant and client', () => {
    expect(named('Requests by tenant and client').QueryString).toMatch(/stats count\(\*\) as requests by tenant, client/);
  });

  test('slowest operations', () => {
    expect(named('Slowest operations').QueryString).toMatch(/pct\(durationMs, 99\) as p99, .* by operation\n\| sort p99 desc/);
  });

  test("the gateway's own refusals, from the access log", () => {
    const [[, stage]] = ofType(json, 'AWS::ApiGateway::Stage');
    const accessLogGroup = JSON.stringify(stage.Properties.AccessLogSetting.DestinationArn).match(/"Ref":"(\w+)"\}\]\]\}$/)![1];
    expect(named('Refused by the gateway (401, 429, WAF)').LogGroupNames).toEqual([{ Ref: accessLogGroup }]);
  });
});

describe('dashboard', () => {
  type Widget = { type: string; properties: { title: string; metrics?: unknown[]; query?: string; view?: string } };
  /** The dashboard body as JSON, with every CloudFormation reference in it as "<ref>". */
  const widgets = (): Widget[] => {
    const dashboards = ofType(json, 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const parts: unknown[] = dashboards[0][1].Properties.DashboardBody['Fn::Join'][1];
    return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : '<ref>')).join('')).widgets;
  };
  const widget = (title: string) => {
    const found = widgets().find((candidate) => candidate.properties.title === title);
    expect({ title, found: found !== undefined }).toEqual({ title, found: true });
    return JSON.stringify(found);
  };

  test.each([
    ['API requests, 4xx and 5xx', ['"Count"', '"4XXError"', '"5XXError"']],
    ['API latency', ['"Latency"', '"stat":"p50"', '"stat":"p99"']],
    ['Requests by function', ['"Invocations"', '"label":"users"', '"label":"discovery"']],
    ['4xx by function', [`"${requestMetrics.clientErrors}"`, '"label":"bulk"']],
    ['5xx by function', [`"${requestMetrics.serverErrors}"`, '"label":"groups"']],
    ['Function duration p50 / p99', ['"Duration"', '"stat":"p99"']],
    ['Lambda errors', ['"Errors"', '"label":"authorizer"', '"label":"cleanup"']],
    ['Lambda throttles', ['"Throttles"', '"label":"tokenExpiry"']],
    ['DynamoDB consumed capacity', ['"ConsumedReadCapacityUnits"', '"ConsumedWriteCapacityUnits"']],
    ['DynamoDB throttles', ['"ReadThrottleEvents"', '"WriteThrottleEvents"']],
    ['Stream iterator age', ['"IteratorAge"', '"label":"cleanup"']],
    ['Dead-letter queue depth', ['"ApproximateNumberOfMessagesVisible"']],
    ['Days to token expiry, by tenant', ["SEARCH('{ServerlessScim,Prefix,Tenant} MetricName=\\\"TokenDaysToExpiry\\\" Prefix=\\\"scim/<ref>\\\"', 'Minimum', 21600)"]],
    ['Requests by tenant and status', ['"type":"log"', 'stats count(*) as requests by tenant, statusClass']],
    ['Refused requests by scimType and tenant', ['"type":"log"', 'by tenant, status, scimType, code, operation']],
  ])('%s', (title, fragments) => {
    for (const fragment of fragments) expect(widget(title)).toContain(fragment);
  });

  test("its Logs Insights widgets carry the saved queries without their comment, which would swallow the widget's SOURCE pipe", () => {
    const logWidgets = widgets().filter((candidate) => candidate.type === 'log');
    expect(logWidgets.length).toBeGreaterThanOrEqual(3);
    for (const logWidget of logWidgets) expect(logWidget.properties.query).not.toContain('#');
  });

  test('an alarm status widget lists every alarm', () => {
    const alarms = widgets().find((candidate) => candidate.type === 'alarm') as unknown as { properties: { alarms: string[] } };
    expect(alarms.properties.alarms).toHaveLength(ofType(json, 'AWS::CloudWatch::Alarm').length);
  });
});

describe('tracing', () => {
  test('every function traces actively, and so does the stage', () => {
    // Not the CDK's AwsCustomResource provider, which puts the migrations' start event once per
    // deploy and has no tracing setting.
    for (const [id, fn] of ofType(json, 'AWS::Lambda::Function').filter(([id]) => !id.startsWith('AWS679f53fac002430cb0da5b7982bd2287'))) {
      expect({ id, tracing: fn.Properties.TracingConfig }).toEqual({ id, tracing: { Mode: 'Active' } });
    }
    const [[, stage]] = ofType(json, 'AWS::ApiGateway::Stage');
    expect(stage.Properties.TracingEnabled).toBe(true);
  });
});

test('every log group the stack makes expires its events', () => {
  const logGroups = ofType(json, 'AWS::Logs::LogGroup');
  // One per function, and each REST API's (SCIM, admin) access and execution logs.
  expect(logGroups.length).toBe(Object.keys(json.Resources).filter((id) => json.Resources[id].Type === 'AWS::Lambda::Function').length + 4);
  for (const [id, group] of logGroups) expect({ id, retention: group.Properties.RetentionInDays }).toEqual({ id, retention: expect.any(Number) });
});

test('takes lists: another stream consumer and dead-letter queue get their own alarms on the same topic', () => {
  const other = new Stack(cdkApp(), 'Lists');
  const fn = (id: string) => new LambdaFunction(other, id, { runtime: Runtime.NODEJS_24_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => {}'), logGroup: new LogGroup(other, `${id}Logs`) });
  const api = new RestApi(other, 'Api');
  api.root.addMethod('GET');
  const [users, cleanup, events] = [fn('Users'), fn('Cleanup'), fn('Events')];
  const operations = new ScimOperations(other, 'Operations', {
    stage: api.deploymentStage,
    accessLogs: new LogGroup(other, 'Access'),
    requestFunctions: { users },
    functions: { users, cleanup, events },
    table: new Table(other, 'Table', { partitionKey: { name: 'pk', type: AttributeType.STRING } }),
    streamConsumers: [cleanup, events],
    deadLetterQueues: [new Queue(other, 'CleanupDeadLetters'), new Queue(other, 'EventsDeadLetters')],
    tokenExpiry: { alarm: new Alarm(other, 'Expiry', { metric: new Metric({ namespace: 'n', metricName: 'm' }), threshold: 1, evaluationPeriods: 1 }), report: users, prefix: 'scim/Lists' },
  });
  const template = Template.fromStack(other).toJSON() as Json;
  const topic = { Ref: other.getLogicalId(operations.alarmTopic.node.defaultChild as any) };
  const ref = (construct: IConstruct) => ({ Ref: other.getLogicalId(construct.node.defaultChild as any) });
  for (const consumer of [cleanup, events]) expect(alarmsOn(template, 'IteratorAge', { name: 'FunctionName', value: ref(consumer) })[0].Properties.AlarmActions).toEqual([topic]);
  expect(alarmsOn(template, 'ApproximateNumberOfMessagesVisible')).toHaveLength(2);
  expect(alarmsOn(template, 'Errors', { name: 'FunctionName', value: ref(events) })).toHaveLength(1);
});
