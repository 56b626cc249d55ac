import type { ScimType } from '../scim/errors';
import type { ProvisioningClient, ResourceTypeName } from './table-design';

/**
 * The log line every SCIM request writes (lambdas/http/scim-handler.ts), and the names the
 * stack's saved queries, metric filters and dashboard read (lib/scim-operations.ts). It carries
 * identifiers and outcomes only: never a body value, never the Authorization header.
 */
export const REQUEST_LOG_MESSAGE = 'request';

/** One line per operation of a POST /Bulk, whose request line says 200 whatever they did (RFC 7644 §3.7.3). */
export const BULK_OPERATION_LOG_MESSAGE = 'bulk operation';

export interface RequestLogFields {
  /** The route table's name, `users.create`; absent for a method no route has (405). */
  operation?: string;
  method: string;
  /** API Gateway's resource template, `/scim/v2/Users/{id}`: no ids, no query. */
  resource: string;
  resourceType?: ResourceTypeName;
  /** The `{id}` the request named, or the id of the resource it created. */
  resourceId?: string;
  status: number;
  /** Errors only (RFC 7644 §3.12). */
  scimType?: ScimType;
  /** Errors only: a short, stable reason (`uniqueness`, `seat_limit`, `not_found`, `token_expired`). */
  code?: string;
  /** The authenticated tenant; on a 401, the tenant the token's prefix claims (the prefix is not secret). */
  tenant?: string;
  client: ProvisioningClient;
  userAgent?: string;
  durationMs: number;
  /** API Gateway's request id, the `requestId` of the stage's access log. */
  requestId?: string;
}

export type BulkOperationLogFields = Pick<RequestLogFields, 'operation' | 'method' | 'resourceType' | 'resourceId' | 'status' | 'scimType' | 'code' | 'tenant' | 'requestId'>;

/**
 * Metrics the stack derives from request lines, per function: each function's log group has its
 * own filters, and the function's name (which Powertools' Lambda context adds to every line)
 * keeps two deployments in one account apart.
 */
export const requestMetrics = {
  namespace: 'ServerlessScim',
  clientErrors: 'ClientErrors',
  serverErrors: 'ServerErrors',
  dimension: 'FunctionName',
  /** The log key Powertools Logger writes the Lambda function's name under. */
  functionNameField: 'function_name',
} as const;
