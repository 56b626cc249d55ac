import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  HorizontalAnnotation,
  LogQueryVisualizationType,
  LogQueryWidget,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, MetricFilter, QueryDefinition, QueryString, type ILogGroup, type QueryStringProps } from 'aws-cdk-lib/aws-logs';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { REQUEST_LOG_MESSAGE, BULK_OPERATION_LOG_MESSAGE, requestMetrics, type RequestLogFields } from '../lambdas/contracts/request-log';
import { tokenExpiryMetric } from '../lambdas/contracts/tenancy';

/** Share of API responses that are 5xx, over five minutes, above which the API alarms. */
export const API_SERVER_ERROR_PERCENT = 5;
/** Below this many requests in five minutes the 5xx share says little (one failure of three is 33 %). */
const API_SERVER_ERROR_MIN_REQUESTS = 10;
/**
 * The table stream keeps records for 24 hours: a consumer this far behind has time to recover or be
 * fixed before any change is lost, and memberships of deleted resources linger this long at most.
 */
export const STREAM_ITERATOR_AGE_ALARM = Duration.minutes(30);
/** The expiry report runs every six hours: two missed runs in a row alarm. */
const EXPIRY_REPORT_WINDOW = Duration.hours(12);

export interface ScimOperationsProps {
  /** The REST API's stage: requests, 4xx, 5xx and latency as API Gateway counts them. */
  readonly stage: Stage;
  /** The stage's access log, where the gateway's own refusals (401, 429, WAF) are recorded. */
  readonly accessLogs: ILogGroup;
  /**
   * The functions serving SCIM requests, by route-table name: their request lines
   * (contracts/request-log.ts) feed the 4xx/5xx metric filters, the saved queries and the per-tenant widgets.
   */
  readonly requestFunctions: Readonly<Record<string, LambdaFunction>>;
  /** Every function of the deployment by a short name, the request functions included: an errors and a throttles alarm each. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /**
   * Names in `functions` whose Errors metric counts refusals, not faults: a TOKEN authorizer throws
   * "Unauthorized" for each wrong token (API Gateway's 401). They get no errors alarm; their real
   * failures reach clients as 503s, which the API's 5xx alarm counts.
   */
  readonly errorsExpected?: readonly string[];
  readonly table: ITable;
  /** Functions reading the table's stream: how far behind each is (IteratorAge). */
  readonly streamConsumers: readonly IFunction[];
  /** Where failed stream records land: each alarms once it holds a message. */
  readonly deadLetterQueues: readonly IQueue[];
  /** The tenants' tokens: the expiry alarm made with them, the scheduled report feeding it, and the deployment's `Prefix` dimension. */
  readonly tokenExpiry: { readonly alarm: Alarm; readonly report: IFunction; readonly prefix: string };
  /** Subscribes this address to the alarm topic (SNS asks it to confirm first). @default no subscription */
  readonly alarmEmail?: string;
  /** Alarms notify this topic instead of one (and a key) of their own. */
  readonly alarmTopic?: ITopic;
}

/** A Logs Insights query that starts with a comment line (`#`), which the console shows above it. */
class CommentedQuery extends QueryString {
  constructor(
    private readonly comment: string,
    props: QueryStringProps,
  ) {
    super(props);
  }

  override toString(): string {
    return `# ${this.comment}\n${this.query()}`;
  }

  /** Without the comment: a dashboard widget puts `SOURCE … |` in front, and a comment there would swallow the pipe. */
  query(): string {
    return super.toString();
  }
}

/** Field names of the request line, checked against the contract. */
const field = <K extends keyof RequestLogFields>(name: K): K => name;
const isRequest = `message = "${REQUEST_LOG_MESSAGE}"`;

