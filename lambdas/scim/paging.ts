/**
 * Paging of list results, in one place: index pagination (RFC 7644 §3.4.2.4) and cursor
 * pagination (RFC 9865): page sizes, cursors, the window of an ordered result a query asks for,
 * and where the next page starts.
 */
import { createHash } from 'node:crypto';
import { ScimError } from './errors';
import { printFilter, type Filter } from './filter-syntax';
import type { SortValue } from './sort-values';

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

/** Where a cursor-paginated query resumes: after the resource with this id (and sort value). */
export interface CursorPosition {
  id: string;
  sortValue?: SortValue;
}

/** Which page a list query asks for. */
export interface Paging {
  /** 1-based (RFC 7644 §3.4.2.4). */
  startIndex: number;
  count: number;
  /** Present when the client asked for RFC 9865 cursor pagination; `after` is absent on its first page. */
  cursor?: { after?: CursorPosition };
}

/** What orders a list query's results, and so what a cursor is tied to. */
export interface Ordering {
  filter?: Filter;
  /** RFC 7644 §3.4.2.3, as given; resolved against the resource type by the service. */
  sortBy?: string;
  sortOrder: 'ascending' | 'descending';
}

function integerParameter(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^[-+]?\d+$/.test(raw.trim())) {
    // Worded for both places it comes from: the query string and a SearchRequest body (RFC 7644 §3.4.3).
    throw ScimError.invalidValue(`${name} must be an integer, got "${raw}".`);
  }
  return Number.parseInt(raw.trim(), 10);
}

/** Reads startIndex, count and cursor; `query` looks a parameter up by name. */
export function parsePaging(query: (name: string) => string | undefined, ordering: Ordering, now: number): Paging {
  const startIndex = integerParameter('startIndex', query('startIndex'));
  const count = integerParameter('count', query('count'));
  const cursorText = query('cursor');
  if (cursorText !== undefined && startIndex !== undefined) {
    throw ScimError.invalidValue('startIndex asks for index pagination and cursor for cursor pagination (RFC 9865); send one of them.');
  }
  return {
    // RFC 7644 §3.4.2.4: a startIndex below 1 is interpreted as 1, a negative count as 0.
    startIndex: startIndex === undefined || startIndex < 1 ? 1 : startIndex,
    count: count === undefined ? DEFAULT_COUNT : Math.min(Math.max(count, 0), MAX_COUNT),
    ...(cursorText === undefined ? {} : { cursor: { after: decodeCursor(cursorText.trim(), fingerprint(ordering), now) } }),
  };
}

/** Ties a cursor to the query that issued it: RFC 9865 asks for identical parameters on every page. */
function fingerprint({ filter, sortBy, sortOrder }: Ordering): string {
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
export function encodeCursor(query: Ordering, position: CursorPosition, now: number = Date.now()): string {
  const payload: CursorPayload = { q: fingerprint(query), t: Math.floor(now / 1000), id: position.id };
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

/**
 * The window of an ordered result a query asks for: from startIndex, or after the cursor's
 * position (which need not be in the result any more); `more` when results follow it.
 */
export function windowOf<T extends CursorPosition>(query: Paging, ordered: T[], order: (a: CursorPosition, b: CursorPosition) => number) {
  const after = query.cursor?.after;
  let start = query.cursor ? 0 : query.startIndex - 1;
  if (after) {
    start = ordered.findIndex((candidate) => order(candidate, after) > 0);
    if (start < 0) start = ordered.length;
  }
  return { window: ordered.slice(start, start + query.count), more: start + query.count < ordered.length };
}

/** RFC 9865 cursors of a page: nextCursor when more follows, and the cursor after any resource shown. */
export function cursorsOf(query: Paging & Ordering, shown: CursorPosition[], more: boolean): Pick<ListPage<unknown>, 'nextCursor' | 'cursorAfter'> {
  const cursorAfter = (index: number) => encodeCursor(query, shown[index]);
  return { nextCursor: query.cursor && more && shown.length > 0 ? cursorAfter(shown.length - 1) : undefined, cursorAfter };
}

/** A cursor page the response cut short (its size cap) resumes after its last resource shown, not after the last one read. */
export function nextCursorOf(query: Paging, page: ListPage<unknown>, shown: number, complete: boolean): string | undefined {
  return !complete && query.cursor !== undefined && page.cursorAfter ? page.cursorAfter(shown - 1) : page.nextCursor;
}

/** The part of a query that says which results a page holds. */
export type Span = Pick<Paging, 'startIndex' | 'count'>;

/**
 * RFC 7644 §3.4.3 POST /.search over several resource types: one startIndex and count run across
 * their concatenation. Given the span one type was asked for, how many it had and how many of them
 * the response showed, the span the next type is asked for.
 */
export function nextSpan(span: Span, total: number, shown: number, complete: boolean): Span {
  return {
    startIndex: Math.max(1, span.startIndex - total),
    // Once a page stops short, later types are only counted: resources after a gap would be skipped by a client paging on.
    count: complete ? span.count - shown : 0,
  };
}
