import { Aws, CfnOutput, Stack, type CfnOutputProps, type Duration } from 'aws-cdk-lib';
import { EndpointType, SecurityPolicy, type DomainName, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import { ARecord, RecordTarget, type IHostedZone } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayDomain } from 'aws-cdk-lib/aws-route53-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import type { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ADMIN_BASE_PATH } from '../lambdas/contracts/admin-routes';
import { SCIM_BASE_PATH, type FunctionName } from '../lambdas/contracts/routes';
import { DEFAULT_ACTIVITY_RETENTION_DAYS } from '../lambdas/contracts/table-design';
import type { ExtensionsDeclarationInput } from '../lambdas/scim/extensions';
import { AdminApi } from './admin-api';
import { EVENT_BUS_NAME_OUTPUT, SCIM_BASE_URL_OUTPUT, TABLE_NAME_OUTPUT } from './stack-outputs';
import { ScimApi } from './scim-api';
import { ScimFunctions, type TableAccess } from './scim-functions';
import { ScimOperations } from './scim-operations';
import { readExtensionsFile } from './scim-extensions';
import { ScimTable } from './scim-table';
import { TableMigrations } from './table-migrations';
import { WAF_EVALUATION_WINDOW_SECONDS } from './scim-web-acl';
import { TenantTokens } from './tenant-tokens';

export interface ScimEndpointProps {
  /** @default 'prod' */
  readonly stageName?: string;
  /** @default 100 requests per second */
  readonly throttlingRateLimit?: number;
  /** @default 200 requests */
  readonly throttlingBurstLimit?: number;
  /** Lambda, access and execution logs. @default three months */
  readonly logRetention?: RetentionDays;
  /** @default true */
  readonly manageApiGatewayAccountLoggingRole?: boolean;
  /** Schema extensions the deployment declares (see readExtensionsFile). @default none */
  readonly schemaExtensions?: ExtensionsDeclarationInput;
  /** How long a token is valid. @default 365 days */
  readonly tokenValidity?: Duration;
  /** How long a replaced token keeps working after a rotation. @default 7 days */
  readonly tokenOverlap?: Duration;
  /** Rotate every tenant's token on this schedule as well as on demand. @default on demand only */
  readonly automaticTokenRotation?: Duration;
  /**
   * A WAF web ACL on the stage that answers 429 (a SCIM error with Retry-After) to any source IP
   * over `wafRateLimit`. Turn it off where the account associates web ACLs centrally (Firewall
   * Manager): a stage takes one web ACL. It costs a web ACL and a rule per month plus a charge per
   * million requests (AWS WAF pricing). @default true
   */
  readonly webAcl?: boolean;
  /**
   * Requests one source IP may send per five minutes before the rest get 429. The default lets one
   * address use a third of the stage's sustained throttle (throttlingRateLimit × 300 s / 3: 10,000
   * with the default 100 requests per second), so no single source can take the stage from every
   * other tenant. Okta and Entra ID send from a few shared addresses per region, carrying every
   * tenant that uses them, so the limit stays far above what one import sends: an Okta import
   * reads 100 users per request, and provisioning engines pace their pushes; one that does
   * overshoot gets 429 with Retry-After, which Okta retries on its own. @default throttlingRateLimit × 100
   */
  readonly wafRateLimit?: number;
  /**
   * Reserved concurrency of each function that serves HTTP: the four SCIM functions and the token
   * authorizer. It caps what any flood can run (and spend), and keeps that many executions free
   * for them whatever else the account runs. The default 50 serves the stage's 100 requests per
   * second at up to half a second each; the five functions then reserve 250, and Lambda keeps 100
   * of the account's regional quota unreserved, so the account needs a quota of at least 350 (the
   * usual default is 1,000; new accounts can start lower: raise it, or set 0). 0 reserves nothing
   * and sets no cap (Lambda's reserved concurrency 0 would stop the functions). @default 50
   */
  readonly functionConcurrency?: number;
  /** Subscribes this e-mail address to the alarm topic; SNS sends it a confirmation first. @default no subscription */
  readonly alarmEmail?: string;
  /**
   * Where provisioning events (user.created, group.member_added, …; README) are published: an
   * existing bus of the account, or one this stack creates. @default a new bus
   */
  readonly eventBus?: IEventBus;
  /** How long the activity trail keeps each entry (DynamoDB TTL, whole days). @default 400 days */
  readonly activityRetention?: Duration;
  /** Steady-state requests per second to the admin API (its own stage, apart from the SCIM API's). @default 10 */
  readonly adminThrottlingRateLimit?: number;
  /** @default 20 requests */
  readonly adminThrottlingBurstLimit?: number;
  /**
   * Where every alarm sends its notifications: a topic of your own (your on-call's). Alarms need a
   * topic whose key lets CloudWatch publish (an unencrypted topic, or a customer-managed key that
   * grants cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*). @default a topic and key of its own
   */
  readonly alarmTopic?: ITopic;
  /**
   * Serve the SCIM API on your own domain (regional, TLS 1.2). IdPs are then given
   * `https://{domainName}/scim/v2`. With a hosted zone, the alias record is created too; otherwise
   * point a CNAME or alias at `customDomain.domainNameAliasDomainName`. @default the execute-api URL
   */
  readonly customDomain?: ScimCustomDomain;
  /**
   * A schema extensions file (the format of scim-extensions.json, README "Schema extensions"),
   * read and validated at synth. Give this or `schemaExtensions`, not both. @default none
   */
  readonly extensionsFile?: string;
}

