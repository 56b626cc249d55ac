import { scimErrorOf as thrown } from '../support/scim-error';
import { matches, matchesValue } from '../../lambdas/scim/filter-evaluation';
import { parseFilter, parsePath, printFilter, type AttrPath, type CompareOp, type Filter } from '../../lambdas/scim/filter-syntax';
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  USER_SCHEMA,
  groupModel,
  groupSchema,
  userModel,
  userSchema,
  type AttributeDefinition,
  type ResourceModel,
} from '../../lambdas/scim/schemas';

const bjensen = {
  schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: '00u1abcdEFGH',
  meta: {
    resourceType: 'User',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34Z',
    location: 'https://scim.example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
    version: 'W/"3694e05e9dff591"',
  },
  userName: 'bjensen@example.com',
  name: { formatted: "Ms. Barbara J O'Malley", familyName: "O'Malley", givenName: 'Barbara' },
  displayName: 'Babs Jensen',
  nickName: '',
  title: 'Tour Guide',
  userType: 'Employee',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  ims: [{ value: 'babs@foo.com', type: 'xmpp' }],
  phoneNumbers: [],
  addresses: [],
  [ENTERPRISE_USER_SCHEMA]: {
    employeeNumber: '701984',
    costCenter: '4130',
    department: 'Tour Operations',
    manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
  },
};

const jsmith = {
  schemas: [USER_SCHEMA],
  id: '26118915-6090-4610-87e4-49d8ca9f808d',
  meta: { resourceType: 'User', created: '2012-02-01T10:00:00Z', lastModified: '2012-03-04T09:15:00.250+01:00' },
  userName: 'JSmith',
  name: { givenName: 'John', familyName: 'Smith' },
  userType: 'Intern',
  active: false,
  emails: [{ value: 'john@smith.net', type: 'home' }],
};

const sales = {
  schemas: [GROUP_SCHEMA],
  id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
  externalId: '00g1salesOkta',
  meta: { resourceType: 'Group', created: '2020-01-01T00:00:00Z', lastModified: '2024-06-30T23:59:59Z' },
  displayName: 'Sales',
  members: [
    { value: '2819c223-7f76-453a-919d-413861904646', display: 'Babs Jensen' },
    { value: '26118915-6090-4610-87e4-49d8ca9f808d', display: 'John Smith', type: 'User' },
  ],
};

const user = (text: string, resource: Record<string, unknown> = bjensen) => matches(parseFilter(text), resource, userModel);

const compare = (name: string, op: CompareOp, value: string | number | boolean | null, extra: Omit<AttrPath, 'name'> = {}): Filter => ({
  kind: 'compare',
  op,
  attribute: { ...extra, name },
  value,
});

