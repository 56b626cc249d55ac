import { AccessLogField, AccessLogFormat, LogGroupLogDestination, MethodLoggingLevel, type StageOptions } from 'aws-cdk-lib/aws-apigateway';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';

export interface ApiStageProps {
  readonly stageName: string;
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  readonly accessLogs: ILogGroup;
  /** The access log line's fields, `$context` variables by name. */
  readonly accessLogFields: Record<string, string>;
}

/**
 * How both APIs' stages run: execution logs for errors only, and no data tracing, which would log
 * request and response bodies (personal data, tokens shown once); a JSON access log line per
 * request; X-Ray traces from the gateway through the functions.
 */
export function apiStageOptions(props: ApiStageProps): StageOptions {
  return {
    stageName: props.stageName,
    throttlingRateLimit: props.throttlingRateLimit,
    throttlingBurstLimit: props.throttlingBurstLimit,
    loggingLevel: MethodLoggingLevel.ERROR,
    dataTraceEnabled: false,
    accessLogDestination: new LogGroupLogDestination(props.accessLogs),
    accessLogFormat: AccessLogFormat.custom(JSON.stringify(props.accessLogFields)),
    tracingEnabled: true,
  };
}

/**
 * What both APIs' access log lines say of every request: who called what and how it ended. No
 * headers (Authorization), no query strings (filters and searches carry personal data), no bodies.
 * `errorType` is the type, not the message: for an unusable Authorization header the message
 * quotes a hash of that header.
 */
export function requestAccessLogFields(): Record<string, string> {
  return {
    requestId: AccessLogField.contextRequestId(),
    extendedRequestId: AccessLogField.contextExtendedRequestId(),
    requestTime: AccessLogField.contextRequestTimeEpoch(),
    sourceIp: AccessLogField.contextIdentitySourceIp(),
    userAgent: AccessLogField.contextIdentityUserAgent(),
    httpMethod: AccessLogField.contextHttpMethod(),
    resourcePath: AccessLogField.contextResourcePath(),
    status: AccessLogField.contextStatus(),
    responseLength: AccessLogField.contextResponseLength(),
    responseLatency: AccessLogField.contextResponseLatency(),
    integrationStatus: AccessLogField.contextIntegrationStatus(),
    integrationLatency: AccessLogField.contextIntegrationLatency(),
    integrationError: AccessLogField.contextIntegrationErrorMessage(),
    errorType: AccessLogField.contextErrorResponseType(),
    xrayTraceId: AccessLogField.contextXrayTraceId(),
  };
}
