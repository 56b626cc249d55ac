import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Role, ServicePrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, FilterCriteria, FilterRule, Function as LambdaFunction, Runtime, StartingPosition, Tracing, type FunctionProps } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionEnvironment } from '../lambdas/contracts/environment';
import { gatewayFunctions, scimFunctions, streamFunctions, type FunctionName } from '../lambdas/contracts/routes';
import type { StreamFilter } from '../lambdas/contracts/table-design';
import type { ExtensionsDeclarationInput } from '../lambdas/scim/extensions';
import { FUNCTION_BUNDLING, prebundledAsset } from './function-code';
import { extensionsEnvironment } from './scim-extensions';

const PROJECT_ROOT = path.resolve(__dirname, '..');

/**
 * A revoked or disabled token stops working within five minutes (README): API Gateway keeps the
 * authorizer's answer for AUTHORIZER_CACHE_TTL, and the authorizer trusts a secret it read for
 * what is left of the five minutes.
 */
const REVOCATION_DELAY = Duration.minutes(5);
/** How long API Gateway keeps the token authorizer's answer per Authorization header. */
export const AUTHORIZER_CACHE_TTL = Duration.minutes(5);

/** What a function may do with the table. */
export type TableAccess = 'readWrite' | 'none';

export interface ScimFunctionsProps {
  readonly table: ITable;
  /** Where tenants' tokens live; every SCIM function reads them. */
  readonly tenantTokens: { readonly prefix: string; grantRead(grantee: IGrantable): void };
  /** Keyed by the route table, so a new function cannot be deployed without deciding its access. */
  readonly tableAccess: Readonly<Record<FunctionName, TableAccess>>;
  readonly logRetention: RetentionDays;
  /** The deployment's schema extensions (scim-extensions.json); validated here, so a broken one fails synth. */
  readonly schemaExtensions?: ExtensionsDeclarationInput;
  /** Reserved concurrency of each function that serves HTTP (the SCIM functions and the authorizer); undefined for none. */
  readonly concurrency?: number;
  /** Where provisioning events are published. */
  readonly eventBus: IEventBus;
  /** How long activity entries are kept, in days. */
  readonly activityRetentionDays: number;
}

/**
 * One Lambda per entry of the route table's `scimFunctions`, the token authorizer in front of
 * them, and the table stream's consumers: cleanup, and the provisioning events.
 */
export class ScimFunctions extends Construct {
  readonly functions: Readonly<Record<FunctionName, LambdaFunction>>;
  readonly authorizer: LambdaFunction;
  readonly cleanup: LambdaFunction;
  /** Where stream records the cleanup could not apply after every retry end up. */
  readonly cleanupDeadLetters: Queue;
  readonly events: LambdaFunction;
  /** Where stream records the events consumer could not publish after every retry end up. */
  readonly eventsDeadLetters: Queue;

  constructor(scope: Construct, id: string, props: ScimFunctionsProps) {
    super(scope, id);
    if (props.concurrency !== undefined && !(Number.isInteger(props.concurrency) && props.concurrency > 0)) {
      throw new Error(`functionConcurrency must be a positive whole number, or 0 for none; got ${props.concurrency}.`);
    }

    const names = Object.keys(scimFunctions) as FunctionName[];
    const extensions = extensionsEnvironment(props.schemaExtensions);
    this.functions = Object.fromEntries(names.map((name) => [name, this.scimFunction(name, props, extensions)])) as Record<FunctionName, LambdaFunction>;
    this.authorizer = this.authorizerFunction(props);
    const cleanup = this.cleanupFunction(props);
    this.cleanup = cleanup.fn;
    this.cleanupDeadLetters = cleanup.deadLetters;
    const events = this.eventsFunction(props);
    this.events = events.fn;
    this.eventsDeadLetters = events.deadLetters;
  }

