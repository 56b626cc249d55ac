import { apiStageOptions, requestAccessLogFields } from './api-stage';
import { Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AuthorizationType,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  RestApi,
  TokenAuthorizer,
  type MethodOptions,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { allRoutes, SCIM_BASE_PATH, SCIM_CONTENT_TYPE, type FunctionName } from '../lambdas/contracts/routes';
import { gatewayResponses } from './gateway-responses';
import { AUTHORIZER_CACHE_TTL } from './scim-functions';
import { ScimWebAcl } from './scim-web-acl';

/** RFC 7644 §8.1. */

export interface ScimApiProps {
  readonly functions: Readonly<Record<FunctionName, IFunction>>;
  /** The token authorizer (lambdas/authorizer/handler.ts), in front of every method. */
  readonly authorizer: IFunction;
  /** Requests per five minutes one source IP may send, enforced by a WAF web ACL on the stage; undefined for no web ACL. */
  readonly wafRateLimit?: number;
  readonly stageName: string;
  /** Steady-state requests per second across the stage. */
  readonly throttlingRateLimit: number;
  /** Requests the stage absorbs at once above the rate (an IdP's initial import arrives as a burst). */
  readonly throttlingBurstLimit: number;
  readonly logRetention: RetentionDays;
  /**
   * Set the region's API Gateway CloudWatch role (AWS::ApiGateway::Account), without which
   * neither access nor execution logs are written. Turn off where the account already manages it.
   */
  readonly manageAccountLoggingRole: boolean;
}

/**
 * The REST API (v1: only REST APIs let every gateway-generated response be replaced).
 * Resources and methods come from the route table; the token authorizer checks the bearer token
 * before any SCIM function runs, and API Gateway caches its answer per Authorization header.
 */
export class ScimApi extends Construct {
  readonly api: RestApi;
  /** The stage's access log: one JSON line per request, the gateway's own refusals (401, 429, WAF) included. */
  readonly accessLogs: LogGroup;
  readonly webAcl?: ScimWebAcl;
  /** The SCIM base URL, `https://…/{stage}/scim/v2`. */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: ScimApiProps) {
    super(scope, id);

    const accessLogs = (this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention }));

    this.api = new RestApi(this, 'Api', {
      // API Gateway's metrics are keyed by API name: the construct id would be the same in every
      // deployment of the stack in an account, and their dashboards and alarms would add them up.
      restApiName: Stack.of(this).stackName,
      description: 'SCIM 2.0 service provider (RFC 7644)',
      // The callers are a few IdP servers, not browsers worldwide; edge-optimized only adds a CloudFront hop.
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: props.manageAccountLoggingRole,
      deployOptions: apiStageOptions({
        stageName: props.stageName,
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
        accessLogs,
        accessLogFields: accessLogFields(),
      }),
    });

    // API Gateway creates the execution log group on first use with retention "never expire";
    // creating it first, under the name API Gateway uses, gives it a retention.
    const executionLogs = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${props.stageName}`,
      retention: props.logRetention,
    });
    this.api.deploymentStage.node.addDependency(executionLogs);

    const authorizer = new TokenAuthorizer(this, 'TokenAuthorizer', {
      handler: props.authorizer,
      // The header Okta (Bearer or bare token) and Entra ID send; without it API Gateway answers
      // 401 without invoking the authorizer.
      identitySource: IdentitySource.header('Authorization'),
      resultsCacheTtl: AUTHORIZER_CACHE_TTL,
    });
    this.addRoutes(props.functions, { authorizer, authorizationType: AuthorizationType.CUSTOM });

    for (const { type, error } of gatewayResponses) {
      const body = JSON.stringify(error.toBody());
      this.api.addGatewayResponse(type.responseType, {
        type,
        statusCode: String(error.status),
        responseHeaders: Object.fromEntries(
          Object.entries({ 'Content-Type': SCIM_CONTENT_TYPE, ...error.headers }).map(([name, value]) => [name, `'${value}'`]),
        ),
        templates: { 'application/json': body, [SCIM_CONTENT_TYPE]: body },
      });
    }

    this.baseUrl = this.api.urlForPath(SCIM_BASE_PATH);

    if (props.wafRateLimit !== undefined) {
      this.webAcl = new ScimWebAcl(this, 'WebAcl', { stage: this.api.deploymentStage, rateLimit: props.wafRateLimit });
    } else {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: "The stack's web ACL is turned off (webAcl: false) because the deploying account associates its own, managed centrally (e.g. by Firewall Manager).",
      });
    }

    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-COG4',
        reason: 'IdPs (Okta, Entra ID) send a static bearer token, not Cognito credentials; a Lambda token authorizer verifies it.',
      },
      {
        id: 'AwsSolutions-APIG2',
        reason: 'The Lambda validates requests so that rejections carry SCIM error bodies and scimType (RFC 7644 §3.12).',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'The region-wide API Gateway logging role serves every API in the account, so it cannot be scoped to this stack; this is the policy AWS documents for it.',
      },
    );
  }

  private addRoutes(functions: Readonly<Record<FunctionName, IFunction>>, auth: MethodOptions) {
    const integrations = new Map<FunctionName, LambdaIntegration>();
    const integrationOf = (name: FunctionName) => {
      let integration = integrations.get(name);
      if (!integration) {
        // Test invocations from the console need no standing permission on production functions.
        integration = new LambdaIntegration(functions[name], { proxy: true, allowTestInvoke: false });
        integrations.set(name, integration);
      }
      return integration;
    };

    const owners = new Map<string, FunctionName>();
    for (const route of allRoutes()) {
      const owner = owners.get(route.resource);
      if (owner && owner !== route.function) {
        throw new Error(`${route.resource} is claimed by both ${owner} and ${route.function} in the route table.`);
      }
      owners.set(route.resource, route.function);
      this.api.root.resourceForPath(route.resource).addMethod(route.method, integrationOf(route.function), auth);
    }

    // Other methods on a known path reach its function, which answers 405 with Allow
    // (RFC 9110 §15.5.6) instead of the gateway's 404 for paths it does not know.
    for (const [resource, name] of owners) {
      this.api.root.resourceForPath(resource).addMethod('ANY', integrationOf(name), auth);
    }
  }
}

/** The access log line: every API's fields, and what the SCIM API adds. */
function accessLogFields() {
  return {
    ...requestAccessLogFields(),
    path: AccessLogField.contextPath(),
    protocol: AccessLogField.contextProtocol(),
    // The tenant the token authorizer named, for allowed requests and for dead tokens it denied
    // (lambdas/http/token-authorizer.ts); "-" for a missing or wrong token. The functions' request
    // lines carry the same requestId and tenant.
    tenant: AccessLogField.contextAuthorizer('tenant'),
    authorizerStatus: AccessLogField.contextAuthorizerStatus(),
    authorizerLatency: AccessLogField.contextAuthorizerLatency(),
  };
}
