import { ScimError } from './errors';
import { parseFilter, type Filter } from './filter';

export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** What a page holds when the client doesn't say (Okta asks for 100 anyway). */
export const DEFAULT_COUNT = 100;
/** Advertised as filter.maxResults in /ServiceProviderConfig; larger `count`s are capped to it (RFC 7644 §3.4.2.4). */
export const MAX_COUNT = 1000;

export interface ListQuery {
  /** 1-based (RFC 7644 §3.4.2.4). */
  startIndex: number;
  count: number;
  filter?: Filter;
  attributes?: string[];
  excludedAttributes?: string[];
}

export interface ListResponse<T> {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: T[];
}

function integerParameter(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^[-+]?\d+$/.test(raw.trim())) {
    throw ScimError.invalidValue(`Query parameter ${name} must be an integer, got "${raw}".`);
  }
  return Number.parseInt(raw.trim(), 10);
}

export function parseAttributeList(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  return names.length > 0 ? names : undefined;
}

/**
 * Clients that form-encode the query string (Microsoft's SCIM test suite does) send '+' for
 * spaces. Outside a quoted value '+' has no meaning in the RFC 7644 §3.4.2.2 grammar, so it
 * can only be a space; inside quotes it is kept.
 */
export function formSpaces(filter: string): string {
  let result = '';
  let quoted = false;
  for (let index = 0; index < filter.length; index++) {
    const char = filter[index];
    if (char === '"' && (index === 0 || filter[index - 1] !== '\\')) quoted = !quoted;
    result += char === '+' && !quoted ? ' ' : char;
  }
  return result;
}

/** Reads RFC 7644 §3.4.2 list parameters; `query` looks a parameter up by name. */
export function parseListQuery(query: (name: string) => string | undefined): ListQuery {
  const startIndex = integerParameter('startIndex', query('startIndex'));
  const count = integerParameter('count', query('count'));
  const filterText = query('filter');
  return {
    // RFC 7644 §3.4.2.4: a startIndex below 1 is interpreted as 1, a negative count as 0.
    startIndex: startIndex === undefined || startIndex < 1 ? 1 : startIndex,
    count: count === undefined ? DEFAULT_COUNT : Math.min(Math.max(count, 0), MAX_COUNT),
    filter: filterText === undefined || filterText.trim() === '' ? undefined : parseFilter(formSpaces(filterText)),
    attributes: parseAttributeList(query('attributes')),
    excludedAttributes: parseAttributeList(query('excludedAttributes')),
  };
}

export function listResponse<T>(resources: T[], totalResults: number, startIndex: number): ListResponse<T> {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
