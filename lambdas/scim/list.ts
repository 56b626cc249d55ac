import { ScimError } from './errors';
import { parseFilter } from './filter-syntax';
import { parsePaging, type ListPage, type Ordering, type Paging } from './paging';

export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export interface ListQuery extends Paging, Ordering {
  attributes?: string[];
  excludedAttributes?: string[];
}

export interface ListResponse<T> {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults?: number;
  startIndex?: number;
  itemsPerPage: number;
  nextCursor?: string;
  Resources: T[];
}

/**
 * RFC 7644 §3.4.2.5: a comma-separated list of attribute names. Microsoft's SCIM reference code
 * and its test collection send a value filter in it (`emails[type eq "work"]`): the attribute
 * is returned whole, the filter is not applied (commas inside the brackets don't split).
 */
export function parseAttributeList(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const names: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const char of `${raw},`) {
    if (char === '"') quoted = !quoted;
    if (!quoted && char === '[') depth++;
    if (depth === 0 && !quoted && char === ',') {
      const name = current.trim();
      if (name.length > 0) names.push(name);
      current = '';
      continue;
    }
    if (depth === 0) current += char;
    if (!quoted && char === ']') depth = Math.max(0, depth - 1);
  }
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

/** Reads RFC 7644 §3.4.2 (and RFC 9865 cursor) list parameters; `query` looks a parameter up by name. */
export function parseListQuery(query: (name: string) => string | undefined, now: number = Date.now()): ListQuery {
  const filterText = query('filter');
  const ordering: Ordering = {
    filter: filterText === undefined || filterText.trim() === '' ? undefined : parseFilter(formSpaces(filterText)),
    sortBy: query('sortBy')?.trim() || undefined,
    sortOrder: parseSortOrder(query('sortOrder')),
  };
  return {
    ...parsePaging(query, ordering, now),
    ...ordering,
    attributes: parseAttributeList(query('attributes')),
    excludedAttributes: parseAttributeList(query('excludedAttributes')),
  };
}

function parseSortOrder(raw: string | undefined): ListQuery['sortOrder'] {
  const value = raw?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'ascending') return 'ascending';
  if (value === 'descending') return 'descending';
  throw ScimError.invalidValue(`sortOrder must be "ascending" or "descending", got "${raw}".`);
}

/** A ListResponse holding everything there is (discovery lists). */
export function listResponse<T>(resources: T[], totalResults: number, startIndex: number): ListResponse<T> {
  return pagedListResponse({ startIndex }, { resources, totalResults });
}

/** RFC 7644 §3.4.2 ListResponse; a cursor-paginated one (RFC 9865) carries nextCursor instead of startIndex. */
export function pagedListResponse<T>(query: Pick<ListQuery, 'startIndex' | 'cursor'>, page: ListPage<T>): ListResponse<T> {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    ...(page.totalResults === undefined ? {} : { totalResults: page.totalResults }),
    ...(query.cursor ? {} : { startIndex: query.startIndex }),
    itemsPerPage: page.resources.length,
    ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
    Resources: page.resources,
  };
}
