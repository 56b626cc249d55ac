import { normalizeResource, normalizeValue } from '../../lambdas/scim/normalize';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, groupModel, userModel, userSchema } from '../../lambdas/scim/schemas';
import { scimErrorOf } from '../support/scim-error';

const definition = (name: string) => userSchema.attributes.find((attribute) => attribute.name === name)!;

describe('normalizeResource: Okta', () => {
  it('canonicalises the POST /Users body of a custom wizard app, dropping password, groups and the unknown', () => {
    const body = {
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      userName: 'isabel@example.com',
      name: { givenName: 'Isabel', familyName: 'Kramer' },
      emails: [{ primary: true, value: 'isabel@example.com', type: 'work' }],
      displayName: 'Isabel Kramer',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
      title: 'Engineer',
      userType: 'Employee',
      [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '42', department: 'R&D', manager: { value: 'm-1', displayName: 'Boss' } },
    };

    const resource = normalizeResource(userModel, body);

    expect(resource).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      externalId: '00ujl29u0le5T6Aj10h7',
      userName: 'isabel@example.com',
      name: { givenName: 'Isabel', familyName: 'Kramer' },
      displayName: 'Isabel Kramer',
      title: 'Engineer',
      userType: 'Employee',
      locale: 'en-US',
      active: true,
      emails: [{ value: 'isabel@example.com', type: 'work', primary: true }],
      [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '42', department: 'R&D', manager: { value: 'm-1' } },
    });
    expect(resource).not.toHaveProperty('password');
    expect(resource).not.toHaveProperty('groups');
  });

  it('ignores the read-only attributes a PUT echoes from our GET (id, meta, groups, emails[].display is kept as readWrite)', () => {
    const body = {
      schemas: [USER_SCHEMA],
      id: 'abc',
      meta: { resourceType: 'User', created: '2024-01-01T00:00:00Z', location: 'https://x/Users/abc' },
      userName: 'a@example.com',
      groups: [{ value: 'g1', display: 'Admins' }],
      emails: [{ value: 'a@example.com', display: 'A', primary: true }],
    };

    expect(normalizeResource(userModel, body)).toEqual({
      schemas: [USER_SCHEMA],
      userName: 'a@example.com',
      emails: [{ value: 'a@example.com', display: 'A', primary: true }],
    });
  });

  it('keeps a custom extension namespace verbatim and lists it in schemas', () => {
    const custom = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
    const okta = 'urn:okta:custom:user:1.0';
    const body = { userName: 'a@example.com', [custom]: { costCode: 7, tags: ['x'] }, [okta]: { badge: null } };

    const resource = normalizeResource(userModel, body);

    expect(resource[custom]).toEqual({ costCode: 7, tags: ['x'] });
    expect(resource[okta]).toEqual({ badge: null });
    expect(resource.schemas).toEqual([USER_SCHEMA, custom, okta]);
  });

  it('does not alias the body it was given', () => {
    const custom = 'urn:okta:custom:user:1.0';
    const body = { userName: 'a@example.com', [custom]: { nested: { a: 1 } } };
    const resource = normalizeResource(userModel, body);
    (resource[custom] as { nested: { a: number } }).nested.a = 2;
    expect(body[custom].nested.a).toBe(1);
  });

  it('normalises an Okta group push with members carrying value and display', () => {
    const body = {
      schemas: [GROUP_SCHEMA],
      displayName: 'Engineering',
      members: [
        { value: 'u1', display: 'isabel@example.com' },
        { value: 'u2', display: 'john@example.com' },
      ],
    };

    expect(normalizeResource(groupModel, body)).toEqual({
      schemas: [GROUP_SCHEMA],
      displayName: 'Engineering',
      members: [{ value: 'u1' }, { value: 'u2' }],
    });
  });

  it('treats members: [] as unassigned (RFC 7643 §2.5)', () => {
    expect(normalizeResource(groupModel, { displayName: 'Empty', members: [] })).toEqual({ schemas: [GROUP_SCHEMA], displayName: 'Empty' });
  });

  it('rejects a member without value, naming the attribute', () => {
    const error = scimErrorOf(() => normalizeResource(groupModel, { displayName: 'G', members: [{ display: 'Who?' }] }));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toContain("'members'");
  });
});