describe('parseFilter', () => {
  // Every example filter of RFC 7644 §3.4.2.2, with what it means for bjensen and jsmith above.
  const rfcExamples: Array<[string, boolean, boolean]> = [
    ['userName eq "bjensen"', false, false],
    ['name.familyName co "O\'Malley"', true, false],
    ['userName sw "J"', false, true],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"', false, true],
    ['title pr', true, false],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', false, true],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', true, true],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', false, false],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', true, false],
    ['title pr and userType eq "Employee"', true, false],
    ['title pr or userType eq "Intern"', true, true],
    ['schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"', true, false],
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', true, false],
    ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', false, true],
    ['userType eq "Employee" and (emails.type eq "work")', true, false],
    ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', true, false],
    ['emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]', true, false],
    // RFC 7644 errata 7322
    ['emails[type eq "work" or (type eq "home" and value ew "@example.com")]', true, false],
  ];

  it.each(rfcExamples)('parses, prints and evaluates the RFC 7644 example %s', (text, forBjensen, forJsmith) => {
    const filter = parseFilter(text);
    expect(parseFilter(printFilter(filter))).toStrictEqual(filter);
    expect(user(text, bjensen)).toBe(forBjensen);
    expect(user(text, jsmith)).toBe(forJsmith);
  });

  it.each([
    // Okta: user and group lookups before create and push (GUIDE §1)
    ['userName eq "x@y.com"', compare('userName', 'eq', 'x@y.com')],
    ['displayName eq "Sales"', compare('displayName', 'eq', 'Sales')],
    // Entra ID (GUIDE §2)
    ['externalId eq "6ba2bc8a-cd4b-4f28-9d5c-2e0d1a1f5c7e"', compare('externalId', 'eq', '6ba2bc8a-cd4b-4f28-9d5c-2e0d1a1f5c7e')],
    [
      'emails[type eq "work"].value eq "una@sipesbarton.info"',
      {
        kind: 'valuePath',
        attribute: { name: 'emails' },
        filter: { kind: 'and', left: compare('type', 'eq', 'work'), right: compare('value', 'eq', 'una@sipesbarton.info') },
      },
    ],
    [
      'userName eq "una@sipesbarton.info" and externalId eq "una"',
      { kind: 'and', left: compare('userName', 'eq', 'una@sipesbarton.info'), right: compare('externalId', 'eq', 'una') },
    ],
    ['displayName eq "Group 1"', compare('displayName', 'eq', 'Group 1')],
  ] as Array<[string, Filter]>)('parses the IdP filter %s', (text, expected) => {
    expect(parseFilter(text)).toStrictEqual(expected);
  });

  it('splits a URN-prefixed attribute at the colon before the attribute name', () => {
    expect(parseFilter('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"')).toStrictEqual(
      compare('employeeNumber', 'eq', '701984', { uri: ENTERPRISE_USER_SCHEMA }),
    );
    expect(parseFilter('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr')).toStrictEqual({
      kind: 'present',
      attribute: { uri: ENTERPRISE_USER_SCHEMA, name: 'manager', subAttribute: 'value' },
    });
    expect(parseFilter('urn:example:acme:1.0:User:badge.id eq 7')).toStrictEqual(
      compare('badge', 'eq', 7, { uri: 'urn:example:acme:1.0:User', subAttribute: 'id' }),
    );
  });

  it('reads attribute names, operators and logical keywords case-insensitively', () => {
    expect(parseFilter('USERNAME EQ "x"')).toStrictEqual(compare('USERNAME', 'eq', 'x'));
    expect(parseFilter('userName Eq "x"')).toStrictEqual(compare('userName', 'eq', 'x'));
    expect(parseFilter('emails[type eq "other"].Value Co "@x"')).toStrictEqual({
      kind: 'valuePath',
      attribute: { name: 'emails' },
      filter: { kind: 'and', left: compare('type', 'eq', 'other'), right: compare('Value', 'co', '@x') },
    });
    expect(parseFilter('title PR AND NOT (userType Eq "Intern") OR active EQ TRUE')).toStrictEqual({
      kind: 'or',
      left: {
        kind: 'and',
        left: { kind: 'present', attribute: { name: 'title' } },
        right: { kind: 'not', filter: compare('userType', 'eq', 'Intern') },
      },
      right: compare('active', 'eq', true),
    });
  });

  it('gives not precedence over and, and and over or (RFC 7644 §3.4.2.2)', () => {
    const a = { kind: 'present', attribute: { name: 'a' } } as const;
    const b = { kind: 'present', attribute: { name: 'b' } } as const;
    const c = { kind: 'present', attribute: { name: 'c' } } as const;
    expect(parseFilter('a pr or b pr and c pr')).toStrictEqual({ kind: 'or', left: a, right: { kind: 'and', left: b, right: c } });
    expect(parseFilter('a pr and b pr or c pr')).toStrictEqual({ kind: 'or', left: { kind: 'and', left: a, right: b }, right: c });
    expect(parseFilter('a pr and b pr and c pr')).toStrictEqual({ kind: 'and', left: { kind: 'and', left: a, right: b }, right: c });
    expect(parseFilter('not (a pr) and b pr')).toStrictEqual({ kind: 'and', left: { kind: 'not', filter: a }, right: b });
    expect(parseFilter('(a pr or b pr) and c pr')).toStrictEqual({ kind: 'and', left: { kind: 'or', left: a, right: b }, right: c });
    expect(parseFilter('((a pr))')).toStrictEqual(a);
  });

  it.each([
    ['active eq true', true],
    ['active eq FALSE', false],
    ['manager eq null', null],
    ['loginCount eq 42', 42],
    ['loginCount eq -7', -7],
    ['score ge 3.25', 3.25],
    ['score lt -1.5e3', -1500],
    ['score lt 2E-2', 0.02],
    ['score eq -0', -0],
    ['displayName eq "say \\"hi\\""', 'say "hi"'],
    ['displayName eq "back\\\\slash"', 'back\\slash'],
    ['displayName eq "Ren\\u00e9e"', 'Renée'],
    ['displayName eq "tab\\there\\/\\n"', 'tab\there/\n'],
    ['displayName eq "Zoë ✓"', 'Zoë ✓'],
    ['displayName eq ""', ''],
  ])('reads the value of %s as JSON', (text, value) => {
    expect(parseFilter(text)).toMatchObject({ kind: 'compare', value });
    if (Object.is(value, -0)) expect(Object.is((parseFilter(text) as { value: number }).value, -0)).toBe(true);
  });

  it('tolerates extra whitespace', () => {
    expect(parseFilter('   userName    eq   "x"   and\t( title  pr )  ')).toStrictEqual(parseFilter('userName eq "x" and (title pr)'));
    expect(parseFilter('emails[ type eq "work" ]')).toStrictEqual(parseFilter('emails[type eq "work"]'));
  });

  it('reads and, or, not and pr as attribute names where an attribute belongs', () => {
    expect(parseFilter('and eq "x" and or pr')).toStrictEqual({
      kind: 'and',
      left: compare('and', 'eq', 'x'),
      right: { kind: 'present', attribute: { name: 'or' } },
    });
    expect(parseFilter('not pr')).toStrictEqual({ kind: 'present', attribute: { name: 'not' } });
    expect(parseFilter('members[$ref ew "/Users/1"]')).toStrictEqual({
      kind: 'valuePath',
      attribute: { name: 'members' },
      filter: compare('$ref', 'ew', '/Users/1'),
    });
  });

  it('parses a long flat chain without deep recursion', () => {
    const text = Array.from({ length: 900 }, (_, index) => `userName eq "u${index}"`).join(' or ').slice(0, 10_000);
    const cut = text.slice(0, text.lastIndexOf(' or '));
    const filter = parseFilter(cut);
    expect(parseFilter(printFilter(filter))).toStrictEqual(filter);
    expect(matches(filter, { ...bjensen, userName: 'U3' }, userModel)).toBe(true);
  });

  it('accepts nesting up to 50 levels', () => {
    expect(() => parseFilter(`${'('.repeat(50)}title pr${')'.repeat(50)}`)).not.toThrow();
    expect(() => parseFilter(`${'not ('.repeat(49)}emails[type pr]${')'.repeat(49)}`)).not.toThrow();
  });
});

