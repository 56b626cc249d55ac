import { Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as FunctionTarget } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId, type AwsSdkCall } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { FunctionEnvironment } from '../lambdas/contracts/environment';
import { migrationFunctions } from '../lambdas/contracts/routes';
import { FORMAT_VERSION, MIGRATION_EVENT, MIGRATION_PACE, type MigrationEventDetail } from '../lambdas/contracts/table-design';
import { scimNodeFunction } from './scim-functions';

export interface TableMigrationsProps {
  readonly table: ITable;
  readonly logRetention: RetentionDays;
  /** Items a run moves a second, all segments together: what it takes of the table's write capacity. @default MIGRATION_PACE.itemsPerSecond (200) */
  readonly itemsPerSecond?: number;
  /** Parallel Scan segments of a run. @default MIGRATION_PACE.segments (4) */
  readonly segments?: number;
}

/** A run's slice: Lambda's longest; the function stops starting pages well before (lambdas/migrations/handler.ts). */
const RUN_TIMEOUT = Duration.minutes(15);

/**
 * The table's format migrations on deploy (README, Upgrading): a function that runs them a slice at
 * a time, an EventBridge rule on the default bus that invokes it, and a custom resource that puts
 * the first event whenever the deployed format or the function's code changes. Putting an event
 * takes a second, so the deployment never waits for the migration; the function puts the next
 * event itself while work is left, and the progress item says where it stands.
 */
export class TableMigrations extends Construct {
  readonly function: LambdaFunction;
  /** The custom resource that starts a run: make it depend on the functions that write the table, so nothing writes an older format after it. */
  readonly start: AwsCustomResource;

  constructor(scope: Construct, id: string, props: TableMigrationsProps) {
    super(scope, id);
    const fn = scimNodeFunction(this, 'migrations', {
      description: 'SCIM table format migrations (on deploy, continued by EventBridge)',
      entry: migrationFunctions.migrations.entry,
      timeout: RUN_TIMEOUT,
      logRetention: props.logRetention,
      // One run at a time: a deployment's event arriving during a run waits in Lambda's async queue.
      reservedConcurrentExecutions: 1,
      environment: {
        TABLE_NAME: props.table.tableName,
        MIGRATION_ITEMS_PER_SECOND: String(props.itemsPerSecond ?? MIGRATION_PACE.itemsPerSecond),
        MIGRATION_SEGMENTS: String(props.segments ?? MIGRATION_PACE.segments),
      } satisfies FunctionEnvironment,
    });
    props.table.grantReadWriteData(fn);
    const bus = EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    bus.grantPutEventsTo(fn);
    const rule = new Rule(this, 'Run', {
      description: 'Runs the SCIM table format migrations',
      eventPattern: { source: [MIGRATION_EVENT.source], detailType: [MIGRATION_EVENT.detailType], detail: { table: [props.table.tableName] } },
      // Lambda's async queue keeps an event a run could not take (throttled by its one execution) for up to 6 hours.
      targets: [new FunctionTarget(fn, { retryAttempts: 8, maxEventAge: Duration.hours(6) })],
    });

    // The code's asset key changes with its bundle: a deployment of new migration code starts a run.
    const code = (fn.node.defaultChild as CfnFunction).code as CfnFunction.CodeProperty;
    const detail: MigrationEventDetail & { code?: string } = { table: props.table.tableName, formatVersion: FORMAT_VERSION, round: 0, code: code.s3Key };
    const call: AwsSdkCall = {
      service: 'EventBridge',
      action: 'PutEvents',
      parameters: { Entries: [{ Source: MIGRATION_EVENT.source, DetailType: MIGRATION_EVENT.detailType, Detail: Stack.of(this).toJsonString(detail) }] },
      physicalResourceId: PhysicalResourceId.of('table-migrations'),
    };
    // Its own role that may write to its own log group, as every function of the project.
    const logGroup = new LogGroup(this, 'StartLogs', { retention: props.logRetention });
    const role = new Role(this, 'StartRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    this.start = new AwsCustomResource(this, 'Start', {
      onCreate: call,
      onUpdate: call,
      policy: AwsCustomResourcePolicy.fromStatements([new PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] })]),
      role,
      logGroup,
      installLatestAwsSdk: false,
      timeout: Duration.minutes(1),
    });
    this.start.node.addDependency(rule, fn);
    this.function = fn;
  }
}
