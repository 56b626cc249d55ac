import { ResponseType } from 'aws-cdk-lib/aws-apigateway';
import { ScimError } from '../lambdas/scim/errors';

/**
 * Every response API Gateway produces itself, as the SCIM error the Lambdas would have sent
 * (RFC 7644 §3.12). Gateway response templates get no VTL, only `$context` substitution
 * (AWS: x-amazon-apigateway-gateway-responses.responseTemplates), so the bodies are static
 * and cannot be broken by quotes in an error message.
 *
 * Each type carries an explicit status: the body must state it, and a DEFAULT_4XX/5XX status
 * would otherwise override the defaults of every type not listed here.
 */
export const gatewayResponses: ReadonlyArray<{ type: ResponseType; error: ScimError }> = [
  // What a REST API answers for a path with no method, i.e. any path outside the route table.
  { type: ResponseType.MISSING_AUTHENTICATION_TOKEN, error: ScimError.notFound('No SCIM endpoint at this path.') },
  { type: ResponseType.RESOURCE_NOT_FOUND, error: ScimError.notFound('No SCIM endpoint at this path.') },
  { type: ResponseType.UNAUTHORIZED, error: ScimError.unauthorized('Missing or invalid credentials: send the API token as "Authorization: Bearer <token>".') },
  { type: ResponseType.ACCESS_DENIED, error: ScimError.forbidden('Access denied.') },
  { type: ResponseType.EXPIRED_TOKEN, error: ScimError.forbidden('The request credentials have expired.') },
  { type: ResponseType.INVALID_API_KEY, error: ScimError.forbidden('Access denied.') },
  { type: ResponseType.INVALID_SIGNATURE, error: ScimError.forbidden('Access denied.') },
  { type: ResponseType.WAF_FILTERED, error: ScimError.forbidden('The request was blocked by the firewall.') },
  { type: ResponseType.BAD_REQUEST_BODY, error: ScimError.invalidSyntax('The request body is not valid for this endpoint.') },
  { type: ResponseType.BAD_REQUEST_PARAMETERS, error: ScimError.invalidSyntax('The request parameters are not valid for this endpoint.') },
  { type: ResponseType.REQUEST_TOO_LARGE, error: ScimError.payloadTooLarge('The request is too large.') },
  { type: ResponseType.UNSUPPORTED_MEDIA_TYPE, error: ScimError.unsupportedMediaType('Send the request body as JSON with "Content-Type: application/scim+json".') },
  // The stage's token bucket refills every second (RFC 6585 §4: Retry-After on 429).
  { type: ResponseType.THROTTLED, error: ScimError.tooManyRequests('Too many requests; retry after the delay in Retry-After.', 1) },
  // No usage plan sets a quota today; a minute keeps clients from hammering one that does.
  { type: ResponseType.QUOTA_EXCEEDED, error: ScimError.tooManyRequests('Request quota exceeded; retry after the delay in Retry-After.', 60) },
  { type: ResponseType.INTEGRATION_FAILURE, error: new ScimError(502, 'The SCIM service failed to answer; the request may not have been applied. Retry.') },
  { type: ResponseType.INTEGRATION_TIMEOUT, error: new ScimError(504, 'The SCIM service did not answer in time; the request may have been applied. Retry.') },
  { type: ResponseType.API_CONFIGURATION_ERROR, error: new ScimError(500, 'The SCIM endpoint is misconfigured.') },
  { type: ResponseType.AUTHORIZER_CONFIGURATION_ERROR, error: new ScimError(500, 'The SCIM endpoint is misconfigured.') },
  { type: ResponseType.AUTHORIZER_FAILURE, error: new ScimError(500, 'The request could not be authorized; retry.') },
  { type: ResponseType.DEFAULT_4XX, error: new ScimError(400, 'The request was rejected before reaching the SCIM service.') },
  { type: ResponseType.DEFAULT_5XX, error: new ScimError(500, 'The SCIM service could not process the request; retry.') },
];
