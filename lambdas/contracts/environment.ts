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
  'MIGRATION_ITEMS_PER_SECOND',
  'MIGRATION_SEGMENTS',
] as const;

export type FunctionEnvironmentName = (typeof FUNCTION_ENVIRONMENT)[number];
export type FunctionEnvironment = Partial<Record<FunctionEnvironmentName, string>>;

/** AWS's DynamoDB endpoints: `dynamodb.<region>.amazonaws.com`, FIPS, dual-stack (`api.aws`), China, VPC endpoints. */
const AWS_ENDPOINT_HOST = /(^|\.)(amazonaws\.com(\.cn)?|api\.aws)$/;
const AWS_REGION_LABEL = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** The region of an AWS DynamoDB endpoint; undefined for any other (DynamoDB Local, on this machine or in a container). */
export function awsEndpointRegion(endpoint: string): string | undefined {
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  if (!AWS_ENDPOINT_HOST.test(host)) return undefined;
  return host.split('.').find((label) => AWS_REGION_LABEL.test(label));
}

/**
 * A DynamoDB client's settings for an explicit endpoint. DynamoDB Local accepts any credentials,
 * and fixed ones keep local runs off the AWS credential chain (and name one database when it runs
 * without -sharedDb); an AWS endpoint gets its region and the default credential chain.
 */
export function localDynamoDbClientConfig(endpoint: string): { endpoint: string; region: string; credentials?: { accessKeyId: string; secretAccessKey: string } } {
  const region = awsEndpointRegion(endpoint);
  if (region) return { endpoint, region };
  return { endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}
