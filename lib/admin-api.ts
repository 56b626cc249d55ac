import { apiStageOptions, requestAccessLogFields } from './api-stage';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AuthorizationType,
  EndpointType,
  LambdaIntegration,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import { ADMIN_BASE_PATH, adminFunction, adminRoutes, type AdminMethod } from '../lambdas/contracts/admin-routes';
import type { FunctionEnvironment } from '../lambdas/contracts/environment';
import { adminGatewayResponses } from './admin-gateway-responses';
import { scimNodeFunction } from './scim-functions';

export interface AdminApiProps {
  readonly table: ITable;
  /** The tenants' secrets: the function creates, rotates and deletes them. */
  readonly tenantTokens: { readonly prefix: string; grantManage(grantee: IGrantable): void };
  /** What `GET /connection` tells whoever configures an IdP. */
  readonly scimBaseUrl: string;
  readonly stageName: string;
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  readonly logRetention: RetentionDays;
  /** The region's API Gateway logging role, when this stack sets it: the stage's logging needs it first. */
  readonly accountLoggingRole?: IConstruct;
}

/** One admin route as API Gateway builds it. */
export interface AdminRoute {
  readonly method: AdminMethod;
  /** Under ADMIN_BASE_PATH: `/admin/v1/tenants/{tenant}`. */
  readonly resource: string;
}

export function adminApiRoutes(): AdminRoute[] {
  return Object.values(adminRoutes).map((spec) => {
    const [method, path] = spec.split(' ') as [AdminMethod, string];
    return { method, resource: ADMIN_BASE_PATH + path };
  });
}

/**
 * The admin API: what the SaaS team's backend calls to run tenants, tokens and settings. A REST API
 * of its own rather than routes on the SCIM API, so that its authorization (AWS IAM, SigV4 only:
 * no SCIM bearer token opens it), its throttling, its web ACL and its gateway responses cannot mix
 * with what IdPs reach. Every method of the route table requires IAM; there is no catch-all.
 */
export class AdminApi extends Construct {
  readonly api: RestApi;
  readonly function: LambdaFunction;
  readonly accessLogs: LogGroup;
  /** `https://…/{stage}/admin/v1`. */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: AdminApiProps) {
    super(scope, id);

    this.function = scimNodeFunction(this, 'admin', {
      description: 'SCIM admin API (tenants, tokens, settings; IAM-authorized)',
      entry: adminFunction.entry,
      // API Gateway REST integrations give up at 29 s; a token rotation waits for Secrets Manager's steps within it.
      timeout: Duration.seconds(28),
      logRetention: props.logRetention,
      environment: {
        TABLE_NAME: props.table.tableName,
        TENANT_SECRET_PREFIX: props.tenantTokens.prefix,
        SCIM_BASE_URL: props.scimBaseUrl,
      } satisfies FunctionEnvironment,
    });
    // Tenant deletion removes its directory, settings are written: read and write, on this table only.
    props.table.grantReadWriteData(this.function);
    props.tenantTokens.grantManage(this.function);

    const accessLogs = (this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention }));
    this.api = new RestApi(this, 'Api', {
      // Its own name: API Gateway's metrics are keyed by it, apart from the SCIM API's.
      restApiName: `${Stack.of(this).stackName}-admin`,
      description: 'SCIM service admin API (AWS IAM authorization)',
      endpointTypes: [EndpointType.REGIONAL],
      // The SCIM API sets the region's logging role when the stack manages it; one per region.
      cloudWatchRole: false,
      deployOptions: apiStageOptions({
        stageName: props.stageName,
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
        accessLogs,
        accessLogFields: accessLogFields(),
      }),
    });
    if (props.accountLoggingRole) this.api.deploymentStage.node.addDependency(props.accountLoggingRole);

    // API Gateway would create it on first use with retention "never expire".
    const executionLogs = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${props.stageName}`,
      retention: props.logRetention,
    });
    this.api.deploymentStage.node.addDependency(executionLogs);

    const integration = new LambdaIntegration(this.function, { proxy: true, allowTestInvoke: false });
    for (const route of adminApiRoutes()) {
      this.api.root.resourceForPath(route.resource).addMethod(route.method, integration, { authorizationType: AuthorizationType.IAM });
    }

    for (const { type, error } of adminGatewayResponses) {
      this.api.addGatewayResponse(type.responseType, {
        type,
        statusCode: String(error.status),
        responseHeaders: Object.fromEntries(Object.entries({ 'Content-Type': 'application/json', ...error.headers }).map(([name, value]) => [name, `'${value}'`])),
        templates: { 'application/json': JSON.stringify({ error: { code: error.code, message: error.message } }) },
      });
    }

    this.baseUrl = this.api.urlForPath(ADMIN_BASE_PATH);

    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'Every method requires AWS IAM (SigV4): API Gateway refuses unsigned and unauthorized requests before any function runs, the callers are a few backend roles, and the stage throttle caps the rest; a web ACL would add cost and nothing IAM does not already decide.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason: "The admin API's callers are AWS principals (the SaaS team's backend role, operators), authorized with AWS IAM, not Cognito users.",
      },
      {
        id: 'AwsSolutions-APIG2',
        reason: 'The admin library validates every request (zod schemas of the contracts) so that refusals carry its JSON error bodies.',
      },
    );
  }

  /** execute-api:Invoke on every admin route of this API's stage: what the SaaS team's backend role needs. */
  grantInvoke(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.api.arnForExecuteApi('*', `${ADMIN_BASE_PATH}/*`, this.api.deploymentStage.stageName)],
    });
  }
}

/** The access log line: every API's fields, and the IAM principal that signed (the admin API's audit trail of who acted). */
function accessLogFields() {
  return { ...requestAccessLogFields(), caller: AccessLogField.contextIdentityUserArn() };
}
