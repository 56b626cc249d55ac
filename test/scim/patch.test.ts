import { ScimError } from '../../lambdas/scim/errors';
import { ScimResource } from '../../lambdas/scim/normalize';
import { PatchOperation, applyPatch } from '../../lambdas/scim/patch';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, ResourceModel, USER_SCHEMA, groupModel, userModel } from '../../lambdas/scim/schemas';
import { scimErrorOf } from '../support/scim-error';

const meta = { resourceType: 'User', created: '2024-01-01T00:00:00Z', lastModified: '2024-01-01T00:00:00Z', location: 'https://scim.example.com/v2/Users/u-1' };

function aUser(overrides: ScimResource = {}): ScimResource {
  return {
    schemas: [USER_SCHEMA],
    id: 'u-1',
    externalId: '00ujl29u0le5T6Aj10h7',
    userName: 'isabel@example.com',
    name: { givenName: 'Isabel', familyName: 'Kramer' },
    displayName: 'Isabel Kramer',
    active: true,
    emails: [{ value: 'isabel@example.com', type: 'work', primary: true }],
    meta,
    ...overrides,
  };
}

function aGroup(members: string[] = ['u-1', 'u-2']): ScimResource {
  return {
    schemas: [GROUP_SCHEMA],
    id: 'g-1',
    displayName: 'Engineering',
    ...(members.length > 0 ? { members: members.map((value) => ({ value })) } : {}),
    meta: { ...meta, resourceType: 'Group' },
  };
}

function patchError(model: ResourceModel, resource: ScimResource, operations: PatchOperation[]): ScimError {
  return scimErrorOf(() => applyPatch(model, resource, operations));
}

describe('applyPatch: Okta', () => {
  it('deactivates with a path-less replace', () => {
    const result = applyPatch(userModel, aUser(), [{ op: 'replace', value: { active: false } }]);
    expect(result).toEqual(aUser({ active: false }));
  });

  it('renames a group with a path-less replace carrying the unchanged id', () => {
    const result = applyPatch(groupModel, aGroup(), [{ op: 'replace', value: { id: 'g-1', displayName: 'Platform' } }]);
    expect(result).toEqual({ ...aGroup(), displayName: 'Platform' });
  });

  it('ignores the read-only attributes a path-less value echoes (id, meta, groups, schemas)', () => {
    const result = applyPatch(userModel, aUser(), [
      { op: 'replace', value: { schemas: [USER_SCHEMA], id: 'other', meta: { created: 'x' }, groups: [{ value: 'g' }], title: 'CTO' } },
    ]);
    expect(result).toEqual(aUser({ title: 'CTO' }));
  });

  it('accepts a password change without storing it', () => {
    expect(applyPatch(userModel, aUser(), [{ op: 'replace', path: 'password', value: 'n3w' }])).toEqual(aUser());
    expect(applyPatch(userModel, aUser(), [{ op: 'replace', value: { password: 'n3w' } }])).toEqual(aUser());
  });
});

