import { ArnFormat, Aws, CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as FunctionTarget } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { CfnPermission, type Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnRotationSchedule, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEFAULT_TENANT, DEFAULT_TOKEN_POLICY, DAY_MS, stackSecretPrefix, tenantSecretId, tenantSecretPrefix, tokenExpiryMetric } from '../lambdas/contracts/tenancy';
import type { FunctionEnvironment } from '../lambdas/contracts/environment';
import { tokenFunctions } from '../lambdas/contracts/routes';
import { scimNodeFunction } from './scim-functions';

/**
 * Replacing the default tenant's secret loses its token and breaks every IdP connection that
 * uses it, so its logical id is pinned like the table's.
 */
export const DEFAULT_TENANT_TOKEN_LOGICAL_ID = 'DefaultTenantToken';

export interface TenantTokensProps {
  readonly logRetention: RetentionDays;
  /** How long a token is valid. @default 365 days */
  readonly tokenValidity?: Duration;
  /** How long a replaced token keeps working after a rotation. @default 7 days */
  readonly tokenOverlap?: Duration;
  /**
   * Also rotate every tenant's token on this schedule. Off by default: each new token must reach
   * the IdP within the overlap, which an unattended rotation cannot promise.
   */
  readonly automaticRotation?: Duration;
  /** Where tenant.token_rotated and tenant.token_expiring are published; none without. */
  readonly eventBus?: IEventBus;
}

/**
 * Tenants' bearer tokens: one secret per tenant under `scim/{stack}/tenants/`, the default
 * tenant's made here and the others by the admin CLI; the rotation function Secrets Manager runs
 * for all of them; and an alarm 30 days before any enabled tenant's token expires.
 */
export class TenantTokens extends Construct {
  /** `scim/{stack name}`; tenants' secrets are `{prefix}/tenants/{tenant}/token`. */
  readonly prefix: string;
  readonly defaultTenantSecret: Secret;
  readonly rotationFunction: LambdaFunction;
  readonly expiryFunction: LambdaFunction;
  readonly expiryAlarm: Alarm;
  private readonly secretsArn: string;

