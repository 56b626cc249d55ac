import { ScimError } from '../scim/errors';
import { pagedListResponse, parseAttributeList, parseListQuery } from '../scim/list';
import { parsePatchRequest } from '../scim/messages';
import { isRequested, project, type Projection } from '../scim/projection';
import type { Rendered, ResourceEndpoint, Wanted } from '../service/endpoint';
import { etag } from '../service/resources';
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

function entityTag(rendered: Rendered): string {
  return etag(rendered.stored.version, rendered.versionTag);
}

/** The client-facing form of a resource: schemas, id, attributes, meta (RFC 7643 §3.1). */
export function representation(endpoint: ResourceEndpoint, rendered: Rendered, baseUrl: string): Record<string, unknown> {
  const { stored, extra } = rendered;
  const { schemas, ...attributes } = stored.resource;
  const model = endpoint.model;
  return {
    schemas,
    id: stored.id,
    ...attributes,
    ...extra,
    meta: {
      resourceType: model.type.name,
      created: stored.created,
      lastModified: stored.lastModified,
      location: `${baseUrl}${model.type.endpoint}/${stored.id}`,
      version: entityTag(rendered),
    },
  };
}

function tooLarge(what: string, bytes: number, limit: number): ScimError {
  return ScimError.tooMany(
    `${what} is ${bytes} bytes as JSON, more than one response can carry (${limit}). ` +
      'Read it with excludedAttributes=members, and members through GET /Groups?filter=members.value eq "<user id>" per user.',
  );
}

/**
 * The six routes of a SCIM resource endpoint (RFC 7644 §3.2–3.6). `maxResponseBytes`: Lambda
 * answers at most 6 MB; a list page stops short of it (RFC 7644 §3.4.2.4 lets itemsPerPage be
 * below count), and a single resource larger than it is refused with a clear error, never truncated.
 */
export function resourceRoutes(endpoint: ResourceEndpoint, maxResponseBytes: number): ResourceRoutes {
  const model = endpoint.model;
  const wantedBy = (projection: Projection): Wanted => (attribute) => isRequested(model, projection, attribute);

  const respond = (request: ScimRequest, rendered: Rendered, status: number, projection = projectionOf(request)): ScimResponse => {
    const body = project(model, representation(endpoint, rendered, request.baseUrl), projection);
    const bytes = Buffer.byteLength(JSON.stringify(body));
    if (bytes > maxResponseBytes) throw tooLarge(`${model.type.name} ${rendered.stored.id}`, bytes, maxResponseBytes);
    const headers: Record<string, string> = { ETag: entityTag(rendered) };
    if (status === 201) headers.Location = `${request.baseUrl}${model.type.endpoint}/${rendered.stored.id}`;
    return { status, body, headers };
  };
  const preconditions = (request: ScimRequest) => ({ ifMatch: request.header('if-match') });

  return {
    list: async (request) => {
      const query = parseListQuery(request.query);
      const projection = { attributes: query.attributes, excludedAttributes: query.excludedAttributes };
      const result = await endpoint.list(request.tenant, query, wantedBy(projection));
      const resources: Record<string, unknown>[] = [];
      let bytes = 0;
      for (const rendered of result.resources) {
        const resource = project(model, representation(endpoint, rendered, request.baseUrl), projection);
        const size = Buffer.byteLength(JSON.stringify(resource)) + 1;
        if (bytes + size > maxResponseBytes) {
          if (resources.length === 0) throw tooLarge(`${model.type.name} ${rendered.stored.id}`, size, maxResponseBytes);
          break;
        }
        bytes += size;
        resources.push(resource);
      }
      // A page cut short by the size cap resumes after its last resource, not after the last one read.
      const cut = resources.length < result.resources.length && query.cursor !== undefined;
      const nextCursor = cut && result.cursorAfter ? result.cursorAfter(resources.length - 1) : result.nextCursor;
      return { status: 200, body: pagedListResponse(query, { resources, totalResults: result.totalResults, nextCursor }) };
    },
    create: async (request) => {
      const projection = projectionOf(request);
      return respond(request, await endpoint.create(request.tenant, requireBody(request), wantedBy(projection)), 201, projection);
    },
    get: async (request) => {
      const projection = projectionOf(request);
      const rendered = await endpoint.get(request.tenant, request.params.id, wantedBy(projection));
      const ifNoneMatch = request.header('if-none-match');
      const current = entityTag(rendered);
      // RFC 7644 §3.14: an unchanged resource answers 304 to a conditional GET.
      if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim() === current || tag.trim() === '*')) {
        return { status: 304, headers: { ETag: current } };
      }
      return respond(request, rendered, 200, projection);
    },
    replace: async (request) => {
      const projection = projectionOf(request);
      return respond(request, await endpoint.replace(request.tenant, request.params.id, requireBody(request), preconditions(request), wantedBy(projection)), 200, projection);
    },
    patch: async (request) => {
      const patch = parsePatchRequest(request.body);
      const projection = projectionOf(request);
      const noContent = patchAnswersNoContent(request, endpoint, projection);
      const wanted: Wanted = noContent ? () => false : wantedBy(projection);
      const rendered = await endpoint.patch(request.tenant, request.params.id, patch.Operations, preconditions(request), wanted);
      if (noContent) return { status: 204, headers: { ETag: entityTag(rendered) } };
      return respond(request, rendered, 200, projection);
    },
    delete: async (request) => {
      await endpoint.delete(request.tenant, request.params.id, preconditions(request));
      return { status: 204 };
    },
  };
}

/**
 * RFC 7644 §3.5.2 lets PATCH answer 200 with the resource or 204, and requires 200 once
 * `attributes` is asked for. RFC 7240 `Prefer: return=minimal|representation` decides where
 * sent. Otherwise groups answer 204 (no member list travels back), and users answer with the
 * resource to clients that name a JSON media type in Accept (Okta sends application/scim+json
 * and reads the user back) and 204 to clients that name none (Microsoft's SCIM reference code
 * and its test collection).
 */
function patchAnswersNoContent(request: ScimRequest, endpoint: ResourceEndpoint, projection: Projection): boolean {
  if (projection.attributes) return false;
  const prefer = request.header('prefer')?.toLowerCase() ?? '';
  if (/\breturn\s*=\s*minimal\b/.test(prefer)) return true;
  if (/\breturn\s*=\s*representation\b/.test(prefer)) return false;
  if (endpoint.patchAnswersNoContent) return true;
  return !/application\/(scim\+)?json/i.test(request.header('accept') ?? '');
}

function requireBody(request: ScimRequest): unknown {
  if (request.body === undefined) throw ScimError.invalidSyntax(`A ${request.method} request needs a JSON body.`);
  return request.body;
}
