import { ScimError } from '../scim/errors';
import { entityTag, isUnchanged } from '../scim/etag';
import { listResponse, pagedListResponse, parseAttributeList, parseListQuery } from '../scim/list';
import { parsePatchRequest } from '../scim/messages';
import { nextCursorOf, nextSpan, type Span } from '../scim/paging';
import { isRequested, project, type Projection } from '../scim/projection';
import { resourceLocation, withLocations } from '../scim/references';
import type { ResourceModel } from '../scim/schemas';
import { excludesWholeType, searchParameters, type ParameterLookup } from '../scim/search';
import type { Rendered, ResourceEndpoint, Wanted } from '../directory/endpoint';
import { provisioningExtension, resourceRepresentation } from '../directory/provisioning';
import type { ResourceTypeName } from '../contracts/table-design';
import type { RouteRun, ScimRequest, ScimResponse } from './scim-handler';

export interface ResourceRoutes {
  list: RouteRun;
  search: RouteRun;
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

const wantedBy =
  (model: ResourceModel, projection: Projection): Wanted =>
  (attribute) =>
    isRequested(model, projection, attribute);

function etagOf(rendered: Rendered): string {
  return entityTag(rendered.stored.version, rendered.versionTag);
}

/** The client-facing form of a resource: schemas, id, attributes, meta (RFC 7643 §3.1). */
export function representation(endpoint: ResourceEndpoint, rendered: Rendered, baseUrl: string): Record<string, unknown> {
  const { stored, extra, versionTag } = rendered;
  const model = endpoint.model;
  return resourceRepresentation(model.type.name as ResourceTypeName, stored, {
    extra: extra && withLocations(model, extra, baseUrl),
    location: resourceLocation(baseUrl, model.type, stored.id),
    versionTag,
  });
}

/**
 * A resource as the client asked for it (RFC 7644 §3.4.2.5). `schemas` names the provisioning
 * extension only when the projected resource still carries it, so `attributes=userName` answers
 * the core schema alone.
 */
function shown(endpoint: ResourceEndpoint, rendered: Rendered, baseUrl: string, projection: Projection): Record<string, unknown> {
  const body = project(endpoint.model, representation(endpoint, rendered, baseUrl), projection);
  const { schema } = provisioningExtension(endpoint.model.type.name, rendered.stored);
  return body[schema] === undefined ? body : { ...body, schemas: [...(body.schemas as string[]), schema] };
}

function tooLarge(what: string, bytes: number, limit: number): ScimError {
  return ScimError.tooMany(
    `${what} is ${bytes} bytes as JSON, more than one response can carry (${limit}). ` +
      'Read it with excludedAttributes=members, and members through GET /Groups?filter=members.value eq "<user id>" per user; ' +
      'attributes=members.value answers the member ids alone, about a quarter of the size.',
  );
}

/**
 * The routes of a SCIM resource endpoint (RFC 7644 §3.2–3.6). `maxResponseBytes`: Lambda
 * answers at most 6 MB; a list page stops short of it (RFC 7644 §3.4.2.4 lets itemsPerPage be
 * below count), and a single resource larger than it is refused with a clear error, never truncated.
 */
export function resourceRoutes(endpoint: ResourceEndpoint, maxResponseBytes: number): ResourceRoutes {
  const model = endpoint.model;

  const respond = (request: ScimRequest, rendered: Rendered, status: number, projection = projectionOf(request)): ScimResponse => {
    const body = shown(endpoint, rendered, request.baseUrl, projection);
    const json = JSON.stringify(body);
    const bytes = Buffer.byteLength(json);
    if (bytes > maxResponseBytes) throw tooLarge(`${model.type.name} ${rendered.stored.id}`, bytes, maxResponseBytes);
    const headers: Record<string, string> = { ETag: etagOf(rendered) };
    if (status === 201) headers.Location = resourceLocation(request.baseUrl, model.type, rendered.stored.id);
    return { status, body, json, headers };
  };
  const preconditions = (request: ScimRequest) => ({ ifMatch: request.header('if-match') });
  // RFC 7644 §3.4.3: POST /{ResourceType}/.search answers exactly as GET /{ResourceType} would.
  const listed = async (request: ScimRequest, parameters: ParameterLookup): Promise<ScimResponse> => {
    const query = parseListQuery(parameters);
    const projection = { attributes: query.attributes, excludedAttributes: query.excludedAttributes };
    const result = await endpoint.list(request.tenant, query, wantedBy(model, projection));
    const page = pageOf(endpoint, result.resources, request.baseUrl, projection, maxResponseBytes, 0);
    const nextCursor = nextCursorOf(query, result, page.resources.length, page.complete);
    const body = pagedListResponse(query, { resources: page.resources, totalResults: result.totalResults, nextCursor });
    return { status: 200, body, json: listJson(body, page.json) };
  };

  return {
    list: (request) => listed(request, request.query),
    search: (request) => listed(request, searchParameters(request.body)),
    create: async (request) => {
      const projection = projectionOf(request);
      return respond(request, await endpoint.create(request.tenant, requireBody(request), wantedBy(model, projection), request.client), 201, projection);
    },
    get: async (request) => {
      const projection = projectionOf(request);
      const rendered = await endpoint.get(request.tenant, request.params.id, wantedBy(model, projection));
      const current = etagOf(rendered);
      if (isUnchanged(request.header('if-none-match'), current)) return { status: 304, headers: { ETag: current } };
      return respond(request, rendered, 200, projection);
    },
    replace: async (request) => {
      const projection = projectionOf(request);
      return respond(request, await endpoint.replace(request.tenant, request.params.id, requireBody(request), preconditions(request), wantedBy(model, projection), request.client), 200, projection);
    },
    patch: async (request) => {
      const patch = parsePatchRequest(request.body);
      const projection = projectionOf(request);
      const noContent = patchAnswersNoContent(request, endpoint, projection);
      const wanted: Wanted = noContent ? () => false : wantedBy(model, projection);
      const rendered = await endpoint.patch(request.tenant, request.params.id, patch.Operations, preconditions(request), wanted, request.client);
      if (noContent) return { status: 204, headers: { ETag: etagOf(rendered) } };
      return respond(request, rendered, 200, projection);
    },
    delete: async (request) => {
      await endpoint.delete(request.tenant, request.params.id, preconditions(request), request.client);
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

/**
 * A page's resources as the client sees them, as many as fit in `budget` bytes (`complete` is
 * false when it stopped short). Only the first resource of a response may be refused for its size.
 */
function pageOf(endpoint: ResourceEndpoint, rendered: Rendered[], baseUrl: string, projection: Projection, budget: number, listedBefore: number) {
  const resources: Record<string, unknown>[] = [];
  const json: string[] = [];
  let bytes = 0;
  for (const item of rendered) {
    const resource = shown(endpoint, item, baseUrl, projection);
    const text = JSON.stringify(resource);
    const size = Buffer.byteLength(text) + 1;
    if (bytes + size > budget) {
      if (listedBefore + resources.length === 0) throw tooLarge(`${endpoint.model.type.name} ${item.stored.id}`, size, budget);
      return { resources, json, bytes, complete: false };
    }
    bytes += size;
    resources.push(resource);
    json.push(text);
  }
  return { resources, json, bytes, complete: true };
}

/** Stands in for the Resources while the rest of a list response is serialized; no JSON value of ours is this string. */
const RESOURCES_SLOT = '\u0000Resources';

/** A list response as JSON, its resources as pageOf serialized them (each once, to fit the page). */
function listJson(list: { Resources: unknown[] }, resources: string[]): string {
  // A function, so that `$` in a resource is not read as a replacement pattern.
  return JSON.stringify({ ...list, Resources: RESOURCES_SLOT }).replace(JSON.stringify(RESOURCES_SLOT), () => `[${resources.join(',')}]`);
}

/**
 * RFC 7644 §3.4.3 POST /.search: the resources of every endpoint, in the order given, as one list
 * whose startIndex and count run across the concatenation; attributes resolve per type. The filter
 * applies to every type; an attribute a type does not define is unassigned on its resources, so
 * `userName eq "x"` finds no group and a type the filter rules out entirely is not read at all.
 */
export function searchAcross(endpoints: ResourceEndpoint[], maxResponseBytes: number): RouteRun {
  return async (request) => {
    const parameters = searchParameters(request.body);
    if (parameters('cursor') !== undefined) {
      throw ScimError.invalidValue('Cursor paging (RFC 9865) is per resource type: search /Users/.search or /Groups/.search, or page this search with startIndex.');
    }
    const query = parseListQuery(parameters);
    const projection = { attributes: query.attributes, excludedAttributes: query.excludedAttributes };
    const resources: Record<string, unknown>[] = [];
    const json: string[] = [];
    let totalResults = 0;
    let span: Span = { startIndex: query.startIndex, count: query.count };
    let budget = maxResponseBytes;
    for (const endpoint of endpoints) {
      if (excludesWholeType(query.filter, endpoint.model)) continue;
      const result = await endpoint.list(request.tenant, { ...query, ...span }, wantedBy(endpoint.model, projection));
      const page = pageOf(endpoint, result.resources, request.baseUrl, projection, budget, resources.length);
      resources.push(...page.resources);
      json.push(...page.json);
      const total = result.totalResults ?? 0;
      totalResults += total;
      span = nextSpan(span, total, page.resources.length, page.complete);
      budget -= page.bytes;
    }
    const body = listResponse(resources, totalResults, query.startIndex);
    return { status: 200, body, json: listJson(body, json) };
  };
}

function requireBody(request: ScimRequest): unknown {
  if (request.body === undefined) throw ScimError.invalidSyntax(`A ${request.method} request needs a JSON body.`);
  return request.body;
}
