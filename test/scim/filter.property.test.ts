import fc from 'fast-check';
import { ScimError } from '../../lambdas/scim/errors';
import { matches } from '../../lambdas/scim/filter-evaluation';
import { parseFilter, parsePath, printFilter, type AttrPath, type CompareOp, type Filter } from '../../lambdas/scim/filter-syntax';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA, userModel } from '../../lambdas/scim/schemas';

const COMPARE_OPS: CompareOp[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

/** Filters built from `leaf` with and/or/not, at most `maxDepth` deep so the parser's depth cap is never reached. */
function logic(leaf: fc.Arbitrary<Filter>, maxDepth = 5): fc.Arbitrary<Filter> {
  return fc.letrec<{ node: Filter }>((tie) => ({
    node: fc.oneof(
      { maxDepth, depthSize: 'small' },
      leaf,
      fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: tie('node'), right: tie('node') }, { noNullPrototype: true }),
      fc.record({ kind: fc.constant('not' as const), filter: tie('node') }, { noNullPrototype: true }),
    ),
  })).node;
}

describe('printFilter and parseFilter', () => {
  const attrName = fc.oneof(
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,7}$/),
    fc.constantFrom('and', 'OR', 'not', 'Not', 'pr', 'eq', 'true', 'null', '$ref', 'userName', 'emails'),
  );
  const uri = fc.oneof(
    fc.constantFrom(USER_SCHEMA, ENTERPRISE_USER_SCHEMA, 'urn:example:acme:1.0:User'),
    fc.stringMatching(/^urn(:[A-Za-z0-9.-]{1,6}){1,4}$/),
  );
  const absolute = fc.record({ uri, name: attrName, subAttribute: attrName }, { requiredKeys: ['name'], noNullPrototype: true });
  const relative = fc.record({ name: attrName }, { noNullPrototype: true });
  const value = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
  );
  const attrExp = (attribute: fc.Arbitrary<AttrPath>): fc.Arbitrary<Filter> =>
    fc.oneof(
      fc.record({ kind: fc.constant('compare' as const), op: fc.constantFrom(...COMPARE_OPS), attribute, value }, { noNullPrototype: true }),
      fc.record({ kind: fc.constant('present' as const), attribute }, { noNullPrototype: true }),
    );
  const valuePath: fc.Arbitrary<Filter> = fc.record({
    kind: fc.constant('valuePath' as const),
    attribute: fc.record({ uri, name: attrName }, { requiredKeys: ['name'], noNullPrototype: true }),
    filter: logic(attrExp(relative)),
  }, { noNullPrototype: true });
  const anyFilter = logic(fc.oneof(attrExp(absolute), valuePath));

  it('parses the printed text of any filter back to the same tree', () => {
    fc.assert(
      fc.property(anyFilter, (filter) => {
        expect(parseFilter(printFilter(filter))).toStrictEqual(filter);
      }),
      { numRuns: 2_000 },
    );
  });

  const tokens = fc.constantFrom(
    'userName', 'emails', 'type', 'value', 'urn:ietf:params:scim:schemas:core:2.0:User:', USER_SCHEMA, ':', '.', ' ', '   ', '\t',
    'eq', 'EQ', 'ne', 'pr', 'co', 'gt', 'and', 'or', 'not', 'NOT', '(', ')', '[', ']', '"', '"x"', '"\\"', '\\', '\\u00', '\\u00e9',
    'true', 'null', 'False', '1', '-', '0', '1.5e3', 'e', '+', '$ref', '@', ',', "'", 'é', '\ud800', '\u0000',
  );
  const filterish = fc.array(tokens, { maxLength: 30 }).map((parts) => parts.join(''));
  const mutated = anyFilter.chain((filter) => {
    const text = printFilter(filter);
    return fc
      .tuple(fc.nat(text.length), fc.nat(3), fc.string({ maxLength: 2 }))
      .map(([at, cut, insert]) => text.slice(0, at) + insert + text.slice(at + cut));
  });
  const deep = fc
    .tuple(fc.constantFrom('(', 'not (', 'a[', 'not(', '(('), fc.nat(6_000), fc.constantFrom('', 'title pr', 'a pr)'))
    .map(([open, count, rest]) => open.repeat(count) + rest);
  const anyText = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), filterish, mutated, deep);

  const user = {
    schemas: [USER_SCHEMA],
    userName: 'bjensen',
    active: true,
    meta: { lastModified: '2011-05-13T04:42:34Z' },
    emails: [{ value: 'b@example.com', type: 'work' }],
  };

  it('either parses any text or throws ScimError invalidFilter, and what parses is stable under printing', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        let filter: Filter;
        try {
          filter = parseFilter(text);
        } catch (error) {
          expect(error).toBeInstanceOf(ScimError);
          expect((error as ScimError).scimType).toBe('invalidFilter');
          expect((error as ScimError).status).toBe(400);
          return;
        }
        expect(parseFilter(printFilter(filter))).toStrictEqual(filter);
        try {
          expect(typeof matches(filter, user, userModel)).toBe('boolean');
        } catch (error) {
          expect(error).toBeInstanceOf(ScimError);
          expect((error as ScimError).scimType).toBe('invalidFilter');
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('either parses any text as a path or throws ScimError invalidPath', () => {
    const pathish = fc.oneof(anyText, valuePath.map((path) => `${printFilter(path)}.value`));
    fc.assert(
      fc.property(pathish, (text) => {
        try {
          parsePath(text);
        } catch (error) {
          expect(error).toBeInstanceOf(ScimError);
          expect((error as ScimError).scimType).toBe('invalidPath');
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

/*
 * A deliberately direct evaluator over a fixed set of User attributes, written from RFC 7644 §3.4.2.2
 * and the choices at the top of filter-evaluation.ts, to check `matches` against.
 */
describe('matches agrees with a reference evaluator', () => {
  type Type = 'string' | 'caseExact' | 'boolean' | 'dateTime';
  interface Email {
    value?: string | null;
    type?: string | null;
    primary?: boolean | null;
  }
  interface User {
    userName?: string | null;
    externalId?: string | null;
    displayName?: string | null;
    active?: boolean | null;
    meta?: { lastModified?: string };
    name?: { givenName?: string | null };
    emails?: Email[];
    [ENTERPRISE_USER_SCHEMA]?: { employeeNumber?: string | null };
  }

  interface Spec<T> {
    type: Type;
    read(from: T): unknown[];
    /** What `pr` looks at when it differs from what compares read. */
    node?(from: T): unknown[];
  }

  const userSpecs: Record<string, Spec<User>> = {
    username: { type: 'string', read: (user) => [user.userName] },
    externalid: { type: 'caseExact', read: (user) => [user.externalId] },
    displayname: { type: 'string', read: (user) => [user.displayName] },
    active: { type: 'boolean', read: (user) => [user.active] },
    'meta.lastmodified': { type: 'dateTime', read: (user) => [user.meta?.lastModified] },
    'name.givenname': { type: 'string', read: (user) => [user.name?.givenName] },
    emails: { type: 'string', read: (user) => (user.emails ?? []).map((email) => email.value), node: (user) => user.emails ?? [] },
    'emails.value': { type: 'string', read: (user) => (user.emails ?? []).map((email) => email.value) },
    'emails.type': { type: 'string', read: (user) => (user.emails ?? []).map((email) => email.type) },
    'emails.primary': { type: 'boolean', read: (user) => (user.emails ?? []).map((email) => email.primary) },
    employeenumber: { type: 'string', read: (user) => [user[ENTERPRISE_USER_SCHEMA]?.employeeNumber] },
  };
  const emailSpecs: Record<string, Spec<Email>> = {
    value: { type: 'string', read: (email) => [email.value] },
    type: { type: 'string', read: (email) => [email.type] },
    primary: { type: 'boolean', read: (email) => [email.primary] },
  };

  function nonEmpty(value: unknown): boolean {
    if (value === null || value === undefined || value === '') return false;
    if (Array.isArray(value)) return value.some(nonEmpty);
    if (typeof value === 'object') return Object.values(value).some(nonEmpty);
    return true;
  }

  function typed(type: Type, value: unknown): string | number | boolean | undefined {
    if (value === null || value === undefined) return undefined;
    if (type === 'boolean') return typeof value === 'boolean' ? value : /^true$/i.test(String(value)) ? true : /^false$/i.test(String(value)) ? false : undefined;
    if (type === 'dateTime') {
      const time = Date.parse(String(value));
      return Number.isNaN(time) ? undefined : time;
    }
    return type === 'caseExact' ? String(value) : String(value).toLowerCase();
  }

  function holds(op: CompareOp, left: string | number | boolean, right: string | number | boolean): boolean {
    switch (op) {
      case 'eq': return left === right;
      case 'ne': return left !== right;
      case 'co': return String(left).includes(String(right));
      case 'sw': return String(left).startsWith(String(right));
      case 'ew': return String(left).endsWith(String(right));
      case 'gt': return left > right;
      case 'ge': return left >= right;
      case 'lt': return left < right;
      case 'le': return left <= right;
    }
  }

  function reference<T>(filter: Filter, from: T, specs: Record<string, Spec<T>>): boolean {
    switch (filter.kind) {
      case 'and':
        return reference(filter.left, from, specs) && reference(filter.right, from, specs);
      case 'or':
        return reference(filter.left, from, specs) || reference(filter.right, from, specs);
      case 'not':
        return !reference(filter.filter, from, specs);
      case 'valuePath':
        return ((from as User).emails ?? []).some((email) => reference(filter.filter, email, emailSpecs));
      case 'present': {
        const spec = specs[key(filter.attribute)];
        return spec ? (spec.node ?? spec.read)(from).some(nonEmpty) : false;
      }
      case 'compare': {
        const spec = specs[key(filter.attribute)];
        if (!spec) return filter.op === 'ne';
        if (filter.value === null) return filter.op === 'eq' ? !spec.read(from).some(nonEmpty) : spec.read(from).some(nonEmpty);
        const operand = typed(spec.type, filter.value)!;
        const values = spec.read(from).map((value) => typed(spec.type, value)).filter((value) => value !== undefined);
        return values.length === 0 ? filter.op === 'ne' : values.some((value) => holds(filter.op, value, operand));
      }
    }
  }

  const key = (attribute: AttrPath) => `${attribute.name}${attribute.subAttribute ? `.${attribute.subAttribute}` : ''}`.toLowerCase();

  const strings = ['alice', 'Alice', 'ALICE', 'al', 'ice', 'bob', 'b', '', 'alice@example.com', 'example.com', 'work', 'Work', 'home', '00u1', '00U1'];
  const dateTimes = [
    '2011-05-13T04:42:34Z',
    '2011-05-13T04:42:34.000Z',
    '2011-05-13T06:42:34+02:00',
    '2011-05-13T04:42:35Z',
    '2011-05-13T04:42:33.5Z',
    '2010-01-01T00:00:00Z',
    '2030-12-31T23:59:59.999Z',
  ];
  const operands: Record<Type, fc.Arbitrary<string | boolean>> = {
    string: fc.constantFrom(...strings),
    caseExact: fc.constantFrom(...strings),
    // Entra ID's "True"/"False" strings included
    boolean: fc.constantFrom<string | boolean>(true, false, 'True', 'false'),
    dateTime: fc.constantFrom(...dateTimes),
  };
  const opsFor: Record<Type, CompareOp[]> = {
    string: COMPARE_OPS,
    caseExact: COMPARE_OPS,
    boolean: ['eq', 'ne'],
    dateTime: ['eq', 'ne', 'gt', 'ge', 'lt', 'le'],
  };
  const recase = fc.constantFrom(
    (text: string) => text,
    (text: string) => text.toUpperCase(),
    (text: string) => text.toLowerCase(),
  );

  /** Leaves over `paths` (canonical spellings with their types), written in random case, plus an unknown attribute. */
  function leaves(paths: Array<[AttrPath, Type]>): fc.Arbitrary<Filter> {
    const known = fc.tuple(fc.constantFrom(...paths), recase).chain(([[path, type], spell]) => {
      const attribute: AttrPath = {
        ...(path.uri ? { uri: spell(path.uri) } : {}),
        name: spell(path.name),
        ...(path.subAttribute ? { subAttribute: spell(path.subAttribute) } : {}),
      };
      return fc.oneof(
        fc.record({ kind: fc.constant('compare' as const), op: fc.constantFrom(...opsFor[type]), attribute: fc.constant(attribute), value: operands[type] }, { noNullPrototype: true }),
        fc.record({ kind: fc.constant('compare' as const), op: fc.constantFrom<CompareOp>('eq', 'ne'), attribute: fc.constant(attribute), value: fc.constant(null) }, { noNullPrototype: true }),
        fc.constant<Filter>({ kind: 'present', attribute }),
      );
    });
    const unknown = fc.oneof(
      fc.record({ kind: fc.constant('compare' as const), op: fc.constantFrom(...COMPARE_OPS), attribute: fc.constant({ name: 'favoriteColor' }), value: fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)) }, { noNullPrototype: true }),
      fc.constant<Filter>({ kind: 'present', attribute: { name: 'favoriteColor' } }),
    );
    return fc.oneof({ weight: 6, arbitrary: known }, { weight: 1, arbitrary: unknown });
  }

  const userPaths: Array<[AttrPath, Type]> = [
    [{ name: 'userName' }, 'string'],
    [{ name: 'externalId' }, 'caseExact'],
    [{ name: 'displayName' }, 'string'],
    [{ name: 'active' }, 'boolean'],
    [{ name: 'meta', subAttribute: 'lastModified' }, 'dateTime'],
    [{ name: 'name', subAttribute: 'givenName' }, 'string'],
    [{ name: 'emails' }, 'string'],
    [{ name: 'emails', subAttribute: 'value' }, 'string'],
    [{ name: 'emails', subAttribute: 'type' }, 'string'],
    [{ name: 'emails', subAttribute: 'primary' }, 'boolean'],
    [{ name: 'employeeNumber' }, 'string'],
    [{ uri: ENTERPRISE_USER_SCHEMA, name: 'employeeNumber' }, 'string'],
    [{ uri: USER_SCHEMA, name: 'userName' }, 'string'],
  ];
  const emailPaths: Array<[AttrPath, Type]> = [
    [{ name: 'value' }, 'string'],
    [{ name: 'type' }, 'string'],
    [{ name: 'primary' }, 'boolean'],
  ];
  const emailsValuePath: fc.Arbitrary<Filter> = fc.record({
    kind: fc.constant('valuePath' as const),
    attribute: recase.map((spell) => ({ name: spell('emails') })),
    filter: logic(leaves(emailPaths), 3),
  }, { noNullPrototype: true });
  const userFilter = logic(fc.oneof({ weight: 4, arbitrary: leaves(userPaths) }, { weight: 1, arbitrary: emailsValuePath }), 4);

  const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null, freq: 6 });
  const text = fc.constantFrom(...strings);
  const email: fc.Arbitrary<Email> = fc.record(
    { value: maybe(text), type: maybe(fc.constantFrom('work', 'Work', 'home', 'other')), primary: maybe(fc.boolean()) },
    { requiredKeys: [] },
  );
  const userResource: fc.Arbitrary<User> = fc.record(
    {
      userName: maybe(text),
      externalId: maybe(text),
      displayName: maybe(text),
      active: maybe(fc.boolean()),
      meta: fc.record({ lastModified: fc.constantFrom(...dateTimes, 'not a date') }, { requiredKeys: [] }),
      name: fc.record({ givenName: maybe(text) }, { requiredKeys: [] }),
      emails: fc.array(email, { maxLength: 3 }),
      [ENTERPRISE_USER_SCHEMA]: fc.record({ employeeNumber: maybe(text) }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  );

  it('on random filters and random users', () => {
    fc.assert(
      fc.property(userFilter, userResource, (filter, resource) => {
        const expected = reference(filter, resource, userSpecs);
        expect(matches(filter, resource as Record<string, unknown>, userModel)).toBe(expected);
        expect(matches(parseFilter(printFilter(filter)), resource as Record<string, unknown>, userModel)).toBe(expected);
      }),
      { numRuns: 3_000 },
    );
  });
});
