import { useScimServer } from '../support/scim-fixture';

const LIMIT = 3000;

// A small limit stands in for Lambda's 6 MB, so the behaviour at the edge is testable quickly.
const scim = useScimServer({ environment: { MAX_RESPONSE_BYTES: String(LIMIT) } });

const users = async (count: number) => (await scim.createUsers(count, () => ({}), 8)).map((user) => user.id);

/** A group whose members are added by a PATCH, as Okta pushes them. */
async function group(displayName: string, members: string[]): Promise<string> {
  const { id } = await scim.createGroup({ displayName });
  await scim.addMembers(id, members);
  return id;
}

describe('responses larger than a Lambda can return', () => {
  it('refuses a group whose member list alone is too large with 400 tooMany, never a truncated list', async () => {
    const id = await group(`big-${Date.now()}`, await users(80));
    const response = await scim('GET', `/Groups/${id}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: '400', scimType: 'tooMany' });
    expect(response.body.detail).toContain('excludedAttributes=members');
    expect(response.body.detail).toContain('attributes=members.value');
    const slim = await scim('GET', `/Groups/${id}?excludedAttributes=members`);
    expect(slim.status).toBe(200);
    expect(slim.body.members).toBeUndefined();
  }, 90_000);

  it('returns fewer groups per page rather than cross the limit, each with its whole member list', async () => {
    const members = await users(12);
    const ids = [];
    for (let index = 0; index < 4; index++) ids.push(await group(`page-${index}-${Date.now()}`, members));
    const seen = new Map<string, number>();
    const filter = encodeURIComponent('displayName sw "page-"');
    let startIndex = 1;
    let totalResults = Infinity;
    let pages = 0;
    while (startIndex <= totalResults) {
      const response = await scim('GET', `/Groups?filter=${filter}&startIndex=${startIndex}&count=10`);
      expect(response.status).toBe(200);
      expect(Buffer.byteLength(response.text)).toBeLessThanOrEqual(LIMIT + 200);
      totalResults = response.body.totalResults;
      expect(response.body.itemsPerPage).toBe(response.body.Resources.length);
      expect(response.body.itemsPerPage).toBeGreaterThan(0);
      for (const resource of response.body.Resources) seen.set(resource.id, resource.members.length);
      startIndex += response.body.itemsPerPage;
      pages += 1;
    }
    expect(totalResults).toBe(4);
    expect(pages).toBeGreaterThan(1);
    expect([...seen.keys()].sort()).toEqual([...ids].sort());
    for (const count of seen.values()) expect(count).toBe(12);
  });
});