describe('applyPatch: Entra ID', () => {
  it('takes capitalised ops and string booleans', () => {
    const result = applyPatch(userModel, aUser(), [
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Add', path: 'title', value: 'Engineer' },
    ]);
    expect(result).toEqual(aUser({ active: false, title: 'Engineer' }));
  });

  it('takes a path-less replace with dotted and URN-qualified keys', () => {
    const result = applyPatch(userModel, aUser(), [
      {
        op: 'Replace',
        value: {
          'name.givenName': 'Izzy',
          'name.familyName': 'Kramer-Smith',
          [`${ENTERPRISE_USER_SCHEMA}:employeeNumber`]: '42',
          [`${ENTERPRISE_USER_SCHEMA}:manager.value`]: 'm-1',
          'emails[type eq "work"].value': 'izzy@example.com',
        },
      },
    ]);
    expect(result).toEqual(
      aUser({
        schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        name: { givenName: 'Izzy', familyName: 'Kramer-Smith' },
        emails: [{ value: 'izzy@example.com', type: 'work', primary: true }],
        [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '42', manager: { value: 'm-1' } },
      }),
    );
  });

  it('takes the extension object itself as a key, and as a path', () => {
    const viaKey = applyPatch(userModel, aUser(), [{ op: 'Add', value: { [ENTERPRISE_USER_SCHEMA.toLowerCase()]: { Department: 'R&D' } } }]);
    const viaPath = applyPatch(userModel, aUser(), [{ op: 'add', path: ENTERPRISE_USER_SCHEMA, value: { department: 'R&D' } }]);
    expect(viaKey[ENTERPRISE_USER_SCHEMA]).toEqual({ department: 'R&D' });
    expect(viaPath).toEqual(viaKey);
    expect(viaKey.schemas).toEqual([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
  });

  it('creates the work email when a filtered add matches nothing', () => {
    const user = aUser({ emails: [{ value: 'home@example.com', type: 'home', primary: true }] });
    const result = applyPatch(userModel, user, [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'work@example.com' }]);
    expect(result.emails).toEqual([
      { value: 'home@example.com', type: 'home', primary: true },
      { value: 'work@example.com', type: 'work' },
    ]);
  });

  it('creates from a conjunction of eq filters on replace too', () => {
    const result = applyPatch(userModel, aUser({ emails: undefined }), [
      { op: 'Replace', path: 'phoneNumbers[type eq "mobile" and primary eq true].value', value: '+1 555 0100' },
    ]);
    expect(result.phoneNumbers).toEqual([{ value: '+1 555 0100', type: 'mobile', primary: true }]);
  });

  it('updates the matched element, whatever the case of the names', () => {
    const result = applyPatch(userModel, aUser(), [{ op: 'Replace', path: 'Emails[Type eq "WORK"].Value', value: 'new@example.com' }]);
    expect(result.emails).toEqual([{ value: 'new@example.com', type: 'work', primary: true }]);
  });

  it('sets the manager from a bare id and removes it', () => {
    const withManager = applyPatch(userModel, aUser(), [{ op: 'Add', path: `${ENTERPRISE_USER_SCHEMA}:manager`, value: 'm-7' }]);
    expect(withManager[ENTERPRISE_USER_SCHEMA]).toEqual({ manager: { value: 'm-7' } });
    const without = applyPatch(userModel, withManager, [{ op: 'Remove', path: `${ENTERPRISE_USER_SCHEMA}:manager` }]);
    expect(without).toEqual(aUser());
  });

  it('removes an email by unassigning its value', () => {
    const result = applyPatch(userModel, aUser(), [{ op: 'Remove', path: 'emails[type eq "work"].value' }]);
    expect(result).not.toHaveProperty('emails');
  });

  it('accepts OneLogin lower-case ops', () => {
    expect(applyPatch(userModel, aUser(), [{ op: 'replace', path: 'displayName', value: 'I. K.' }]).displayName).toBe('I. K.');
  });
});

describe('applyPatch: operations', () => {
  it.each([['move'], ['copy'], [''], [undefined], [3]])('rejects op %p naming the allowed ones', (op) => {
    const error = patchError(userModel, aUser(), [{ op: op as string, path: 'title', value: 'x' }]);
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toContain('"add", "remove" or "replace"');
  });

  it('requires a value for add and replace', () => {
    const error = patchError(userModel, aUser(), [{ op: 'add', path: 'title' }]);
    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toContain("'value'");
  });

  it('requires an object value without a path', () => {
    const error = patchError(userModel, aUser(), [{ op: 'replace', value: 'yes' }]);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toContain('object');
  });

  it('rejects an operation that is not an object', () => {
    expect(patchError(userModel, aUser(), [null as unknown as PatchOperation]).scimType).toBe('invalidSyntax');
  });

  it('returns an equal copy for no operations', () => {
    const user = aUser();
    const result = applyPatch(userModel, user, []);
    expect(result).toEqual(user);
    expect(result).not.toBe(user);
  });
});

describe('applyPatch: paths', () => {
  it.each([
    ['favouriteColour', "'favouriteColour'"],
    ['name.nickname', "'nickname'"],
    [`${ENTERPRISE_USER_SCHEMA}:shoeSize`, 'shoeSize'],
    ['active.value', "'active'"],
  ])('rejects the unknown path %s', (path, named) => {
    const error = patchError(userModel, aUser(), [{ op: 'replace', path, value: 'x' }]);
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidPath');
    expect(error.detail).toContain(named);
  });

  it('rejects an unknown attribute in a path-less value', () => {
    const error = patchError(userModel, aUser(), [{ op: 'replace', value: { favouriteColour: 'blue' } }]);
    expect(error.scimType).toBe('invalidPath');
    expect(error.detail).toContain("'favouriteColour'");
  });

  it('rejects malformed paths', () => {
    expect(patchError(userModel, aUser(), [{ op: 'remove', path: 'emails[type eq "work"' }]).scimType).toBe('invalidPath');
  });

  it('rejects a value filter on a single-valued attribute', () => {
    const error = patchError(userModel, aUser(), [{ op: 'replace', path: 'name[givenName eq "Isabel"].familyName', value: 'K' }]);
    expect(error.scimType).toBe('invalidPath');
    expect(error.detail).toContain("'name'");
  });

  it.each([['id'], ['meta.lastModified'], ['meta'], ['groups'], ['schemas'], [`${ENTERPRISE_USER_SCHEMA}:manager.displayName`]])(
    'refuses to modify the read-only %s',
    (path) => {
      const error = patchError(userModel, aUser(), [{ op: 'replace', path, value: 'x' }]);
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('mutability');
      expect(error.detail).toContain(path.split('.').pop()!.split(':').pop()!);
    },
  );

  it('refuses to remove the read-only id', () => {
    expect(patchError(userModel, aUser(), [{ op: 'remove', path: 'id' }]).scimType).toBe('mutability');
  });

  it('treats a URN-qualified core attribute like the plain one', () => {
    const result = applyPatch(userModel, aUser(), [{ op: 'replace', path: `${USER_SCHEMA}:userName`, value: 'new@example.com' }]);
    expect(result.userName).toBe('new@example.com');
  });

  it('resolves an extension attribute without its URN', () => {
    const result = applyPatch(userModel, aUser(), [{ op: 'add', path: 'employeeNumber', value: '7' }]);
    expect(result[ENTERPRISE_USER_SCHEMA]).toEqual({ employeeNumber: '7' });
  });
});

describe('applyPatch: add', () => {
  it('sets a single-valued attribute', () => {
    expect(applyPatch(userModel, aUser(), [{ op: 'add', path: 'displayName', value: 'Izzy' }]).displayName).toBe('Izzy');
  });

  it('merges into a complex attribute', () => {
    const result = applyPatch(userModel, aUser(), [{ op: 'add', path: 'name', value: { middleName: 'Q', givenName: 'Iz' } }]);
    expect(result.name).toEqual({ givenName: 'Iz', familyName: 'Kramer', middleName: 'Q' });
  });

  it('appends emails not already present', () => {
    const result = applyPatch(userModel, aUser(), [
      {
        op: 'add',
        path: 'emails',
        value: [
          { value: 'isabel@example.com', type: 'work', primary: true },
          { value: 'home@example.com', type: 'home' },
        ],
      },
    ]);
    expect(result.emails).toEqual([
      { value: 'isabel@example.com', type: 'work', primary: true },
      { value: 'home@example.com', type: 'home' },
    ]);
  });

  it('makes a newly added primary email the only primary one (RFC 7643 §2.4)', () => {
    const result = applyPatch(userModel, aUser(), [{ op: 'add', path: 'emails', value: { value: 'new@example.com', type: 'home', primary: 'True' } }]);
    expect(result.emails).toEqual([
      { value: 'isabel@example.com', type: 'work', primary: false },
      { value: 'new@example.com', type: 'home', primary: true },
    ]);
  });

  it('ignores null', () => {
    expect(applyPatch(userModel, aUser(), [{ op: 'add', path: 'title', value: null }])).toEqual(aUser());
  });

  it('rejects a value of the wrong type, naming the attribute', () => {
    const error = patchError(userModel, aUser(), [{ op: 'add', path: 'active', value: 'maybe' }]);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toBe("Attribute 'active' must be a boolean, got \"maybe\".");
  });

  it('answers noTarget when a filter that matches nothing cannot describe a new element', () => {
    const error = patchError(userModel, aUser(), [{ op: 'add', path: 'emails[type ne "work"].value', value: 'x@example.com' }]);
    expect(error.scimType).toBe('noTarget');
    expect(error.detail).toContain("'emails'");
  });
});

describe('applyPatch: replace', () => {
  it('acts as add when the attribute is absent', () => {
    expect(applyPatch(userModel, aUser(), [{ op: 'replace', path: 'nickName', value: 'Iz' }]).nickName).toBe('Iz');
  });

  it('replaces a whole multi-valued attribute', () => {
    const result = applyPatch(userModel, aUser(), [{ op: 'replace', path: 'emails', value: [{ value: 'only@example.com' }] }]);
    expect(result.emails).toEqual([{ value: 'only@example.com' }]);
  });

  it('leaves sub-attributes not given unchanged and unassigns null ones (RFC 7644 §3.5.2.3)', () => {
    const result = applyPatch(userModel, aUser(), [{ op: 'replace', path: 'name', value: { givenName: 'Iz', familyName: null, formatted: 'Iz K' } }]);
    expect(result.name).toEqual({ formatted: 'Iz K', givenName: 'Iz' });
  });

  it('sets a sub-attribute', () => {
    expect(applyPatch(userModel, aUser(), [{ op: 'replace', path: 'name.givenName', value: 'Iz' }]).name).toEqual({ givenName: 'Iz', familyName: 'Kramer' });
  });

  it('unassigns with null', () => {
    expect(applyPatch(userModel, aUser(), [{ op: 'replace', path: 'displayName', value: null }])).not.toHaveProperty('displayName');
  });

  it('replaces the matched elements', () => {
    const user = aUser({ emails: [{ value: 'w@example.com', type: 'work' }, { value: 'h@example.com', type: 'home' }] });
    const result = applyPatch(userModel, user, [{ op: 'replace', path: 'emails[type eq "home"]', value: { value: 'h2@example.com', type: 'home', primary: true } }]);
    expect(result.emails).toEqual([
      { value: 'w@example.com', type: 'work' },
      { value: 'h2@example.com', type: 'home', primary: true },
    ]);
  });

  it('answers noTarget when a filter without sub-attribute matches nothing (RFC 7644 §3.5.2.3)', () => {
    const error = patchError(userModel, aUser(), [{ op: 'replace', path: 'emails[type eq "home"]', value: { value: 'h@example.com' } }]);
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('noTarget');
    expect(error.detail).toContain("'emails'");
  });

  it('moves primary to the element it is set on', () => {
    const user = aUser({ emails: [{ value: 'w@example.com', type: 'work', primary: true }, { value: 'h@example.com', type: 'home' }] });
    const result = applyPatch(userModel, user, [{ op: 'replace', path: 'emails[type eq "home"].primary', value: true }]);
    expect(result.emails).toEqual([
      { value: 'w@example.com', type: 'work', primary: false },
      { value: 'h@example.com', type: 'home', primary: true },
    ]);
  });

  it('sets a sub-attribute of every element when no filter is given', () => {
    const user = aUser({ emails: [{ value: 'a@example.com' }, { value: 'b@example.com' }] });
    const result = applyPatch(userModel, user, [{ op: 'replace', path: 'emails.type', value: 'work' }]);
    expect(result.emails).toEqual([{ value: 'a@example.com', type: 'work' }, { value: 'b@example.com', type: 'work' }]);
  });

  it('answers noTarget for a sub-attribute of a multi-valued attribute that has no values', () => {
    const error = patchError(userModel, aUser({ emails: undefined }), [{ op: 'replace', path: 'emails.type', value: 'work' }]);
    expect(error.scimType).toBe('noTarget');
  });

  it('replaces an Okta custom extension kept verbatim', () => {
    const custom = 'urn:okta:custom:user:1.0';
    const user = aUser({ schemas: [USER_SCHEMA, custom], [custom]: { badge: 1 } });
    const result = applyPatch(userModel, user, [{ op: 'replace', value: { [custom]: { badge: 2 } } }]);
    expect(result[custom]).toEqual({ badge: 2 });
    expect(result.schemas).toEqual([USER_SCHEMA, custom]);
  });
});

describe('applyPatch: remove', () => {
  it('needs a path (RFC 7644 §3.5.2.2)', () => {
    const error = patchError(userModel, aUser(), [{ op: 'remove' }]);
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('noTarget');
  });

  it('removes an attribute, and an absent one is a no-op', () => {
    expect(applyPatch(userModel, aUser(), [{ op: 'remove', path: 'displayName' }])).not.toHaveProperty('displayName');
    expect(applyPatch(userModel, aUser(), [{ op: 'remove', path: 'nickName' }])).toEqual(aUser());
    expect(applyPatch(userModel, aUser(), [{ op: 'remove', path: `${ENTERPRISE_USER_SCHEMA}:department` }])).toEqual(aUser());
  });

  it('removes a sub-attribute, and the complex attribute with its last one', () => {
    const once = applyPatch(userModel, aUser(), [{ op: 'remove', path: 'name.givenName' }]);
    expect(once.name).toEqual({ familyName: 'Kramer' });
    expect(applyPatch(userModel, once, [{ op: 'remove', path: 'name.familyName' }])).not.toHaveProperty('name');
  });

  it('removes a sub-attribute of the matched elements', () => {
    const result = applyPatch(userModel, aUser(), [{ op: 'remove', path: 'emails[type eq "work"].primary' }]);
    expect(result.emails).toEqual([{ value: 'isabel@example.com', type: 'work' }]);
  });

  it('drops the extension URN from schemas with the last extension attribute', () => {
    const user = aUser({ schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '1' } });
    const result = applyPatch(userModel, user, [{ op: 'remove', path: `${ENTERPRISE_USER_SCHEMA}:employeeNumber` }]);
    expect(result).toEqual(aUser());
  });

  it('removes the whole extension by its URN', () => {
    const user = aUser({ schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '1', department: 'x' } });
    expect(applyPatch(userModel, user, [{ op: 'remove', path: ENTERPRISE_USER_SCHEMA }])).toEqual(aUser());
  });

  it.each([
    [userModel, aUser(), 'userName'],
    [groupModel, aGroup(), 'displayName'],
  ])('refuses to remove a required attribute (%#)', (model, resource, name) => {
    const error = patchError(model, resource, [{ op: 'remove', path: name }]);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toBe(`Attribute '${name}' is required.`);
  });

  it('allows a required attribute to be removed and set again in one request', () => {
    const result = applyPatch(userModel, aUser(), [
      { op: 'remove', path: 'userName' },
      { op: 'add', path: 'userName', value: 'again@example.com' },
    ]);
    expect(result.userName).toBe('again@example.com');
  });
});

