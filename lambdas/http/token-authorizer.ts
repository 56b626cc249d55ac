import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Principal, TokenVerifier } from '../tenancy/token-verifier';
import { assertTenant } from '../contracts/tenancy';
import { logger } from '../runtime/logger';

/**
 * What a Lambda authorizer throws for API Gateway to answer 401 (its UNAUTHORIZED gateway
 * response); any other error is an authorizer failure (5xx).
 */
export const UNAUTHORIZED = 'Unauthorized';

/** The authorizer's context, which API Gateway hands the SCIM functions as requestContext.authorizer. */
export interface AuthorizerContext {
  tenant: string;
}

/**
 * API Gateway's TOKEN authorizer over the one token verifier. API Gateway caches its answer per
 * Authorization header and applies it to every method of the stage, so the policy names the whole
 * stage, never just the method that asked:
 * - a valid token: Allow, with the tenant in the context;
 * - a missing or wrong token (a guess): throw UNAUTHORIZED, so API Gateway answers 401;
 * - a dead token (expired, replaced, tenant disabled), which only a holder of a real token has:
 *   Deny, which API Gateway answers with ACCESS_DENIED, worded for that case (lib/gateway-responses.ts);
 * - an unreachable token store: the verifier's 503 is thrown on, an authorizer failure, never a 401.
 */
export function tokenAuthorizer(verifier: TokenVerifier, log: Logger = logger) {
  return async (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const resource = stageResources(event.methodArn);
    let authentication: Awaited<ReturnType<TokenVerifier['authenticate']>>;
    try {
      authentication = await verifier.authenticate(event.authorizationToken);
    } catch (error) {
      log.error('token check failed', { error: error instanceof Error ? { name: error.name, message: error.message } : String(error) });
      throw error;
    }
    if (authentication.accepted) {
      const { tenant } = authentication.principal;
      return { principalId: tenant, policyDocument: policy('Allow', resource), context: { tenant } satisfies AuthorizerContext };
    }
    if (authentication.reason === 'missing' || authentication.reason === 'unknown') throw new Error(UNAUTHORIZED);
    // The operator's answer to "why does the IdP get 401?": API Gateway's response cannot say which.
    log.warn('token refused', { tenant: authentication.tenant, reason: authentication.reason });
    // The tenant in the context too: the stage's access log records `$context.authorizer.tenant` for denied requests as well.
    return {
      principalId: authentication.tenant ?? 'refused',
      policyDocument: policy('Deny', resource),
      ...(authentication.tenant ? { context: { tenant: authentication.tenant } satisfies AuthorizerContext } : {}),
    };
  };
}

/**
 * The principal an authorizer put in API Gateway's request context, if any. A context that names
 * no valid tenant is our own fault, not the client's: it fails as an internal error.
 */
export function authorizedPrincipal(authorizer: unknown): Principal | undefined {
  const tenant = (authorizer as Partial<AuthorizerContext> | null | undefined)?.tenant;
  return tenant === undefined ? undefined : { tenant: assertTenant(String(tenant)) };
}

/** `arn:…:{api}/{stage}/{method}/{path}` → every method and path of that stage. */
function stageResources(methodArn: string): string {
  return `${methodArn.split('/').slice(0, 2).join('/')}/*`;
}

function policy(effect: 'Allow' | 'Deny', resource: string): APIGatewayAuthorizerResult['policyDocument'] {
  return { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] };
}
