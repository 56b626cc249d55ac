import { createHash } from 'node:crypto';
import { ScimError } from './errors';
import { parseFilter, printFilter, type Filter } from './filter-syntax';
import type { SortValue } from './sort-values';

export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** What a page holds when the client doesn't say (Okta asks for 100 anyway). */
export const DEFAULT_COUNT = 100;
/** Advertised as filter.maxResults in /ServiceProviderConfig; larger `count`s are capped to it (RFC 7644 §3.4.2.4). */
export const MAX_COUNT = 1000;
/** RFC 9865 cursorTimeout: how long a nextCursor stays usable, advertised in /ServiceProviderConfig. */
export const CURSOR_TIMEOUT_SECONDS = 3600;

/** Where a cursor-paginated query resumes: after the resource with this id (and sort value). */
export interface CursorPosition {
  id: string;
  sortValue?: SortValue;
}

export interface ListQuery {
  /** 1-based (RFC 7644 §3.4.2.4). */
  startIndex: number;
  count: number;
  filter?: Filter;
  attributes?: string[];
  excludedAttributes?: string[];
  /** RFC 7644 §3.4.2.3, as given; resolved against the resource type by the service. */
  sortBy?: string;
  sortOrder: 'ascending' | 'descending';
  /** Present when the client asked for RFC 9865 cursor pagination; `after` is absent on its first page. */
  cursor?: { after?: CursorPosition };
}

export interface ListResponse<T> {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults?: number;
  startIndex?: number;
  itemsPerPage: number;
  nextCursor?: string;
  Resources: T[];
}

function integerParameter(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^[-+]?\d+$/.test(raw.trim())) {
    throw ScimError.invalidValue(`Query parameter ${name} must be an integer, got "${raw}".`);
  }
  return Number.parseInt(raw.trim(), 10);
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
  const startIndex = integerParameter('startIndex', query('startIndex'));
  const count = integerParameter('count', query('count'));
  const filterText = query('filter');
  const sortBy = query('sortBy')?.trim() || undefined;
  const sortOrder = parseSortOrder(query('sortOrder'));
  const filter = filterText === undefined || filterText.trim() === '' ? undefined : parseFilter(formSpaces(filterText));
  const cursorText = query('cursor');
  if (cursorText !== undefined && startIndex !== undefined) {
    throw ScimError.invalidValue('startIndex asks for index pagination and cursor for cursor pagination (RFC 9865); send one of them.');
  }
  return {
    // RFC 7644 §3.4.2.4: a startIndex below 1 is interpreted as 1, a negative count as 0.
    startIndex: startIndex === undefined || startIndex < 1 ? 1 : startIndex,
    count: count === undefined ? DEFAULT_COUNT : Math.min(Math.max(count, 0), MAX_COUNT),
    filter,
    attributes: parseAttributeList(query('attributes')),
    excludedAttributes: parseAttributeList(query('excludedAttributes')),
    sortBy,
    sortOrder,
    ...(cursorText === undefined ? {} : { cursor: { after: decodeCursor(cursorText.trim(), fingerprint(filter, sortBy, sortOrder), now) } }),
  };
}

function parseSortOrder(raw: string | undefined): ListQuery['sortOrder'] {
  const value = raw?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'ascending') return 'ascending';
  if (value === 'descending') return 'descending';
  throw ScimError.invalidValue(`sortOrder must be "ascending" or "descending", got "${raw}".`);
}

/** Ties a cursor to the query that issued it: RFC 9865 asks for identical parameters on every page. */
function fingerprint(filter: Filter | undefined, sortBy: string | undefined, sortOrder: string): string {
  const text = JSON.stringify([filter ? printFilter(filter) : '', sortBy?.toLowerCase() ?? '', sortOrder]);
  return createHash('sha256').update(text).digest('base64url').slice(0, 12);
}

interface CursorPayload {
  /** The query fingerprint. */
  q: string;
  /** Issued at, epoch seconds. */
  t: number;
  id: string;
  s?: SortValue;
}

/** The nextCursor after `position` for this query: base64url, so only RFC 3986 unreserved characters. */
export function encodeCursor(query: ListQuery, position: CursorPosition, now: number = Date.now()): string {
  const payload: CursorPayload = { q: fingerprint(query.filter, query.sortBy, query.sortOrder), t: Math.floor(now / 1000), id: position.id };
  if (position.sortValue !== undefined) payload.s = position.sortValue;
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

function decodeCursor(text: string, expected: string, now: number): CursorPosition | undefined {
  if (text === '') return undefined;
  const invalid = () =>
    ScimError.invalidCursor('The cursor is not one this server issued for this query. Send cursor= empty for the first page, then each nextCursor as returned.');
  let payload: CursorPayload;
  try {
    payload = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as CursorPayload;
  } catch {
    throw invalid();
  }
  const sortValueOk = payload?.s === undefined || typeof payload.s === 'string' || typeof payload.s === 'number';
  if (typeof payload !== 'object' || payload === null || typeof payload.id !== 'string' || typeof payload.t !== 'number' || !sortValueOk) throw invalid();
  if (payload.q !== expected) {
    throw ScimError.invalidCursor('The cursor belongs to a query with another filter, sortBy or sortOrder; RFC 9865 asks for identical parameters on every page.');
  }
  if (now / 1000 - payload.t > CURSOR_TIMEOUT_SECONDS) {
    throw ScimError.expiredCursor(`The cursor is older than ${CURSOR_TIMEOUT_SECONDS} seconds (cursorTimeout); start again with cursor= empty.`);
  }
  return payload.s === undefined ? { id: payload.id } : { id: payload.id, sortValue: payload.s };
}

export interface ListPage<T> {
  resources: T[];
  /** Absent only where counting would cost a scan the page itself doesn't need. */
  totalResults?: number;
  nextCursor?: string;
  /** The cursor that resumes after resources[index], for a page the response had to cut short. */
  cursorAfter?: (index: number) => string;
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