export interface ScimCustomDomain {
  readonly domainName: string;
  /** An ACM certificate for domainName in the stack's region. */
  readonly certificate: ICertificate;
  /** The Route 53 zone of domainName, to add the alias record to. @default no record */
  readonly hostedZone?: IHostedZone;
}

/** Least privilege per function: discovery serves static documents and never touches the table. */
const tableAccess: Readonly<Record<FunctionName, TableAccess>> = {
  users: 'readWrite',
  groups: 'readWrite',
  bulk: 'readWrite',
  discovery: 'none',
};

/**
 * A SCIM 2.0 service provider in your stack: the directory table, one Lambda per SCIM resource
 * behind API Gateway with a token authorizer, tenants' rotating tokens in Secrets Manager, the
 * admin API, provisioning events on EventBridge, alarms and a dashboard.
 *
 * One per stack: the table's logical id, the stack outputs the admin CLI reads and the prefix of
 * the tenants' secrets are the stack's own, so that a standalone deployment keeps them across
 * upgrades. Put a second endpoint in a stack of its own.
 */
export class ScimEndpoint extends Construct {
  readonly table: Table;
  readonly tenantTokens: TenantTokens;
  readonly functions: Readonly<Record<FunctionName, LambdaFunction>>;
  /** API Gateway's token authorizer in front of every SCIM method. */
  readonly authorizerFunction: LambdaFunction;
  /** The table stream's consumer that keeps memberships consistent after deletes. */
  readonly cleanupFunction: LambdaFunction;
  /** The table stream's consumer that publishes provisioning events and keeps the activity trail. */
  readonly eventsFunction: LambdaFunction;
  /** Where provisioning events are published. */
  readonly eventBus: IEventBus;
  readonly api: RestApi;
  /** The admin API (AWS IAM only): tenants, tokens, settings, for the SaaS team's backend. */
  readonly adminApi: AdminApi;
  /** Undefined with `webAcl: false`. */
  readonly webAcl?: CfnWebACL;
  /** Alarms, their topic, the dashboard and the saved queries. */
  readonly operations: ScimOperations;
  /** The table's format migrations, started on every deploy that changes the format or their code (README, Upgrading). */
  readonly migrations: TableMigrations;
  /** The SCIM base URL to give IdPs: `https://…/scim/v2`, on the custom domain when there is one. */
  readonly baseUrl: string;
  /** Undefined without `customDomain`. */
  readonly customDomain?: DomainName;

