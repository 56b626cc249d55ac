import { dependencies } from '../dependencies';
import { resourceRoutes } from '../http/resource-routes';
import { scimHandler } from '../http/scim-handler';
import { scimFunctions } from '../routes';
import { ResourceService } from '../service/resources';
import { userKind } from '../service/users';

const { config, verifier, resourceStore } = dependencies();
const users = new ResourceService(resourceStore(), userKind({ uniqueExternalId: config.UNIQUE_EXTERNAL_ID }));

export const handler = scimHandler(scimFunctions.users, resourceRoutes(users), { verifier, maxBodyBytes: config.MAX_BODY_BYTES });
