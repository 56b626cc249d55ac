/**
 * The functions' environment variables: the CDK stack and the local server set them,
 * lambdas/wiring/config.ts reads and validates them. Naming one that is not listed here is a type error
 * on either side.
 */
export const FUNCTION_ENVIRONMENT = [
  'TABLE_NAME',
  'TENANT_SECRET_PREFIX',
  'LOCAL_SECRETS_DIR',
  'TOKEN_CACHE_SECONDS',
  'TOKEN_VALIDITY_DAYS',
  'TOKEN_OVERLAP_DAYS',
  'DYNAMODB_ENDPOINT',
  'UNIQUE_EXTERNAL_ID',
  'MAX_RESPONSE_BYTES',
  'MAX_BODY_BYTES',
  'SCIM_EXTENSIONS',
  'EVENT_BUS_NAME',
  'EVENTS_FILE',
  'ACTIVITY_RETENTION_DAYS',
  'SCIM_BASE_URL',
] as const;

export type FunctionEnvironmentName = (typeof FUNCTION_ENVIRONMENT)[number];
export type FunctionEnvironment = Partial<Record<FunctionEnvironmentName, string>>;

/**
 * A DynamoDB client's settings for an endpoint other than AWS's (the embedded store): it accepts
 * any credentials, and fixed ones keep local runs off the AWS credential chain.
 */
export function localDynamoDbClientConfig(endpoint: string) {
  return { endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}
