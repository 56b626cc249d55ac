import { dependencies } from '../wiring/dependencies';
import { resourceRoutes } from '../http/resource-routes';
import { scimHandler } from '../http/scim-handler';
import { scimFunctions } from '../contracts/routes';
import { UserEndpoint } from '../directory/users';
import { logger } from '../runtime/logger';

const { config, verifier, directory } = dependencies();
const { users, groups, memberships, access, trail } = directory();

export const handler = scimHandler(scimFunctions.users, resourceRoutes(new UserEndpoint(users, groups, memberships, access, logger), config.MAX_RESPONSE_BYTES), {
  verifier: verifier(),
  maxBodyBytes: config.MAX_BODY_BYTES,
  trail,
});
