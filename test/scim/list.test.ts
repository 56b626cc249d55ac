import { parseAttributeList, parseListQuery } from '../../lambdas/scim/list';
import { CURSOR_TIMEOUT_SECONDS, encodeCursor, MAX_COUNT } from '../../lambdas/scim/paging';

import { scimErrorOf as thrown } from '../support/scim-error';

const query = (params: Record<string, string>, now?: number) => parseListQuery((name) => params[name], now);

describe('parseAttributeList (RFC 7644 §3.4.2.5)', () => {
  it('splits on commas and trims', () => {
    expect(parseAttributeList('userName, name.givenName ,emails')).toEqual(['userName', 'name.givenName', 'emails']);
    expect(parseAttributeList(' , ')).toBeUndefined();
  });

  it('returns an attribute whole for a value filter in the list, as Microsoft\'s reference code sends it', () => {
    expect(parseAttributeList('emails[type eq "work"]')).toEqual(['emails']);
    expect(parseAttributeList('userName,emails[value eq "a,b]"].value')).toEqual(['userName', 'emails.value']);
  });
});

describe('parseListQuery', () => {
  it('applies the RFC 7644 §3.4.2.4 defaults and bounds', () => {
    expect(query({})).toMatchObject({ startIndex: 1, count: 100, sortOrder: 'ascending' });
    expect(query({ startIndex: '-4', count: '-1' })).toMatchObject({ startIndex: 1, count: 0 });
    expect(query({ count: '5000' }).count).toBe(MAX_COUNT);
    expect(thrown(() => query({ count: 'ten' })).scimType).toBe('invalidValue');
  });

  it('reads sortBy and sortOrder case-insensitively, refusing other orders', () => {
    expect(query({ sortBy: ' name.familyName ', sortOrder: 'DESCENDING' })).toMatchObject({ sortBy: 'name.familyName', sortOrder: 'descending' });
    expect(thrown(() => query({ sortOrder: 'up' })).scimType).toBe('invalidValue');
  });

  it('round-trips a cursor for the same query and refuses it for another, after its timeout, or garbled', () => {
    const now = Date.UTC(2026, 0, 1);
    const first = query({ cursor: '', filter: 'title pr', sortBy: 'userName' }, now);
    expect(first.cursor).toEqual({ after: undefined });
    const cursor = encodeCursor(first, { id: 'abc', sortValue: 'bjensen' }, now);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(query({ cursor, filter: 'title  pr', sortBy: 'USERNAME' }, now + 1000).cursor).toEqual({ after: { id: 'abc', sortValue: 'bjensen' } });
    expect(thrown(() => query({ cursor, filter: 'title pr' }, now)).scimType).toBe('invalidCursor');
    expect(thrown(() => query({ cursor, filter: 'title pr', sortBy: 'userName' }, now + (CURSOR_TIMEOUT_SECONDS + 1) * 1000)).scimType).toBe('expiredCursor');
    for (const garbled of ['x', Buffer.from('{"id":1}').toString('base64url'), Buffer.from('[]').toString('base64url')]) {
      expect(thrown(() => query({ cursor: garbled }, now)).scimType).toBe('invalidCursor');
    }
  });

  it('refuses startIndex together with cursor', () => {
    expect(thrown(() => query({ cursor: '', startIndex: '1' })).detail).toMatch(/one of them/);
  });
});