  constructor(scope: Construct, id: string, props: ScimEndpointProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const other = stack.node.findAll().find((construct) => construct !== this && construct instanceof ScimEndpoint);
    if (other) throw new Error(`A stack holds one ScimEndpoint; ${stack.stackName} already has ${other.node.path}. Put the second in a stack of its own.`);
    if (props.extensionsFile !== undefined && props.schemaExtensions !== undefined) {
      throw new Error('Give extensionsFile or schemaExtensions, not both.');
    }
    const schemaExtensions = props.extensionsFile === undefined ? props.schemaExtensions : readExtensionsFile(process.cwd(), props.extensionsFile);

    const logRetention = props.logRetention ?? RetentionDays.THREE_MONTHS;
    const table = (this.table = new ScimTable(this, 'Store').table);
    const eventBus = (this.eventBus = props.eventBus ?? new EventBus(this, 'ProvisioningEvents'));
    const activityRetentionDays = props.activityRetention?.toDays() ?? DEFAULT_ACTIVITY_RETENTION_DAYS;
    if (!Number.isInteger(activityRetentionDays) || activityRetentionDays < 1) {
      throw new Error(`activityRetention must be a whole number of days, at least one; got ${props.activityRetention?.toHumanString()}.`);
    }
    const tenantTokens = (this.tenantTokens = new TenantTokens(this, 'TenantTokens', {
      logRetention,
      tokenValidity: props.tokenValidity,
      tokenOverlap: props.tokenOverlap,
      automaticRotation: props.automaticTokenRotation,
      eventBus,
    }));

    const functionConcurrency = props.functionConcurrency ?? 50;
    const { functions, authorizer, cleanup, cleanupDeadLetters, events, eventsDeadLetters } = new ScimFunctions(this, 'Functions', {
      table,
      tenantTokens,
      tableAccess,
      logRetention,
      schemaExtensions,
      concurrency: functionConcurrency === 0 ? undefined : functionConcurrency,
      eventBus,
      activityRetentionDays,
    });

    const throttlingRateLimit = props.throttlingRateLimit ?? 100;
    const api = new ScimApi(this, 'Http', {
      functions,
      authorizer,
      wafRateLimit: props.webAcl === false ? undefined : (props.wafRateLimit ?? Math.round((throttlingRateLimit * WAF_EVALUATION_WINDOW_SECONDS) / 3)),
      stageName: props.stageName ?? 'prod',
      throttlingRateLimit,
      throttlingBurstLimit: props.throttlingBurstLimit ?? 200,
      logRetention,
      manageAccountLoggingRole: props.manageApiGatewayAccountLoggingRole ?? true,
    });
    this.functions = functions;
    this.authorizerFunction = authorizer;
    this.cleanupFunction = cleanup;
    this.eventsFunction = events;
    this.api = api.api;
    this.webAcl = api.webAcl?.webAcl;

    if (props.customDomain) {
      const { domainName, certificate, hostedZone } = props.customDomain;
      // Mapped to the stage at the root: the domain's paths are the stage's, /scim/v2/... included.
      this.customDomain = api.api.addDomainName('CustomDomain', { domainName, certificate, endpointType: EndpointType.REGIONAL, securityPolicy: SecurityPolicy.TLS_1_2 });
      if (hostedZone) new ARecord(this, 'CustomDomainRecord', { zone: hostedZone, recordName: domainName, target: RecordTarget.fromAlias(new ApiGatewayDomain(this.customDomain)) });
    }
    const baseUrl = (this.baseUrl = this.customDomain ? `https://${props.customDomain!.domainName}${SCIM_BASE_PATH}` : api.baseUrl);

    const adminApi = (this.adminApi = new AdminApi(this, 'Admin', {
      table,
      tenantTokens,
      scimBaseUrl: baseUrl,
      stageName: props.stageName ?? 'prod',
      throttlingRateLimit: props.adminThrottlingRateLimit ?? 10,
      throttlingBurstLimit: props.adminThrottlingBurstLimit ?? 20,
      logRetention,
      // RestApi's CfnAccount, there only when the SCIM API manages the region's logging role.
      accountLoggingRole: api.api.node.tryFindChild('Account'),
    }));

    // After every function that writes the table runs the new code: nothing writes an older format once the scan passed.
    const migrations = (this.migrations = new TableMigrations(this, 'Migrations', { table, logRetention }));
    migrations.start.node.addDependency(...Object.values(functions), cleanup, events, adminApi.function, tenantTokens.rotationFunction);

    const operations = (this.operations = new ScimOperations(this, 'Operations', {
      stage: api.api.deploymentStage,
      accessLogs: api.accessLogs,
      requestFunctions: functions,
      functions: {
        ...functions,
        authorizer,
        cleanup,
        events,
        admin: adminApi.function,
        rotation: tenantTokens.rotationFunction,
        tokenExpiry: tenantTokens.expiryFunction,
        migrations: migrations.function,
      },
      errorsExpected: ['authorizer'],
      table,
      streamConsumers: [cleanup, events],
      deadLetterQueues: [cleanupDeadLetters, eventsDeadLetters],
      tokenExpiry: { alarm: tenantTokens.expiryAlarm, report: tenantTokens.expiryFunction, prefix: tenantTokens.prefix },
      alarmEmail: props.alarmEmail,
      alarmTopic: props.alarmTopic,
    }));

    this.output(SCIM_BASE_URL_OUTPUT, {
      description: `SCIM base URL (${SCIM_BASE_PATH}) to configure in the IdP`,
      value: baseUrl,
    });
    this.output('AdminApiUrl', {
      description: `Admin API base URL (${ADMIN_BASE_PATH}; AWS IAM, SigV4): grant callers with grantAdmin; see docs/admin-api.openapi.json`,
      value: adminApi.baseUrl,
    });
    this.output('TenantSecretPrefix', {
      description: "Tenants' token secrets are <prefix>/tenants/<tenant>/token (values are never output)",
      value: tenantTokens.prefix,
    });
    this.output('FirstTokenCommand', {
      description: "Issues the default tenant's first token and prints it once; run it with credentials allowed to rotate the tenants' secrets",
      value: `npm run admin -- --stack ${Aws.STACK_NAME} --region ${Aws.REGION} tokens rotate default`,
    });
    this.output(TABLE_NAME_OUTPUT, {
      description: 'The directory table: the admin CLI finds it here; your application reads it with its own role',
      value: table.tableName,
    });
    this.output(EVENT_BUS_NAME_OUTPUT, {
      description: 'The EventBridge bus provisioning events are published on (source serverless-scim); add rules to it',
      value: eventBus.eventBusName,
    });
    this.output('TokenExpiryAlarmName', {
      description: "Fires 30 days before an enabled tenant's token expires; it notifies the alarm topic",
      value: tenantTokens.expiryAlarm.alarmName,
    });
    this.output('AlarmTopicArn', {
      description: 'Every alarm notifies this SNS topic; subscribe to it (or set alarmEmail)',
      value: operations.alarmTopic.topicArn,
    });
    this.output('DashboardName', {
      description: 'The CloudWatch dashboard of this deployment',
      value: operations.dashboard.dashboardName,
    });
  }

  /**
   * An output under the same key in any stack, so the admin CLI (`--stack`) reads it whatever
   * the construct's id; with the id `Default` (the standalone app) CDK would name it so anyway.
   */
  private output(key: string, props: CfnOutputProps): void {
    new CfnOutput(this, key, props).overrideLogicalId(key);
  }

  /**
   * Lets the SaaS team's backend role call the admin API: execute-api:Invoke on its routes, which
   * it signs with SigV4 (README, "Admin API"). Nothing else opens it.
   */
  grantAdmin(grantee: IGrantable): Grant {
    return this.adminApi.grantInvoke(grantee);
  }

  /**
   * Lets the application's own role read the directory (lambdas/read/directory-reader.ts):
   * GetItem, Query and BatchGetItem on the table, and nothing that writes — the IdP owns it.
   */
  grantDirectoryRead(grantee: IGrantable): Grant {
    return this.table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem');
  }
}
