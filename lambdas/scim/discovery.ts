import { ScimError } from './errors';
import { CURSOR_TIMEOUT_SECONDS, DEFAULT_COUNT, MAX_COUNT } from './paging';
import type { SchemaRegistry } from './extensions';
import type { ResourceTypeDefinition, SchemaDefinition } from './schemas';

export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/** Resource types are offered only where the deployment has their endpoint; they list its declared extensions. */
export function offeredResourceTypes(registry: SchemaRegistry, endpoints: string[]): ResourceTypeDefinition[] {
  return registry.resourceTypes.filter((type) => endpoints.includes(type.endpoint));
}

export function offeredSchemas(registry: SchemaRegistry, types: ResourceTypeDefinition[]): SchemaDefinition[] {
  const used = new Set(types.flatMap((type) => [type.schema, ...type.schemaExtensions.map((extension) => extension.schema)]));
  return registry.schemas.filter((schema) => used.has(schema.id));
}

export interface BulkLimits {
  maxOperations: number;
  /** Bytes of request body. */
  maxPayloadSize: number;
}

/** RFC 7643 §5: what this server does, and nothing it doesn't. `bulk` where the deployment serves /Bulk. */
export function serviceProviderConfig(baseUrl: string, bulk?: BulkLimits) {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    documentationUri: 'https://datatracker.ietf.org/doc/html/rfc7644',
    patch: { supported: true },
    bulk: bulk ? { supported: true, ...bulk } : { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_COUNT },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    // RFC 9865 §4: both methods; index stays the default so clients written for RFC 7644 see no change.
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: DEFAULT_COUNT,
      maxPageSize: MAX_COUNT,
      cursorTimeout: CURSOR_TIMEOUT_SECONDS,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'A bearer token issued by the deployment, sent as "Authorization: Bearer <token>" (the bare token is also accepted).',
        specUri: 'https://datatracker.ietf.org/doc/html/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypeRepresentation(type: ResourceTypeDefinition, baseUrl: string) {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    ...type,
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${type.id}` },
  };
}

export function schemaRepresentation(schema: SchemaDefinition, baseUrl: string) {
  return {
    schemas: [SCHEMA_SCHEMA],
    ...schema,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}

/** RFC 7644 §4: filtering these endpoints is not supported and SHOULD be answered with 403. */
export function refuseFilter(filter: string | undefined) {
  if (filter !== undefined) throw ScimError.forbidden('Filtering is not supported on discovery endpoints (RFC 7644 §4).');
}