describe('normalizeResource: Entra ID and friends', () => {
  it('accepts string booleans, odd casing and URN-qualified keys', () => {
    const body = {
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      externalId: 'e-1',
      UserName: 'Test_User@contoso.com',
      Active: 'False',
      DisplayName: 'Test User',
      Emails: [{ Primary: 'true', Type: 'work', Value: 'test@contoso.com' }],
      Name: { FamilyName: 'User', GivenName: 'Test' },
      [`${ENTERPRISE_USER_SCHEMA}:employeeNumber`]: '7',
      [`${ENTERPRISE_USER_SCHEMA}:manager.value`]: 'm-2',
      roles: [],
    };

    expect(normalizeResource(userModel, body)).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      externalId: 'e-1',
      userName: 'Test_User@contoso.com',
      name: { familyName: 'User', givenName: 'Test' },
      displayName: 'Test User',
      active: false,
      emails: [{ value: 'test@contoso.com', type: 'work', primary: true }],
      [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '7', manager: { value: 'm-2' } },
    });
  });

  it('matches the extension key case-insensitively and merges it with qualified keys', () => {
    const body = {
      userName: 'u',
      [ENTERPRISE_USER_SCHEMA.toLowerCase()]: { EmployeeNumber: '1', Department: 'Ops' },
      [`${ENTERPRISE_USER_SCHEMA}:costCenter`]: 'cc',
    };

    expect(normalizeResource(userModel, body)[ENTERPRISE_USER_SCHEMA]).toEqual({ employeeNumber: '1', costCenter: 'cc', department: 'Ops' });
  });

  it('accepts the manager as a bare id', () => {
    const body = { userName: 'u', [ENTERPRISE_USER_SCHEMA]: { manager: 'm-3' } };
    expect(normalizeResource(userModel, body)[ENTERPRISE_USER_SCHEMA]).toEqual({ manager: { value: 'm-3' } });
  });

  it('omits an extension object that ends up empty', () => {
    const resource = normalizeResource(userModel, { userName: 'u', [ENTERPRISE_USER_SCHEMA]: { manager: { displayName: 'x' } } });
    expect(resource).toEqual({ schemas: [USER_SCHEMA], userName: 'u' });
  });
});

describe('normalizeResource: shape and required attributes', () => {
  it.each([[null], [[]], ['text'], [42]])('rejects a body that is not an object: %p', (body) => {
    const error = scimErrorOf(() => normalizeResource(userModel, body));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toContain('JSON object');
  });

  it.each([[{}], [{ userName: '' }], [{ userName: '   ' }], [{ userName: null }], [{ displayName: 'no user name' }]])(
    'requires userName: %p',
    (body) => {
      const error = scimErrorOf(() => normalizeResource(userModel, body));
      expect(error.scimType).toBe('invalidValue');
      expect(error.detail).toBe("Attribute 'userName' is required.");
    },
  );

  it('requires a Group displayName', () => {
    const error = scimErrorOf(() => normalizeResource(groupModel, { members: [] }));
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toBe("Attribute 'displayName' is required.");
  });

  it('drops nulls and unknown attributes, keeps empty strings', () => {
    expect(normalizeResource(userModel, { userName: 'u', title: null, nickName: '', favouriteColour: 'blue', name: { givenName: null } })).toEqual({
      schemas: [USER_SCHEMA],
      userName: 'u',
      nickName: '',
    });
  });

  it('wraps a single value sent for a multi-valued attribute', () => {
    expect(normalizeResource(userModel, { userName: 'u', emails: { value: 'u@example.com' } }).emails).toEqual([{ value: 'u@example.com' }]);
  });

  it('keeps the first of several primary values and clears the others (RFC 7643 §2.4)', () => {
    const resource = normalizeResource(userModel, {
      userName: 'u',
      emails: [
        { value: 'a@example.com', primary: false },
        { value: 'b@example.com', primary: true },
        { value: 'c@example.com', primary: 'True' },
      ],
    });
    expect(resource.emails).toEqual([
      { value: 'a@example.com', primary: false },
      { value: 'b@example.com', primary: true },
      { value: 'c@example.com', primary: false },
    ]);
  });

  it('is idempotent', () => {
    const once = normalizeResource(userModel, {
      userName: 'u',
      Emails: [{ value: 'a', primary: 'true' }, { value: 'b', primary: true }],
      'urn:okta:custom:1': { x: 1 },
      [`${ENTERPRISE_USER_SCHEMA}:manager`]: 'm',
    });
    expect(normalizeResource(userModel, once)).toEqual(once);
  });
});

