import { AccessLogFormat, LogGroupLogDestination, MethodLoggingLevel, type StageOptions } from 'aws-cdk-lib/aws-apigateway';
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