/** The saved queries over the request functions' logs (and, for the gateway's refusals, the access log). */
export const operatorQueries = {
  resourceHistory: new CommentedQuery(
    `Replace the id. userName is never logged (personal data): "npm run admin -- --stack <stack> users show <tenant> <userName>" gives the id. Each operation of a POST /Bulk has a "${BULK_OPERATION_LOG_MESSAGE}" line.`,
    {
      fields: ['@timestamp', field('tenant'), field('operation'), field('status'), field('scimType'), field('code'), field('client'), field('requestId'), 'message'],
      filterStatements: [`${field('resourceId')} = "REPLACE-WITH-RESOURCE-ID"`],
      sort: '@timestamp asc',
    },
  ),
  refusedByTenant: new CommentedQuery('4xx the functions answered, by tenant and reason; the gateway\'s own 401s and 429s are in the access log (see "refused by the gateway").', {
    filterStatements: [`${isRequest} and ${field('status')} >= 400 and ${field('status')} < 500`],
    statsStatements: [`count(*) as refused by ${field('tenant')}, ${field('status')}, ${field('scimType')}, ${field('code')}, ${field('operation')}`],
    sort: 'refused desc',
  }),
  requestsByTenantAndClient: new CommentedQuery('Which identity provider sends what, per tenant.', {
    filterStatements: [isRequest],
    statsStatements: [`count(*) as requests by ${field('tenant')}, ${field('client')}`],
    sort: 'requests desc',
  }),
  statusByTenant: new CommentedQuery('Requests per tenant and status class (200, 400, 500).', {
    fields: [`floor(${field('status')} / 100) * 100 as statusClass`],
    filterStatements: [isRequest],
    statsStatements: [`count(*) as requests by ${field('tenant')}, statusClass`],
    sort: 'requests desc',
  }),
  slowestOperations: new CommentedQuery("Time spent in the function per operation; API Gateway's Latency adds the authorizer and the gateway itself.", {
    filterStatements: [isRequest],
    statsStatements: [`count(*) as requests, pct(${field('durationMs')}, 50) as p50, pct(${field('durationMs')}, 99) as p99, max(${field('durationMs')}) as slowest by ${field('operation')}`],
    sort: 'p99 desc',
  }),
  refusedByGateway: new CommentedQuery('What API Gateway answered itself (no function ran): wrong or dead tokens, throttling, the web ACL. tenant is "-" for a token it could not match.', {
    filterStatements: ['ispresent(errorType) and errorType != "-"'],
    statsStatements: ['count(*) as refused by errorType, status, tenant'],
    sort: 'refused desc',
  }),
};

const QUERY_TITLES: Record<keyof typeof operatorQueries, string> = {
  resourceHistory: 'What happened to a user or group',
  refusedByTenant: 'Refused requests by scimType and tenant',
  requestsByTenantAndClient: 'Requests by tenant and client',
  statusByTenant: 'Requests by tenant and status',
  slowestOperations: 'Slowest operations',
  refusedByGateway: 'Refused by the gateway (401, 429, WAF)',
};

/**
 * What an operator watches: one SNS topic every alarm notifies, the alarms, a dashboard, and saved
 * Logs Insights queries over the request lines. Takes lists, so functions, stream consumers and
 * dead-letter queues added later are watched by adding them to the props.
 */
export class ScimOperations extends Construct {
  /** Every alarm's action (and its return to OK). Encrypted with a key CloudWatch may use. */
  readonly alarmTopic: ITopic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ScimOperationsProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;

