import { parseExtensions } from '../../lambdas/scim/extensions';
import { PATCH_OP_SCHEMA as PATCH } from '../../lambdas/scim/messages';
import { ENTERPRISE_USER_SCHEMA as ENTERPRISE, GROUP_SCHEMA as GROUP, USER_SCHEMA as USER } from '../../lambdas/scim/schemas';
import { ACME_GROUP, ACME_USER, acmeExtensions } from '../support/acme-extensions';
import { useScimServer } from '../support/scim-fixture';
import { PROVISIONING_GROUP, PROVISIONING_USER } from '../support/urns';

const OKTA_CUSTOM = 'urn:okta:acme_app:1.0:user:custom';

const scim = useScimServer({ schemaExtensions: acmeExtensions });
let sequence = 0;

/** What Okta posts for a user of an app with Acme's attributes mapped, and a custom namespace of its own. */
function oktaUser(acme: Record<string, unknown>) {
  sequence += 1;
  const userName = `acme${sequence}.${Date.now()}@example.com`;
  return {
    schemas: [USER, ENTERPRISE, ACME_USER, OKTA_CUSTOM],
    userName,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    active: true,
    password: 'placeholder-Okta-1!',
    groups: [],
    [ENTERPRISE]: { department: 'R&D' },
    [ACME_USER]: acme,
    [OKTA_CUSTOM]: { shirtSize: 'M' },
  };
}

async function createdUser(acme: Record<string, unknown>) {
  const response = await scim('POST', '/Users', oktaUser(acme));
  expect(response.status).toBe(201);
  return response.body;
}

const patchOf = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });
const encoded = (filter: string) => encodeURIComponent(filter);

