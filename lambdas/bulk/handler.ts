import { dependencies } from '../wiring/dependencies';
import { bulkRoute, bulkTargets } from '../http/bulk-route';
import { resourceRoutes, searchAcross } from '../http/resource-routes';
import { scimHandler } from '../http/scim-handler';
import { logger } from '../runtime/logger';
import { scimFunctions } from '../contracts/routes';
import { MAX_OPERATIONS } from '../scim/bulk';
import { GroupEndpoint } from '../directory/groups';
import { UserEndpoint } from '../directory/users';

const { config, verifier, directory } = dependencies();
const { users, groups, memberships, access, trail } = directory();
const userEndpoint = new UserEndpoint(users, groups, memberships, access, logger);
const groupEndpoint = new GroupEndpoint(groups, users, memberships, access, logger);

export const handler = scimHandler(
  scimFunctions.bulk,
  {
    search: searchAcross([userEndpoint, groupEndpoint], config.MAX_RESPONSE_BYTES),
    bulk: bulkRoute(
      [
        ...bulkTargets(scimFunctions.users, resourceRoutes(userEndpoint, config.MAX_RESPONSE_BYTES)),
        ...bulkTargets(scimFunctions.groups, resourceRoutes(groupEndpoint, config.MAX_RESPONSE_BYTES)),
      ],
      // Creates are independent single-item writes; 16 at a time keeps 1,000 of them well inside 29 s.
      { maxOperations: MAX_OPERATIONS, concurrency: 16, reserveMs: 5_000, log: logger, trail },
    ),
  },
  // Advertised as bulk.maxPayloadSize: the body limit every route has (RFC 7644 §3.7.4).
  { verifier: verifier(), maxBodyBytes: config.MAX_BODY_BYTES, trail },
);