  /** API Gateway's token authorizer: reads tenants' secrets and nothing else, no table. */
  private authorizerFunction(props: ScimFunctionsProps): LambdaFunction {
    const fn = scimNodeFunction(this, 'authorizer', {
      description: 'SCIM bearer token authorizer (API Gateway)',
      entry: gatewayFunctions.authorizer.entry,
      // One Secrets Manager read at most; API Gateway answers 5xx if it takes longer.
      timeout: Duration.seconds(10),
      logRetention: props.logRetention,
      reservedConcurrentExecutions: props.concurrency,
      environment: {
        TENANT_SECRET_PREFIX: props.tenantTokens.prefix,
        TOKEN_CACHE_SECONDS: String(REVOCATION_DELAY.toSeconds() - AUTHORIZER_CACHE_TTL.toSeconds()),
      } satisfies FunctionEnvironment,
    });
    props.tenantTokens.grantRead(fn);
    return fn;
  }

  /** Every SCIM function serves or checks resources against the same schemas, so each gets the extensions. */
  private scimFunction(name: FunctionName, props: ScimFunctionsProps, extensions: Record<string, string>): LambdaFunction {
    const fn = this.nodeFunction(
      name,
      `SCIM ${name} endpoints`,
      scimFunctions[name].entry,
      Duration.seconds(28),
      props,
      {
        // Refused writes are kept in the activity trail for this long.
        ...(props.tableAccess[name] === 'readWrite' ? { ACTIVITY_RETENTION_DAYS: String(props.activityRetentionDays) } : {}),
        ...extensions,
      } satisfies FunctionEnvironment,
      props.concurrency,
    );
    // No secret: the authorizer checks tokens in front of every method, and the function refuses a
    // request that reached it without the authorizer's answer (lambdas/http/scim-handler.ts).
    if (props.tableAccess[name] === 'readWrite') this.grantTable(fn, props);
    return fn;
  }

  /**
   * Referential integrity after deletes (lambdas/directory/cleanup.ts). The stream filter hands it
   * only resource deletions and new memberships; failed records are retried alone, halving the
   * batch on errors, and what still fails lands in a dead-letter queue instead of blocking the shard.
   */
  private cleanupFunction(props: ScimFunctionsProps): { fn: LambdaFunction; deadLetters: Queue } {
    // Deleting a 100,000-member group removes 100,000 items; a crash resumes on the stream's retry.
    const fn = this.nodeFunction('cleanup', 'SCIM membership cleanup (table stream)', streamFunctions.cleanup.entry, Duration.minutes(5), props, {});
    this.grantTable(fn, props);
    return { fn, deadLetters: this.consumeStream(fn, 'CleanupDeadLetters', streamFunctions.cleanup.filter, props) };
  }

  /**
   * Provisioning events (lambdas/directory/event-publisher.ts): publishes each committed change on
   * the bus and keeps the activity trail. It may put events on that bus and nothing else of
   * EventBridge; it reads the table (facts, member counts) and writes the trail.
   */
  private eventsFunction(props: ScimFunctionsProps): { fn: LambdaFunction; deadLetters: Queue } {
    const fn = this.nodeFunction('events', 'SCIM provisioning events and activity trail (table stream)', streamFunctions.events.entry, Duration.minutes(1), props, {
      EVENT_BUS_NAME: props.eventBus.eventBusName,
      ACTIVITY_RETENTION_DAYS: String(props.activityRetentionDays),
      // Events carry resources without what the deployment declared returned "never".
      ...extensionsEnvironment(props.schemaExtensions),
    } satisfies FunctionEnvironment);
    this.grantTable(fn, props);
    props.eventBus.grantPutEventsTo(fn);
    return { fn, deadLetters: this.consumeStream(fn, 'EventsDeadLetters', streamFunctions.events.filter, props) };
  }

