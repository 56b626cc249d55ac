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
function tokenCheckFailed(): ScimError {
  return ScimError.serviceUnavailable('The API token could not be checked just now; retry shortly, and tell the operator of this SCIM service if it persists.', 5);
}

export const gatewayResponses: ReadonlyArray<{ type: ResponseType; error: ScimError }> = [
  // What a REST API answers for a path with no method, i.e. any path outside the route table.
  { type: ResponseType.MISSING_AUTHENTICATION_TOKEN, error: ScimError.notFound('No SCIM endpoint at this path.') },
  { type: ResponseType.RESOURCE_NOT_FOUND, error: ScimError.notFound('No SCIM endpoint at this path.') },
  // The token authorizer (lambdas/http/token-authorizer.ts) refused a missing, wrong or guessed token.
  {
    type: ResponseType.UNAUTHORIZED,
    error: ScimError.unauthorized('The API token is not valid. Check the token configured in your identity provider; it is sent as "Authorization: Bearer <token>".'),
  },
  // This API has no resource policy and no IAM authorization: only the token authorizer denies,
  // and only a token that matched its tenant's secret but no longer opens it (RFC 6750 §3.1
  // invalid_token: 401). The verifier's detail says which; the gateway's body cannot vary.
  {
    type: ResponseType.ACCESS_DENIED,
    error: ScimError.unauthorized(
      'The API token is no longer valid: it expired, was replaced by a newer one, or its tenant is disabled. Ask the operator of this SCIM service for a new token and configure it in your identity provider.',
    ),
  },
  { type: ResponseType.EXPIRED_TOKEN, error: ScimError.forbidden('The request credentials have expired.') },
  { type: ResponseType.INVALID_API_KEY, error: ScimError.forbidden('Access denied.') },
  { type: ResponseType.INVALID_SIGNATURE, error: ScimError.forbidden('Access denied.') },
  // A web ACL rule without a custom response (the stack's own rate rule has one, rateLimitedByWaf).
  {
    type: ResponseType.WAF_FILTERED,
    error: ScimError.forbidden('The request was blocked by the web application firewall in front of this SCIM service. Ask its operator which rule blocked it.'),
  },
  { type: ResponseType.BAD_REQUEST_BODY, error: ScimError.invalidSyntax('The request body is not valid for this endpoint.') },
  { type: ResponseType.BAD_REQUEST_PARAMETERS, error: ScimError.invalidSyntax('The request parameters are not valid for this endpoint.') },
  { type: ResponseType.REQUEST_TOO_LARGE, error: ScimError.payloadTooLarge('The request is too large.') },
  { type: ResponseType.UNSUPPORTED_MEDIA_TYPE, error: ScimError.unsupportedMediaType('Send the request body as JSON with "Content-Type: application/scim+json".') },
  // The stage's token bucket refills every second (RFC 6585 §4: Retry-After on 429).
  {
    type: ResponseType.THROTTLED,
    error: ScimError.tooManyRequests('Too many requests for this SCIM service; retry after the delay in Retry-After.', 1),
  },
  // No usage plan sets a quota today; a minute keeps clients from hammering one that does.
  { type: ResponseType.QUOTA_EXCEEDED, error: ScimError.tooManyRequests('Request quota exceeded; retry after the delay in Retry-After.', 60) },
  { type: ResponseType.INTEGRATION_FAILURE, error: new ScimError(502, 'The SCIM service failed to answer; the request may not have been applied. Retry.') },
  { type: ResponseType.INTEGRATION_TIMEOUT, error: new ScimError(504, 'The SCIM service did not answer in time; the request may have been applied. Retry.') },
  { type: ResponseType.API_CONFIGURATION_ERROR, error: new ScimError(500, 'The SCIM endpoint is misconfigured.') },
  // The token authorizer failed, was throttled or could not be reached: most often the token store
  // was unreachable, which the verifier answers 503 in-process too. Never a 401: that would make
  // an IdP admin distrust a good token.
  { type: ResponseType.AUTHORIZER_CONFIGURATION_ERROR, error: tokenCheckFailed() },
  { type: ResponseType.AUTHORIZER_FAILURE, error: tokenCheckFailed() },
  { type: ResponseType.DEFAULT_4XX, error: new ScimError(400, 'The request was rejected before reaching the SCIM service.') },
  { type: ResponseType.DEFAULT_5XX, error: new ScimError(500, 'The SCIM service could not process the request; retry.') },
];

/**
 * What the web ACL's rate rule answers a source that sent more than its limit in the evaluation
 * window (lib/scim-web-acl.ts). WAF keeps counting over the trailing window and re-checks every
 * few seconds, so a source that pauses is let in again as its oldest requests age out; a minute
 * keeps an IdP that overshot briefly from idling for the whole window. Okta retries a 429 with
 * Retry-After on its own.
 */
export const rateLimitedByWaf = new ScimError(
  429,
  'Too many requests from your network address; retry after the delay in Retry-After. If your identity provider keeps hitting this limit, ask the operator of this SCIM service to raise it.',
  undefined,
  { 'Retry-After': '60' },
);