describe('unquoted values (Microsoft SCIM reference code)', () => {
  it.each([
    ['userName eq bjensen', 'bjensen'],
    ['userName eq x@y.com', 'x@y.com'],
    ['meta.created gt 2015-10-10T14:38:21.8617979-07:00', '2015-10-10T14:38:21.8617979-07:00'],
    ['loginCount eq 007', '007'],
    ['active eq True1', 'True1'],
  ])('reads the bare word of %j as the string %j, printed quoted', (text, value) => {
    const filter = parseFilter(text);
    expect(filter).toMatchObject({ kind: 'compare', value });
    expect(parseFilter(printFilter(filter))).toEqual(filter);
  });

  it('ends a bare word at whitespace, parentheses and brackets', () => {
    expect(printFilter(parseFilter('name.familyName eq Employee and (emails.value co example.com or emails[type eq work])'))).toBe(
      'name.familyName eq "Employee" and (emails.value co "example.com" or emails[type eq "work"])',
    );
  });

  it('still reads JSON literals and numbers as such', () => {
    expect(parseFilter('active eq TRUE')).toMatchObject({ value: true });
    expect(parseFilter('x eq null')).toMatchObject({ value: null });
    expect(parseFilter('loginCount ge -1.5e2')).toMatchObject({ value: -150 });
  });

  it('compares a bare word by the attribute type, so a number attribute refuses a word that is no number', () => {
    const user = { userName: 'Olga', meta: { created: '2020-01-01T00:00:00Z' } };
    expect(matches(parseFilter('userName sw O'), user, userModel)).toBe(true);
    expect(matches(parseFilter('meta.created gt 2015-10-10T14:38:21.8617979-07:00'), user, userModel)).toBe(true);
    expect(() => matches(parseFilter('active eq yes'), user, userModel)).toThrow(/true or false/);
  });
});