  /**
   * The table's stream as a function's event source, filtered by its contract: failed records are
   * retried alone (partial batch responses), halving the batch on errors, and what still fails
   * lands in a dead-letter queue instead of blocking the shard.
   */
  private consumeStream(fn: LambdaFunction, deadLettersId: string, filter: StreamFilter, props: ScimFunctionsProps): Queue {
    const deadLetters = new Queue(this, deadLettersId, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter destination of the stream consumer; it has no queue of its own to fail over to.',
    });
    fn.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 10,
        onFailure: new SqsDlq(deadLetters),
        filters: filter.map((rule) =>
          FilterCriteria.filter({ eventName: FilterRule.or(...rule.eventNames), dynamodb: { [rule.image]: { [rule.attribute]: { S: FilterRule.or(...rule.values) } } } }),
        ),
      }),
    );
    Validations.of(fn.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Lambda event source mappings for DynamoDB streams need dynamodb:ListStreams, which IAM only grants on "*".',
    });
    return deadLetters;
  }

  private grantTable(fn: LambdaFunction, props: ScimFunctionsProps) {
    props.table.grantReadWriteData(fn);
  }

  private nodeFunction(
    name: string,
    description: string,
    entry: string,
    timeout: Duration,
    props: ScimFunctionsProps,
    environment: Record<string, string>,
    reservedConcurrentExecutions?: number,
  ) {
    return scimNodeFunction(this, name, {
      description,
      entry,
      timeout,
      logRetention: props.logRetention,
      reservedConcurrentExecutions,
      environment: {
        // Every function loads the same validated config (lambdas/wiring/config.ts); a table name is not a
        // credential, and IAM alone decides who may use the table.
        TABLE_NAME: props.table.tableName,
        ...environment,
      } satisfies FunctionEnvironment,
    });
  }
}

/** What each function runs with besides its own environment; bin/startup-bench.ts measures with the same. */
export const FUNCTION_RUNTIME_ENVIRONMENT = {
  NODE_OPTIONS: '--enable-source-maps',
  POWERTOOLS_SERVICE_NAME: 'scim',
};

export interface ScimNodeFunctionProps {
  readonly description: string;
  /** Relative to the project root. */
  readonly entry: string;
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  readonly environment: Record<string, string>;
  /** Executions reserved for (and the most allowed to) the function; undefined for none. */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * A Lambda of this project: its own log group with a finite retention, its own role that may write
 * to that log group only, the Node 24 arm64 runtime, and our bundling. In a construct named `name`.
 */
export function scimNodeFunction(parent: Construct, name: string, props: ScimNodeFunctionProps): LambdaFunction {
  const { description, entry, timeout, environment } = props;
  const scope = new Construct(parent, name);
  const logGroup = new LogGroup(scope, 'Logs', { retention: props.logRetention });

  // Not AWSLambdaBasicExecutionRole: it allows writing to every log group in the account
  // (Resource "*"); this role may write to its own log group only.
  const role = new Role(scope, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  logGroup.grantWrite(role);

  const common = {
    description,
    // nodejs22.x reaches end of support in 2027 (Node 22 EOL is 2027-04-30); 24 is the current LTS.
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    memorySize: 1024,
    // HTTP functions: API Gateway REST integrations give up at 29 s; finishing first lets the
    // function's own error reach the client instead of a gateway 504.
    timeout,
    reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    role,
    logGroup,
    // X-Ray segments for each invocation, joined to API Gateway's trace. Subsegments for the SDK
    // calls, annotated with tenant and operation, need Powertools Tracer, not yet a dependency.
    tracing: Tracing.ACTIVE,
    environment: { ...environment, ...FUNCTION_RUNTIME_ENVIRONMENT },
  } satisfies Omit<FunctionProps, 'code' | 'handler'>;
  const asset = prebundledAsset(entry);
  const fn = asset
    ? new LambdaFunction(scope, 'Function', { ...common, code: Code.fromAsset(asset), handler: 'index.handler' })
    : new NodejsFunction(scope, 'Function', {
        ...common,
        entry: path.join(PROJECT_ROOT, entry),
        handler: 'handler',
        projectRoot: PROJECT_ROOT,
        depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
        bundling: FUNCTION_BUNDLING,
      });
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permission (X-Ray IAM reference).',
  });

  return fn;
}
