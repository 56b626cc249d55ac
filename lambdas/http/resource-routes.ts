import { ScimError } from '../scim/errors';
import { listResponse, parseAttributeList, parseListQuery } from '../scim/list';
import { parsePatchRequest } from '../scim/messages';
import { project, type Projection } from '../scim/projection';
import { etag, type ResourceService } from '../service/resources';
import type { StoredResource } from '../service/resource-store';
import type { RouteRun, ScimRequest, ScimResponse } from './scim-handler';

export interface ResourceRoutes {
  list: RouteRun;
  create: RouteRun;
  get: RouteRun;
  replace: RouteRun;
  patch: RouteRun;
  delete: RouteRun;
}

function projectionOf(request: ScimRequest): Projection {
  return {
    attributes: parseAttributeList(request.query('attributes')),
    excludedAttributes: parseAttributeList(request.query('excludedAttributes')),
  };
}

/** The client-facing form of a stored resource: schemas, id, attributes, meta (RFC 7643 §3.1). */
export function representation(service: ResourceService, stored: StoredResource, baseUrl: string): Record<string, unknown> {
  const { schemas, ...attributes } = stored.resource;
  const model = service.model;
  return {
    schemas,
    id: stored.id,
    ...attributes,
    meta: {
      resourceType: model.type.name,
      created: stored.created,
      lastModified: stored.lastModified,
      location: `${baseUrl}${model.type.endpoint}/${stored.id}`,
      version: etag(stored.version),
    },
  };
}

function resourceResponse(service: ResourceService, request: ScimRequest, stored: StoredResource, status: number): ScimResponse {
  const body = project(service.model, representation(service, stored, request.baseUrl), projectionOf(request));
  const headers: Record<string, string> = { ETag: etag(stored.version) };
  if (status === 201) headers.Location = body.meta ? (body.meta as { location: string }).location : `${request.baseUrl}${service.model.type.endpoint}/${stored.id}`;
  return { status, body, headers };
}

function ifMatch(request: ScimRequest) {
  return { ifMatch: request.header('if-match') };
}

/** The six routes of a SCIM resource endpoint (RFC 7644 §3.2–3.6) over a ResourceService. */
export function resourceRoutes(service: ResourceService): ResourceRoutes {
  return {
    list: async (request) => {
      const query = parseListQuery(request.query);
      const result = await service.list(request.tenant, query);
      const projection = { attributes: query.attributes, excludedAttributes: query.excludedAttributes };
      const resources = result.resources.map((stored) => project(service.model, representation(service, stored, request.baseUrl), projection));
      return { status: 200, body: listResponse(resources, result.totalResults, query.startIndex) };
    },
    create: async (request) => resourceResponse(service, request, await service.create(request.tenant, requireBody(request)), 201),
    get: async (request) => {
      const stored = await service.get(request.tenant, request.params.id);
      const ifNoneMatch = request.header('if-none-match');
      // RFC 7644 §3.14: an unchanged resource answers 304 to a conditional GET.
      if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim() === etag(stored.version) || tag.trim() === '*')) {
        return { status: 304, headers: { ETag: etag(stored.version) } };
      }
      return resourceResponse(service, request, stored, 200);
    },
    replace: async (request) =>
      resourceResponse(service, request, await service.replace(request.tenant, request.params.id, requireBody(request), ifMatch(request)), 200),
    patch: async (request) => {
      const patch = parsePatchRequest(request.body);
      return resourceResponse(service, request, await service.patch(request.tenant, request.params.id, patch.Operations, ifMatch(request)), 200);
    },
    delete: async (request) => {
      await service.delete(request.tenant, request.params.id, ifMatch(request));
      return { status: 204 };
    },
  };
}

function requireBody(request: ScimRequest): unknown {
  if (request.body === undefined) throw ScimError.invalidSyntax(`A ${request.method} request needs a JSON body.`);
  return request.body;
}
