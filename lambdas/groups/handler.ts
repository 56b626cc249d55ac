import { dependencies } from '../dependencies';
import { resourceRoutes } from '../http/resource-routes';
import { logger, scimHandler } from '../http/scim-handler';
import { scimFunctions } from '../routes';
import { GroupEndpoint } from '../service/groups';

const { config, verifier, directory } = dependencies();
const { users, groups, memberships } = directory();

export const handler = scimHandler(scimFunctions.groups, resourceRoutes(new GroupEndpoint(groups, users, memberships, logger), config.MAX_RESPONSE_BYTES), {
  verifier: verifier(),
  maxBodyBytes: config.MAX_BODY_BYTES,
});