describe('parseFilter errors', () => {
  it.each([
    ['', ['empty']],
    ['   ', ['empty']],
    ['userName', ["after 'userName'", 'the filter ended', 'eq, ne']],
    ['userName eq', ["after 'eq'", 'character 12', 'the filter ended']],
    ['userName equals "x"', ["'equals'", 'character 10', 'eq, ne, co, sw, ew, gt, ge, lt, le or pr']],
    ['(userName eq "x"', ["'(' at character 1", "never closed with ')'"]],
    ['userName eq "x")', ["')' at character 16", "no matching '('"]],
    ['emails[type eq "work"', ["'[' at character 7", "never closed with ']'"]],
    ['emails[type eq "work")', ["')' at character 22", "'[' at character 7"]],
    ['emails[type eq "work"]]', ["']' at character 23", "no matching '['"]],
    ['userName eq "x" title pr', ["'title'", 'character 17', "'and', 'or'"]],
    ['title pr "x"', ['\'"x"\'', 'character 10']],
    ['userName eq "bjensen', ['character 13', 'not closed']],
    ['userName eq "b\\jensen"', ["'\\j'", 'escape']],
    ['userName eq "\\u00g1"', ["'\\u00g1'", 'escape']],
    ['loginCount eq 1e999', ["'1e999'", 'out of range']],
    ['name.givenName.first eq "x"', ["'name.givenName.first'", 'at most one sub-attribute']],
    ['1userName eq "x"', ["'1userName'", 'not an attribute name']],
    ['"bjensen" eq userName', ['\'"bjensen"\'', 'starts with the attribute']],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User eq "x"', ['names a schema', 'enterprise:2.0:User:<attribute>']],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User: eq "x"', ['after the schema URN']],
    ['emails[type[value eq "x"]]', ["'type['", 'cannot be nested']],
    ['emails.value[type eq "work"]', ["'emails.value'", 'sub-attribute']],
    ['emails[emails.type eq "work"]', ["'emails.type'", "value filter of 'emails'"]],
    ['emails[type eq "work"].', ["after '.'", 'the filter ended']],
    ['emails[type eq "work"].value', ["'emails[…].value'", 'the filter ended']],
    ['not userName eq "x"', ["'not'", 'parentheses']],
    ['not (title pr', ["'(' at character 1", "never closed with ')'"]],
    ['and', ["'and'", 'eq, ne']],
    ['title pr and', ["after 'and'", 'the filter ended']],
    ['title pr or ()', ["found ')'", 'character 14']],
    ['title pr andy', ["'andy'", "'and', 'or'"]],
    ['()', ["')'", 'character 2']],
    ['userName eq "x" | title pr', ["'|'", 'character 17']],
  ])('rejects %j with a detail that names the problem', (text, fragments) => {
    const error = thrown(() => parseFilter(text));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    for (const fragment of fragments) expect(error.detail).toContain(fragment);
  });

  it('rejects nesting deeper than 50 levels and filters over 10 KB', () => {
    expect(thrown(() => parseFilter(`${'('.repeat(51)}title pr${')'.repeat(51)}`)).detail).toContain('more than 50 levels');
    expect(thrown(() => parseFilter('('.repeat(100_000))).detail).toContain('at most 10240');
    expect(thrown(() => parseFilter('not ('.repeat(2_000))).detail).toContain('more than 50 levels');
    expect(thrown(() => parseFilter(`userName eq "${'x'.repeat(10_300)}"`)).scimType).toBe('invalidFilter');
  });

  it('rejects a filter that is not a string', () => {
    expect(thrown(() => parseFilter(undefined as unknown as string)).scimType).toBe('invalidFilter');
  });
});

describe('printFilter', () => {
  it.each([
    ['USERNAME  EQ "x"', 'USERNAME eq "x"'],
    ['((title pr))', 'title pr'],
    ['title pr and (userType eq "a" and active eq true)', 'title pr and (userType eq "a" and active eq true)'],
    ['(title pr and userType eq "a") and active eq true', 'title pr and userType eq "a" and active eq true'],
    ['title pr or (a pr or b pr)', 'title pr or (a pr or b pr)'],
    ['(a pr or b pr) and c pr', '(a pr or b pr) and c pr'],
    ['a pr or b pr and c pr', 'a pr or b pr and c pr'],
    ['NOT(a pr)', 'not (a pr)'],
    ['displayName eq "Ren\\u00e9e \\"R\\""', 'displayName eq "Renée \\"R\\""'],
    ['a eq 1E3', 'a eq 1000'],
    ['a eq -0', 'a eq -0'],
    ['a eq NULL', 'a eq null'],
    ['emails[type eq "work"].value eq "x"', 'emails[type eq "work" and value eq "x"]'],
    ['emails[type eq "a" or type eq "b"].value pr', 'emails[(type eq "a" or type eq "b") and value pr]'],
  ])('prints %s canonically as %s', (text, canonical) => {
    expect(printFilter(parseFilter(text))).toBe(canonical);
    expect(parseFilter(canonical)).toStrictEqual(parseFilter(text));
  });
});