describe('normalizeValue', () => {
  it.each([
    ['active', 'maybe', "Attribute 'active' must be a boolean, got \"maybe\"."],
    ['active', 1, "Attribute 'active' must be a boolean, got 1."],
    ['userName', 5, "Attribute 'userName' must be a string, got 5."],
    ['name', 'Isabel', "Attribute 'name' must be an object, got \"Isabel\"."],
    ['title', ['a'], "Attribute 'title' must be a single string value, not an array, got [\"a\"]."],
    ['profileUrl', {}, "Attribute 'profileUrl' must be a reference (a URI string), got {}."],
  ])('rejects %s = %p', (name, value, detail) => {
    const error = scimErrorOf(() => normalizeValue(definition(name), value, name));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toBe(detail);
  });

  it('names the sub-attribute path in nested errors', () => {
    const error = scimErrorOf(() => normalizeValue(definition('emails'), [{ value: 'a', primary: 'yes' }], 'emails'));
    expect(error.detail).toBe("Attribute 'emails.primary' must be a boolean, got \"yes\".");
  });

  it.each([
    [true, true],
    [false, false],
    ['True', true],
    ['False', false],
    ['true', true],
    ['false', false],
  ])('reads boolean %p as %p', (value, expected) => {
    expect(normalizeValue(definition('active'), value, 'active')).toBe(expected);
  });

  it('validates dateTime values', () => {
    const created = { name: 'created', type: 'dateTime' as const, multiValued: false, description: '', required: false, caseExact: false, mutability: 'readWrite' as const, returned: 'default' as const, uniqueness: 'none' as const };
    expect(normalizeValue(created, '2024-02-29T10:00:00.123Z', 'created')).toBe('2024-02-29T10:00:00.123Z');
    expect(normalizeValue(created, '2024-02-29T10:00:00+02:00', 'created')).toBe('2024-02-29T10:00:00+02:00');
    expect(scimErrorOf(() => normalizeValue(created, 'yesterday', 'created')).detail).toContain("'created' must be a dateTime");
    expect(scimErrorOf(() => normalizeValue(created, 1700000000, 'created')).scimType).toBe('invalidValue');
  });

  it('validates integer and decimal values', () => {
    const base = { description: '', multiValued: false, required: false, caseExact: false, mutability: 'readWrite' as const, returned: 'default' as const, uniqueness: 'none' as const };
    const count = { ...base, name: 'count', type: 'integer' as const };
    const ratio = { ...base, name: 'ratio', type: 'decimal' as const };
    expect(normalizeValue(count, 3, 'count')).toBe(3);
    expect(scimErrorOf(() => normalizeValue(count, 3.5, 'count')).detail).toBe("Attribute 'count' must be an integer, got 3.5.");
    expect(scimErrorOf(() => normalizeValue(count, '3', 'count')).scimType).toBe('invalidValue');
    expect(normalizeValue(ratio, 0.5, 'ratio')).toBe(0.5);
    expect(scimErrorOf(() => normalizeValue(ratio, 'half', 'ratio')).detail).toBe("Attribute 'ratio' must be a decimal number, got \"half\".");
  });

  it('returns undefined for null and for an empty multi-valued attribute', () => {
    expect(normalizeValue(definition('title'), null, 'title')).toBeUndefined();
    expect(normalizeValue(definition('emails'), [], 'emails')).toBeUndefined();
    expect(normalizeValue(definition('emails'), [null], 'emails')).toBeUndefined();
  });
});
