import { scimDependencies } from '../wiring/scim-dependencies';
import { scimHandler } from '../http/scim-handler';
import { allRoutes, scimFunctions } from '../contracts/routes';
import {
  offeredResourceTypes,
  offeredSchemas,
  refuseFilter,
  resourceTypeRepresentation,
  schemaRepresentation,
  serviceProviderConfig,
} from '../scim/discovery';
import { MAX_OPERATIONS } from '../scim/bulk';
import { ScimError } from '../scim/errors';
import { listResponse } from '../scim/list';

const { config, verifier, registry } = scimDependencies();
const endpoints = allRoutes()
  .filter((route) => route.method === 'GET')
  .map((route) => route.path);
const types = offeredResourceTypes(registry, endpoints);
// The bulk function refuses larger bodies with the same setting (lambdas/wiring/config.ts), read from the same environment.
const bulk = allRoutes().some((route) => route.method === 'POST' && route.path === '/Bulk')
  ? { maxOperations: MAX_OPERATIONS, maxPayloadSize: config.MAX_BODY_BYTES }
  : undefined;
const schemas = offeredSchemas(registry, types);

const findIn = <T extends { id: string }>(items: T[], id: string, what: string): T => {
  const found = items.find((item) => item.id.toLowerCase() === id.toLowerCase());
  if (!found) throw ScimError.notFound(`${what} "${id}" not found.`);
  return found;
};

export const handler = scimHandler(
  scimFunctions.discovery,
  {
    serviceProviderConfig: async (request) => ({ status: 200, body: serviceProviderConfig(request.baseUrl, bulk) }),
    resourceTypes: async (request) => {
      refuseFilter(request.query('filter'));
      return { status: 200, body: listResponse(types.map((type) => resourceTypeRepresentation(type, request.baseUrl)), types.length, 1) };
    },
    resourceType: async (request) => ({
      status: 200,
      body: resourceTypeRepresentation(findIn(types, request.params.id, 'ResourceType'), request.baseUrl),
    }),
    schemas: async (request) => {
      refuseFilter(request.query('filter'));
      return { status: 200, body: listResponse(schemas.map((schema) => schemaRepresentation(schema, request.baseUrl)), schemas.length, 1) };
    },
    schema: async (request) => ({ status: 200, body: schemaRepresentation(findIn(schemas, request.params.id, 'Schema'), request.baseUrl) }),
  },
  { verifier: verifier(), maxBodyBytes: config.MAX_BODY_BYTES },
);
