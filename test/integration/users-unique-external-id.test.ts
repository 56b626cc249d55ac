import { aUser } from '../support/builders';
import { useScimServer } from '../support/scim-fixture';

const scim = useScimServer({ environment: { UNIQUE_EXTERNAL_ID: 'true' } });

describe('a deployment that makes externalId unique', () => {
  it('refuses a second user with the same externalId with 409 uniqueness, and frees it on delete', async () => {
    const externalId = `00u${Date.now()}`;
    const first = await scim('POST', '/Users', aUser({ externalId }));
    expect(first.status).toBe(201);
    const second = await scim('POST', '/Users', aUser({ externalId }));
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
    expect(second.body.detail).toContain('externalId');
    expect((await scim('DELETE', `/Users/${first.body.id}`)).status).toBe(204);
    expect((await scim('POST', '/Users', aUser({ externalId }))).status).toBe(201);
  });

  it('is case-exact: an externalId differing in case is another one', async () => {
    const externalId = `00uCase${Date.now()}`;
    expect((await scim('POST', '/Users', aUser({ externalId }))).status).toBe(201);
    expect((await scim('POST', '/Users', aUser({ externalId: externalId.toLowerCase() }))).status).toBe(201);
  });
});