    this.alarmTopic = props.alarmTopic ?? this.ownAlarmTopic(stackName);
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));

    const requestLogs = Object.values(props.requestFunctions).map((fn) => fn.logGroup);
    const { clientErrors, serverErrors } = this.statusMetrics(props.requestFunctions);

    // API Gateway: 5XXError counts the gateway's own 5xx too (a failing authorizer's 503).
    const requests = props.stage.metricCount({ statistic: 'Sum', period: Duration.minutes(5) });
    const apiServerErrors = props.stage.metricServerError({ statistic: 'Sum', period: Duration.minutes(5) });
    this.alarm('ApiServerErrors', {
      description: `More than ${API_SERVER_ERROR_PERCENT} % of the API's responses were 5xx in two of the last three five-minute periods. See the dashboard's 5xx by function and the "Slowest operations" and function logs; a failing authorizer shows as 503s with errorType AUTHORIZER_FAILURE in the access log.`,
      metric: new MathExpression({
        expression: `IF(requests >= ${API_SERVER_ERROR_MIN_REQUESTS}, 100 * errors / requests, 0)`,
        usingMetrics: { requests, errors: apiServerErrors },
        label: '5xx %',
        period: Duration.minutes(5),
      }),
      threshold: API_SERVER_ERROR_PERCENT,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });

    const expected = new Set(props.errorsExpected ?? []);
    for (const [name, fn] of Object.entries(props.functions)) {
      if (!expected.has(name)) {
        this.alarm(`${name}Errors`, {
          description: `The ${name} function failed (an uncaught error or a timeout). Its log group has the error line.`,
          metric: fn.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) }),
          threshold: 1,
        });
      }
      this.alarm(`${name}Throttles`, {
        description: `Lambda throttled the ${name} function: it reached its reserved concurrency (functionConcurrency) or the account's. Throttled SCIM requests were answered 5xx; throttled stream batches are retried.`,
        metric: fn.metricThrottles({ statistic: 'Sum', period: Duration.minutes(5) }),
        threshold: 1,
      });
    }

    const tableThrottles = new MathExpression({
      expression: 'reads + writes',
      usingMetrics: {
        reads: props.table.metric('ReadThrottleEvents', { statistic: 'Sum', period: Duration.minutes(5) }),
        writes: props.table.metric('WriteThrottleEvents', { statistic: 'Sum', period: Duration.minutes(5) }),
      },
      label: 'Throttle events',
      period: Duration.minutes(5),
    });
    this.alarm('TableThrottles', {
      description:
        'DynamoDB throttled the directory table. On demand, a table throttles when traffic more than doubles its previous peak at once, or one partition is hot; clients got 503 with Retry-After and retried.',
      metric: tableThrottles,
      threshold: 1,
    });

    for (const queue of props.deadLetterQueues) {
      this.alarm(`${queue.node.id}NotEmpty`, {
        description: `Stream records that failed every retry are waiting in ${queue.node.id}: their changes (e.g. removing a deleted user from groups) were not applied. Read them, fix the cause, and replay or apply them by hand.`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5) }),
        threshold: 1,
      });
    }

    for (const consumer of props.streamConsumers) {
      this.alarm(`${nameOf(consumer, props.functions)}IteratorAge`, {
        description: `The table stream consumer ${nameOf(consumer, props.functions)} is more than ${STREAM_ITERATOR_AGE_ALARM.toMinutes()} minutes behind; the stream keeps records 24 hours. Look for errors in its log and records in its dead-letter queue.`,
        metric: consumer.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(5) }),
        threshold: STREAM_ITERATOR_AGE_ALARM.toMilliseconds(),
      });
    }

    props.tokenExpiry.alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    props.tokenExpiry.alarm.addOkAction(new SnsAction(this.alarmTopic));
    this.alarms.push(props.tokenExpiry.alarm);

    this.alarm('TokenExpiryReportMissing', {
      description: `The token expiry report did not run in ${EXPIRY_REPORT_WINDOW.toHours()} hours (it runs every six), so an expiring token would not alarm. Check its schedule and its log. After the first deployment this fires until its first run.`,
      metric: props.tokenExpiry.report.metricInvocations({ statistic: 'Sum', period: EXPIRY_REPORT_WINDOW }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
    });

    const queries = Object.fromEntries(
      (Object.keys(operatorQueries) as Array<keyof typeof operatorQueries>).map((name) => {
        const logGroups = name === 'refusedByGateway' ? [props.accessLogs] : requestLogs;
        new QueryDefinition(this, `Query${name[0].toUpperCase()}${name.slice(1)}`, {
          // The console lists saved queries in folders named before the slash.
          queryDefinitionName: `${stackName}/${QUERY_TITLES[name]}`,
          queryString: operatorQueries[name],
          logGroups,
        });
        return [name, { logGroupNames: logGroups.map((group) => group.logGroupName), queryString: operatorQueries[name].query() }];
      }),
    ) as Record<keyof typeof operatorQueries, { logGroupNames: string[]; queryString: string }>;

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${stackName}-${Aws.REGION}`,
      defaultInterval: Duration.hours(24),
    });
    this.dashboard.addWidgets(...this.widgets(props, { requests, apiServerErrors, clientErrors, serverErrors, tableThrottles, queries }));
  }

  /** 4xx and 5xx per request function, counted from its request lines. */
  /** A topic with a key of its own that CloudWatch may use. */
  private ownAlarmTopic(stackName: string): Topic {
    // CloudWatch cannot publish to a topic under the AWS-managed SNS key (its policy admits SNS
    // only), so the topic has a key of its own that allows CloudWatch.
    const key = new Key(this, 'AlarmTopicKey', {
      description: `Encrypts the alarm notifications of ${stackName}`,
      enableKeyRotation: true,
      // It protects transient notifications only; nothing encrypted with it outlives the stack.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    return new Topic(this, 'AlarmTopic', { displayName: `${stackName} SCIM alarms`, masterKey: key, enforceSSL: true });
  }

  private statusMetrics(functions: Readonly<Record<string, LambdaFunction>>) {
    const clientErrors: Record<string, IMetric> = {};
    const serverErrors: Record<string, IMetric> = {};
    for (const [name, fn] of Object.entries(functions)) {
      const counted = (metricName: string, low: number, high: number) => {
        new MetricFilter(this, `${name}${metricName}`, {
          logGroup: fn.logGroup,
          filterPattern: FilterPattern.all(
            FilterPattern.stringValue('$.message', '=', REQUEST_LOG_MESSAGE),
            FilterPattern.numberValue(`$.${field('status')}`, '>=', low),
            FilterPattern.numberValue(`$.${field('status')}`, '<', high),
          ),
          metricNamespace: requestMetrics.namespace,
          metricName,
          metricValue: '1',
          // The function's name, which Powertools writes on every line, keeps deployments apart.
          dimensions: { [requestMetrics.dimension]: `$.${requestMetrics.functionNameField}` },
        });
        return new Metric({
          namespace: requestMetrics.namespace,
          metricName,
          dimensionsMap: { [requestMetrics.dimension]: fn.functionName },
          statistic: 'Sum',
          period: Duration.minutes(5),
          label: name,
        });
      };
      clientErrors[name] = counted(requestMetrics.clientErrors, 400, 500);
      serverErrors[name] = counted(requestMetrics.serverErrors, 500, 600);
    }
    return { clientErrors, serverErrors };
  }

  private alarm(
    id: string,
    options: {
      description: string;
      metric: IMetric;
      threshold: number;
      comparisonOperator?: ComparisonOperator;
      evaluationPeriods?: number;
      datapointsToAlarm?: number;
      treatMissingData?: TreatMissingData;
    },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      datapointsToAlarm: options.datapointsToAlarm,
      // No data is no traffic, or nothing failed; the expiry report's alarm says otherwise.
      treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    alarm.addOkAction(new SnsAction(this.alarmTopic));
    this.alarms.push(alarm);
    return alarm;
  }

  private widgets(
    props: ScimOperationsProps,
    metrics: {
      requests: Metric;
      apiServerErrors: Metric;
      clientErrors: Record<string, IMetric>;
      serverErrors: Record<string, IMetric>;
      tableThrottles: IMetric;
      queries: Record<keyof typeof operatorQueries, { logGroupNames: string[]; queryString: string }>;
    },
  ): IWidget[] {
    const five = Duration.minutes(5);
    const { stage, table } = props;
    const perFunction = (functions: Readonly<Record<string, IFunction>>, metric: (fn: IFunction) => Metric) =>
      Object.entries(functions).map(([name, fn]) => metric(fn).with({ label: name }));
    const graph = (title: string, left: IMetric[], extra: { right?: IMetric[]; leftAnnotations?: HorizontalAnnotation[] } = {}) =>
      new GraphWidget({ title, left, width: 8, height: 6, ...extra });
    const query = (name: keyof typeof operatorQueries, view = LogQueryVisualizationType.TABLE) =>
      new LogQueryWidget({ title: QUERY_TITLES[name], ...metrics.queries[name], view, width: 12, height: 8 });

    return [
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
      graph('API requests, 4xx and 5xx', [
        metrics.requests.with({ label: 'requests' }),
        stage.metricClientError({ statistic: 'Sum', period: five, label: '4xx' }),
        metrics.apiServerErrors.with({ label: '5xx' }),
      ]),
      graph('API latency', [
        stage.metricLatency({ statistic: 'p50', period: five, label: 'p50' }),
        stage.metricLatency({ statistic: 'p99', period: five, label: 'p99' }),
      ]),
      graph(
        'Function duration p50 / p99',
        perFunction(props.requestFunctions, (fn) => fn.metricDuration({ statistic: 'p50', period: five })),
        { right: perFunction(props.requestFunctions, (fn) => fn.metricDuration({ statistic: 'p99', period: five })) },
      ),
      graph('Requests by function', perFunction(props.requestFunctions, (fn) => fn.metricInvocations({ statistic: 'Sum', period: five }))),
      graph('4xx by function', Object.values(metrics.clientErrors)),
      graph('5xx by function', Object.values(metrics.serverErrors)),
      graph('Lambda errors', perFunction(props.functions, (fn) => fn.metricErrors({ statistic: 'Sum', period: five }))),
      graph('Lambda throttles', perFunction(props.functions, (fn) => fn.metricThrottles({ statistic: 'Sum', period: five }))),
      graph('DynamoDB consumed capacity', [
        table.metricConsumedReadCapacityUnits({ statistic: 'Sum', period: five, label: 'read units' }),
        table.metricConsumedWriteCapacityUnits({ statistic: 'Sum', period: five, label: 'write units' }),
      ]),
      graph('DynamoDB throttles', [metrics.tableThrottles]),
      graph(
        'Stream iterator age',
        props.streamConsumers.map((fn) => fn.metric('IteratorAge', { statistic: 'Maximum', period: five, label: nameOf(fn, props.functions) })),
        { leftAnnotations: [{ value: STREAM_ITERATOR_AGE_ALARM.toMilliseconds(), label: 'alarm' }] },
      ),
      graph(
        'Dead-letter queue depth',
        props.deadLetterQueues.map((queue) => queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: five, label: queue.node.id })),
      ),
      graph(
        'Days to token expiry, by tenant',
        [
          new MathExpression({
            // Tenants come and go at run time: one line per tenant the report has published.
            expression: `SEARCH('{${tokenExpiryMetric.namespace},Prefix,Tenant} MetricName="${tokenExpiryMetric.name}" Prefix="${props.tokenExpiry.prefix}"', 'Minimum', 21600)`,
            label: "${PROP('Dim.Tenant')}",
            period: Duration.hours(6),
          }),
        ],
        { leftAnnotations: [{ value: tokenExpiryMetric.alarmBelowDays, label: 'alarm' }] },
      ),
      query('statusByTenant'),
      query('refusedByTenant'),
      query('requestsByTenantAndClient'),
      query('refusedByGateway'),
    ];
  }
}

/** A function's name in `functions`, else its construct's. */
function nameOf(construct: IConstruct, functions: Readonly<Record<string, IConstruct>>): string {
  return Object.entries(functions).find(([, fn]) => fn === construct)?.[0] ?? construct.node.id;
}
