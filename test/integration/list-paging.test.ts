import { mapLimited } from '../../lambdas/runtime/concurrency';
import { useScimServer } from '../support/scim-fixture';
import { USER, GROUP, ERROR, SEARCH } from '../support/urns';

const scim = useScimServer();
/** Every user created, by id: the reference the server's pages are checked against. */
const users = new Map<string, { userName: string; title?: string; created: number }>();

const TOTAL = 60;

beforeAll(async () => {
  await mapLimited(
    Array.from({ length: TOTAL }, (_, index) => index),
    8,
    async (index) => {
      // Every third user has no title, to check where missing sort values go.
      const title = index % 3 === 0 ? undefined : `Title ${String.fromCharCode(65 + (index % 7))}`;
      const userName = `Pager${String(index).padStart(3, '0')}@example.com`;
      const response = await scim('POST', '/Users', { schemas: [USER], userName, ...(title ? { title } : {}), name: { givenName: 'P', familyName: `F${index}` } });
      expect(response.status).toBe(201);
      users.set(response.body.id, { userName, title, created: index });
    },
  );
});

const idOrder = () => [...users.keys()].sort();

async function allByIndex(count: number, query = ''): Promise<string[]> {
  const ids: string[] = [];
  for (let startIndex = 1; ; startIndex += count) {
    const page = await scim('GET', `/Users?startIndex=${startIndex}&count=${count}&attributes=userName${query}`);
    expect(page.status).toBe(200);
    expect(page.body.startIndex).toBe(startIndex);
    expect(page.body.itemsPerPage).toBe(page.body.Resources.length);
    ids.push(...page.body.Resources.map((user: { id: string }) => user.id));
    if (page.body.Resources.length < count) return ids;
  }
}

async function allByCursor(count: number, query = ''): Promise<string[]> {
  const ids: string[] = [];
  let cursor = '';
  for (let pages = 0; pages < 100; pages++) {
    const page = await scim('GET', `/Users?cursor=${cursor}&count=${count}&attributes=userName${query}`);
    expect(page.status).toBe(200);
    expect(page.body.startIndex).toBeUndefined();
    ids.push(...page.body.Resources.map((user: { id: string }) => user.id));
    if (page.body.nextCursor === undefined) return ids;
    expect(page.body.nextCursor).toMatch(/^[A-Za-z0-9._~-]+$/);
    cursor = page.body.nextCursor;
  }
  throw new Error('cursor pagination did not end');
}

describe('index pagination (RFC 7644 §3.4.2.4)', () => {
  it('walks every user once, in a stable order, whatever the page size', async () => {
    for (const count of [1, 7, 25, 100]) expect(await allByIndex(count)).toEqual(idOrder());
  });

  it('gives an exact totalResults without a filter, and counts deletions at once', async () => {
    const page = await scim('GET', '/Users?count=0');
    expect(page.body).toMatchObject({ totalResults: users.size, itemsPerPage: 0, Resources: [] });
    const doomed = idOrder()[5];
    expect((await scim('DELETE', `/Users/${doomed}`)).status).toBe(204);
    users.delete(doomed);
    expect((await scim('GET', '/Users?count=0')).body.totalResults).toBe(users.size);
    expect(await allByIndex(9)).toEqual(idOrder());
  });

  it('answers any startIndex with the user at that position', async () => {
    const order = idOrder();
    for (const position of [1, 2, 17, 33, order.length - 1, order.length]) {
      const page = await scim('GET', `/Users?startIndex=${position}&count=1`);
      expect(page.body.Resources.map((user: { id: string }) => user.id)).toEqual([order[position - 1]]);
    }
    const beyond = await scim('GET', `/Users?startIndex=${order.length + 1}&count=5`);
    expect(beyond.body).toMatchObject({ totalResults: order.length, itemsPerPage: 0, Resources: [] });
  });
});

describe('sorting (RFC 7644 §3.4.2.3)', () => {
  it('sorts by userName case-insensitively, both ways', async () => {
    const byName = [...users.entries()].sort((a, b) => a[1].userName.toLowerCase().localeCompare(b[1].userName.toLowerCase())).map(([id]) => id);
    expect(await allByIndex(13, '&sortBy=userName')).toEqual(byName);
    expect(await allByIndex(13, '&sortBy=USERNAME&sortOrder=descending')).toEqual([...byName].reverse());
  });

  it('puts users without the attribute last, ties in id order', async () => {
    const expected = [...users.entries()]
      .sort((a, b) => {
        const [x, y] = [a[1].title?.toLowerCase(), b[1].title?.toLowerCase()];
        if (x !== y) return x === undefined ? 1 : y === undefined ? -1 : x < y ? -1 : 1;
        return a[0] < b[0] ? -1 : 1;
      })
      .map(([id]) => id);
    expect(await allByIndex(11, '&sortBy=title')).toEqual(expected);
    expect(await allByCursor(11, '&sortBy=title')).toEqual(expected);
  });

  it('sorts by a dateTime as a dateTime, and combines sorting with a filter', async () => {
    const sorted = await scim('GET', '/Users?sortBy=meta.created&sortOrder=descending&count=1000&attributes=meta');
    const created = sorted.body.Resources.map((user: { meta: { created: string } }) => Date.parse(user.meta.created));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    const filtered = await scim('GET', `/Users?filter=${encodeURIComponent('userName sw "pager01"')}&sortBy=userName&sortOrder=descending&attributes=userName`);
    const names = filtered.body.Resources.map((user: { userName: string }) => user.userName);
    expect(names).toEqual([...users.values()].map((user) => user.userName).filter((name) => name.toLowerCase().startsWith('pager01')).sort().reverse());
    expect(filtered.body.totalResults).toBe(names.length);
  });

  it('refuses an unknown sortBy or sortOrder with invalidValue', async () => {
    for (const query of ['sortBy=shoeSize', 'sortBy=name.middleFinger', 'sortBy=userName&sortOrder=sideways']) {
      const response = await scim('GET', `/Users?${query}`);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidValue' });
      expect(response.body.detail).toMatch(/sort/i);
    }
  });
});