describe('parsePath', () => {
  it.each([
    ['name.givenName', { attribute: { name: 'name', subAttribute: 'givenName' } }],
    ['userName', { attribute: { name: 'userName' } }],
    [
      'emails[type eq "work"].value',
      { attribute: { name: 'emails' }, valueFilter: compare('type', 'eq', 'work'), subAttribute: 'value' },
    ],
    // Entra ID capitalises sub-attribute names
    [
      'emails[type eq "other"].Value',
      { attribute: { name: 'emails' }, valueFilter: compare('type', 'eq', 'other'), subAttribute: 'Value' },
    ],
    ['members[value eq "2819c223"]', { attribute: { name: 'members' }, valueFilter: compare('value', 'eq', '2819c223') }],
    [
      'members[value eq "a" or value eq "b"]',
      {
        attribute: { name: 'members' },
        valueFilter: { kind: 'or', left: compare('value', 'eq', 'a'), right: compare('value', 'eq', 'b') },
      },
    ],
    [
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value',
      { attribute: { uri: ENTERPRISE_USER_SCHEMA, name: 'manager', subAttribute: 'value' } },
    ],
    [
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
      { attribute: { uri: ENTERPRISE_USER_SCHEMA, name: 'employeeNumber' } },
    ],
    [
      'urn:ietf:params:scim:schemas:core:2.0:User:emails[primary eq true].display',
      { attribute: { uri: USER_SCHEMA, name: 'emails' }, valueFilter: compare('primary', 'eq', true), subAttribute: 'display' },
    ],
    ['  members  ', { attribute: { name: 'members' } }],
  ])('parses %s', (text, expected) => {
    expect(parsePath(text)).toStrictEqual(expected);
  });

  it.each([
    ['', ['empty']],
    ['name.givenName.first', ["'name.givenName.first'", 'at most one sub-attribute']],
    ['emails[type eq "work"', ["'[' at character 7", "never closed with ']'"]],
    ['emails[type eq "work"].value.display', ["'emails[…].value.display'", 'more than one sub-attribute']],
    ['emails[type eq "work"] x', ["'x'", 'end of the path']],
    ['emails.value[type eq "work"]', ["'emails.value'", 'sub-attribute']],
    ['members[value eq]', ["after 'eq'", "found ']'"]],
    ['members[value eq "x"].', ["after '.'"]],
    ['name givenName', ["'givenName'", 'a path is an attribute']],
    ['emails[type[value eq "x"]]', ['cannot be nested']],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', ['names a schema']],
    [`members[${'('.repeat(60)}value pr${')'.repeat(60)}]`, ['more than 50 levels']],
  ])('rejects %j with invalidPath', (text, fragments) => {
    const error = thrown(() => parsePath(text));
    expect(error.scimType).toBe('invalidPath');
    for (const fragment of fragments) expect(error.detail).toContain(fragment);
  });
});