describe('a deployment with declared schema extensions', () => {
  it('creates a user with extension data, typed and canonical, and shows it on GET', async () => {
    const body = oktaUser({ costCenter: 'CC-100', seatLevel: 3, contractor: 'True', badgeCode: 'B-7', internalNotes: 'VIP', accountState: 'open' });
    const response = await scim('POST', '/Users', body);
    expect(response.status).toBe(201);
    expect(response.body.schemas).toEqual([USER, ENTERPRISE, ACME_USER, OKTA_CUSTOM, PROVISIONING_USER]);
    // badgeCode is returned never, internalNotes only on request, accountState readOnly (never set by a client).
    expect(response.body[ACME_USER]).toEqual({ costCenter: 'CC-100', seatLevel: 3, contractor: true });
    expect(response.body[OKTA_CUSTOM]).toEqual({ shirtSize: 'M' });

    const read = await scim('GET', `/Users/${response.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body[ACME_USER]).toEqual({ costCenter: 'CC-100', seatLevel: 3, contractor: true });
    const requested = await scim('GET', `/Users/${response.body.id}?attributes=${encoded(`${ACME_USER}:internalNotes`)}`);
    expect(requested.body).toEqual({ schemas: [USER, ENTERPRISE, ACME_USER, OKTA_CUSTOM], id: response.body.id, [ACME_USER]: { internalNotes: 'VIP' } });
  });

  it('finds users by an extension attribute, URN-qualified', async () => {
    const costCenter = `CC-${Date.now()}`;
    const wanted = await createdUser({ costCenter, seatLevel: 1 });
    await createdUser({ costCenter: `${costCenter}-other`, seatLevel: 5 });
    const found = await scim('GET', `/Users?filter=${encoded(`${ACME_USER}:costCenter eq "${costCenter.toLowerCase()}"`)}`);
    expect(found.status).toBe(200);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources.map((user: { id: string }) => user.id)).toEqual([wanted.id]);
    const both = await scim('GET', `/Users?filter=${encoded(`${ACME_USER}:costCenter sw "${costCenter}" and ${ACME_USER}:seatLevel ge 1`)}`);
    expect(both.body.totalResults).toBe(2);
  });

  it('patches by URN-qualified path and by Entra ID\'s path-less replace with URN keys', async () => {
    const user = await createdUser({ costCenter: 'CC-1' });
    const byPath = await scim('PATCH', `/Users/${user.id}`, patchOf({ op: 'replace', path: `${ACME_USER}:costCenter`, value: 'CC-2' }));
    expect(byPath.status).toBe(200);
    expect(byPath.body[ACME_USER]).toEqual({ costCenter: 'CC-2' });
    const entra = await scim('PATCH', `/Users/${user.id}`, patchOf({ op: 'Replace', value: { [`${ACME_USER}:seatLevel`]: 7, [`${ACME_USER}:contractor`]: 'False' } }));
    expect(entra.status).toBe(200);
    expect((await scim('GET', `/Users/${user.id}`)).body[ACME_USER]).toEqual({ costCenter: 'CC-2', seatLevel: 7, contractor: false });
  });

  it('refuses a value of the wrong type with 400 invalidValue and changes nothing', async () => {
    const user = await createdUser({ costCenter: 'CC-1', seatLevel: 2 });
    const patched = await scim('PATCH', `/Users/${user.id}`, patchOf({ op: 'replace', path: 'displayName', value: 'Ada' }, { op: 'replace', path: `${ACME_USER}:seatLevel`, value: 'two' }));
    expect(patched.status).toBe(400);
    expect(patched.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect(patched.body.detail).toContain(`'${ACME_USER}:seatLevel' must be an integer`);
    const after = await scim('GET', `/Users/${user.id}`);
    expect(after.body.meta.version).toBe(user.meta.version);
    expect(after.body).not.toHaveProperty('displayName');
    expect(after.body[ACME_USER]).toEqual({ costCenter: 'CC-1', seatLevel: 2 });

    const body = oktaUser({ startDate: 'tomorrow' });
    const refused = await scim('POST', '/Users', body);
    expect(refused.status).toBe(400);
    expect(refused.body.scimType).toBe('invalidValue');
    // Nothing was written: the userName is still free.
    expect((await scim('GET', `/Users?filter=${encoded(`userName eq "${body.userName}"`)}`)).body.totalResults).toBe(0);
    expect((await scim('POST', '/Users', { ...body, [ACME_USER]: { startDate: '2025-01-06T08:00:00Z' } })).status).toBe(201);
  });

  it('requires the Group extension the deployment made required, and filters and patches groups by it', async () => {
    const displayName = `Sales ${Date.now()}`;
    const missing = await scim('POST', '/Groups', { schemas: [GROUP], displayName, members: [] });
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toContain(`Schema extension '${ACME_GROUP}' is required for Group resources`);

    const group = await scim('POST', '/Groups', { schemas: [GROUP, ACME_GROUP], displayName, members: [], [ACME_GROUP]: { site: 'Berlin', budget: 1500.5 } });
    expect(group.status).toBe(201);
    expect(group.body).toMatchObject({ schemas: [GROUP, ACME_GROUP, PROVISIONING_GROUP], [ACME_GROUP]: { site: 'Berlin', budget: 1500.5 } });
    const found = await scim('GET', `/Groups?filter=${encoded(`${ACME_GROUP}:site eq "berlin" and displayName eq "${displayName}"`)}`);
    expect(found.body.Resources.map((resource: { id: string }) => resource.id)).toEqual([group.body.id]);

    expect((await scim('PATCH', `/Groups/${group.body.id}`, patchOf({ op: 'remove', path: `${ACME_GROUP}:site` }))).status).toBe(400);
    expect((await scim('PATCH', `/Groups/${group.body.id}`, patchOf({ op: 'replace', path: `${ACME_GROUP}:site`, value: 'Lisbon' }))).status).toBe(204);
    expect((await scim('GET', `/Groups/${group.body.id}`)).body[ACME_GROUP]).toEqual({ site: 'Lisbon', budget: 1500.5 });
  });

  it('lists the extensions under /Schemas and /ResourceTypes', async () => {
    const schemas = await scim('GET', '/Schemas');
    expect(schemas.status).toBe(200);
    const ids = schemas.body.Resources.map((schema: { id: string }) => schema.id);
    expect(ids).toEqual(expect.arrayContaining([USER, ENTERPRISE, GROUP, ACME_USER, ACME_GROUP]));
    expect(schemas.body.totalResults).toBe(ids.length);

    const acme = await scim('GET', `/Schemas/${ACME_USER}`);
    expect(acme.status).toBe(200);
    expect(acme.body).toMatchObject({ id: ACME_USER, name: 'AcmeUser', description: 'Acme application attributes of a user', meta: { resourceType: 'Schema' } });
    // Every attribute with all its characteristics, defaults filled in (RFC 7643 §7).
    expect(acme.body.attributes).toEqual(parseExtensions(acmeExtensions).extensions[0].attributes);
    expect(acme.body.attributes.find((attribute: { name: string }) => attribute.name === 'seatLevel')).toMatchObject({ type: 'integer', uniqueness: 'none' });

    const user = await scim('GET', '/ResourceTypes/User');
    expect(user.body.schemaExtensions).toEqual([
      { schema: ENTERPRISE, required: false },
      { schema: PROVISIONING_USER, required: false },
      { schema: ACME_USER, required: false },
    ]);
    const group = await scim('GET', '/ResourceTypes/Group');
    expect(group.body.schemaExtensions).toEqual([{ schema: PROVISIONING_GROUP, required: false }, { schema: ACME_GROUP, required: true }]);
  });
});
