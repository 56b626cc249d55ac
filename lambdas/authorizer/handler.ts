import { tokenDependencies } from '../wiring/token-dependencies';
import { tokenAuthorizer } from '../http/token-authorizer';

const { verifier } = tokenDependencies();

/** API Gateway's Lambda authorizer: the bearer token checked before any SCIM function runs. */
export const handler = tokenAuthorizer(verifier());
