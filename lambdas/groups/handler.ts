import { dependencies } from '../wiring/dependencies';
import { resourceRoutes } from '../http/resource-routes';
import { scimHandler } from '../http/scim-handler';
import { logger } from '../runtime/logger';
import { scimFunctions } from '../contracts/routes';
import { GroupEndpoint } from '../directory/groups';

const { config, verifier, directory } = dependencies();
const { users, groups, memberships, access, trail } = directory();

export const handler = scimHandler(scimFunctions.groups, resourceRoutes(new GroupEndpoint(groups, users, memberships, access, logger), config.MAX_RESPONSE_BYTES), {
  verifier: verifier(),
  maxBodyBytes: config.MAX_BODY_BYTES,
  trail,
});
