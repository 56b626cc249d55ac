import { parseExtensions, schemaRegistry } from '../../lambdas/scim/extensions';
import { matches } from '../../lambdas/scim/filter-evaluation';
import { parseFilter } from '../../lambdas/scim/filter-syntax';
import { normalizeResource, type ScimResource } from '../../lambdas/scim/normalize';
import { applyPatch, type PatchOperation } from '../../lambdas/scim/patch';
import { project } from '../../lambdas/scim/projection';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../../lambdas/scim/schemas';
import { groupKind } from '../../lambdas/directory/groups';
import { userKind } from '../../lambdas/directory/users';
import { ACME_GROUP, ACME_USER, acmeExtensions } from '../support/acme-extensions';
import { scimErrorOf } from '../support/scim-error';

const { User: userModel, Group: groupModel } = schemaRegistry(parseExtensions(acmeExtensions)).models;
const OKTA_CUSTOM = 'urn:okta:acme_app:1.0:user:custom';

/** A stored user carrying Acme data, as normalizeResource leaves it, plus id and meta. */
function aUser(acme: Record<string, unknown> = { costCenter: 'CC-1', seatLevel: 2 }): ScimResource {
  return {
    ...normalizeResource(userModel, { userName: 'isabel@example.com', active: true, [ACME_USER]: acme }),
    id: 'u-1',
    meta: { resourceType: 'User', created: '2024-01-01T00:00:00Z', lastModified: '2024-01-01T00:00:00Z' },
  };
}

const patchUser = (user: ScimResource, operations: PatchOperation[]) => applyPatch(userModel, user, operations);

/** A readOnly value only the application writes (clients cannot), as it would be stored. */
function withAccountState(user: ScimResource, accountState: string): ScimResource {
  (user[ACME_USER] as Record<string, unknown>).accountState = accountState;
  return user;
}

