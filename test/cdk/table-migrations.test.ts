import { Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FORMAT_VERSION, MIGRATION_EVENT } from '../../lambdas/contracts/table-design';
import { TableMigrations } from '../../lib/table-migrations';
import { cdkApp } from '../support/cdk-app';

type Resource = { Type: string; Properties?: any; DependsOn?: string[] };

/** The construct alone, over an existing table, as the stack will hold it. */
function synth() {
  const app = cdkApp();
  const stack = new Stack(app, 'MigrationsTest');
  const table = Table.fromTableName(stack, 'Table', 'scim-table');
  const migrations = new TableMigrations(stack, 'Migrations', { table, logRetention: RetentionDays.ONE_YEAR, itemsPerSecond: 100 });
  const json = Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> };
  const ofType = (type: string) => Object.entries(json.Resources).filter(([, resource]) => resource.Type === type);
  return { app, stack, migrations, json, ofType };
}

describe('table migrations on deploy', () => {
  const { stack, migrations, json, ofType } = synth();
  const fnId = stack.getLogicalId(migrations.function.node.defaultChild as any);
  const fn = json.Resources[fnId];

  test('one function runs them, one run at a time, with its table, pace and the longest timeout', () => {
    expect(fn.Properties).toMatchObject({
      Timeout: 900,
      ReservedConcurrentExecutions: 1,
      Environment: { Variables: expect.objectContaining({ TABLE_NAME: 'scim-table', MIGRATION_ITEMS_PER_SECOND: '100', MIGRATION_SEGMENTS: '4' }) },
    });
  });

  test('a rule on the default bus invokes it for its own table', () => {
    const [[, rule]] = ofType('AWS::Events::Rule');
    expect(rule.Properties.EventBusName).toBeUndefined();
    expect(rule.Properties.EventPattern).toEqual({ source: [MIGRATION_EVENT.source], 'detail-type': [MIGRATION_EVENT.detailType], detail: { table: ['scim-table'] } });
    expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] }, RetryPolicy: expect.objectContaining({ MaximumRetryAttempts: 8 }) })]);
  });

  test('the deployment puts the first event, naming the format the code writes, once the rule and the function exist', () => {
    const [[id, start]] = ofType('Custom::AWS');
    const create = JSON.parse(start.Properties.Create);
    expect(create).toMatchObject({ service: 'EventBridge', action: 'PutEvents' });
    const [entry] = create.parameters.Entries;
    expect({ source: entry.Source, detailType: entry.DetailType }).toEqual({ source: MIGRATION_EVENT.source, detailType: MIGRATION_EVENT.detailType });
    expect(JSON.parse(entry.Detail)).toEqual({ table: 'scim-table', formatVersion: FORMAT_VERSION, round: 0, code: expect.stringMatching(/\.zip$/) });
    expect(start.Properties.Update).toBe(start.Properties.Create);
    const ruleId = ofType('AWS::Events::Rule')[0][0];
    expect(json.Resources[id].DependsOn).toEqual(expect.arrayContaining([ruleId, fnId]));
  });

  test('the function may put events on the default bus only, and read and write the table', () => {
    const statements = ofType('AWS::IAM::Policy').flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
    const putEvents = statements.filter((statement: any) => [statement.Action].flat().includes('events:PutEvents'));
    expect(putEvents.length).toBeGreaterThan(0);
    for (const statement of putEvents) expect(JSON.stringify(statement.Resource)).toContain('event-bus/default');
    expect(statements.some((statement: any) => [statement.Action].flat().includes('dynamodb:PutItem'))).toBe(true);
  });
});

test('no unacknowledged AwsSolutions finding in the construct', () => {
  const { app } = synth();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  const report = new AwsSolutionsChecks().validateScope(app);
  expect(report.violations.map((violation) => ({ rule: violation.ruleName, at: violation.violatingResources.map((resource) => resource.constructPath) }))).toEqual([]);
});
