import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { streamFunctions } from '../../lambdas/contracts/routes';
import { ScimStack } from '../../lib/scim-stack';
import { cdkApp } from '../support/cdk-app';

type Resource = { Type: string; Properties?: any };
type Json = { Resources: Record<string, Resource>; Outputs: Record<string, any> };

function synth(props: ConstructorParameters<typeof ScimStack>[2] = {}, build?: (stack: Stack) => ConstructorParameters<typeof ScimStack>[2]) {
  const app = cdkApp();
  const stack = build ? new ScimStack(app, 'EventsTest', build(new Stack(app, 'Shared'))) : new ScimStack(app, 'EventsTest', props);
  const json = Template.fromStack(stack).toJSON() as Json;
  const ofType = (type: string) => Object.entries(json.Resources).filter(([, resource]) => resource.Type === type);
  const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnFunction);
  const statementsOf = (fn: { role?: { node: { defaultChild?: unknown } } }) => {
    const roleId = stack.getLogicalId(fn.role!.node.defaultChild as any);
    return ofType('AWS::IAM::Policy')
      .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleId))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
  };
  return { stack, json, ofType, logicalId, statementsOf };
}

const actionsOf = (statement: any): string[] => [statement.Action].flat();

describe('provisioning events in the stack', () => {
  const { stack, json, ofType, logicalId, statementsOf } = synth();
  const eventsId = logicalId(stack.endpoint.eventsFunction);
  const busId = stack.getLogicalId(stack.endpoint.eventBus.node.defaultChild as any);

  test('a bus of its own by default, named in an output', () => {
    expect(ofType('AWS::Events::EventBus').map(([id]) => id)).toEqual([busId]);
    expect(json.Outputs.EventBusName.Value).toEqual({ Ref: busId });
  });

  test('the events function reads the table stream through its own filters, retrying failed records alone, with a dead-letter queue', () => {
    const [[, mapping]] = ofType('AWS::Lambda::EventSourceMapping').filter(([, candidate]) => candidate.Properties.FunctionName.Ref === eventsId);
    expect(mapping.Properties.EventSourceArn['Fn::GetAtt'][0]).toBe('ScimTable');
    expect(mapping.Properties).toMatchObject({
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      StartingPosition: 'TRIM_HORIZON',
      MaximumRetryAttempts: 10,
    });
    const patterns = mapping.Properties.FilterCriteria.Filters.map((filter: { Pattern: string }) => JSON.parse(filter.Pattern));
    // Lambda allows five filters per event source mapping.
    expect(patterns).toHaveLength(5);
    expect(patterns).toEqual(
      streamFunctions.events.filter.map((rule) => ({ eventName: [...rule.eventNames], dynamodb: { [rule.image]: { [rule.attribute]: { S: [...rule.values] } } } })),
    );
    const queue = mapping.Properties.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0];
    expect(json.Resources[queue]).toMatchObject({ Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: true } });
    const cleanupQueue = ofType('AWS::Lambda::EventSourceMapping').find(([, candidate]) => candidate.Properties.FunctionName.Ref === logicalId(stack.endpoint.cleanupFunction))![1].Properties.DestinationConfig.OnFailure.Destination;
    expect(cleanupQueue['Fn::GetAtt'][0]).not.toBe(queue);
  });

  test('it may put events on the bus and nothing else of EventBridge', () => {
    const eventStatements = statementsOf(stack.endpoint.eventsFunction).filter((statement) => actionsOf(statement).some((action) => action.startsWith('events:')));
    expect(eventStatements.map((statement) => [actionsOf(statement), statement.Resource])).toEqual([[['events:PutEvents'], { 'Fn::GetAtt': [busId, 'Arn'] }]]);
  });

  test('its environment names the bus, the retention and the table; it logs to its own group with a finite retention', () => {
    const fn = json.Resources[eventsId].Properties;
    expect(fn.Environment.Variables).toMatchObject({ TABLE_NAME: { Ref: 'ScimTable' }, EVENT_BUS_NAME: { Ref: busId }, ACTIVITY_RETENTION_DAYS: '400' });
    expect(fn.Environment.Variables.TENANT_SECRET_PREFIX).toBeUndefined();
    expect(fn.ReservedConcurrentExecutions).toBeUndefined();
    const logGroup = json.Resources[fn.LoggingConfig.LogGroup.Ref];
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  test('the token functions publish their events on the same bus, and only there', () => {
    for (const fn of [stack.endpoint.tenantTokens.rotationFunction, stack.endpoint.tenantTokens.expiryFunction]) {
      expect(json.Resources[logicalId(fn)].Properties.Environment.Variables.EVENT_BUS_NAME).toEqual({ Ref: busId });
      const statements = statementsOf(fn).filter((statement) => actionsOf(statement).some((action) => action.startsWith('events:')));
      expect(statements.map((statement) => [actionsOf(statement), statement.Resource])).toEqual([[['events:PutEvents'], { 'Fn::GetAtt': [busId, 'Arn'] }]]);
    }
  });

  test('no other function may publish', () => {
    const bus = JSON.stringify(stack.resolve(stack.endpoint.eventBus.eventBusArn));
    const publishesOn = (onProvisioningBus: boolean) =>
      ofType('AWS::IAM::Policy')
        .filter(([, policy]) =>
          policy.Properties.PolicyDocument.Statement.some((statement: any) => actionsOf(statement).includes('events:PutEvents') && JSON.stringify(statement.Resource).includes(bus) === onProvisioningBus),
        )
        .flatMap(([, policy]) => policy.Properties.Roles.map((role: any) => role.Ref))
        .sort();
    const roles = [stack.endpoint.eventsFunction, stack.endpoint.tenantTokens.rotationFunction, stack.endpoint.tenantTokens.expiryFunction].map((fn) => stack.getLogicalId(fn.role!.node.defaultChild as any));
    expect(publishesOn(true)).toEqual(roles.sort());
    // The migrations continue themselves, and their start is put, on the account's default bus only.
    expect(publishesOn(false)).toEqual([stack.endpoint.migrations.function.role!, ...stack.endpoint.migrations.node.findAll().filter((c) => c.node.id === 'StartRole')].map((role: any) => stack.getLogicalId((role.node.defaultChild ?? role) as any)).sort());
  });
});

describe('stack properties', () => {
  test('an existing bus: no bus of its own, and the functions publish on that one', () => {
    const { stack, json, ofType, statementsOf } = synth(undefined, (shared) => ({ eventBus: new EventBus(shared, 'Existing', { eventBusName: 'company-events' }) }));
    expect(ofType('AWS::Events::EventBus')).toEqual([]);
    expect(JSON.stringify(json.Outputs.EventBusName.Value)).toContain('Existing');
    const [statement] = statementsOf(stack.endpoint.eventsFunction).filter((candidate) => actionsOf(candidate).includes('events:PutEvents'));
    expect(JSON.stringify(statement.Resource)).toContain('Existing');
  });

  test('activityRetention reaches every function that writes the trail', () => {
    const { stack, json, logicalId } = synth({ activityRetention: Duration.days(90) });
    for (const fn of [stack.endpoint.eventsFunction, stack.endpoint.functions.users, stack.endpoint.functions.groups, stack.endpoint.functions.bulk]) {
      expect(json.Resources[logicalId(fn)].Properties.Environment.Variables.ACTIVITY_RETENTION_DAYS).toBe('90');
    }
    expect(json.Resources[logicalId(stack.endpoint.functions.discovery)].Properties.Environment.Variables.ACTIVITY_RETENTION_DAYS).toBeUndefined();
    expect(() => synth({ activityRetention: Duration.hours(12) })).toThrow();
  });
});
