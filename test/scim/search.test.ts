import { parseFilter } from '../../lambdas/scim/filter-syntax';
import { parseListQuery } from '../../lambdas/scim/list';
import { groupModel, userModel } from '../../lambdas/scim/schemas';
import { excludesWholeType, searchParameters, SEARCH_REQUEST_SCHEMA } from '../../lambdas/scim/search';

describe('searchParameters: a SearchRequest read as query parameters', () => {
  it('gives parseListQuery what the same query string would', () => {
    const fromBody = parseListQuery(
      searchParameters({
        schemas: [SEARCH_REQUEST_SCHEMA],
        filter: 'userName eq "ada"',
        attributes: ['userName', 'emails.value'],
        excludedAttributes: 'groups',
        startIndex: 3,
        count: '7',
      }),
    );
    const query: Record<string, string> = { filter: 'userName eq "ada"', attributes: 'userName,emails.value', excludedattributes: 'groups', startindex: '3', count: '7' };
    expect(fromBody).toEqual(parseListQuery((name) => query[name.toLowerCase()]));
    expect(fromBody).toMatchObject({ startIndex: 3, count: 7, attributes: ['userName', 'emails.value'], excludedAttributes: ['groups'] });
  });

  it('passes on every parameter, known or not yet known, by case-insensitive name', () => {
    const lookup = searchParameters({ schemas: [SEARCH_REQUEST_SCHEMA], sortBy: 'name.familyName', SORTORDER: 'descending', cursor: '', someFutureParameter: 4 });
    expect(lookup('sortby')).toBe('name.familyName');
    expect(lookup('sortOrder')).toBe('descending');
    expect(lookup('cursor')).toBe('');
    expect(lookup('someFutureParameter')).toBe('4');
    expect(lookup('filter')).toBeUndefined();
    expect(lookup('schemas')).toBeUndefined();
  });

  it.each([
    ['no schemas', { filter: 'x pr' }],
    ['a schemas list without SearchRequest', { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'] }],
    ['a count that is an object', { schemas: [SEARCH_REQUEST_SCHEMA], count: { value: 1 } }],
    ['a nested object', { schemas: [SEARCH_REQUEST_SCHEMA], extra: { a: 1 } }],
  ])('refuses %s as invalidSyntax', (_what, body) => {
    expect(() => searchParameters(body)).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidSyntax' }));
  });
});

describe('excludesWholeType', () => {
  it.each([
    ['userName eq "ada"', true, false],
    ['userName pr', true, false],
    ['emails[type eq "work"]', true, false],
    ['members.value eq "1"', false, true],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"', true, false],
    ['displayName eq "x"', false, false],
    ['meta.resourceType eq "User"', false, false],
    ['userName eq "ada" or displayName eq "x"', false, false],
    ['userName eq "ada" and displayName eq "x"', true, false],
    // Unassigned is never equal, so these hold for every group: the groups must be read.
    ['userName ne "ada"', false, false],
    ['not (userName eq "ada")', false, false],
  ])('%s: rules out all groups %s, all users %s', (text, groupsExcluded, usersExcluded) => {
    const filter = parseFilter(text);
    expect(excludesWholeType(filter, groupModel)).toBe(groupsExcluded);
    expect(excludesWholeType(filter, userModel)).toBe(usersExcluded);
  });

  it('rules nothing out without a filter', () => {
    expect(excludesWholeType(undefined, groupModel)).toBe(false);
  });
});