describe('applyPatch: purity', () => {
  it('never touches its input', () => {
    const user = aUser({ schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'm' } } });
    const snapshot = structuredClone(user);
    const result = applyPatch(userModel, user, [
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'x@example.com' },
      { op: 'replace', path: 'name.givenName', value: 'X' },
      { op: 'replace', path: `${ENTERPRISE_USER_SCHEMA}:manager.value`, value: 'n' },
    ]);
    expect(user).toEqual(snapshot);
    (result.meta as Record<string, unknown>).version = 'changed';
    expect(user).toEqual(snapshot);
  });

  it('leaves nothing half-applied when a later operation fails', () => {
    const user = aUser();
    const snapshot = structuredClone(user);
    expect(() =>
      applyPatch(userModel, user, [
        { op: 'replace', path: 'displayName', value: 'changed' },
        { op: 'replace', path: 'active', value: 'maybe' },
      ]),
    ).toThrow(ScimError);
    expect(user).toEqual(snapshot);
  });

  it('keeps id, meta and schemas from the stored resource', () => {
    const result = applyPatch(userModel, aUser(), [{ op: 'replace', path: 'title', value: 'CTO' }]);
    expect(result.id).toBe('u-1');
    expect(result.meta).toEqual(meta);
    expect(result.schemas).toEqual([USER_SCHEMA]);
  });
});
