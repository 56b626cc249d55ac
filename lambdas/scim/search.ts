/**
 * RFC 7644 §3.4.3: POST /.search and POST /{ResourceType}/.search take the list parameters of
 * §3.4.2 in a SearchRequest body instead of the query string, so that filters with personal data
 * stay out of URLs and logs. The body is read as a lookup of the same parameter names, so
 * parseListQuery interprets both forms alike and whatever parameter it learns, .search supports.
 */
import * as z from 'zod/mini';
import { ScimError } from './errors';
import { matches } from './filter-evaluation';
import type { Filter } from './filter-syntax';
import { foldKeys, parseMessage } from './messages';
import { resolveAttribute, type ResourceModel } from './schemas';

export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** A parameter as parseListQuery looks it up: by name, case-insensitively; undefined when absent. */
export type ParameterLookup = (name: string) => string | undefined;

const attributeNames = z.union([z.array(z.string()), z.string()], { error: 'expected an array of attribute names' });
const integer = z.union([z.number(), z.string()], { error: 'expected an integer' });

/** The attributes RFC 7644 §3.4.3 (and RFC 9865 §2.2's cursor) define; others are passed on as they are. */
const searchRequestSchema = z.looseObject({
  schemas: z.array(z.string(), { error: `expected ["${SEARCH_REQUEST_SCHEMA}"]` }),
  attributes: z.optional(attributeNames),
  excludedAttributes: z.optional(attributeNames),
  filter: z.optional(z.string({ error: 'expected a filter expression as a string' })),
  sortBy: z.optional(z.string()),
  sortOrder: z.optional(z.string()),
  startIndex: z.optional(integer),
  count: z.optional(integer),
  cursor: z.optional(z.string()),
});

/** A body value in the form the same parameter has in a query string. */
function asParameter(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map((element) => asParameter(name, element)).join(',');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw ScimError.invalidSyntax(`Invalid SearchRequest at ${name}: expected a string, number or list of strings.`);
}

/** Parses a SearchRequest body into the lookup parseListQuery reads. */
export function searchParameters(body: unknown): ParameterLookup {
  const request = parseMessage(searchRequestSchema, foldKeys(body, Object.keys(searchRequestSchema.shape)), 'SearchRequest');
  if (!request.schemas.some((schema) => schema.toLowerCase() === SEARCH_REQUEST_SCHEMA.toLowerCase())) {
    throw ScimError.invalidSyntax(`A search body must list "${SEARCH_REQUEST_SCHEMA}" in schemas (RFC 7644 §3.4.3).`);
  }
  const parameters = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(request)) {
    if (name !== 'schemas') parameters.set(name.toLowerCase(), asParameter(name, value));
  }
  return (name) => parameters.get(name.toLowerCase());
}

function namesOnlyUndefined(filter: Filter, model: ResourceModel): boolean {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return namesOnlyUndefined(filter.left, model) && namesOnlyUndefined(filter.right, model);
    case 'not':
      return namesOnlyUndefined(filter.filter, model);
    default:
      return resolveAttribute(model, { uri: filter.attribute.uri, name: filter.attribute.name }) === undefined;
  }
}

/**
 * Whether a filter rules out every resource of a type without reading any. A root search applies
 * its filter to every type (RFC 7644 §3.4.3), and an attribute a type does not define is
 * unassigned on all its resources (see filter-evaluation.ts): a filter part naming only such attributes
 * answers alike for all of them, so one evaluation decides it for the whole type.
 */
export function excludesWholeType(filter: Filter | undefined, model: ResourceModel): boolean {
  if (filter === undefined) return false;
  if (filter.kind === 'and') return excludesWholeType(filter.left, model) || excludesWholeType(filter.right, model);
  if (filter.kind === 'or') return excludesWholeType(filter.left, model) && excludesWholeType(filter.right, model);
  return namesOnlyUndefined(filter, model) && !matches(filter, {}, model);
}
