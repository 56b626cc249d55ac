import { serviceProviderConfig } from '../../lambdas/scim/discovery';
import { parseListQuery } from '../../lambdas/scim/list';
import { DEFAULT_COUNT, MAX_COUNT } from '../../lambdas/scim/paging';

const config = serviceProviderConfig('https://scim.example.com/scim/v2');

describe('ServiceProviderConfig (RFC 7643 §5, RFC 9865 §4)', () => {
  it('advertises sorting, etags and both pagination methods with the limits parseListQuery applies', () => {
    expect(config).toMatchObject({
      sort: { supported: true },
      etag: { supported: true },
      changePassword: { supported: false },
      filter: { supported: true, maxResults: MAX_COUNT },
      pagination: { cursor: true, index: true, defaultPaginationMethod: 'index', defaultPageSize: DEFAULT_COUNT, maxPageSize: MAX_COUNT },
    });
    const query = (params: Record<string, string>) => parseListQuery((name) => params[name]);
    expect(query({}).count).toBe(config.pagination.defaultPageSize);
    expect(query({ count: String(config.pagination.maxPageSize + 500) }).count).toBe(config.pagination.maxPageSize);
    expect(config.pagination.cursorTimeout).toBeGreaterThan(0);
  });
});