describe('a declared extension in normalizeResource', () => {
  it('canonicalises names, case and types, and lists the extension in schemas (Okta create with a custom namespace)', () => {
    const resource = normalizeResource(userModel, {
      schemas: [USER_SCHEMA, ACME_USER, OKTA_CUSTOM],
      userName: 'isabel@example.com',
      [ACME_USER.toLowerCase()]: {
        COSTCENTER: 'CC-1',
        seatLevel: 3,
        // Entra ID without aadOptscim062020 sends booleans as strings.
        contractor: 'False',
        startDate: '2024-03-01T09:00:00Z',
        licenses: { value: 'crm', tier: 'pro' },
        accountState: 'locked',
      },
      [`${ACME_USER}:tenantCode`]: 'T-9',
      [OKTA_CUSTOM]: { favouriteColour: 'blue' },
    });
    expect(resource).toEqual({
      schemas: [USER_SCHEMA, ACME_USER, OKTA_CUSTOM],
      userName: 'isabel@example.com',
      [ACME_USER]: {
        costCenter: 'CC-1',
        seatLevel: 3,
        contractor: false,
        startDate: '2024-03-01T09:00:00Z',
        tenantCode: 'T-9',
        licenses: [{ value: 'crm', tier: 'pro' }],
      },
      [OKTA_CUSTOM]: { favouriteColour: 'blue' },
    });
  });

  it('leaves the extension out of schemas when no value of it is set', () => {
    const resource = normalizeResource(userModel, { userName: 'u', [ACME_USER]: { costCenter: null, licenses: [] }, [ENTERPRISE_USER_SCHEMA]: { department: 'R&D' } });
    expect(resource.schemas).toEqual([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
    expect(resource).not.toHaveProperty(ACME_USER);
  });

  it.each<[string, unknown, string]>([
    ['seatLevel', '3', `Attribute '${ACME_USER}:seatLevel' must be an integer, got "3".`],
    ['seatLevel', 2.5, 'must be an integer'],
    ['contractor', 'maybe', `Attribute '${ACME_USER}:contractor' must be a boolean`],
    ['startDate', 'next Monday', 'must be a dateTime'],
    ['costCenter', 42, `Attribute '${ACME_USER}:costCenter' must be a string, got 42.`],
    ['costCenter', ['a', 'b'], 'must be a single string value, not an array'],
    ['licenses', [{ tier: 'pro' }], `Each value of '${ACME_USER}:licenses' must have a 'value'`],
    ['licenses', [{ value: 'crm' }], `Attribute '${ACME_USER}:licenses.tier' is required in every value of '${ACME_USER}:licenses'`],
  ])('refuses %s = %j with 400 invalidValue naming the attribute', (name, value, detail) => {
    const error = scimErrorOf(() => normalizeResource(userModel, { userName: 'u', [ACME_USER]: { [name]: value } }));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(error.detail).toContain(detail);
  });

  it('refuses a value that is not an object for the extension itself', () => {
    expect(scimErrorOf(() => normalizeResource(userModel, { userName: 'u', [ACME_USER]: 'CC-1' })).scimType).toBe('invalidValue');
  });

  describe('an extension the resource type requires (Group)', () => {
    it('refuses a resource without it, saying what to send', () => {
      const error = scimErrorOf(() => normalizeResource(groupModel, { displayName: 'Sales' }));
      expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
      expect(error.detail).toBe(`Schema extension '${ACME_GROUP}' is required for Group resources (RFC 7643 §6); send it with its required attributes (site).`);
    });

    it('refuses it without its required attribute', () => {
      const error = scimErrorOf(() => normalizeResource(groupModel, { displayName: 'Sales', [ACME_GROUP]: { budget: 10.5 } }));
      expect(error.detail).toBe(`Attribute '${ACME_GROUP}:site' is required.`);
    });

    it('accepts it complete', () => {
      expect(normalizeResource(groupModel, { displayName: 'Sales', [`${ACME_GROUP}:site`]: 'Berlin', [ACME_GROUP]: { budget: 10.5 } })).toEqual({
        schemas: [GROUP_SCHEMA, ACME_GROUP],
        displayName: 'Sales',
        [ACME_GROUP]: { site: 'Berlin', budget: 10.5 },
      });
    });
  });
});

describe('a declared extension in applyPatch', () => {
  it('replaces an attribute by its URN-qualified path, leaving the input untouched', () => {
    const user = aUser();
    const before = structuredClone(user);
    const result = patchUser(user, [{ op: 'replace', path: `${ACME_USER}:costCenter`, value: 'CC-2' }]);
    expect(result[ACME_USER]).toEqual({ costCenter: 'CC-2', seatLevel: 2 });
    expect(user).toEqual(before);
  });

  it('adds the extension, and its URN to schemas, when the resource had none', () => {
    const user = normalizeResource(userModel, { userName: 'u' });
    const result = patchUser(user, [{ op: 'add', path: `${ACME_USER.toLowerCase()}:SeatLevel`, value: 4 }]);
    expect(result).toEqual({ schemas: [USER_SCHEMA, ACME_USER], userName: 'u', [ACME_USER]: { seatLevel: 4 } });
  });

  it("applies Entra ID's path-less replace with URN-qualified and dotted keys", () => {
    const result = patchUser(aUser(), [
      {
        op: 'Replace',
        value: { [`${ACME_USER}:contractor`]: 'True', [`${ACME_USER}:licenses`]: [{ value: 'crm', tier: 'basic' }], 'name.givenName': 'Isabel' },
      },
    ]);
    expect(result[ACME_USER]).toEqual({ costCenter: 'CC-1', seatLevel: 2, contractor: true, licenses: [{ value: 'crm', tier: 'basic' }] });
    expect(result.name).toEqual({ givenName: 'Isabel' });
  });

  it('applies the extension object as a path-less value, in any case', () => {
    const result = patchUser(aUser(), [{ op: 'add', value: { [ACME_USER.toUpperCase()]: { SEATLEVEL: 5 } } }]);
    expect(result[ACME_USER]).toEqual({ costCenter: 'CC-1', seatLevel: 5 });
  });

  it('filters multi-valued complex values of the extension', () => {
    const user = aUser({ licenses: [{ value: 'crm', tier: 'basic' }, { value: 'erp', tier: 'basic' }] });
    const result = patchUser(user, [{ op: 'replace', path: `${ACME_USER}:licenses[value eq "erp"].tier`, value: 'pro' }]);
    expect(result[ACME_USER]).toEqual({ licenses: [{ value: 'crm', tier: 'basic' }, { value: 'erp', tier: 'pro' }] });
  });

  it('removes the extension and its schema URN with its last value', () => {
    const result = patchUser(aUser({ costCenter: 'CC-1' }), [{ op: 'remove', path: `${ACME_USER}:costCenter` }]);
    expect(result.schemas).toEqual([USER_SCHEMA]);
    expect(result).not.toHaveProperty(ACME_USER);
  });

  it.each<[string, PatchOperation[]]>([
    ['by path', [{ op: 'replace', path: `${ACME_USER}:seatLevel`, value: 'three' }]],
    ['path-less with a URN key', [{ op: 'replace', value: { [`${ACME_USER}:seatLevel`]: 'three' } }]],
    ['after a valid operation', [{ op: 'replace', path: 'displayName', value: 'I' }, { op: 'replace', path: `${ACME_USER}:seatLevel`, value: 'three' }]],
  ])('refuses a value of the wrong type %s with 400 invalidValue', (_case, operations) => {
    const error = scimErrorOf(() => patchUser(aUser(), operations));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(error.detail).toContain(`'${ACME_USER}:seatLevel' must be an integer`);
  });

  it('refuses a readOnly extension attribute by path, and skips it in a path-less value', () => {
    expect(scimErrorOf(() => patchUser(aUser(), [{ op: 'replace', path: `${ACME_USER}:accountState`, value: 'open' }])).scimType).toBe('mutability');
    const result = patchUser(aUser(), [{ op: 'replace', value: { [`${ACME_USER}:accountState`]: 'open', [`${ACME_USER}:costCenter`]: 'CC-3' } }]);
    expect(result[ACME_USER]).toEqual({ costCenter: 'CC-3', seatLevel: 2 });
  });

  it('keeps a readOnly value the application stored when other attributes change', () => {
    const result = patchUser(withAccountState(aUser(), 'locked'), [{ op: 'replace', path: `${ACME_USER}:costCenter`, value: 'CC-2' }]);
    expect(result[ACME_USER]).toEqual({ costCenter: 'CC-2', seatLevel: 2, accountState: 'locked' });
  });

  it('refuses the path of a schema the deployment does not serve, naming where to look', () => {
    const error = scimErrorOf(() => patchUser(aUser(), [{ op: 'replace', path: `${OKTA_CUSTOM}:favouriteColour`, value: 'red' }]));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidPath' });
    expect(error.detail).toContain(`Schema ${OKTA_CUSTOM} is not one this deployment serves; GET /Schemas lists those it does.`);
  });

  it('keeps an undeclared namespace verbatim through a path-less replace (as for Okta custom namespaces)', () => {
    const result = patchUser(aUser(), [{ op: 'replace', value: { [OKTA_CUSTOM]: { favouriteColour: 'red' } } }]);
    expect(result[OKTA_CUSTOM]).toEqual({ favouriteColour: 'red' });
    expect(result.schemas).toEqual([USER_SCHEMA, ACME_USER, OKTA_CUSTOM]);
  });

  it("refuses to remove a required extension's required attribute, or the extension", () => {
    const group = normalizeResource(groupModel, { displayName: 'Sales', [ACME_GROUP]: { site: 'Berlin' } });
    expect(scimErrorOf(() => applyPatch(groupModel, group, [{ op: 'remove', path: `${ACME_GROUP}:site` }])).detail).toContain('is required');
    expect(scimErrorOf(() => applyPatch(groupModel, group, [{ op: 'remove', path: ACME_GROUP }])).detail).toContain('is required for Group resources');
    expect(applyPatch(groupModel, group, [{ op: 'replace', path: `${ACME_GROUP}:site`, value: 'Lisbon' }])[ACME_GROUP]).toEqual({ site: 'Lisbon' });
  });
});

describe('a declared extension in filters', () => {
  const user = aUser({
    costCenter: 'CC-1',
    seatLevel: 3,
    contractor: true,
    startDate: '2024-03-01T09:00:00Z',
    tenantCode: 'T-9',
    licenses: [{ value: 'crm', tier: 'pro' }],
  });
  const filtered = (text: string) => matches(parseFilter(text), user, userModel);

  it.each([
    [`${ACME_USER}:costCenter eq "CC-1"`, true],
    [`${ACME_USER}:costCenter eq "cc-1"`, true],
    [`${ACME_USER.toLowerCase()}:COSTCENTER eq "CC-1"`, true],
    [`${ACME_USER}:costCenter eq "CC-2"`, false],
    // Unqualified, costCenter is the enterprise extension's, declared before Acme's.
    ['costCenter eq "CC-1"', false],
    ['seatLevel eq 3', true],
    [`${ACME_USER}:tenantCode eq "t-9"`, false],
    [`${ACME_USER}:tenantCode eq "T-9"`, true],
    [`${ACME_USER}:seatLevel gt 2`, true],
    [`${ACME_USER}:seatLevel ge 4`, false],
    [`${ACME_USER}:contractor eq true`, true],
    [`${ACME_USER}:startDate gt "2024-01-01T00:00:00Z"`, true],
    [`${ACME_USER}:licenses[tier eq "pro"]`, true],
    [`${ACME_USER}:licenses.value eq "crm" and userName sw "isabel"`, true],
    [`${ACME_USER}:costCenter pr`, true],
    [`${ACME_USER}:badgeCode pr`, false],
    [`schemas eq "${ACME_USER}"`, true],
  ])('%s → %s', (text, expected) => {
    expect(filtered(text)).toBe(expected);
  });

  it('refuses an ordering compare on an extension boolean, as on a core one', () => {
    expect(scimErrorOf(() => filtered(`${ACME_USER}:contractor gt true`)).scimType).toBe('invalidFilter');
  });
});

describe('a declared extension in responses (returned, RFC 7643 §2.2)', () => {
  const representation = () => ({
    ...aUser({ costCenter: 'CC-1', tenantCode: 'T-9', badgeCode: 'B-7', internalNotes: 'VIP', licenses: [{ value: 'crm', tier: 'pro' }] }),
  });

  it('never shows `never` and shows `request` only when asked for', () => {
    const shown = representation();
    const before = structuredClone(shown);
    expect(project(userModel, shown, {})[ACME_USER]).toEqual({ costCenter: 'CC-1', tenantCode: 'T-9', licenses: [{ value: 'crm', tier: 'pro' }] });
    expect(project(userModel, shown, { excludedAttributes: [`${ACME_USER}:costCenter`] })[ACME_USER]).toEqual({
      tenantCode: 'T-9',
      licenses: [{ value: 'crm', tier: 'pro' }],
    });
    expect(shown).toEqual(before);
  });

  it('returns `request` attributes named in attributes, with `always` ones and never the `never` ones', () => {
    const result = project(userModel, representation(), { attributes: [`${ACME_USER}:internalNotes`, `${ACME_USER}:badgeCode`] });
    expect(result).toEqual({ schemas: [USER_SCHEMA, ACME_USER], id: 'u-1', [ACME_USER]: { tenantCode: 'T-9', internalNotes: 'VIP' } });
    expect(project(userModel, representation(), { attributes: ['internalNotes'] })[ACME_USER]).toEqual({ tenantCode: 'T-9', internalNotes: 'VIP' });
  });

  it('returns `always` attributes whatever is excluded', () => {
    const result = project(userModel, representation(), { attributes: ['userName'] });
    expect(result).toEqual({ schemas: [USER_SCHEMA, ACME_USER], id: 'u-1', userName: 'isabel@example.com', [ACME_USER]: { tenantCode: 'T-9' } });
    expect(project(userModel, representation(), { excludedAttributes: [`${ACME_USER}:tenantCode`] })[ACME_USER]).toHaveProperty('tenantCode', 'T-9');
  });

  it('drops an extension object whose values are all withheld', () => {
    expect(project(userModel, aUser({ badgeCode: 'B-7' }), {})).not.toHaveProperty(ACME_USER);
  });
});

describe('a replacement (PUT) of a resource with a declared extension', () => {
  it('keeps readOnly values the application stored, for users and groups', () => {
    const current = withAccountState(aUser({ costCenter: 'CC-1' }), 'locked');
    const next = normalizeResource(userModel, { userName: 'isabel@example.com', [ACME_USER]: { seatLevel: 4, accountState: 'open' } });
    expect(userKind({ uniqueExternalId: false }, userModel).onReplace!(next, current)[ACME_USER]).toEqual({ seatLevel: 4, accountState: 'locked' });
    const withoutAcme = normalizeResource(userModel, { userName: 'isabel@example.com' });
    const kept = userKind({ uniqueExternalId: false }, userModel).onReplace!(withoutAcme, current);
    expect(kept).toMatchObject({ schemas: [USER_SCHEMA, ACME_USER], [ACME_USER]: { accountState: 'locked' }, active: true });

    const group = normalizeResource(groupModel, { displayName: 'Sales', [ACME_GROUP]: { site: 'Berlin' } });
    expect(groupKind(groupModel).onReplace!(group, group)).toBe(group);
  });
});