describe('matches', () => {
  describe('strings', () => {
    it('compares userName case-insensitively, as its schema says (caseExact false)', () => {
      expect(user('userName eq "BJensen@Example.com"')).toBe(true);
      expect(user('USERNAME EQ "bjensen@example.com"')).toBe(true);
      expect(user('userName ne "BJENSEN@example.com"')).toBe(false);
      expect(user('userName eq "bjensen"')).toBe(false);
    });

    it('compares id and externalId case-exactly', () => {
      expect(user('externalId eq "00u1abcdEFGH"')).toBe(true);
      expect(user('externalId eq "00u1ABCDefgh"')).toBe(false);
      expect(user('externalId ne "00u1ABCDefgh"')).toBe(true);
      expect(user('id eq "2819C223-7F76-453A-919D-413861904646"')).toBe(false);
      expect(user('id eq "2819c223-7f76-453a-919d-413861904646"')).toBe(true);
      expect(user('meta.resourceType eq "user"')).toBe(false);
      expect(user('meta.resourceType eq "User"')).toBe(true);
    });

    it.each([
      ['displayName co "jen"', true],
      ['displayName co "JEN"', true],
      ['displayName co "xyz"', false],
      ['displayName sw "babs"', true],
      ['displayName sw "Jensen"', false],
      ['displayName sw "Babs Jensen"', true],
      ['displayName ew "jensen"', true],
      ['displayName ew "Babs"', false],
      ['displayName gt "Babs"', true],
      ['displayName gt "babs jensen"', false],
      ['displayName ge "babs jensen"', true],
      ['displayName lt "c"', true],
      ['displayName lt "Babs"', false],
      ['displayName le "BABS JENSEN"', true],
      ['externalId gt "00u1abcd"', true],
      ['externalId lt "00u1abcdefgh"', true],
    ])('%s is %s', (text, expected) => {
      expect(user(text)).toBe(expected);
    });

    it('compares a string attribute with an unquoted number or boolean as its text', () => {
      expect(user('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq 701984')).toBe(true);
      expect(user('costCenter sw 41')).toBe(true);
    });
  });

  describe('booleans', () => {
    it('compares active with true and false', () => {
      expect(user('active eq true')).toBe(true);
      expect(user('active eq false')).toBe(false);
      expect(user('active ne false')).toBe(true);
      expect(user('active eq false', jsmith)).toBe(true);
    });

    it('accepts the strings "True" and "False" that Entra ID sends', () => {
      expect(user('active eq "True"')).toBe(true);
      expect(user('active eq "False"', jsmith)).toBe(true);
      expect(user('active eq "false"')).toBe(false);
      expect(matches(parseFilter('active eq true'), { ...bjensen, active: 'True' }, userModel)).toBe(true);
    });

    it.each(['active gt true', 'active le false', 'active co "t"', 'active eq "yes"', 'active eq 1', 'emails[primary gt false]'])(
      '%s is an invalidFilter, whatever the resource',
      (text) => {
        for (const resource of [bjensen, jsmith, {}]) {
          const error = thrown(() => user(text, resource));
          expect(error.scimType).toBe('invalidFilter');
          expect(error.detail).toMatch(/active|primary/);
        }
      },
    );
  });

  describe('dateTimes', () => {
    it.each([
      ['meta.created lt "2011-01-01T00:00:00Z"', true],
      ['meta.created eq "2010-01-23T04:56:22.000Z"', true],
      ['meta.created eq "2010-01-23T05:56:22+01:00"', true],
      ['meta.created eq "2010-01-23T04:56:22"', true],
      ['meta.created gt "2010-01-23"', true],
      ['meta.created gt "2010-01-23T04:56:22.001Z"', false],
      ['meta.lastModified ge "2011-05-13T04:42:34Z"', true],
      ['meta.lastModified gt "2011-05-13T04:42:33.999999Z"', true],
      ['meta.lastModified le "2011-05-13T00:42:34-04:00"', true],
      ['meta.lastModified lt "2011-05-13T00:42:34-04:00"', false],
      ['meta.lastModified ne "2011-05-13T04:42:34Z"', false],
    ])('%s is %s', (text, expected) => {
      expect(user(text)).toBe(expected);
    });

    it('compares chronologically, not as text, across time zones', () => {
      expect(user('meta.lastModified gt "2012-03-04T08:00:00Z"', jsmith)).toBe(true);
      expect(user('meta.lastModified lt "2012-03-04T08:15:01Z"', jsmith)).toBe(true);
      expect(user('meta.lastModified eq "2012-03-04T08:15:00.25Z"', jsmith)).toBe(true);
    });

    it('matches nothing when the stored value is not a dateTime', () => {
      const broken = { ...bjensen, meta: { ...bjensen.meta, lastModified: 'yesterday' } };
      expect(user('meta.lastModified gt "2000-01-01T00:00:00Z"', broken)).toBe(false);
      expect(user('meta.lastModified ne "2000-01-01T00:00:00Z"', broken)).toBe(true);
    });

    it.each(['meta.lastModified gt "yesterday"', 'meta.lastModified gt 1305261754', 'meta.created eq "2010-02-30T00:00:00Z"', 'meta.created sw "2010"'])(
      '%s is an invalidFilter',
      (text) => {
        const error = thrown(() => user(text));
        expect(error.scimType).toBe('invalidFilter');
        expect(error.detail).toContain('meta.');
      },
    );
  });

  describe('numbers', () => {
    const attribute = (name: string, type: AttributeDefinition['type']): AttributeDefinition => ({
      name,
      type,
      multiValued: false,
      description: name,
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    });
    const model: ResourceModel = {
      type: { id: 'Device', name: 'Device', endpoint: '/Devices', description: 'Device', schema: 'urn:example:Device', schemaExtensions: [] },
      core: { id: 'urn:example:Device', name: 'Device', description: 'Device', attributes: [attribute('loginCount', 'integer'), attribute('score', 'decimal')] },
      extensions: [],
    };
    const device = { loginCount: 42, score: 3.25 };

    it.each([
      ['loginCount eq 42', true],
      ['loginCount eq 42.0', true],
      ['loginCount gt 9', true],
      ['loginCount lt 100', true],
      ['loginCount ge 43', false],
      ['loginCount le 42', true],
      ['loginCount ne 42', false],
      ['loginCount eq "42"', true],
      ['score gt 3.2', true],
      ['score lt 3.25', false],
      ['score le 3.25e0', true],
      ['score gt -1e10', true],
    ])('%s is %s', (text, expected) => {
      expect(matches(parseFilter(text), device, model)).toBe(expected);
    });

    it('compares numerically, not as text', () => {
      expect(matches(parseFilter('loginCount gt 9'), { loginCount: 10 }, model)).toBe(true);
    });

    it.each(['loginCount co 4', 'loginCount eq "many"', 'score eq true'])('%s is an invalidFilter', (text) => {
      expect(thrown(() => matches(parseFilter(text), device, model)).detail).toContain(text.split(' ')[0]);
    });
  });

  describe('multi-valued attributes', () => {
    it('matches when any value matches', () => {
      expect(user('emails.value eq "babs@jensen.org"')).toBe(true);
      expect(user('emails.type eq "home"')).toBe(true);
      expect(user('emails.type eq "other"')).toBe(false);
      expect(user('emails.value ew ".org"')).toBe(true);
    });

    it('compares the value sub-attribute of a complex attribute named without one', () => {
      expect(user('emails co "@jensen.org"')).toBe(true);
      expect(user('emails eq "BJENSEN@example.com"')).toBe(true);
      expect(user('emails co "@nowhere.test"')).toBe(false);
      expect(user('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "26118915-6090-4610-87e4-49d8ca9f808d"')).toBe(true);
    });

    it('matches ne when any value differs, or there is no value', () => {
      expect(user('emails.type ne "work"')).toBe(true);
      expect(user('emails.type ne "home"', jsmith)).toBe(false);
      expect(user('phoneNumbers.value ne "+1 555"')).toBe(true);
      expect(user('ims.value ne "x"', jsmith)).toBe(true);
    });

    it('evaluates a value filter against each element on its own', () => {
      expect(user('emails[type eq "work" and value co "@example.com"]')).toBe(true);
      expect(user('emails[type eq "home" and value co "@example.com"]')).toBe(false);
      expect(user('emails[type eq "home" and not (primary eq true)]')).toBe(true);
      expect(user('emails[primary eq true and type eq "home"]')).toBe(false);
      expect(user('emails[TYPE EQ "WORK"]')).toBe(true);
      expect(user('emails[unknown eq "x"]')).toBe(false);
      expect(user('emails[unknown ne "x"]')).toBe(true);
      expect(user('addresses[type eq "work"]')).toBe(false);
    });

    it('evaluates the Entra ID form emails[type eq "work"].value eq "…"', () => {
      expect(user('emails[type eq "work"].value eq "bjensen@example.com"')).toBe(true);
      expect(user('emails[type eq "work"].value eq "babs@jensen.org"')).toBe(false);
      expect(user('emails[type eq "other"].Value eq "bjensen@example.com"')).toBe(false);
      expect(user('emails[type eq "home"].value eq "john@smith.net"', jsmith)).toBe(true);
    });

    it('rejects a value filter on an attribute that is not complex', () => {
      expect(thrown(() => user('userName[value eq "x"]')).detail).toContain("'userName' is not a complex attribute");
    });
  });

  describe('pr', () => {
    it.each([
      ['title pr', true],
      ['nickName pr', false],
      ['profileUrl pr', false],
      ['emails pr', true],
      ['phoneNumbers pr', false],
      ['name pr', true],
      ['name.middleName pr', false],
      ['emails.primary pr', true],
      ['active pr', true],
      ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName pr', true],
    ])('%s is %s for bjensen', (text, expected) => {
      expect(user(text)).toBe(expected);
    });

    it('treats null, empty strings, empty arrays and empty objects as absent', () => {
      const empty = { userName: 'x', title: null, displayName: '', emails: [{}], name: {}, addresses: [{ type: null }], active: false };
      for (const name of ['title', 'displayName', 'emails', 'name', 'addresses']) expect(user(`${name} pr`, empty)).toBe(false);
      expect(user('active pr', empty)).toBe(true);
    });
  });

  describe('null', () => {
    it('asks for absence with eq null and presence with ne null (RFC 7643 §2.5)', () => {
      expect(user('title eq null')).toBe(false);
      expect(user('title eq null', jsmith)).toBe(true);
      expect(user('title ne null')).toBe(true);
      expect(user('nickName eq null')).toBe(true);
      expect(user('emails.display eq null')).toBe(true);
    });

    it('rejects null with other operators', () => {
      expect(thrown(() => user('title gt null')).detail).toContain("'title gt null'");
    });
  });

  describe('missing and unknown attributes', () => {
    it('matches ne and nothing else on a missing attribute', () => {
      expect(user('title ne "Boss"', jsmith)).toBe(true);
      expect(user('title eq "Boss"', jsmith)).toBe(false);
      expect(user('title co ""', jsmith)).toBe(false);
      expect(user('not (title eq "Boss")', jsmith)).toBe(true);
    });

    it('matches ne and nothing else on an attribute the schema does not define', () => {
      expect(user('favoriteColor eq "blue"')).toBe(false);
      expect(user('favoriteColor ne "blue"')).toBe(true);
      expect(user('favoriteColor pr')).toBe(false);
      expect(user('favoriteColor gt 1')).toBe(false);
      expect(user('favoriteColor[value eq "x"]')).toBe(false);
      expect(user('name.nickname eq "Babs"')).toBe(false);
      expect(user('urn:example:unknown:1.0:User:employeeNumber eq "701984"')).toBe(false);
      expect(matches(parseFilter('employeeNumber eq "701984"'), sales, groupModel)).toBe(false);
    });
  });

  describe('extension attributes', () => {
    it.each([
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"',
      'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER eq "701984"',
      'employeeNumber eq "701984"',
      'department co "operations"',
      'manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName sw "john"',
    ])('finds %s under the extension URN key', (text) => {
      expect(user(text)).toBe(true);
      expect(user(text, jsmith)).toBe(false);
    });

    it('finds a core attribute named with the core URN', () => {
      expect(user('urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "barbara"')).toBe(true);
    });
  });

  describe('groups', () => {
    const group = (text: string) => matches(parseFilter(text), sales, groupModel);

    it.each([
      ['displayName eq "Sales"', true],
      ['displayName eq "sales"', true],
      ['displayName eq "Sales EMEA"', false],
      ['externalId eq "00g1salesokta"', false],
      ['members[value eq "2819c223-7f76-453a-919d-413861904646"]', true],
      ['members[value eq "2819C223-7F76-453A-919D-413861904646"]', true],
      ['members.display co "smith"', true],
      ['members[type eq "User" and display sw "Babs"]', false],
      ['members eq "26118915-6090-4610-87e4-49d8ca9f808d"', true],
      ['meta.resourceType eq "Group"', true],
      ['userName pr', false],
    ])('%s is %s for the Sales group', (text, expected) => {
      expect(group(text)).toBe(expected);
    });
  });

  it('evaluates the same parsed filter against many resources with one compilation', () => {
    const filter = parseFilter('userName sw "b" or active eq false');
    expect([bjensen, jsmith, { userName: 'carl', active: true }].map((resource) => matches(filter, resource, userModel))).toEqual([
      true,
      true,
      false,
    ]);
    expect(matches(filter, bjensen, groupModel)).toBe(false);
  });

  it('rejects comparing a complex attribute that has no value sub-attribute', () => {
    expect(thrown(() => user('name eq "Barbara"')).detail).toContain("'name' is complex");
  });

  it('rejects ordering on binary attributes (RFC 7644 §3.4.2.2)', () => {
    expect(thrown(() => user('x509Certificates.value gt "MIIDQz"')).detail).toContain('binary');
    expect(user('x509Certificates.value eq "MIIDQz"', { x509Certificates: [{ value: 'MIIDQz' }] })).toBe(true);
    expect(user('x509Certificates.value eq "miidqz"', { x509Certificates: [{ value: 'MIIDQz' }] })).toBe(false);
  });
});