  constructor(scope: Construct, id: string, props: TenantTokensProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.prefix = stackSecretPrefix(Aws.STACK_NAME);
    // Tenants are made at run time, so their secrets are known by prefix only.
    this.secretsArn = stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${tenantSecretPrefix(this.prefix)}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });

    this.defaultTenantSecret = new Secret(this, 'DefaultTenantToken', {
      secretName: tenantSecretId(this.prefix, DEFAULT_TENANT),
      description: `SCIM bearer token of tenant "${DEFAULT_TENANT}"`,
      // CloudFormation insists on generating a value; the tenant record ignores it. The tenant's
      // first token comes from its first rotation (`tokens rotate default`), shown once.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ tenant: DEFAULT_TENANT, disabled: false }),
        generateStringKey: 'unused',
        excludePunctuation: true,
      },
    });
    (this.defaultTenantSecret.node.defaultChild as CfnResource).overrideLogicalId(DEFAULT_TENANT_TOKEN_LOGICAL_ID);

    this.rotationFunction = scimNodeFunction(this, 'rotation', {
      description: "Secrets Manager rotation of tenants' SCIM tokens",
      entry: tokenFunctions.rotation.entry,
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      environment: {
        TOKEN_VALIDITY_DAYS: String((props.tokenValidity?.toMilliseconds() ?? DEFAULT_TOKEN_POLICY.validityMs) / DAY_MS),
        TOKEN_OVERLAP_DAYS: String((props.tokenOverlap?.toMilliseconds() ?? DEFAULT_TOKEN_POLICY.overlapMs) / DAY_MS),
        ...(props.eventBus ? { EVENT_BUS_NAME: props.eventBus.eventBusName } : {}),
      } satisfies FunctionEnvironment,
    });
    props.eventBus?.grantPutEventsTo(this.rotationFunction);
    this.rotationFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        resources: [this.secretsArn],
      }),
    );
    this.acknowledgePrefix(this.rotationFunction);
    const invoke = new CfnPermission(this, 'SecretsManagerInvokesRotation', {
      action: 'lambda:InvokeFunction',
      functionName: this.rotationFunction.functionArn,
      principal: 'secretsmanager.amazonaws.com',
      sourceAccount: Aws.ACCOUNT_ID,
    });
    const rotation = new CfnRotationSchedule(this, 'DefaultTenantRotation', {
      secretId: this.defaultTenantSecret.secretArn,
      rotationLambdaArn: this.rotationFunction.functionArn,
      // Creating the schedule only tests the configuration (testSecret): no token exists until an
      // operator asks for one, and changing the schedule later does not replace the token.
      rotateImmediatelyOnUpdate: false,
      ...(props.automaticRotation ? { rotationRules: { automaticallyAfterDays: props.automaticRotation.toDays() } } : {}),
    });
    // Secrets Manager tests the configuration as the schedule is created: the function must be invocable and allowed in.
    rotation.node.addDependency(invoke, this.rotationFunction.node.scope!);
    if (!props.automaticRotation) {
      Validations.of(this.defaultTenantSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotation is configured (the rotation function, on demand through the admin CLI) but not scheduled by default: each new token must be pasted into the IdP within the overlap, which an unattended rotation cannot promise. Set automaticRotation to schedule it.',
      });
    }

    this.expiryFunction = this.expiryReport(props);
    this.expiryAlarm = new Alarm(this, 'TokenExpiryAlarm', {
      alarmDescription: `A tenant's SCIM token expires in less than ${tokenExpiryMetric.alarmBelowDays} days. Find it with "npm run admin -- --stack ${stack.stackName} tenants list", then "tokens rotate <tenant>" and paste the new token into its IdP.`,
      metric: new Metric({
        namespace: tokenExpiryMetric.namespace,
        metricName: tokenExpiryMetric.name,
        dimensionsMap: { Prefix: this.prefix },
        statistic: 'Minimum',
        period: Duration.days(1),
      }),
      threshold: tokenExpiryMetric.alarmBelowDays,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // The report runs every six hours; a day without one keeps the state it had.
      treatMissingData: TreatMissingData.IGNORE,
    });
  }

  /** Lets a function read tenants' tokens (the SCIM functions verify with them). */
  grantRead(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.secretsArn] }));
    this.acknowledgePrefix(grantee);
  }

  /**
   * Lets a function run tenants as the admin CLI does (lambdas/admin/tenant-admin.ts): create, read,
   * update and delete their secrets under this deployment's prefix, and start rotations with the
   * stack's rotation function, which RotateSecret needs lambda:InvokeFunction on when it names it.
   */
  grantManage(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'secretsmanager:CreateSecret',
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
          'secretsmanager:RotateSecret',
          'secretsmanager:DeleteSecret',
        ],
        resources: [this.secretsArn],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.rotationFunction.functionArn] }));
    // Listing tenants: ListSecrets supports no resource-level permission (acknowledged on the role below).
    grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] }));
    this.acknowledgePrefix(grantee);
    const role = (grantee as { role?: Construct }).role;
    if (role) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'secretsmanager:ListSecrets supports no resource-level permission; it lists names only, and every other secret action is limited to the tenants prefix.',
      });
    }
  }

  /** Every six hours, each enabled tenant's days to expiry as a metric (embedded metric format: no API call). */
  private expiryReport(props: TenantTokensProps): LambdaFunction {
    const fn = scimNodeFunction(this, 'expiry', {
      description: "Reports days until tenants' SCIM tokens expire",
      entry: tokenFunctions.tokenExpiry.entry,
      timeout: Duration.minutes(1),
      logRetention: props.logRetention,
      environment: { TENANT_SECRET_PREFIX: this.prefix, ...(props.eventBus ? { EVENT_BUS_NAME: props.eventBus.eventBusName } : {}) } satisfies FunctionEnvironment,
    });
    this.grantRead(fn);
    props.eventBus?.grantPutEventsTo(fn);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] }));
    Validations.of(fn.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'secretsmanager:ListSecrets supports no resource-level permission; it lists names only, and reading a value still needs the prefix-scoped GetSecretValue.',
    });
    new Rule(this, 'ExpirySchedule', { schedule: Schedule.rate(Duration.hours(6)), targets: [new FunctionTarget(fn)] });
    return fn;
  }

  private acknowledgePrefix(grantee: IGrantable) {
    const role = (grantee as { role?: Construct }).role;
    if (!role) return;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:scim/<AWS::StackName>/tenants/*]`,
      reason: "Tenants are created at run time by the admin CLI, so their token secrets are known by this deployment's name prefix only.",
    });
  }
}
