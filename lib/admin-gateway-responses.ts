import { ResponseType } from 'aws-cdk-lib/aws-apigateway';

/** The admin API's error body, the shape its implementation answers too. */
export interface AdminGatewayError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const SIGN =
  'Sign the request with AWS Signature Version 4 (service execute-api) using credentials whose IAM policy allows execute-api:Invoke on this admin API (ScimEndpoint grants it with grantAdmin).';

/**
 * Every response API Gateway produces itself on the admin API, as JSON `{ "error": { code, message } }`.
 * Static bodies, like the SCIM API's (lib/gateway-responses.ts): templates get no VTL. With IAM
 * authorization an unsigned request and a path outside the route table both come back as
 * MISSING_AUTHENTICATION_TOKEN, so its message names both causes.
 */
export const adminGatewayResponses: ReadonlyArray<{ type: ResponseType; error: AdminGatewayError }> = [
  { type: ResponseType.MISSING_AUTHENTICATION_TOKEN, error: { status: 403, code: 'not_signed', message: `The request is not signed, or no admin API route has this method and path. ${SIGN}` } },
  { type: ResponseType.INVALID_SIGNATURE, error: { status: 403, code: 'invalid_signature', message: `The request's SigV4 signature does not match. ${SIGN}` } },
  { type: ResponseType.EXPIRED_TOKEN, error: { status: 403, code: 'expired_credentials', message: `The request's credentials or signature have expired. ${SIGN}` } },
  // A signature by an unknown or invalid access key.
  { type: ResponseType.UNAUTHORIZED, error: { status: 403, code: 'invalid_credentials', message: `The request's credentials are not valid. ${SIGN}` } },
  // Signed by a principal without execute-api:Invoke on this API.
  { type: ResponseType.ACCESS_DENIED, error: { status: 403, code: 'access_denied', message: `The signing principal may not call this admin API. ${SIGN}` } },
  { type: ResponseType.INVALID_API_KEY, error: { status: 403, code: 'access_denied', message: `Access denied. ${SIGN}` } },
  { type: ResponseType.RESOURCE_NOT_FOUND, error: { status: 404, code: 'not_found', message: 'No admin API route at this path.' } },
  { type: ResponseType.WAF_FILTERED, error: { status: 403, code: 'waf_blocked', message: 'The request was blocked by a web application firewall in front of the admin API.' } },
  { type: ResponseType.BAD_REQUEST_BODY, error: { status: 400, code: 'invalid_request', message: 'The request body is not valid for this route.' } },
  { type: ResponseType.BAD_REQUEST_PARAMETERS, error: { status: 400, code: 'invalid_request', message: 'The request parameters are not valid for this route.' } },
  { type: ResponseType.REQUEST_TOO_LARGE, error: { status: 413, code: 'too_large', message: 'The request is too large.' } },
  { type: ResponseType.UNSUPPORTED_MEDIA_TYPE, error: { status: 415, code: 'unsupported_media_type', message: 'Send the request body as JSON with "Content-Type: application/json".' } },
  { type: ResponseType.THROTTLED, error: { status: 429, code: 'throttled', message: 'Too many admin API requests; retry after the delay in Retry-After.', headers: { 'Retry-After': '1' } } },
  { type: ResponseType.QUOTA_EXCEEDED, error: { status: 429, code: 'throttled', message: 'Admin API quota exceeded; retry after the delay in Retry-After.', headers: { 'Retry-After': '60' } } },
  { type: ResponseType.INTEGRATION_FAILURE, error: { status: 502, code: 'integration_failure', message: 'The admin API failed to answer; the request may not have been applied. Retry.' } },
  { type: ResponseType.INTEGRATION_TIMEOUT, error: { status: 504, code: 'timeout', message: 'The admin API did not answer in time; the request may have been applied. Check before retrying.' } },
  { type: ResponseType.API_CONFIGURATION_ERROR, error: { status: 500, code: 'internal_error', message: 'The admin API is misconfigured.' } },
  // No authorizer function runs on the admin API; these would only come from a misconfiguration.
  { type: ResponseType.AUTHORIZER_CONFIGURATION_ERROR, error: { status: 500, code: 'internal_error', message: 'The admin API is misconfigured.' } },
  { type: ResponseType.AUTHORIZER_FAILURE, error: { status: 500, code: 'internal_error', message: 'The admin API is misconfigured.' } },
  { type: ResponseType.DEFAULT_4XX, error: { status: 400, code: 'rejected', message: 'The request was rejected before reaching the admin API.' } },
  { type: ResponseType.DEFAULT_5XX, error: { status: 500, code: 'internal_error', message: 'The admin API could not process the request; retry.' } },
];