describe('matchesValue', () => {
  const emails = userSchema.attributes.find((attribute) => attribute.name === 'emails')!;
  const members = groupSchema.attributes.find((attribute) => attribute.name === 'members')!;

  it('evaluates a PATCH value filter against one element', () => {
    const { valueFilter } = parsePath('emails[type eq "work"].value');
    expect(matchesValue(valueFilter!, bjensen.emails[0], emails)).toBe(true);
    expect(matchesValue(valueFilter!, bjensen.emails[1], emails)).toBe(false);
  });

  it('uses the sub-attribute definitions for case and type', () => {
    const element = { value: 'Babs@Jensen.org', type: 'home', primary: 'False' };
    expect(matchesValue(parseFilter('value eq "babs@jensen.org" and TYPE eq "HOME"'), element, emails)).toBe(true);
    expect(matchesValue(parseFilter('primary eq false'), element, emails)).toBe(true);
    expect(matchesValue(parseFilter('display pr'), element, emails)).toBe(false);
    expect(matchesValue(parseFilter('unknown ne "x"'), element, emails)).toBe(true);
    expect(matchesValue(parseFilter('emails.value eq "Babs@Jensen.org"'), element, emails)).toBe(false);
  });

  it('matches group members by value, as Okta and Entra ID remove them', () => {
    const { valueFilter } = parsePath('members[value eq "2819c223-7f76-453a-919d-413861904646"]');
    expect(sales.members.filter((member) => matchesValue(valueFilter!, member, members))).toEqual([sales.members[0]]);
  });

  it('matches nothing for an element that is not an object', () => {
    expect(matchesValue(parseFilter('value eq "x"'), 'x', emails)).toBe(false);
    expect(matchesValue(parseFilter('value eq "x"'), null, emails)).toBe(false);
  });

  it('rejects nested value filters and invalid combinations', () => {
    expect(thrown(() => matchesValue(parseFilter('emails[type eq "work"]'), bjensen.emails[0], emails)).detail).toContain('cannot be nested');
    expect(thrown(() => matchesValue(parseFilter('primary gt true'), bjensen.emails[0], emails)).scimType).toBe('invalidFilter');
  });
});