describe('cursor pagination (RFC 9865)', () => {
  it('walks every user once with nextCursor, and the last page has none', async () => {
    for (const count of [1, 10, 1000]) expect(await allByCursor(count)).toEqual(idOrder());
    const first = await scim('GET', '/Users?cursor&count=5');
    expect(first.body.totalResults).toBe(users.size);
  });

  it('walks a filtered query with cursors', async () => {
    const query = `&filter=${encodeURIComponent('title pr')}`;
    expect(await allByCursor(4, query)).toEqual(idOrder().filter((id) => users.get(id)!.title !== undefined));
  });

  it('refuses a tampered cursor, a cursor of another query, and a cursor with startIndex', async () => {
    const first = await scim('GET', '/Users?cursor=&count=2&sortBy=userName');
    const cursor = first.body.nextCursor as string;
    const tampered = await scim('GET', '/Users?cursor=not-a-cursor&count=2');
    expect(tampered.status).toBe(400);
    expect(tampered.body).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidCursor' });
    const otherQuery = await scim('GET', `/Users?cursor=${cursor}&count=2&sortBy=title`);
    expect(otherQuery.body).toMatchObject({ status: '400', scimType: 'invalidCursor' });
    const both = await scim('GET', `/Users?cursor=${cursor}&startIndex=3&sortBy=userName`);
    expect(both.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
  });

  it('refuses an expired cursor with expiredCursor', async () => {
    const first = await scim('GET', '/Users?cursor=&count=2');
    const payload = JSON.parse(Buffer.from(first.body.nextCursor, 'base64url').toString());
    const old = Buffer.from(JSON.stringify({ ...payload, t: payload.t - 7200 })).toString('base64url');
    const response = await scim('GET', `/Users?cursor=${old}&count=2`);
    expect(response.body).toMatchObject({ status: '400', scimType: 'expiredCursor' });
    expect(response.body.detail).toMatch(/cursor= empty/);
  });
});

describe('groups list alike', () => {
  it('sorts and pages groups, also when filtered by members', async () => {
    const member = idOrder()[0];
    const names = ['delta', 'Alpha', 'charlie', 'Bravo'];
    for (const displayName of names) {
      const response = await scim('POST', '/Groups', { schemas: [GROUP], displayName, members: [{ value: member }] });
      expect(response.status).toBe(201);
    }
    const sorted = await scim('GET', '/Groups?sortBy=displayName&excludedAttributes=members');
    expect(sorted.body.Resources.map((group: { displayName: string }) => group.displayName)).toEqual(['Alpha', 'Bravo', 'charlie', 'delta']);
    const filter = encodeURIComponent(`members.value eq "${member}"`);
    const page = await scim('GET', `/Groups?filter=${filter}&sortBy=displayName&sortOrder=descending&startIndex=2&count=2&excludedAttributes=members`);
    expect(page.body).toMatchObject({ totalResults: 4, startIndex: 2, itemsPerPage: 2 });
    expect(page.body.Resources.map((group: { displayName: string }) => group.displayName)).toEqual(['charlie', 'Bravo']);
  });
});

describe('a page as JSON', () => {
  it('carries every resource as it is, replacement patterns and all, in a body that is plain JSON', async () => {
    // Each resource is serialized once, to fit the page, and the page's JSON is put together from those.
    const title = "$& $' $` $$ $1 \"Resources\":[] \u2028";
    const created = await scim('POST', '/Users', { schemas: [USER], userName: 'dollar@example.com', title });
    expect(created.status).toBe(201);
    const page = await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "dollar@example.com"')}`);
    expect(page.body.Resources).toEqual([expect.objectContaining({ id: created.body.id, title })]);
    expect(page.text).toBe(JSON.stringify(page.body));
    const search = await scim('POST', '/.search', { schemas: [SEARCH], filter: 'userName eq "dollar@example.com"' });
    expect(search.body.Resources).toEqual([expect.objectContaining({ id: created.body.id, title })]);
    expect(search.text).toBe(JSON.stringify(search.body));
  });
});
