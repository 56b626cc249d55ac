import { dependencies } from '../dependencies';
import { searchAcross } from '../http/resource-routes';
import { logger, scimHandler } from '../http/scim-handler';
import { scimFunctions } from '../routes';
import { GroupEndpoint } from '../service/groups';
import { UserEndpoint } from '../service/users';

const { config, verifier, directory } = dependencies();
const { users, groups, memberships } = directory();
const endpoints = [new UserEndpoint(users, groups, memberships), new GroupEndpoint(groups, users, memberships, logger)];

export const handler = scimHandler(
  scimFunctions.bulk,
  { search: searchAcross(endpoints, config.MAX_RESPONSE_BYTES) },
  { verifier: verifier(), maxBodyBytes: config.MAX_BODY_BYTES },
);
