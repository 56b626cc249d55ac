/**
 * The adversarial corpus (issue 11): requests a hostile or broken client sends, each with what
 * RFC 7644/7643 (and HTTP) say the answer must be. Plain data, so that adversarial.test.ts runs it
 * against `npm start` and any other running server alike. Entries are written to the RFCs, not to
 * what this server answers today.
 *
 * Expectations: `error4xx` is any 4xx with an RFC 7644 §3.12 error body; a list allows each of its
 * outcomes where the RFCs leave the choice to the service provider (e.g. refuse a lookalike userName
 * as invalidValue, or as a duplicate with 409 uniqueness).
 */
import { patchOf } from '../support/builders';
import { BULK_REQUEST, ENTERPRISE, GROUP, PATCH, SEARCH, USER } from '../support/urns';

export const CATEGORIES = [
  'item-size',
  'deep-nesting',
  'opaque-extension',
  'long-values',
  'lookalike-names',
  'media-type',
  'body-syntax',
  'url-and-query',
  'filter-syntax',
  'patch',
  'bulk',
  'auth',
  'methods-and-paths',
  'http-framing',
  'etag',
  'hostile-values',
] as const;
export type Category = (typeof CATEGORIES)[number];

export type Outcome = number | '2xx' | 'error4xx';
export type Expect = Outcome | readonly Outcome[];

export interface CorpusEntry {
  name: string;
  category: Category;
  method: string;
  /** Appended to the base URL's path (/scim/v2) as written: dot segments and double slashes reach the server unnormalised. */
  path: string;
  /** Over the defaults (Authorization with the tenant's token, Accept and, with a body, Content-Type application/scim+json); null drops one. */
  headers?: Record<string, string | null>;
  body?: string | object | Buffer;
  /** Bytes written to the socket as the whole request, for what node:http refuses to send; `{BASE}` and `{TOKEN}` are filled in. */
  raw?: string | Buffer;
  expect: Expect;
  /** The scimType an error of a given status must carry (RFC 7644 §3.12 table 9, RFC 9865 §2.4). */
  scimType?: Partial<Record<number, string | readonly string[]>>;
  /** Bulk: what the operations must answer when the request as a whole answers 200 (RFC 7644 §3.7.3): `each` alike, or a list matched one to one. */
  operations?: { each: Expect } | readonly Expect[];
  /** The store must be as before even though the request succeeds (every bulk operation fails, or failOnErrors stops them). */
  unchanged?: boolean;
  /** A .search body is not a query string: its errors must not say "Query parameter". */
  detailMustNotMatch?: RegExp;
  /** A further check of a 2xx answer's parsed body (and its text); returns what is wrong. */
  check?: (body: any, text: string) => string | undefined;
}

export interface SeededUser {
  id: string;
  userName: string;
}
export interface SeededGroup {
  id: string;
  displayName: string;
}

/** What the runner created before the corpus runs, so that uniqueness has originals and PUT/PATCH/DELETE real ids. */
export interface Seed {
  /** Unique to the run, in every seeded name: the corpus can rerun against a server that keeps its data. */
  run: string;
  token: string;
  /** A token of a second tenant; the entries that need one are left out without it. */
  otherToken?: string;
  /** A user of the second tenant. */
  otherTenantUserId?: string;
  users: Record<SeedUserKey, SeededUser>;
  groups: Record<SeedGroupKey, SeededGroup>;
}

export type SeedUserKey = 'alice' | 'asa' | 'bob' | 'carol' | 'dave' | 'erin';
export type SeedGroupKey = 'engineering' | 'equipe' | 'ops' | 'qa';

/**
 * The seeded directory. alice, Åsa (composed, NFC), bob and dave, and the groups Engineering,
 * Équipe and QA, are the originals lookalikes collide with; carol takes the PATCHes that must
 * succeed; dave the DELETEs that must not; erin (users) and ops (groups) the hostile PUTs and
 * PATCHes; Engineering holds alice and bob.
 */
export function seedPlan(run: string) {
  const users: Record<SeedUserKey, string> = {
    alice: `alice.${run}@example.com`,
    asa: `\u00c5sa.${run}@example.com`,
    bob: `bob.${run}@example.com`,
    carol: `carol.${run}@example.com`,
    dave: `dave.${run}@example.com`,
    erin: `erin.${run}@example.com`,
  };
  const groups: Record<SeedGroupKey, { displayName: string; members: SeedUserKey[] }> = {
    engineering: { displayName: `Engineering ${run}`, members: ['alice', 'bob'] },
    equipe: { displayName: `\u00c9quipe ${run}`, members: [] },
    ops: { displayName: `Ops ${run}`, members: ['bob'] },
    qa: { displayName: `QA ${run}`, members: [] },
  };
  return { users, groups };
}

const KB = 1024;
const MIB = 1024 * 1024;
const OKTA_USER = 'urn:okta:custom:1.0:User';
const OKTA_GROUP = 'urn:okta:custom:1.0:Group';
const DEPTH = 20_000;

const nestedArrays = (depth: number, inner = '"x"') => '['.repeat(depth) + inner + ']'.repeat(depth);
const nestedObjects = (depth: number, inner = '"x"') => '{"a":'.repeat(depth) + inner + '}'.repeat(depth);

/** JSON text of `template` with each string `<<name>>` replaced by the raw text `raw[name]` (numbers JSON.stringify cannot write, deep nesting). */
function rawJson(template: unknown, raw: Record<string, string>): string {
  let text = JSON.stringify(template);
  for (const [name, value] of Object.entries(raw)) text = text.split(JSON.stringify(`<<${name}>>`)).join(value);
  return text;
}
const slot = (name: string) => `<<${name}>>`;

const bulkOf = (Operations: unknown[], extra: Record<string, unknown> = {}) => ({ schemas: [BULK_REQUEST], ...extra, Operations });
const searchOf = (parameters: Record<string, unknown>) => ({ schemas: [SEARCH], ...parameters });
const query = (path: string, parameters: Record<string, string>) =>
  `${path}?${Object.entries(parameters)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&')}`;

/** Nothing was found: a list answer with no resources. */
const emptyList = (body: any) => (body?.totalResults === 0 && (body.Resources ?? []).length === 0 ? undefined : `expected an empty list, got totalResults ${body?.totalResults}`);
const noPollution = (_body: unknown, text: string) => (/polluted/.test(text) ? 'the response carries the polluting key' : undefined);

/** Uppercase and lowercase ASCII letters and digits as their fullwidth forms (U+FF01 block), which NFKC folds back. */
const fullwidth = (text: string) => text.replace(/[A-Za-z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
/** Lowercase ASCII letters as MATHEMATICAL BOLD SMALL letters, which NFKC folds back. */
const mathBold = (text: string) => text.replace(/[a-z]/g, (c) => String.fromCodePoint(0x1d41a + c.charCodeAt(0) - 97));

export function adversarialCorpus(seed: Seed): CorpusEntry[] {
  const { users, groups, run } = seed;
  const entries: CorpusEntry[] = [];
  const add = (category: Category, entry: Omit<CorpusEntry, 'category'>) => entries.push({ category, ...entry });
  let sequence = 0;
  /** A userName (or displayName) no seeded resource and no other entry has, for requests that may legitimately succeed. */
  const fresh = (prefix: string) => `${prefix}.${run}.${++sequence}@example.com`;
  const missingId = `no-such-resource-${run}`;
  const failingOp = { method: 'DELETE', path: `/Users/${missingId}` };

  const { alice, asa, bob, carol, dave, erin } = users;
  const { engineering, equipe, ops, qa } = groups;
  // RFC 7644 §3.12 table 9 (and RFC 9865 §2.4 for cursors), by the status they come with.
  const invalidFilter = { 400: 'invalidFilter' } as const;
  const invalidValue = { 400: 'invalidValue' } as const;
  const invalidPath = { 400: 'invalidPath' } as const;
  const mutability = { 400: 'mutability' } as const;
  const syntax = { 400: 'invalidSyntax' } as const;
  const invalidCursor = { 400: 'invalidCursor' } as const;

  /** One hostile set of user attributes as POST /Users, PUT /Users/{erin} and a path-less PATCH replace of erin carry it (RFC 7644 §3.3, §3.5.1, §3.5.2.3). */
  const userWrites = (category: Category, name: string, attributes: Record<string, unknown>, expect: Expect) => {
    add(category, { name: `POST /Users: ${name}`, method: 'POST', path: '/Users', body: { schemas: [USER], userName: fresh('w'), ...attributes }, expect });
    add(category, { name: `PUT /Users/{id}: ${name}`, method: 'PUT', path: `/Users/${erin.id}`, body: { schemas: [USER], userName: erin.userName, ...attributes }, expect });
    add(category, { name: `PATCH /Users/{id}: ${name}`, method: 'PATCH', path: `/Users/${erin.id}`, body: patchOf({ op: 'replace', value: attributes }), expect });
  };
  const groupWrites = (category: Category, name: string, attributes: Record<string, unknown>, expect: Expect) => {
    add(category, { name: `POST /Groups: ${name}`, method: 'POST', path: '/Groups', body: { schemas: [GROUP], displayName: fresh('G'), ...attributes }, expect });
    add(category, { name: `PUT /Groups/{id}: ${name}`, method: 'PUT', path: `/Groups/${ops.id}`, body: { schemas: [GROUP], displayName: ops.displayName, ...attributes }, expect });
    add(category, { name: `PATCH /Groups/{id}: ${name}`, method: 'PATCH', path: `/Groups/${ops.id}`, body: patchOf({ op: 'replace', value: attributes }), expect });
  };

  // ---------------------------------------------------------------------------------------------
  // Bodies the advertised 1 MiB (bulk.maxPayloadSize) admits whose item DynamoDB refuses (400 KB):
  // too large to store is the client's problem, so 413 (or 400), never the 500 of a failed PutItem.
  const tooLargeToStore: Expect = [400, 413];
  const k150 = (fill: string) => fill.repeat(150 * KB);
  const userBodies: Array<[string, Record<string, unknown>]> = [
    ['five 150 KB core attributes', { displayName: k150('d'), nickName: k150('n'), title: k150('t'), name: { formatted: k150('f'), familyName: k150('l') } }],
    ['30,000 emails', { emails: Array.from({ length: 30_000 }, (_, index) => ({ value: `m${index}@x.io` })) }],
    ['five 150 KB attributes in an undeclared extension', { [OKTA_USER]: { a: k150('a'), b: k150('b'), c: k150('c'), d: k150('d'), e: k150('e') } }],
    ['one 420 KB displayName', { displayName: 'd'.repeat(420 * KB) }],
  ];
  for (const [name, attributes] of userBodies) userWrites('item-size', name, attributes, tooLargeToStore);
  const groupBodies: Array<[string, Record<string, unknown>]> = [
    ['five 150 KB attributes in an undeclared extension', { [OKTA_GROUP]: { a: k150('a'), b: k150('b'), c: k150('c'), d: k150('d'), e: k150('e') } }],
    ['150 KB externalId and four 150 KB extension attributes', { externalId: k150('x'), [OKTA_GROUP]: { a: k150('a'), b: k150('b'), c: k150('c'), d: k150('d') } }],
    ['30,000 tags in an undeclared extension', { [OKTA_GROUP]: { tags: Array.from({ length: 30_000 }, (_, index) => `tag-${String(index).padStart(6, '0')}-xxxxxxxxx`) } }],
    ['one 420 KB displayName', { displayName: 'g'.repeat(420 * KB) }],
  ];
  for (const [name, attributes] of groupBodies) groupWrites('item-size', name, attributes, tooLargeToStore);
  add('item-size', {
    name: 'POST /Bulk: a user with five 150 KB attributes fails as an operation',
    method: 'POST',
    path: '/Bulk',
    body: bulkOf([{ method: 'POST', path: '/Users', bulkId: 'big', data: { schemas: [USER], userName: fresh('w'), ...userBodies[0][1] } }]),
    expect: 200,
    operations: [tooLargeToStore],
    unchanged: true,
  });
  add('item-size', {
    name: 'POST /Bulk: a group with five 150 KB extension attributes fails as an operation',
    method: 'POST',
    path: '/Bulk',
    body: bulkOf([{ method: 'POST', path: '/Groups', bulkId: 'big', data: { schemas: [GROUP], displayName: fresh('G'), ...groupBodies[0][1] } }]),
    expect: 200,
    operations: [tooLargeToStore],
    unchanged: true,
  });
  add('item-size', {
    name: 'POST /Users: a 500,000-character userName',
    method: 'POST',
    path: '/Users',
    body: { schemas: [USER], userName: `${'u'.repeat(500_000)}@example.com` },
    expect: tooLargeToStore,
  });

  // ---------------------------------------------------------------------------------------------
  // Values nested 20,000 deep: JSON.parse takes them, recursive code and DynamoDB (32 levels) do not.
  const deep = (category: Category, name: string, method: string, path: string, body: string, expect: Expect = 400, extra: Partial<CorpusEntry> = {}) =>
    add(category, { name: `${method} ${path.replace(/\/[^/]{20,}$/, '/{id}')}: ${name}`, method, path, body, expect, ...extra });
  deep('deep-nesting', 'userName as arrays nested 20,000 deep', 'POST', '/Users', rawJson({ schemas: [USER], userName: slot('v') }, { v: nestedArrays(DEPTH) }));
  deep('deep-nesting', 'userName as objects nested 20,000 deep', 'POST', '/Users', rawJson({ schemas: [USER], userName: slot('v') }, { v: nestedObjects(DEPTH) }));
  deep('deep-nesting', 'userName as arrays nested 100,000 deep', 'POST', '/Users', rawJson({ schemas: [USER], userName: slot('v') }, { v: nestedArrays(100_000) }));
  deep('deep-nesting', 'name.givenName as objects nested 20,000 deep', 'POST', '/Users', rawJson({ schemas: [USER], userName: fresh('w'), name: { givenName: slot('v') } }, { v: nestedObjects(DEPTH) }));
  deep('deep-nesting', 'emails as arrays nested 20,000 deep', 'POST', '/Users', rawJson({ schemas: [USER], userName: fresh('w'), emails: slot('v') }, { v: nestedArrays(DEPTH) }));
  deep('deep-nesting', 'an undeclared extension nested 20,000 deep', 'POST', '/Users', rawJson({ schemas: [USER], userName: fresh('w'), [OKTA_USER]: slot('v') }, { v: nestedObjects(DEPTH) }));
  deep('deep-nesting', 'userName nested 20,000 deep', 'PUT', `/Users/${erin.id}`, rawJson({ schemas: [USER], userName: slot('v') }, { v: nestedArrays(DEPTH) }));
  deep('deep-nesting', 'replace userName with a value nested 20,000 deep', 'PATCH', `/Users/${erin.id}`, rawJson(patchOf({ op: 'replace', path: 'userName', value: slot('v') }), { v: nestedArrays(DEPTH) }));
  deep('deep-nesting', 'replace displayName with objects nested 20,000 deep', 'PATCH', `/Users/${erin.id}`, rawJson(patchOf({ op: 'replace', path: 'displayName', value: slot('v') }), { v: nestedObjects(DEPTH) }));
  deep('deep-nesting', 'add an undeclared extension nested 20,000 deep', 'PATCH', `/Users/${erin.id}`, rawJson(patchOf({ op: 'add', value: { [OKTA_USER]: slot('v') } }), { v: nestedObjects(DEPTH) }));
  deep('deep-nesting', 'Operations nested 20,000 deep', 'PATCH', `/Users/${erin.id}`, rawJson({ schemas: [PATCH], Operations: slot('v') }, { v: nestedArrays(DEPTH, '{}') }));
  deep('deep-nesting', 'displayName nested 20,000 deep', 'POST', '/Groups', rawJson({ schemas: [GROUP], displayName: slot('v') }, { v: nestedArrays(DEPTH) }));
  deep('deep-nesting', 'displayName nested 20,000 deep', 'PUT', `/Groups/${ops.id}`, rawJson({ schemas: [GROUP], displayName: slot('v') }, { v: nestedObjects(DEPTH) }));
  deep('deep-nesting', 'a member value nested 20,000 deep', 'POST', '/Groups', rawJson({ schemas: [GROUP], displayName: fresh('G'), members: [{ value: slot('v') }] }, { v: nestedArrays(DEPTH) }));
  deep('deep-nesting', 'add members with a value nested 20,000 deep', 'PATCH', `/Groups/${ops.id}`, rawJson(patchOf({ op: 'add', path: 'members', value: slot('v') }), { v: nestedArrays(DEPTH) }));
  deep('deep-nesting', 'a search filter nested 20,000 deep', 'POST', '/Users/.search', rawJson(searchOf({ filter: slot('v') }), { v: nestedArrays(DEPTH) }), 400, { detailMustNotMatch: /query parameter/i });
  const bulkDeep = (name: string, operation: Record<string, unknown>, nested: string) =>
    add('deep-nesting', { name: `POST /Bulk: ${name} fails as an operation, not the request`, method: 'POST', path: '/Bulk', body: rawJson(bulkOf([operation]), { v: nested }), expect: 200, operations: ['error4xx'], unchanged: true });
  bulkDeep('userName nested 20,000 deep', { method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [USER], userName: slot('v') } }, nestedArrays(DEPTH));
  bulkDeep('an undeclared extension nested 20,000 deep', { method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [USER], userName: fresh('w'), [OKTA_USER]: slot('v') } }, nestedObjects(DEPTH));
  bulkDeep('a PATCH value nested 20,000 deep', { method: 'PATCH', path: `/Users/${erin.id}`, data: patchOf({ op: 'replace', path: 'displayName', value: slot('v') }) }, nestedObjects(DEPTH));
  bulkDeep('a member value nested 20,000 deep', { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP], displayName: fresh('G'), members: [{ value: slot('v') }] } }, nestedArrays(DEPTH));
  bulkDeep('PUT data nested 20,000 deep', { method: 'PUT', path: `/Users/${erin.id}`, data: slot('v') }, nestedObjects(DEPTH));
  add('deep-nesting', {
    name: 'POST /Bulk: an operation path nested 20,000 deep',
    method: 'POST',
    path: '/Bulk',
    body: rawJson(bulkOf([{ method: 'DELETE', path: slot('v') }]), { v: nestedArrays(DEPTH) }),
    expect: [200, 400],
    operations: ['error4xx'],
    unchanged: true,
  });
  add('deep-nesting', { name: 'POST /Bulk: Operations nested 20,000 deep', method: 'POST', path: '/Bulk', body: rawJson({ schemas: [BULK_REQUEST], Operations: slot('v') }, { v: nestedArrays(DEPTH, '{}') }), expect: 400 });

  // ---------------------------------------------------------------------------------------------
  // Undeclared extensions (Okta's custom namespaces) are kept verbatim, which makes their content
  // whatever the client says: numbers JavaScript turns into Infinity, names RFC 7643 §2.1 forbids,
  // nesting DynamoDB cannot store (32 levels).
  const opaque: Array<[string, string]> = [
    ['1e400 (Infinity once parsed)', '{"big":1e400}'],
    ['-1e400', '{"small":-1e400}'],
    ['an empty attribute name', '{"":"empty name"}'],
    ['an empty attribute name one level down', '{"a":{"":1}}'],
    ['nesting 33 levels deep', nestedObjects(33, '1')],
    ['nesting 64 levels deep', nestedObjects(64, '1')],
  ];
  for (const [name, value] of opaque) {
    add('opaque-extension', { name: `POST /Users: an undeclared extension holding ${name}`, method: 'POST', path: '/Users', body: rawJson({ schemas: [USER, OKTA_USER], userName: fresh('w'), [OKTA_USER]: slot('v') }, { v: value }), expect: 400 });
    add('opaque-extension', { name: `PUT /Users/{id}: an undeclared extension holding ${name}`, method: 'PUT', path: `/Users/${erin.id}`, body: rawJson({ schemas: [USER, OKTA_USER], userName: erin.userName, [OKTA_USER]: slot('v') }, { v: value }), expect: 400 });
    add('opaque-extension', { name: `PATCH /Users/{id}: add an undeclared extension holding ${name}`, method: 'PATCH', path: `/Users/${erin.id}`, body: rawJson(patchOf({ op: 'add', value: { [OKTA_USER]: slot('v') } }), { v: value }), expect: 400 });
    add('opaque-extension', { name: `POST /Groups: an undeclared extension holding ${name}`, method: 'POST', path: '/Groups', body: rawJson({ schemas: [GROUP, OKTA_GROUP], displayName: fresh('G'), [OKTA_GROUP]: slot('v') }, { v: value }), expect: 400 });
    add('opaque-extension', {
      name: `POST /Bulk: a user whose undeclared extension holds ${name}`,
      method: 'POST',
      path: '/Bulk',
      body: rawJson(bulkOf([{ method: 'POST', path: '/Users', bulkId: 'x', data: { schemas: [USER, OKTA_USER], userName: fresh('w'), [OKTA_USER]: slot('v') } }]), { v: value }),
      expect: 200,
      operations: [400],
      unchanged: true,
    });
  }
  // 2^63 is valid JSON; kept exactly or refused, never stored as something else silently or a 500.
  const twoTo63 = '{"counter":9223372036854775808}';
  const keptExactly = (body: any, text: string) => (/\b9223372036854775808\b/.test(text) || body?.[OKTA_USER] === undefined ? undefined : 'the extension lost 2^63 (stored as a rounded double)');
  add('opaque-extension', { name: 'POST /Users: an undeclared extension holding 2^63', method: 'POST', path: '/Users', body: rawJson({ schemas: [USER, OKTA_USER], userName: fresh('w'), [OKTA_USER]: slot('v') }, { v: twoTo63 }), expect: [201, 400], check: keptExactly });
  add('opaque-extension', { name: 'PUT /Users/{id}: an undeclared extension holding 2^63', method: 'PUT', path: `/Users/${erin.id}`, body: rawJson({ schemas: [USER, OKTA_USER], userName: erin.userName, [OKTA_USER]: slot('v') }, { v: twoTo63 }), expect: [200, 400], check: keptExactly });
  add('opaque-extension', { name: 'POST /Groups: an undeclared extension holding 2^63', method: 'POST', path: '/Groups', body: rawJson({ schemas: [GROUP, OKTA_GROUP], displayName: fresh('G'), [OKTA_GROUP]: slot('v') }, { v: twoTo63.replace('counter', 'c') }), expect: [201, 400] });
  // An extension is a complex attribute (RFC 7643 §3.3): a bare string or an array is not one.
  add('opaque-extension', { name: 'POST /Users: an undeclared extension that is a string', method: 'POST', path: '/Users', body: { schemas: [USER, OKTA_USER], userName: fresh('w'), [OKTA_USER]: 'x' }, expect: [201, 400] });
  add('opaque-extension', { name: 'POST /Users: an undeclared extension that is an array', method: 'POST', path: '/Users', body: { schemas: [USER, OKTA_USER], userName: fresh('w'), [OKTA_USER]: [1, 2] }, expect: [201, 400] });
  add('opaque-extension', { name: 'POST /Users: an undeclared extension with 10,000 attributes', method: 'POST', path: '/Users', body: { schemas: [USER, OKTA_USER], userName: fresh('w'), [OKTA_USER]: Object.fromEntries(Array.from({ length: 10_000 }, (_, index) => [`a${index}`, index])) }, expect: [201, 400, 413] });

  // ---------------------------------------------------------------------------------------------
  // Long values where keys are built from them (DynamoDB: 2,048-byte partition key, 1,024-byte sort key).
  const a2000 = 'a'.repeat(2000);
  const listFilter = (name: string, path: string, filter: string) => add('long-values', { name: `GET ${path}?filter=${name}`, method: 'GET', path: query(path, { filter }), expect: 200, check: emptyList });
  listFilter('id eq ""', '/Users', 'id eq ""');
  listFilter('id eq "<2,000 chars>"', '/Users', `id eq "${a2000}"`);
  listFilter('id eq "<1,000 × é, 2,000 bytes>"', '/Users', `id eq "${'\u00e9'.repeat(1000)}"`);
  listFilter('id eq "<2,000 chars>"', '/Groups', `id eq "${a2000}"`);
  listFilter('members.value eq "<2,000 chars>"', '/Groups', `members.value eq "${a2000}"`);
  listFilter('members.value eq ""', '/Groups', 'members.value eq ""');
  listFilter('userName eq "<5,000 chars>"', '/Users', `userName eq "${'u'.repeat(5000)}"`);
  listFilter('userName eq ""', '/Users', 'userName eq ""');
  listFilter('userName sw "<5,000 chars>"', '/Users', `userName sw "${'u'.repeat(5000)}"`);
  listFilter('externalId eq "<5,000 chars>"', '/Users', `externalId eq "${'e'.repeat(5000)}"`);
  listFilter('emails.value eq "<5,000 chars>"', '/Users', `emails.value eq "${'m'.repeat(5000)}"`);
  listFilter('displayName eq "<5,000 chars>"', '/Groups', `displayName eq "${'g'.repeat(5000)}"`);
  listFilter('groups.value eq "<2,000 chars>"', '/Users', `groups.value eq "${a2000}"`);
  listFilter('id eq a key of another item ("{id}#Member#…")', '/Users', `id eq "${engineering.id}#Member#${alice.id}"`);
  // A service provider may bound a filter's length (invalidFilter); what it accepts must find nothing rather than fail.
  const longSearch = (name: string, path: string, filter: string) =>
    add('long-values', { name: `POST ${path}: ${name}`, method: 'POST', path, body: searchOf({ filter }), expect: [200, 400], scimType: invalidFilter, check: emptyList, detailMustNotMatch: /query parameter/i });
  longSearch('userName eq "<50,000 chars>"', '/Users/.search', `userName eq "${'u'.repeat(50_000)}"`);
  longSearch('members[value eq "<50,000 chars>"]', '/Groups/.search', `members[value eq "${'v'.repeat(50_000)}"]`);
  longSearch('members.value eq "<9,000 chars>"', '/Groups/.search', `members.value eq "${'v'.repeat(9000)}"`);
  longSearch('id eq "<9,000 chars>"', '/Users/.search', `id eq "${'i'.repeat(9000)}"`);
  // RFC 7644 §3.4.1: an id we never issued is not found, however long.
  const longIds: Array<[string, string]> = [
    ['1,025 bytes', 'i'.repeat(1025)],
    ['2,000 bytes of é', encodeURIComponent('\u00e9'.repeat(1000))],
  ];
  for (const [name, id] of longIds) {
    for (const [resource, body, patch] of [
      ['Users', { schemas: [USER], userName: fresh('w') }, patchOf({ op: 'replace', path: 'displayName', value: 'x' })],
      ['Groups', { schemas: [GROUP], displayName: fresh('G') }, patchOf({ op: 'replace', path: 'displayName', value: 'x' })],
    ] as const) {
      add('long-values', { name: `GET /${resource}/{id of ${name}}`, method: 'GET', path: `/${resource}/${id}`, expect: 404 });
      add('long-values', { name: `PUT /${resource}/{id of ${name}}`, method: 'PUT', path: `/${resource}/${id}`, body, expect: 404 });
      add('long-values', { name: `PATCH /${resource}/{id of ${name}}`, method: 'PATCH', path: `/${resource}/${id}`, body: patch, expect: 404 });
      add('long-values', { name: `DELETE /${resource}/{id of ${name}}`, method: 'DELETE', path: `/${resource}/${id}`, expect: 404 });
    }
  }
  add('long-values', { name: 'GET /Users/{id of 10,000 bytes}', method: 'GET', path: `/Users/${'i'.repeat(10_000)}`, expect: 404 });
  // A member value is a user id: an unknown one is skipped (Okta drops a whole push on a 400) or refused, never a 500.
  add('long-values', { name: 'POST /Groups: a member value of 2,000 chars', method: 'POST', path: '/Groups', body: { schemas: [GROUP], displayName: fresh('G'), members: [{ value: a2000 }] }, expect: [201, 400] });
  add('long-values', { name: 'POST /Groups: a member value of 1,000 × é', method: 'POST', path: '/Groups', body: { schemas: [GROUP], displayName: fresh('G'), members: [{ value: '\u00e9'.repeat(1000) }] }, expect: [201, 400] });
  add('long-values', { name: 'PUT /Groups/{id}: a member value of 2,000 chars', method: 'PUT', path: `/Groups/${ops.id}`, body: { schemas: [GROUP], displayName: ops.displayName, members: [{ value: bob.id }, { value: a2000 }] }, expect: [200, 400] });
  add('long-values', { name: 'PATCH /Groups/{id}: add a member value of 2,000 chars', method: 'PATCH', path: `/Groups/${ops.id}`, body: patchOf({ op: 'add', path: 'members', value: [{ value: a2000 }] }), expect: ['2xx', 400] });
  add('long-values', { name: 'PATCH /Groups/{id}: add a member value of 100,000 chars', method: 'PATCH', path: `/Groups/${ops.id}`, body: patchOf({ op: 'add', path: 'members', value: [{ value: 'v'.repeat(100_000) }] }), expect: ['2xx', 400] });
  add('long-values', { name: 'PATCH /Groups/{id}: remove members[value eq "<2,000 chars>"]', method: 'PATCH', path: `/Groups/${ops.id}`, body: patchOf({ op: 'remove', path: `members[value eq "${a2000}"]` }), expect: ['2xx', 400] });
  add('long-values', { name: 'PATCH /Groups/{id}: replace members with one of 2,000 chars', method: 'PATCH', path: `/Groups/${qa.id}`, body: patchOf({ op: 'replace', path: 'members', value: [{ value: a2000 }] }), expect: ['2xx', 400] });
  add('long-values', { name: 'POST /Users: a 5,000-character userName', method: 'POST', path: '/Users', body: { schemas: [USER], userName: `${'u'.repeat(5000)}.${run}@example.com` }, expect: [201, 400] });

  // ---------------------------------------------------------------------------------------------
  // userNames that look identical to an existing one. caseExact is false for userName (RFC 7643
  // §4.1.1), so a case variant is a duplicate (409 uniqueness, RFC 7644 §3.3); invisible or
  // compatibility characters must not make a second "alice": refused as a duplicate or as invalidValue.
  // POST, PUT, PATCH and Bulk each copy a different original, so that a lookalike one of them
  // wrongly created cannot make another's answer a 409.
  const lookalike: Expect = [400, 409];
  const lookalikeTypes = { 409: 'uniqueness', 400: 'invalidValue' } as const;
  const lookalikesOf = (original: string): Array<[string, string, Expect?]> => {
    const [local, domain] = original.split('@');
    const inside = (mark: string) => `${original.slice(0, 3)}${mark}${original.slice(3)}`;
    return [
      ['the same', original, 409],
      ['in upper case', original.toUpperCase(), 409],
      ['with leading and trailing spaces', ` ${original} `],
      ['with a trailing tab', `${original}\t`],
      ['with a leading NO-BREAK SPACE', `\u00a0${original}`],
      ['with a leading IDEOGRAPHIC SPACE', `\u3000${original}`],
      ['with a ZERO WIDTH SPACE inside', inside('\u200b')],
      ['with a ZERO WIDTH NON-JOINER inside', inside('\u200c')],
      ['with a ZERO WIDTH JOINER inside', inside('\u200d')],
      ['with a WORD JOINER inside', inside('\u2060')],
      ['with a SOFT HYPHEN inside', inside('\u00ad')],
      ['with a ZERO WIDTH NO-BREAK SPACE (BOM) inside', inside('\ufeff')],
      ['with a COMBINING GRAPHEME JOINER inside', inside('\u034f')],
      ['with a VARIATION SELECTOR-16 inside', inside('\ufe0f')],
      ['with an invisible TAG character inside', inside('\u{e0061}')],
      ['in fullwidth letters', `${fullwidth(local)}@${domain}`],
      ['with a FULLWIDTH COMMERCIAL AT', `${local}\uff20${domain}`],
      ['in MATHEMATICAL BOLD letters', `${mathBold(local)}@${domain}`],
      ['with a NUL inside', inside('\u0000')],
      ['with a trailing NUL', `${original}\u0000`],
      ['with a U+0001 control character', inside('\u0001')],
      ['with an ESC control character', `\u001b${original}`],
      ['with a DEL', `${original}\u007f`],
      ['with a NEXT LINE (U+0085)', `${original}\u0085`],
      ['with CR LF', `${original}\r\n`],
      ['with a RIGHT-TO-LEFT OVERRIDE', `\u202e${original}`],
      ['with a LEFT-TO-RIGHT OVERRIDE and POP', `\u202d${original}\u202c`],
      ['with a LEFT-TO-RIGHT MARK', `${original}\u200e`],
      ['with a RIGHT-TO-LEFT ISOLATE', `\u2067${original}\u2069`],
      ['with a HANGUL FILLER', `${original}\u3164`],
      // JSON.stringify escapes lone surrogates, so the body carries the "\ud800" escape a client would send.
      ['with a lone high surrogate (\\ud800)', inside('\ud800')],
      ['with a lone low surrogate (\\udc00)', `${original}\udc00`],
    ];
  };
  const asaDomain = asa.userName.split('@')[1];
  const asaVariants: Array<[string, string, Expect?]> = [
    ['in lower case (å)', asa.userName.toLowerCase(), 409],
    ['decomposed (A + U+030A, NFD)', asa.userName.normalize('NFD')],
    ['with ANGSTROM SIGN U+212B for Å', `\u212b${asa.userName.split('@')[0].slice(1)}@${asaDomain}`],
  ];
  for (const [name, userName, expect] of lookalikesOf(alice.userName)) {
    add('lookalike-names', { name: `POST /Users: alice's userName ${name}`, method: 'POST', path: '/Users', body: JSON.stringify({ schemas: [USER], userName }), expect: expect ?? lookalike, scimType: lookalikeTypes });
  }
  for (const [name, userName, expect] of [...asaVariants, ...lookalikesOf(asa.userName).filter((_, index) => index % 2 === 0)]) {
    add('lookalike-names', { name: `PUT /Users/{id}: rename to Åsa's userName ${name}`, method: 'PUT', path: `/Users/${erin.id}`, body: JSON.stringify({ schemas: [USER], userName }), expect: expect ?? lookalike, scimType: lookalikeTypes });
  }
  for (const [name, userName, expect] of lookalikesOf(bob.userName).filter((_, index) => index % 2 === 1)) {
    add('lookalike-names', { name: `PATCH /Users/{id}: replace userName with bob's ${name}`, method: 'PATCH', path: `/Users/${erin.id}`, body: JSON.stringify(patchOf({ op: 'replace', path: 'userName', value: userName })), expect: expect ?? lookalike, scimType: lookalikeTypes });
  }
  add('lookalike-names', {
    name: 'POST /Bulk: five lookalikes of dave, each refused as an operation',
    method: 'POST',
    path: '/Bulk',
    body: JSON.stringify(bulkOf(lookalikesOf(dave.userName).slice(2, 7).map(([, userName], index) => ({ method: 'POST', path: '/Users', bulkId: `l${index}`, data: { schemas: [USER], userName } })))),
    expect: 200,
    operations: { each: lookalike },
    unchanged: true,
  });
  // The service provider enforces displayName uniqueness for groups like userName (README), so the same lookalikes apply.
  const groupLookalikesOf = (original: string): Array<[string, string, Expect?]> => {
    const [word] = original.split(' ');
    const inside = (mark: string) => `${original.slice(0, 3)}${mark}${original.slice(3)}`;
    return [
      ['the same', original, 409],
      ['in upper case', original.toUpperCase(), 409],
      ['decomposed (NFD)', original.normalize('NFD')],
      ['with leading and trailing spaces', ` ${original} `],
      ['with a NO-BREAK SPACE for the space', original.replace(' ', '\u00a0')],
      ['with a ZERO WIDTH SPACE inside', inside('\u200b')],
      ['in fullwidth letters', `${fullwidth(word)}${original.slice(word.length)}`],
      ['with a NUL inside', inside('\u0000')],
      ['with a U+0007 control character', `${original}\u0007`],
      ['with a RIGHT-TO-LEFT OVERRIDE', `\u202e${original}`],
      ['with a lone high surrogate', `${original}\ud800`],
      ['with a trailing tab', `${original}\t`],
    ];
  };
  for (const [name, displayName, expect] of groupLookalikesOf(equipe.displayName)) {
    add('lookalike-names', { name: `POST /Groups: Équipe's displayName ${name}`, method: 'POST', path: '/Groups', body: JSON.stringify({ schemas: [GROUP], displayName }), expect: expect ?? lookalike, scimType: lookalikeTypes });
  }
  for (const [name, displayName, expect] of groupLookalikesOf(engineering.displayName).filter((_, index) => index % 2 === 1)) {
    add('lookalike-names', { name: `PATCH /Groups/{id}: rename to Engineering's displayName ${name}`, method: 'PATCH', path: `/Groups/${ops.id}`, body: JSON.stringify(patchOf({ op: 'replace', path: 'displayName', value: displayName })), expect: expect ?? lookalike, scimType: lookalikeTypes });
  }
  for (const [name, displayName, expect] of groupLookalikesOf(qa.displayName).filter((_, index) => index % 3 === 2)) {
    add('lookalike-names', { name: `PUT /Groups/{id}: rename to QA's displayName ${name}`, method: 'PUT', path: `/Groups/${ops.id}`, body: JSON.stringify({ schemas: [GROUP], displayName }), expect: expect ?? lookalike, scimType: lookalikeTypes });
  }

  // ---------------------------------------------------------------------------------------------
  // Media types (RFC 7644 §3.1: application/scim+json; §8.1: JSON is UTF-8, RFC 8259 §8.1).
  const media = (name: string, method: string, path: string, contentType: string | null, body: string | object | Buffer, expect: Expect, extra: Partial<CorpusEntry> = {}) =>
    add('media-type', { name: `${method} ${path.replace(/\/[0-9a-f-]{20,}$/, '/{id}')} with ${name}`, method, path, headers: { 'Content-Type': contentType }, body, expect, ...extra });
  const unsupported: Expect = [400, 415];
  const newUser = () => ({ schemas: [USER], userName: fresh('m') });
  media('Content-Type: text/plain', 'POST', '/Users', 'text/plain', newUser(), unsupported);
  media('Content-Type: text/plain', 'PUT', `/Users/${erin.id}`, 'text/plain', { schemas: [USER], userName: erin.userName }, unsupported);
  media('Content-Type: text/plain', 'PATCH', `/Users/${erin.id}`, 'text/plain', patchOf({ op: 'replace', path: 'displayName', value: 'x' }), unsupported);
  media('Content-Type: text/plain', 'POST', '/Groups', 'text/plain', { schemas: [GROUP], displayName: fresh('G') }, unsupported);
  media('Content-Type: text/plain', 'POST', '/Bulk', 'text/plain', bulkOf([failingOp]), unsupported);
  media('Content-Type: text/plain', 'POST', '/Users/.search', 'text/plain', searchOf({ filter: 'userName pr' }), unsupported);
  media('Content-Type: application/xml', 'POST', '/Users', 'application/xml', newUser(), unsupported);
  media('Content-Type: application/x-www-form-urlencoded and a form body', 'POST', '/Users', 'application/x-www-form-urlencoded', `userName=${encodeURIComponent(fresh('m'))}`, unsupported);
  media('Content-Type: multipart/form-data', 'POST', '/Users', 'multipart/form-data; boundary=x', newUser(), unsupported);
  media('Content-Type: ";;;"', 'POST', '/Users', ';;;', newUser(), unsupported);
  // RFC 9110 §8.3.1: type, subtype and parameter names are case-insensitive.
  media('Content-Type: APPLICATION/SCIM+JSON', 'POST', '/Users', 'APPLICATION/SCIM+JSON', newUser(), 201);
  media('Content-Type: Application/Json', 'POST', '/Users', 'Application/Json', newUser(), 201);
  media('Content-Type: application/json (Okta)', 'POST', '/Users', 'application/json', newUser(), 201);
  media('Content-Type: application/scim+json; charset=utf-8', 'POST', '/Users', 'application/scim+json; charset=utf-8', newUser(), 201);
  media('Content-Type: application/scim+json; CHARSET=UTF-8', 'POST', '/Users', 'application/scim+json; CHARSET=UTF-8', newUser(), 201);
  media('Content-Type: APPLICATION/SCIM+JSON', 'PATCH', `/Users/${carol.id}`, 'APPLICATION/SCIM+JSON', patchOf({ op: 'replace', path: 'nickName', value: 'cc' }), '2xx');
  media('Content-Type: Application/Scim+Json', 'PUT', `/Users/${carol.id}`, 'Application/Scim+Json', { schemas: [USER], userName: carol.userName, displayName: 'Carol' }, 200);
  media('Content-Type: APPLICATION/SCIM+JSON', 'POST', '/Users/.search', 'APPLICATION/SCIM+JSON', searchOf({ filter: `userName eq "${alice.userName}"` }), 200);
  // Scripts omit it; JSON is the only body SCIM has, so taking it as JSON or refusing it are both defensible.
  media('no Content-Type at all', 'POST', '/Users', null, newUser(), [201, 415]);
  // RFC 8259 §8.1: JSON exchanged between systems is UTF-8; Latin-1 bytes are not JSON, whatever the label says.
  media('charset=latin1 and Latin-1 bytes', 'POST', '/Users', 'application/scim+json; charset=latin1', Buffer.from(JSON.stringify({ schemas: [USER], userName: fresh('zo\u00eb') }), 'latin1'), unsupported);
  media('charset=latin1 and ASCII bytes', 'POST', '/Users', 'application/scim+json; charset=latin1', newUser(), [201, 415]);
  media('charset=utf-16 and UTF-16 bytes', 'POST', '/Users', 'application/scim+json; charset=utf-16', Buffer.from(`\ufeff${JSON.stringify(newUser())}`, 'utf16le'), unsupported);
  add('media-type', { name: 'GET /Users with Accept: text/html', method: 'GET', path: '/Users', headers: { Accept: 'text/html' }, expect: [200, 406] });
  add('media-type', { name: 'GET /Users/{id} with Accept: application/xml', method: 'GET', path: `/Users/${alice.id}`, headers: { Accept: 'application/xml' }, expect: [200, 406] });

  // ---------------------------------------------------------------------------------------------
  // Bodies that are not a JSON object. RFC 7644 §3.12: invalidSyntax for POST and PUT bodies.
  const malformed: Array<[string, string | Buffer]> = [
    ['a truncated object', '{"userName":'],
    ['unquoted keys', `{userName: "${fresh('s')}"}`],
    ['a trailing comma', `{"userName":"${fresh('s')}",}`],
    ['single quotes', `{'userName':'${fresh('s')}'}`],
    ['text after the object', `{"userName":"${fresh('s')}"} trailing`],
    ['two objects', `{"userName":"${fresh('s')}"}{"userName":"${fresh('s')}"}`],
    ['NaN', `{"userName":"${fresh('s')}","active":NaN}`],
    ['a comment', `{"userName":"${fresh('s')}" /* hi */}`],
    ['a raw control character inside a string', `{"userName":"ali\u0001ce.${run}@example.com"}`],
    ['an invalid escape', `{"userName":"\\x41${fresh('s')}"}`],
    ['only whitespace', '   \n\t  '],
    ['a lone NUL', '\u0000'],
    ['1e400', '1e400'],
  ];
  for (const [name, body] of malformed) add('body-syntax', { name: `POST /Users: malformed JSON (${name})`, method: 'POST', path: '/Users', body, expect: 400, scimType: syntax });
  const notObjects: Array<[string, string]> = [
    ['an empty array', '[]'],
    ['an array holding a user', JSON.stringify([{ schemas: [USER], userName: fresh('s') }])],
    ['a string', '"alice"'],
    ['a number', '42'],
    ['null', 'null'],
    ['true', 'true'],
  ];
  for (const [name, body] of notObjects) add('body-syntax', { name: `POST /Users: a body that is ${name}`, method: 'POST', path: '/Users', body, expect: 400, scimType: syntax });
  for (const [name, body] of [notObjects[1], notObjects[4]]) {
    add('body-syntax', { name: `PUT /Users/{id}: a body that is ${name}`, method: 'PUT', path: `/Users/${erin.id}`, body, expect: 400, scimType: syntax });
    add('body-syntax', { name: `PATCH /Users/{id}: a body that is ${name}`, method: 'PATCH', path: `/Users/${erin.id}`, body, expect: 400 });
    add('body-syntax', { name: `POST /Groups: a body that is ${name}`, method: 'POST', path: '/Groups', body, expect: 400, scimType: syntax });
    add('body-syntax', { name: `POST /Bulk: a body that is ${name}`, method: 'POST', path: '/Bulk', body, expect: 400, scimType: syntax });
    add('body-syntax', { name: `POST /Users/.search: a body that is ${name}`, method: 'POST', path: '/Users/.search', body, expect: 400, scimType: syntax, detailMustNotMatch: /query parameter/i });
  }
  for (const [method, path] of [['POST', '/Users'], ['PUT', `/Users/${erin.id}`], ['PATCH', `/Users/${erin.id}`], ['POST', '/Groups'], ['PUT', `/Groups/${ops.id}`], ['POST', '/Bulk'], ['POST', '/Users/.search'], ['POST', '/.search']]) {
    add('body-syntax', { name: `${method} ${path.replace(/\/[0-9a-f-]{20,}$/, '/{id}')}: an empty body`, method, path, body: '', headers: { 'Content-Type': 'application/scim+json' }, expect: 400, ...(method !== 'PATCH' ? { scimType: syntax } : {}) });
  }
  // RFC 8259 §4: names SHOULD be unique, and parsers differ on which value wins: take one, or refuse.
  add('body-syntax', { name: 'POST /Users: the key userName twice', method: 'POST', path: '/Users', body: `{"schemas":["${USER}"],"userName":"${fresh('d')}","userName":"${fresh('d')}"}`, expect: [201, 400] });
  add('body-syntax', { name: 'POST /Users: userName and USERNAME (one attribute, RFC 7643 §2.1)', method: 'POST', path: '/Users', body: `{"schemas":["${USER}"],"userName":"${fresh('d')}","USERNAME":"${fresh('d')}"}`, expect: [201, 400] });
  add('body-syntax', { name: 'POST /Users: userName twice, the second alice\'s', method: 'POST', path: '/Users', body: `{"schemas":["${USER}"],"userName":"${fresh('d')}","userName":"${alice.userName}"}`, expect: [201, 400, 409] });
  // RFC 8259 §8.1: a parser MAY ignore a byte order mark rather than treat it as an error.
  add('body-syntax', { name: 'POST /Users: a UTF-8 byte order mark before the object', method: 'POST', path: '/Users', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(newUser()))]), expect: [201, 400] });
  // RFC 8259 §8.1: JSON text MUST be UTF-8. Invalid bytes reach the handler as U+FFFD, so the value shows what was lost.
  const withBytes = (bytes: number[]) => Buffer.concat([Buffer.from(`{"schemas":["${USER}"],"userName":"bad`), Buffer.from(bytes), Buffer.from(`.${run}.${++sequence}@example.com"}`)]);
  const invalidUtf8: Array<[string, number[]]> = [
    ['a truncated two-byte sequence (C3 28)', [0xc3, 0x28]],
    ['a lone continuation byte (80)', [0x80]],
    ['an overlong "/" (C0 AF)', [0xc0, 0xaf]],
    ['an encoded surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['the byte FF', [0xff]],
  ];
  for (const [name, bytes] of invalidUtf8) add('body-syntax', { name: `POST /Users: invalid UTF-8 in userName, ${name}`, method: 'POST', path: '/Users', body: withBytes(bytes), expect: 400 });
  add('body-syntax', { name: 'PATCH /Users/{id}: invalid UTF-8 in a displayName', method: 'PATCH', path: `/Users/${erin.id}`, body: Buffer.concat([Buffer.from(`{"schemas":["${PATCH}"],"Operations":[{"op":"replace","path":"displayName","value":"x`), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')]), expect: 400 });
  // Over the advertised maxPayloadSize (1 MiB): 413 (RFC 7644 §3.7.4 for Bulk; the same limit on every route).
  const overLimit = (bytes: number) => ({ schemas: [USER], userName: fresh('big'), displayName: 'x'.repeat(bytes) });
  add('body-syntax', { name: 'POST /Users: a 2 MiB body', method: 'POST', path: '/Users', body: overLimit(2 * MIB), expect: 413 });
  const justOver = JSON.stringify(overLimit(0));
  add('body-syntax', { name: 'POST /Users: a body of 1 MiB + 1 byte', method: 'POST', path: '/Users', body: justOver.replace('"displayName":""', `"displayName":"${'x'.repeat(MIB + 1 - justOver.length)}"`), expect: 413 });
  add('body-syntax', { name: 'PUT /Users/{id}: a 2 MiB body', method: 'PUT', path: `/Users/${erin.id}`, body: { ...overLimit(2 * MIB), userName: erin.userName }, expect: 413 });
  add('body-syntax', { name: 'PATCH /Users/{id}: a 2 MiB body', method: 'PATCH', path: `/Users/${erin.id}`, body: patchOf({ op: 'replace', path: 'displayName', value: 'x'.repeat(2 * MIB) }), expect: 413 });
  add('body-syntax', { name: 'POST /Groups: a 2 MiB body', method: 'POST', path: '/Groups', body: { schemas: [GROUP], displayName: fresh('G'), externalId: 'x'.repeat(2 * MIB) }, expect: 413 });
  add('body-syntax', { name: 'POST /Users/.search: a 2 MiB body', method: 'POST', path: '/Users/.search', body: searchOf({ filter: `userName eq "${'x'.repeat(2 * MIB)}"` }), expect: 413 });
  add('body-syntax', { name: 'GET /Users with a 2 MiB body', method: 'GET', path: '/Users', body: 'x'.repeat(2 * MIB), expect: [200, 400, 413] });

  // ---------------------------------------------------------------------------------------------
  // URLs, query strings and list parameters (RFC 7644 §3.4.2).
  add('url-and-query', { name: 'GET /Users?filter=<17 KB> (over Node\'s 16 KB of headers)', method: 'GET', path: query('/Users', { filter: `userName eq "${'u'.repeat(17 * KB)}"` }), expect: [414, 431] });
  add('url-and-query', { name: 'GET /Users/{id of 20 KB}', method: 'GET', path: `/Users/${'i'.repeat(20 * KB)}`, expect: [404, 414, 431] });
  add('url-and-query', { name: 'GET /Users with a 64 KB URL', method: 'GET', path: `/Users?x=${'x'.repeat(64 * KB)}`, expect: [414, 431] });
  add('url-and-query', { name: 'GET /Users with a 17 KB header', method: 'GET', path: '/Users', headers: { 'X-Padding': 'p'.repeat(17 * KB) }, expect: 431 });
  add('url-and-query', { name: 'GET /Users with 1,000 small headers', method: 'GET', path: '/Users', headers: Object.fromEntries(Array.from({ length: 1000 }, (_, index) => [`X-H${index}`, 'vvvvvvvvvvvvvvvv'])), expect: 431 });
  add('url-and-query', { name: 'GET /Users with an unknown 12 KB parameter', method: 'GET', path: `/Users?x=${'x'.repeat(12 * KB)}`, expect: 200 });
  add('url-and-query', { name: 'GET /Users with 1,000 repeated parameters', method: 'GET', path: `/Users?${Array.from({ length: 1000 }, () => 'a=1').join('&')}`, expect: 200 });
  add('url-and-query', { name: 'GET /Users?filter twice', method: 'GET', path: `/Users?filter=${encodeURIComponent('userName pr')}&filter=${encodeURIComponent('((')}`, expect: [200, 400] });
  add('url-and-query', { name: 'GET /Users?%ZZ=1 (bad escape in a name)', method: 'GET', path: '/Users?%ZZ=1', expect: 200 });
  add('url-and-query', { name: 'GET /Users?&&&=&', method: 'GET', path: '/Users?&&&=&', expect: 200 });
  // RFC 7644 §3.4.2.4: startIndex below 1 is taken as 1 and a negative count as 0: not errors.
  const listParameter = (parameters: Record<string, string>, expect: Expect, path = '/Users', extra: Partial<CorpusEntry> = {}) =>
    add('url-and-query', {
      name: `GET ${path}?${Object.entries(parameters)
        .map(([name, value]) => `${name}=${value.length > 40 ? `<${value.length} chars>` : value}`)
        .join('&')}`,
      method: 'GET',
      path: query(path, parameters),
      expect,
      ...extra,
    });
  listParameter({ startIndex: '-1' }, 200);
  listParameter({ startIndex: '0' }, 200);
  listParameter({ count: '-5' }, 200);
  listParameter({ count: '0' }, 200);
  listParameter({ count: '' }, 200);
  listParameter({ startIndex: '99999999999999999999999' }, 200);
  listParameter({ count: '99999999999999999999' }, 200);
  listParameter({ startIndex: '-99999999999999999999' }, 200, '/Groups');
  for (const [name, value] of [
    ['startIndex', 'NaN'],
    ['count', 'NaN'],
    ['startIndex', '1e309'],
    ['count', '1e309'],
    ['startIndex', '1.5'],
    ['count', 'abc'],
    ['count', '0x10'],
    ['startIndex', 'Infinity'],
    ['count', '\u0000'],
    ['startIndex', '1 OR 1=1'],
  ]) {
    listParameter({ [name]: value }, 400, '/Users', { scimType: invalidValue });
  }
  listParameter({ count: 'NaN' }, 400, '/Groups', { scimType: invalidValue });
  add('url-and-query', { name: 'POST /Users/.search: count "abc"', method: 'POST', path: '/Users/.search', body: searchOf({ count: 'abc' }), expect: 400, detailMustNotMatch: /query parameter/i });
  add('url-and-query', { name: 'POST /Users/.search: startIndex {}', method: 'POST', path: '/Users/.search', body: searchOf({ startIndex: {} }), expect: 400, detailMustNotMatch: /query parameter/i });
  add('url-and-query', { name: 'POST /Users/.search: count 1e400', method: 'POST', path: '/Users/.search', body: rawJson(searchOf({ count: slot('v') }), { v: '1e400' }), expect: 400, detailMustNotMatch: /query parameter/i });
  add('url-and-query', { name: 'POST /Users/.search: sortOrder "sideways"', method: 'POST', path: '/Users/.search', body: searchOf({ sortBy: 'userName', sortOrder: 'sideways' }), expect: 400, detailMustNotMatch: /query parameter/i });
  add('url-and-query', { name: 'POST /Groups/.search: cursor "garbage"', method: 'POST', path: '/Groups/.search', body: searchOf({ cursor: 'garbage' }), expect: 400, scimType: { 400: 'invalidCursor' }, detailMustNotMatch: /query parameter/i });
  // RFC 7644 §3.4.2.3: sortOrder is "ascending" or "descending"; sortBy an attribute path.
  listParameter({ sortOrder: 'sideways' }, 400);
  listParameter({ sortBy: 'userName', sortOrder: 'x'.repeat(5000) }, 400);
  listParameter({ sortBy: '(((' }, 400);
  listParameter({ sortBy: 'emails[type eq "work"' }, 400);
  listParameter({ sortBy: 'nope' }, [200, 400]);
  listParameter({ sortBy: '__proto__' }, [200, 400]);
  listParameter({ sortBy: 'x'.repeat(5000) }, [200, 400]);
  listParameter({ sortBy: 'displayName', sortOrder: 'DESCENDING' }, 200, '/Groups');
  // RFC 9865 §2.4: a cursor the server did not issue is invalidCursor; an empty one asks for the first page.
  listParameter({ cursor: 'garbage' }, 400, '/Users', { scimType: invalidCursor });
  listParameter({ cursor: 'x'.repeat(5000) }, 400, '/Users', { scimType: invalidCursor });
  listParameter({ cursor: '\u0000' }, 400, '/Users', { scimType: invalidCursor });
  listParameter({ cursor: Buffer.from('{}').toString('base64url') }, 400, '/Users', { scimType: invalidCursor });
  listParameter({ cursor: Buffer.from('null').toString('base64url') }, 400, '/Users', { scimType: invalidCursor });
  listParameter({ cursor: Buffer.from(JSON.stringify({ q: 'x', t: 9e15, i: alice.id })).toString('base64url') }, 400, '/Groups', { scimType: invalidCursor });
  listParameter({ cursor: 'garbage', startIndex: '1' }, 400);
  listParameter({ cursor: '' }, 200);
  // RFC 7644 §3.4.2.5: attributes names attributes; garbage names nothing (ignored) or is refused.
  listParameter({ attributes: '' }, 200);
  listParameter({ attributes: '!!!,%%%' }, [200, 400]);
  listParameter({ attributes: ','.repeat(5000) }, [200, 400]);
  listParameter({ attributes: 'urn:' }, [200, 400]);
  listParameter({ attributes: 'name..givenName' }, [200, 400]);
  listParameter({ attributes: '__proto__,constructor' }, [200, 400], '/Users', { check: noPollution });
  listParameter({ excludedAttributes: '\u0000' }, [200, 400]);
  listParameter({ attributes: 'x'.repeat(10_000) }, [200, 400], '/Groups');
  add('url-and-query', { name: 'GET /Users/{id}?attributes=<garbage>', method: 'GET', path: `/Users/${alice.id}?attributes=%3B%3B%3B`, expect: [200, 400] });

  // ---------------------------------------------------------------------------------------------
  // Filters (RFC 7644 §3.4.2.2, figure 1): what the grammar refuses is 400 invalidFilter.
  const filterOf = (name: string, filter: string, expect: Expect = 400, path = '/Users') =>
    add('filter-syntax', { name: `GET ${path}?filter=${name}`, method: 'GET', path: query(path, { filter }), expect, scimType: invalidFilter });
  filterOf('userName eq (no value)', 'userName eq');
  filterOf('eq "x" (no attribute)', 'eq "x"');
  filterOf('userName xx "a" (unknown operator)', 'userName xx "a"');
  filterOf('userName eq "a" and (dangling)', 'userName eq "a" and');
  filterOf('(userName eq "a" (unbalanced)', '(userName eq "a"');
  filterOf('userName eq "a") (unbalanced)', 'userName eq "a")');
  filterOf('((((', '((((');
  filterOf('7,000 × "("', '('.repeat(7000));
  filterOf('7,000 × ")"', ')'.repeat(7000));
  filterOf('emails[type eq "work" (unclosed bracket)', 'emails[type eq "work"');
  filterOf('emails[emails[type eq "a"]] (nested brackets)', 'emails[emails[type eq "a"]]');
  filterOf('emails[]', 'emails[]');
  filterOf('userName eq "unterminated', 'userName eq "unterminated');
  filterOf('userName eq "a" or or userName eq "b"', 'userName eq "a" or or userName eq "b"');
  filterOf('userName pr pr', 'userName pr pr');
  filterOf('active eq tru', 'active eq tru');
  filterOf('userName eq "\\x41" (bad escape)', 'userName eq "\\x41"');
  filterOf('userName eq "a" NUL', 'userName eq "a"\u0000');
  filterOf('"" (a bare string)', '""');
  filterOf('not userName eq "a" (not without parentheses)', 'not userName eq "a"');
  filterOf('%ZZ (bad escape)', '%ZZ');
  filterOf('members[value eq "x" (unclosed, on /Groups)', 'members[value eq "x"', 400, '/Groups');
  filterOf('displayName co (no value, on /Groups)', 'displayName co', 400, '/Groups');
  add('filter-syntax', { name: 'GET /Users?filter=%ZZ (bad percent escape, raw)', method: 'GET', path: '/Users?filter=userName%20eq%20%ZZ', expect: 400, scimType: invalidFilter });
  // Names the schema does not define, and comparisons of the wrong type: "not supported" is invalidFilter, matching nothing is also defensible.
  filterOf('nope pr (unknown attribute)', 'nope pr', [200, 400]);
  filterOf('urn:evil:schema:x pr', 'urn:evil:schema:x pr', [200, 400]);
  filterOf('__proto__ pr', '__proto__ pr', [200, 400]);
  filterOf('constructor.prototype pr', 'constructor.prototype pr', [200, 400]);
  filterOf('userName gt true', 'userName gt true', [200, 400]);
  filterOf('meta.created gt "not a date"', 'meta.created gt "not a date"', [200, 400]);
  filterOf('userName eq 1e400', 'userName eq 1e400', [200, 400]);
  filterOf('userName eq null (a compValue in figure 1)', 'userName eq null', 200);
  // Figure 1 quotes strings, but Microsoft's SCIM reference code and test collection send bare words (`userName sw O`): read as strings, or refused.
  filterOf("userName eq 'alice' (single quotes)", `userName eq '${alice.userName}'`, [200, 400]);
  filterOf('userName eq alice (unquoted)', `userName eq ${alice.userName}`, [200, 400]);
  filterOf('12 KB of "userName eq … or"', Array.from({ length: 300 }, (_, index) => `userName eq "u${index}.${run}"`).join(' or '), [200, 400]);
  // A filter that is not a string breaks the SearchRequest's structure: invalidSyntax says so as well as invalidFilter.
  const searchFilter = (name: string, filter: unknown, expect: Expect = 400, path = '/Users/.search') =>
    add('filter-syntax', {
      name: `POST ${path}: ${name}`,
      method: 'POST',
      path,
      body: searchOf({ filter }),
      expect,
      scimType: typeof filter === 'string' ? invalidFilter : { 400: ['invalidFilter', 'invalidSyntax'] },
      detailMustNotMatch: /query parameter/i,
    });
  searchFilter('10,000 × "("', '('.repeat(10_000));
  searchFilter('100,000 × "("', '('.repeat(100_000));
  searchFilter('5,000 balanced parentheses around a comparison', `${'('.repeat(5000)}userName pr${')'.repeat(5000)}`, [200, 400]);
  searchFilter('10,000 × "not ("', `${'not ('.repeat(10_000)}userName pr${')'.repeat(10_000)}`, [200, 400]);
  searchFilter('5,000 comparisons joined by "and"', Array.from({ length: 5000 }, () => 'userName pr').join(' and '), [200, 400]);
  searchFilter('10,000 comparisons joined by "or"', Array.from({ length: 10_000 }, (_, index) => `userName eq "u${index}"`).join(' or '), [200, 400]);
  searchFilter('a filter that is a number', 42);
  searchFilter('a filter that is an object', { userName: 'x' });
  searchFilter('a filter that is an array', ['userName pr']);
  searchFilter('userName eq (no value)', 'userName eq');
  searchFilter('an unknown operator', 'userName xx "a"', 400, '/.search');
  searchFilter('unbalanced parentheses', '(userName pr', 400, '/Groups/.search');

  // ---------------------------------------------------------------------------------------------
  // PATCH (RFC 7644 §3.5.2). A request that fails applies none of its operations.
  const patchUser = (name: string, body: unknown, expect: Expect = 400, extra: Partial<CorpusEntry> = {}) =>
    add('patch', { name: `PATCH /Users/{id}: ${name}`, method: 'PATCH', path: `/Users/${erin.id}`, body: typeof body === 'string' ? body : JSON.stringify(body), expect, ...extra });
  const patchGroup = (name: string, body: unknown, expect: Expect = 400, extra: Partial<CorpusEntry> = {}) =>
    add('patch', { name: `PATCH /Groups/{id}: ${name}`, method: 'PATCH', path: `/Groups/${ops.id}`, body: typeof body === 'string' ? body : JSON.stringify(body), expect, ...extra });
  patchUser('op "move"', patchOf({ op: 'move', path: 'displayName', value: 'x' }));
  patchUser('op ""', patchOf({ op: '', path: 'displayName', value: 'x' }));
  patchUser('op 5', patchOf({ op: 5, path: 'displayName', value: 'x' }));
  patchUser('op null', patchOf({ op: null, path: 'displayName', value: 'x' }));
  patchUser('no op', patchOf({ path: 'displayName', value: 'x' }));
  patchUser('no Operations', { schemas: [PATCH] });
  patchUser('Operations {}', { schemas: [PATCH], Operations: {} });
  patchUser('Operations "replace"', { schemas: [PATCH], Operations: 'replace' });
  patchUser('Operations null', { schemas: [PATCH], Operations: null });
  patchUser('Operations []', { schemas: [PATCH], Operations: [] });
  patchUser('Operations [null]', { schemas: [PATCH], Operations: [null] });
  patchUser('Operations [1]', { schemas: [PATCH], Operations: [1] });
  patchUser('schemas ["urn:evil"]', { schemas: ['urn:evil'], Operations: [{ op: 'replace', path: 'displayName', value: 'x' }] });
  patchUser('a valid operation, then one with op "move" (atomic)', patchOf({ op: 'replace', path: 'displayName', value: 'Changed' }, { op: 'move', path: 'displayName' }));
  patchUser('a valid operation, then an invalid value (atomic)', patchOf({ op: 'replace', path: 'nickName', value: 'Changed' }, { op: 'replace', path: 'active', value: 'maybe' }));
  patchUser('10,000 operations, the last invalid (atomic)', patchOf(...Array.from({ length: 9_999 }, (_, index) => ({ op: 'replace', path: 'nickName', value: `n${index}` })), { op: 'replace', path: 'userName', value: 42 }));
  patchUser('10,000 valid operations', patchOf(...Array.from({ length: 10_000 }, (_, index) => ({ op: 'replace', path: 'nickName', value: `n${index}` }))), ['2xx', 400, 413]);
  const badPaths: Array<[string, string]> = [
    ['name..givenName', 'name..givenName'],
    ['emails[type eq "work" (unclosed)', 'emails[type eq "work"'],
    ['emails[type eq] (no value)', 'emails[type eq]'],
    ['[value eq "x"] (no attribute)', '[value eq "x"]'],
    ['emails] (stray bracket)', 'emails]'],
    ['"."', '.'],
    ['""', ''],
    ['emails[type eq "work"].value.extra', 'emails[type eq "work"].value.extra'],
    ['urn: (a bare prefix)', 'urn:'],
    ['a NUL', 'displayName\u0000'],
    ['5,000 dots', '.'.repeat(5000)],
    ['10,000 nested brackets', `${'emails['.repeat(10_000)}type eq "x"${']'.repeat(10_000)}`],
  ];
  for (const [name, path] of badPaths) patchUser(`path ${name}`, patchOf({ op: 'replace', path, value: 'x' }), 400, { scimType: path === '' ? { 400: ['invalidPath', 'invalidValue'] } : invalidPath });
  patchGroup('path members[value eq "x" (unclosed)', patchOf({ op: 'remove', path: 'members[value eq "x"' }), 400, { scimType: { 400: ['invalidPath', 'invalidFilter'] } });
  patchGroup('path members[value xx "x"] (unknown operator)', patchOf({ op: 'remove', path: 'members[value xx "x"]' }), 400, { scimType: { 400: ['invalidPath', 'invalidFilter'] } });
  patchUser('path nope (an attribute no schema defines)', patchOf({ op: 'add', path: 'nope', value: 'x' }), 400, { scimType: { 400: ['invalidPath', 'noTarget'] } });
  patchUser('path name.nope', patchOf({ op: 'replace', path: 'name.nope', value: 'x' }), 400, { scimType: { 400: ['invalidPath', 'noTarget'] } });
  // Prototype pollution through a path: never an attribute.
  patchUser('add path __proto__.polluted', patchOf({ op: 'add', path: '__proto__.polluted', value: true }), 400, { check: noPollution });
  patchUser('add path constructor.prototype.polluted', patchOf({ op: 'add', path: 'constructor.prototype.polluted', value: true }), 400, { check: noPollution });
  patchUser('replace path __proto__ with {"polluted": true}', patchOf({ op: 'replace', path: '__proto__', value: { polluted: true } }), 400, { check: noPollution });
  patchUser('add path name.__proto__.polluted', patchOf({ op: 'add', path: 'name.__proto__.polluted', value: true }), 400, { check: noPollution });
  patchUser('add path emails[__proto__ eq "x"].value', patchOf({ op: 'add', path: 'emails[__proto__ eq "x"].value', value: 'x@example.com' }), [400], { check: noPollution });
  patchGroup('add path members.__proto__', patchOf({ op: 'add', path: 'members.__proto__', value: { polluted: true } }), 400, { check: noPollution });
  patchUser('a path-less replace with {"__proto__": {"polluted": true}}', `{"schemas":["${PATCH}"],"Operations":[{"op":"replace","value":{"__proto__":{"polluted":true},"nickName":"p"}}]}`, ['2xx', 400], { check: noPollution });
  // RFC 7644 §3.5.2: readOnly attributes (id, meta, groups) cannot be modified: 400 mutability.
  patchUser('replace id', patchOf({ op: 'replace', path: 'id', value: 'mine' }), 400, { scimType: mutability });
  patchUser('add id', patchOf({ op: 'add', path: 'id', value: 'mine' }), 400, { scimType: mutability });
  patchUser('remove id', patchOf({ op: 'remove', path: 'id' }), 400, { scimType: mutability });
  patchUser('replace meta', patchOf({ op: 'replace', path: 'meta', value: { created: '2000-01-01T00:00:00Z' } }), 400, { scimType: mutability });
  patchUser('replace meta.created', patchOf({ op: 'replace', path: 'meta.created', value: '2000-01-01T00:00:00Z' }), 400, { scimType: mutability });
  patchUser('replace meta.version', patchOf({ op: 'replace', path: 'meta.version', value: 'W/"1"' }), 400, { scimType: mutability });
  patchUser('remove meta', patchOf({ op: 'remove', path: 'meta' }), 400, { scimType: mutability });
  patchUser('replace groups (readOnly on User)', patchOf({ op: 'replace', path: 'groups', value: [{ value: engineering.id }] }), 400, { scimType: mutability });
  patchGroup('replace id', patchOf({ op: 'replace', path: 'id', value: 'mine' }), 400, { scimType: mutability });
  patchGroup('replace meta.lastModified', patchOf({ op: 'replace', path: 'meta.lastModified', value: '2000-01-01T00:00:00Z' }), 400, { scimType: mutability });
  // RFC 7643 §4.1.1: userName is required; §4.2: so is a group's displayName.
  patchUser('remove userName (required)', patchOf({ op: 'remove', path: 'userName' }));
  patchUser('replace userName with null', patchOf({ op: 'replace', path: 'userName', value: null }));
  patchUser('replace userName with ""', patchOf({ op: 'replace', path: 'userName', value: '' }));
  patchUser('a path-less replace with {"userName": null}', patchOf({ op: 'replace', value: { userName: null } }));
  patchGroup('remove displayName (required)', patchOf({ op: 'remove', path: 'displayName' }));
  patchGroup('replace displayName with "   "', patchOf({ op: 'replace', path: 'displayName', value: '   ' }));
  // Values of the wrong type (RFC 7643 §2.3): invalidValue.
  patchUser('replace active with "maybe"', patchOf({ op: 'replace', path: 'active', value: 'maybe' }), 400, { scimType: invalidValue });
  patchUser('replace active with 1e400', rawJson(patchOf({ op: 'replace', path: 'active', value: slot('v') }), { v: '1e400' }), 400);
  patchUser('replace active with 2', patchOf({ op: 'replace', path: 'active', value: 2 }), 400, { scimType: invalidValue });
  patchUser('replace userName with 123', patchOf({ op: 'replace', path: 'userName', value: 123 }), 400, { scimType: invalidValue });
  patchUser('replace userName with ["a"]', patchOf({ op: 'replace', path: 'userName', value: ['a'] }), 400, { scimType: invalidValue });
  patchUser('replace name with "x"', patchOf({ op: 'replace', path: 'name', value: 'x' }), 400, { scimType: invalidValue });
  patchUser('add emails 5', patchOf({ op: 'add', path: 'emails', value: 5 }), 400, { scimType: invalidValue });
  patchGroup('add members "x" as a number', patchOf({ op: 'add', path: 'members', value: 5 }), 400, { scimType: invalidValue });
  patchGroup('add members [{"value": 5}]', patchOf({ op: 'add', path: 'members', value: [{ value: 5 }] }), 400, { scimType: invalidValue });
  patchGroup('add members [{}]', patchOf({ op: 'add', path: 'members', value: [{}] }), 400);
  patchGroup('add members [[]]', patchOf({ op: 'add', path: 'members', value: [[]] }), 400);
  // A value for an extension's path may carry `schemas` (Okta, Entra ID echo it); like PUT, PATCH ignores it.
  add('patch', {
    name: 'PATCH /Users/{id}: replace path <enterprise URN> with a value carrying schemas',
    method: 'PATCH',
    path: `/Users/${carol.id}`,
    body: patchOf({ op: 'replace', path: ENTERPRISE, value: { schemas: [ENTERPRISE], department: 'R&D' } }),
    expect: '2xx',
  });
  add('patch', {
    name: 'PATCH /Users/{id}: add path <enterprise URN> with a value carrying schemas and a manager',
    method: 'PATCH',
    path: `/Users/${carol.id}`,
    body: patchOf({ op: 'add', path: ENTERPRISE, value: { schemas: [ENTERPRISE], costCenter: 'CC-1', manager: { value: bob.id } } }),
    expect: '2xx',
  });
  add('patch', {
    name: 'PATCH /Users/{id}: a path-less replace whose value carries schemas',
    method: 'PATCH',
    path: `/Users/${carol.id}`,
    body: patchOf({ op: 'replace', value: { schemas: [USER, ENTERPRISE], displayName: 'Carol C', [ENTERPRISE]: { division: 'East' } } }),
    expect: '2xx',
  });
  add('patch', { name: 'PATCH /Groups/{id}: a path-less replace whose value carries schemas', method: 'PATCH', path: `/Groups/${qa.id}`, body: patchOf({ op: 'replace', value: { schemas: [GROUP], externalId: `qa-${run}` } }), expect: '2xx' });

  // ---------------------------------------------------------------------------------------------
  // Bulk (RFC 7644 §3.7). Every operation here fails, so none may change the store, and a failing
  // operation is reported in the 200 response (§3.7.3), not as the request's status.
  const bulk = (name: string, body: unknown, expect: Expect, extra: Partial<CorpusEntry> = {}) =>
    add('bulk', { name: `POST /Bulk: ${name}`, method: 'POST', path: '/Bulk', body: typeof body === 'string' ? body : JSON.stringify(body), expect, unchanged: true, ...extra });
  const badBulk = { 400: ['invalidSyntax', 'invalidValue'] } as const;
  for (const [name, value] of [
    ['"abc"', '"abc"'],
    ['-1', '-1'],
    ['0', '0'],
    ['1.5', '1.5'],
    ['1e400', '1e400'],
    ['{}', '{}'],
    ['[1]', '[1]'],
    ['true', 'true'],
    ['"1"', '"1"'],
  ]) {
    bulk(`failOnErrors ${name}`, rawJson(bulkOf([failingOp], { failOnErrors: slot('v') }), { v: value }), 400, { scimType: badBulk });
  }
  bulk('failOnErrors null', bulkOf([failingOp], { failOnErrors: null }), [200, 400], { operations: { each: 'error4xx' } });
  bulk('failOnErrors 2^63', rawJson(bulkOf([failingOp], { failOnErrors: slot('v') }), { v: '9223372036854775808' }), [200, 400], { operations: { each: 'error4xx' } });
  // §3.7.3: once failOnErrors errors happened, the rest is not run.
  bulk('failOnErrors 1 stops before the valid POST that follows a failure', bulkOf([failingOp, { method: 'POST', path: '/Users', bulkId: 'late', data: { schemas: [USER], userName: fresh('late') } }], { failOnErrors: 1 }), 200, {
    operations: ['error4xx'],
  });
  bulk('no Operations', { schemas: [BULK_REQUEST] }, 400, { scimType: badBulk });
  bulk('Operations "x"', { schemas: [BULK_REQUEST], Operations: 'x' }, 400, { scimType: badBulk });
  bulk('Operations []', bulkOf([]), 400, { scimType: badBulk });
  bulk('Operations [null]', bulkOf([null]), [200, 400], { operations: { each: 'error4xx' } });
  bulk('Operations [5]', bulkOf([5]), [200, 400], { operations: { each: 'error4xx' } });
  bulk('no schemas', { Operations: [failingOp] }, 400, { scimType: badBulk });
  bulk('schemas of a PatchOp', { schemas: [PATCH], Operations: [failingOp] }, 400, { scimType: badBulk });
  // §3.7: method is POST, PUT, PATCH or DELETE.
  for (const [name, method] of [
    ['GET', 'GET'],
    ['TRACE', 'TRACE'],
    ['HEAD', 'HEAD'],
    ['""', ''],
    ['5', 5],
    ['"DELETE " (trailing space)', 'DELETE '],
  ] as const) {
    bulk(`method ${name}`, bulkOf([{ method, path: `/Users/${dave.id}` }]), [200, 400], { operations: { each: 'error4xx' } });
  }
  // Paths address the resource endpoints and nothing else: no dot segments, no other hosts, no bulk in bulk.
  for (const [name, operation] of [
    ['POST /Users/../Groups', { method: 'POST', path: '/Users/../Groups', bulkId: 't', data: { schemas: [GROUP], displayName: fresh('G') } }],
    ['DELETE /Users/../Groups/{id}', { method: 'DELETE', path: `/Users/../Groups/${qa.id}` }],
    ['DELETE /Groups/{id}/../../Users/{id}', { method: 'DELETE', path: `/Groups/${qa.id}/../../Users/${dave.id}` }],
    ['DELETE /Users/%2e%2e/Groups/{id}', { method: 'DELETE', path: `/Users/%2e%2e/Groups/${qa.id}` }],
    ['DELETE /../scim/v2/Users/{id}', { method: 'DELETE', path: `/../scim/v2/Users/${dave.id}` }],
    ['DELETE https://evil.example/scim/v2/Users/{id}', { method: 'DELETE', path: `https://evil.example/scim/v2/Users/${dave.id}` }],
    ['DELETE //Users/{id}', { method: 'DELETE', path: `//Users/${dave.id}` }],
    ['POST /Bulk (bulk in bulk)', { method: 'POST', path: '/Bulk', bulkId: 'b', data: bulkOf([{ method: 'DELETE', path: `/Users/${dave.id}` }]) }],
    ['POST /Users/.search', { method: 'POST', path: '/Users/.search', bulkId: 's', data: searchOf({}) }],
    ['DELETE /Users (the collection)', { method: 'DELETE', path: '/Users' }],
    ['DELETE /Users/{id of 2,000 chars}', { method: 'DELETE', path: `/Users/${a2000}` }],
    ['PATCH /Users/bulkId:ghost (never defined)', { method: 'PATCH', path: '/Users/bulkId:ghost', data: patchOf({ op: 'replace', path: 'displayName', value: 'x' }) }],
  ] as const) {
    bulk(`an operation on ${name}`, bulkOf([operation]), 200, { operations: ['error4xx'] });
  }
  bulk('DELETE with version "garbage"', bulkOf([{ method: 'DELETE', path: `/Users/${dave.id}`, version: 'garbage' }]), 200, { operations: [[400, 412]] });
  bulk('PATCH with version W/"999"', bulkOf([{ method: 'PATCH', path: `/Users/${erin.id}`, version: 'W/"999"', data: patchOf({ op: 'replace', path: 'nickName', value: 'v' }) }]), 200, { operations: [412] });
  bulk('POST whose data is a string', bulkOf([{ method: 'POST', path: '/Users', bulkId: 'd', data: 'alice' }]), 200, { operations: [400] });
  bulk('POST whose data is null', bulkOf([{ method: 'POST', path: '/Users', bulkId: 'd', data: null }]), 200, { operations: [400] });
  bulk('POST whose data is an array', bulkOf([{ method: 'POST', path: '/Users', bulkId: 'd', data: [{ userName: fresh('b') }] }]), 200, { operations: [400] });
  bulk('the same bulkId on two POSTs', bulkOf([{ method: 'POST', path: '/Users', bulkId: 'dup', data: { schemas: [USER], userName: fresh('b') } }, { method: 'POST', path: '/Users', bulkId: 'dup', data: { schemas: [USER], userName: fresh('b') } }]), 400);
  // §3.7.4: more operations than maxOperations (1,000), or a body over maxPayloadSize (1 MiB): 413.
  bulk('1,001 operations', bulkOf(Array.from({ length: 1001 }, () => failingOp)), 413);
  bulk('15,000 operations (under 1 MiB)', bulkOf(Array.from({ length: 15_000 }, () => failingOp)), 413);
  bulk('a body over maxPayloadSize', bulkOf([{ method: 'POST', path: '/Users', bulkId: 'p', data: { schemas: [USER], userName: fresh('b'), displayName: 'x'.repeat(MIB + 10) } }]), 413);
  // §3.7.1: circular references are resolved (the resources are created) or answered 409 per operation.
  const manager = (bulkId: string) => ({ [ENTERPRISE]: { manager: { value: `bulkId:${bulkId}` } } });
  const userOp = (bulkId: string, managerBulkId: string) => ({ method: 'POST', path: '/Users', bulkId, data: { schemas: [USER, ENTERPRISE], userName: fresh(`cycle-${bulkId}`), ...manager(managerBulkId) } });
  const cycle: Expect = [201, 409];
  bulk('two users, each the other\'s manager (a bulkId cycle)', bulkOf([userOp('a', 'b'), userOp('b', 'a')]), 200, { operations: [cycle, cycle], unchanged: false });
  bulk('three users in a manager cycle', bulkOf([userOp('x', 'y'), userOp('y', 'z'), userOp('z', 'x')]), 200, { operations: [cycle, cycle, cycle], unchanged: false });
  bulk('a user who is their own manager by bulkId', bulkOf([userOp('self', 'self')]), 200, { operations: [cycle], unchanged: false });
  bulk(
    'two groups, each a member of the other',
    bulkOf([
      { method: 'POST', path: '/Groups', bulkId: 'g1', data: { schemas: [GROUP], displayName: fresh('G'), members: [{ value: 'bulkId:g2' }] } },
      { method: 'POST', path: '/Groups', bulkId: 'g2', data: { schemas: [GROUP], displayName: fresh('G'), members: [{ value: 'bulkId:g1' }] } },
    ]),
    200,
    { operations: [[201, 400, 409], [201, 400, 409]], unchanged: false },
  );

  // ---------------------------------------------------------------------------------------------
  // Authentication (RFC 7644 §2, RFC 6750 §3): 401 with a SCIM body. Another tenant's token reads
  // this tenant's ids as unknown: 404, never 403, which would confirm they exist.
  const unauthorized = (name: string, authorization: string | null, method = 'GET', path = '/Users', body?: object, expect: Expect = 401) =>
    add('auth', { name: `${method} ${path.replace(/\/[0-9a-f-]{20,}$/, '/{id}')} with ${name}`, method, path, headers: { Authorization: authorization }, body, expect });
  unauthorized('no Authorization', null);
  unauthorized('no Authorization', null, 'POST', '/Users', { schemas: [USER], userName: fresh('a') });
  unauthorized('no Authorization', null, 'DELETE', `/Users/${dave.id}`);
  unauthorized('no Authorization', null, 'POST', '/Bulk', bulkOf([{ method: 'DELETE', path: `/Users/${dave.id}` }]));
  unauthorized('an empty Authorization', '');
  unauthorized('"Bearer"', 'Bearer');
  unauthorized('"Bearer " and nothing', 'Bearer ');
  unauthorized('"Bearer" and spaces', 'Bearer    ');
  unauthorized('Basic credentials', `Basic ${Buffer.from('admin:admin').toString('base64')}`);
  unauthorized('garbage', 'garbage');
  unauthorized('the token and one more character', `Bearer ${seed.token}x`);
  unauthorized('the token with its last character changed', `Bearer ${seed.token.slice(0, -1)}${seed.token.endsWith('A') ? 'B' : 'A'}`);
  unauthorized('the token twice', `Bearer ${seed.token} ${seed.token}`);
  unauthorized('the token\'s tenant and 43 × A', `Bearer ${seed.token.split('.')[0]}.${'A'.repeat(43)}`);
  unauthorized('an unknown tenant', `Bearer nosuchtenant.${'A'.repeat(43)}`);
  unauthorized('a tenant name with ../', `Bearer ../../secrets/x.${'A'.repeat(43)}`);
  unauthorized('a tenant name with %2F', `Bearer ..%2F..%2Fx.${'A'.repeat(43)}`);
  unauthorized('a Latin-1 token', 'Bearer \u00e9\u00e9\u00e9');
  unauthorized('an 8 KB token', `Bearer ${'A'.repeat(8 * KB)}`);
  unauthorized('a 20 KB token', `Bearer ${'A'.repeat(20 * KB)}`, 'GET', '/Users', undefined, [401, 431]);
  unauthorized('no Authorization', null, 'GET', '/ServiceProviderConfig', undefined, [200, 401]);
  // RFC 7235 §2.1: the scheme is case-insensitive.
  add('auth', { name: 'GET /Users with "bearer" in lower case', method: 'GET', path: '/Users', headers: { Authorization: `bearer ${seed.token}` }, expect: 200 });
  add('auth', { name: 'GET /Users with "BEARER" in upper case', method: 'GET', path: '/Users', headers: { Authorization: `BEARER ${seed.token}` }, expect: 200 });
  if (seed.otherToken) {
    const other = { Authorization: `Bearer ${seed.otherToken}` };
    const foreign = (name: string, method: string, path: string, body?: object, expect: Expect = 404, extra: Partial<CorpusEntry> = {}) =>
      add('auth', { name: `another tenant's token: ${name}`, method, path, headers: other, body, expect, ...extra });
    foreign('GET /Users/{id}', 'GET', `/Users/${alice.id}`);
    foreign('PUT /Users/{id}', 'PUT', `/Users/${alice.id}`, { schemas: [USER], userName: fresh('x') });
    foreign('PATCH /Users/{id}', 'PATCH', `/Users/${alice.id}`, patchOf({ op: 'replace', path: 'active', value: false }));
    foreign('DELETE /Users/{id}', 'DELETE', `/Users/${dave.id}`);
    foreign('GET /Groups/{id}', 'GET', `/Groups/${engineering.id}`);
    foreign('PATCH /Groups/{id} adding a member', 'PATCH', `/Groups/${engineering.id}`, patchOf({ op: 'add', path: 'members', value: [{ value: carol.id }] }));
    foreign('PUT /Groups/{id}', 'PUT', `/Groups/${engineering.id}`, { schemas: [GROUP], displayName: fresh('G') });
    foreign('DELETE /Groups/{id}', 'DELETE', `/Groups/${engineering.id}`);
    foreign('GET /Users?filter=userName eq <this tenant\'s user>', 'GET', query('/Users', { filter: `userName eq "${alice.userName}"` }), undefined, 200, { check: emptyList });
    foreign('GET /Groups?filter=members.value eq <this tenant\'s user>', 'GET', query('/Groups', { filter: `members.value eq "${alice.id}"` }), undefined, 200, { check: emptyList });
    foreign('POST /Users/.search by this tenant\'s id', 'POST', '/Users/.search', searchOf({ filter: `id eq "${alice.id}"` }), 200, { check: emptyList });
    foreign('POST /Groups with this tenant\'s users as members', 'POST', '/Groups', { schemas: [GROUP], displayName: fresh('G'), members: [{ value: alice.id }, { value: bob.id }] }, [201, 400], {
      check: (body) => ((body?.members ?? []).length > 0 ? 'another tenant\'s users became members' : undefined),
    });
    foreign('POST /Bulk deleting this tenant\'s user', 'POST', '/Bulk', bulkOf([{ method: 'DELETE', path: `/Users/${dave.id}` }]), 200, { operations: [404], unchanged: true });
  }
  if (seed.otherTenantUserId) {
    add('auth', { name: 'GET /Users/{id of another tenant\'s user}', method: 'GET', path: `/Users/${seed.otherTenantUserId}`, expect: 404 });
    add('auth', { name: 'PATCH /Groups/{id}: add another tenant\'s user', method: 'PATCH', path: `/Groups/${qa.id}`, body: patchOf({ op: 'add', path: 'members', value: [{ value: seed.otherTenantUserId }] }), expect: ['2xx', 400], check: noForeignMember(seed.otherTenantUserId) });
  }

  // ---------------------------------------------------------------------------------------------
  // Methods and paths: unknown routes are 404, known routes with another method 405 (or 404, as API
  // Gateway answers them), each with a SCIM body.
  const route = (name: string, method: string, path: string, expect: Expect, body?: object | string) =>
    add('methods-and-paths', { name: `${method} ${name}`, method, path, body, expect });
  const notAllowed: Expect = [404, 405];
  route('/Users', 'TRACE', '/Users', notAllowed);
  route('/Users/{id}', 'TRACE', `/Users/${alice.id}`, notAllowed);
  route('/Users', 'OPTIONS', '/Users', ['2xx', 404, 405]);
  route('/Bulk', 'OPTIONS', '/Bulk', ['2xx', 404, 405]);
  route('/Users', 'HEAD', '/Users', ['2xx', 404, 405]);
  route('/Users/{id}', 'HEAD', `/Users/${alice.id}`, ['2xx', 404, 405]);
  route('/Users (the collection)', 'PUT', '/Users', notAllowed, { schemas: [USER], userName: fresh('p') });
  route('/Users (the collection)', 'PATCH', '/Users', notAllowed, patchOf({ op: 'replace', path: 'active', value: false }));
  route('/Users (the collection)', 'DELETE', '/Users', notAllowed);
  route('/Groups (the collection)', 'DELETE', '/Groups', notAllowed);
  route('/Groups (the collection)', 'PUT', '/Groups', notAllowed, { schemas: [GROUP], displayName: fresh('G') });
  route('/Users/{id}', 'POST', `/Users/${alice.id}`, notAllowed, { schemas: [USER], userName: fresh('p') });
  route('/Groups/{id}', 'POST', `/Groups/${engineering.id}`, notAllowed, { schemas: [GROUP], displayName: fresh('G') });
  route('/Users/.search', 'GET', '/Users/.search', notAllowed);
  route('/Bulk', 'GET', '/Bulk', notAllowed);
  route('/Bulk', 'DELETE', '/Bulk', notAllowed);
  route('/ServiceProviderConfig', 'PUT', '/ServiceProviderConfig', notAllowed, { schemas: [] });
  route('/ServiceProviderConfig', 'PATCH', '/ServiceProviderConfig', notAllowed, patchOf({ op: 'replace', path: 'bulk.maxOperations', value: 1e9 }));
  route('/Schemas', 'DELETE', '/Schemas', notAllowed);
  route('/ResourceTypes', 'POST', '/ResourceTypes', notAllowed, { schemas: [] });
  route('/Users (PROPFIND, a WebDAV method)', 'PROPFIND', '/Users', notAllowed);
  route('/Users (FOO, no method at all)', 'FOO', '/Users', [400, 404, 405]);
  route('/Nope', 'GET', '/Nope', 404);
  route('/USERS (paths are case-sensitive)', 'GET', '/USERS', 404);
  route('/Users/{id}/extra', 'GET', `/Users/${alice.id}/extra`, 404);
  route('/Users/.search/x', 'POST', '/Users/.search/x', 404, searchOf({}));
  route('the base path itself', 'GET', '', 404);
  route('the base path with a slash', 'GET', '/', 404);
  route('/../v1/Users', 'GET', '/../v1/Users', 404);
  route('/../x (dot segments out of the base path)', 'GET', '/../x', 404);
  route('/../../../../etc/passwd', 'GET', '/../../../../etc/passwd', 404);
  route('/..%2f..%2fetc%2fpasswd', 'GET', '/..%2f..%2fetc%2fpasswd', 404);
  route('/Users;jsessionid=x', 'GET', '/Users;jsessionid=x', 404);
  route('//Users (double slash)', 'GET', '//Users', [200, 404]);
  route('/Users//{id} (double slash)', 'GET', `/Users//${alice.id}`, [200, 404]);
  route('/Users/%2e%2e/Groups', 'GET', '/Users/%2e%2e/Groups', [200, 404]);
  route('/Users/%ZZ', 'GET', '/Users/%ZZ', [400, 404]);
  route('/Users/%ZZ', 'PUT', '/Users/%ZZ', [400, 404], { schemas: [USER], userName: fresh('p') });
  route('/Users/%ZZ', 'PATCH', '/Users/%ZZ', [400, 404], patchOf({ op: 'replace', path: 'active', value: false }));
  route('/Users/%ZZ', 'DELETE', '/Users/%ZZ', [400, 404]);
  route('/Users/%00', 'GET', '/Users/%00', [400, 404]);
  route('/Users/%F0%28%8C%28 (invalid UTF-8 escaped)', 'GET', '/Users/%F0%28%8C%28', [400, 404]);
  route('/Users/{id}%2F..', 'GET', `/Users/${alice.id}%2F..`, 404);
  route('/Users/T%23default%23Users (a key prefix as id)', 'GET', '/Users/T%23default%23Users', 404);
  route('/Groups/{a user\'s id}', 'GET', `/Groups/${alice.id}`, 404);
  route('/Users/{a group\'s id}', 'DELETE', `/Users/${engineering.id}`, 404);
  add('methods-and-paths', { name: 'POST /Users/.search: no schemas', method: 'POST', path: '/Users/.search', body: { filter: 'userName pr' }, expect: 400, detailMustNotMatch: /query parameter/i });
  add('methods-and-paths', { name: 'POST /Users/.search: schemas of a PatchOp', method: 'POST', path: '/Users/.search', body: { schemas: [PATCH], filter: 'userName pr' }, expect: 400, detailMustNotMatch: /query parameter/i });
  add('methods-and-paths', { name: 'POST /Groups/.search: attributes {}', method: 'POST', path: '/Groups/.search', body: searchOf({ attributes: {} }), expect: 400, detailMustNotMatch: /query parameter/i });
  add('methods-and-paths', { name: 'POST /.search: sortBy 5', method: 'POST', path: '/.search', body: searchOf({ sortBy: 5 }), expect: [200, 400], detailMustNotMatch: /query parameter/i });
  add('methods-and-paths', { name: 'POST /.search: cursor "x"', method: 'POST', path: '/.search', body: searchOf({ cursor: 'x' }), expect: 400, detailMustNotMatch: /query parameter/i });

  // ---------------------------------------------------------------------------------------------
  // Requests Node's HTTP parser refuses before any handler runs: still a SCIM error body.
  const framing = (name: string, raw: string | Buffer, expect: Expect = 400) => add('http-framing', { name, method: 'RAW', path: '', raw, expect });
  framing('a header name with a space', 'GET {BASE}/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nBad Header: 1\r\nConnection: close\r\n\r\n');
  framing('a header line without a colon', 'GET {BASE}/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nnocolon\r\nConnection: close\r\n\r\n');
  framing('a malformed chunk size', 'POST {BASE}/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n');
  framing(
    'both Content-Length and Transfer-Encoding (request smuggling)',
    'POST {BASE}/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/scim+json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n',
  );
  framing('a negative Content-Length', 'POST {BASE}/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: -1\r\nConnection: close\r\n\r\n');
  framing('two different Content-Lengths', 'POST {BASE}/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}}');
  framing('no Host header (HTTP/1.1 requires one)', 'GET {BASE}/Users HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n');
  framing('a raw NUL in the path', 'GET {BASE}/Users/\u0000 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n');
  framing('a raw byte FF in the path', Buffer.concat([Buffer.from('GET {BASE}/Users/'), Buffer.from([0xff]), Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n')]), [400, 404]);

  // ---------------------------------------------------------------------------------------------
  // Preconditions (RFC 7644 §3.14, RFC 9110 §13.1): an If-Match naming no current version is 412
  // and nothing is written; a malformed one may be refused as 400.
  const precondition: Expect = [400, 412];
  const conditional = (name: string, method: string, path: string, headers: Record<string, string>, expect: Expect, body?: object) =>
    add('etag', { name: `${method} ${path.replace(/\/[0-9a-f-]{20,}$/, '/{id}')} with ${name}`, method, path, headers, body, expect });
  const erinPut = { schemas: [USER], userName: erin.userName, nickName: 'etag' };
  const erinPatch = patchOf({ op: 'replace', path: 'nickName', value: 'etag' });
  conditional('If-Match: garbage', 'PUT', `/Users/${erin.id}`, { 'If-Match': 'garbage' }, precondition, erinPut);
  conditional('If-Match: W/"999"', 'PUT', `/Users/${erin.id}`, { 'If-Match': 'W/"999"' }, 412, erinPut);
  conditional('If-Match: garbage', 'PATCH', `/Users/${erin.id}`, { 'If-Match': 'garbage' }, precondition, erinPatch);
  conditional('If-Match: W/"-1"', 'PATCH', `/Users/${erin.id}`, { 'If-Match': 'W/"-1"' }, precondition, erinPatch);
  conditional('If-Match: W/"1e400"', 'PATCH', `/Users/${erin.id}`, { 'If-Match': 'W/"1e400"' }, precondition, erinPatch);
  conditional('If-Match: W/"99999999999999999999999"', 'PATCH', `/Users/${erin.id}`, { 'If-Match': 'W/"99999999999999999999999"' }, precondition, erinPatch);
  conditional('If-Match: 10 KB', 'PATCH', `/Users/${erin.id}`, { 'If-Match': `"${'e'.repeat(10 * KB)}"` }, precondition, erinPatch);
  conditional('If-Match: garbage', 'DELETE', `/Users/${dave.id}`, { 'If-Match': 'garbage' }, precondition);
  conditional('If-Match: W/"0"', 'DELETE', `/Users/${dave.id}`, { 'If-Match': 'W/"0"' }, 412);
  conditional('If-Match: "1x"', 'DELETE', `/Users/${dave.id}`, { 'If-Match': '"1x"' }, precondition);
  conditional('If-Match: , , ,', 'DELETE', `/Users/${dave.id}`, { 'If-Match': ', , ,' }, precondition);
  conditional('If-Match: * (on an id that does not exist)', 'DELETE', `/Users/${missingId}`, { 'If-Match': '*' }, [404, 412]);
  conditional('If-Match: garbage', 'PATCH', `/Groups/${ops.id}`, { 'If-Match': 'garbage' }, precondition, patchOf({ op: 'replace', path: 'externalId', value: 'etag' }));
  conditional('If-Match: W/"abc"', 'PUT', `/Groups/${ops.id}`, { 'If-Match': 'W/"abc"' }, precondition, { schemas: [GROUP], displayName: ops.displayName, externalId: 'etag' });
  conditional('If-Match: garbage', 'DELETE', `/Groups/${engineering.id}`, { 'If-Match': 'garbage' }, precondition);
  conditional('If-None-Match: * (RFC 9110 §13.1.2: only if it does not exist)', 'PUT', `/Users/${erin.id}`, { 'If-None-Match': '*' }, [200, 412], erinPut);
  conditional('If-None-Match: garbage', 'GET', `/Users/${alice.id}`, { 'If-None-Match': 'garbage' }, 200);
  conditional('If-None-Match: *', 'GET', `/Users/${alice.id}`, { 'If-None-Match': '*' }, [200, 304]);
  conditional('If-None-Match: 10 KB', 'GET', `/Users/${alice.id}`, { 'If-None-Match': `W/"${'9'.repeat(10 * KB)}"` }, 200);
  conditional('If-None-Match: , , ,', 'GET', `/Groups/${engineering.id}`, { 'If-None-Match': ', , ,' }, [200, 304]);

  // ---------------------------------------------------------------------------------------------
  // Everything else: prototype keys, wrong types for every core attribute (RFC 7643 §2.3, §4).
  const hostile = (name: string, body: object | string, expect: Expect = 400, path = '/Users', extra: Partial<CorpusEntry> = {}) =>
    add('hostile-values', { name: `POST ${path}: ${name}`, method: 'POST', path, body: typeof body === 'string' ? body : JSON.stringify(body), expect, ...extra });
  const user = (attributes: Record<string, unknown>) => ({ schemas: [USER], userName: fresh('h'), ...attributes });
  const group = (attributes: Record<string, unknown>) => ({ schemas: [GROUP], displayName: fresh('G'), ...attributes });
  // JSON.parse makes "__proto__" an own key; copying it with assignment or spread would not.
  hostile('a top-level "__proto__" key', `{"schemas":["${USER}"],"userName":"${fresh('h')}","__proto__":{"polluted":true}}`, [201, 400], '/Users', { check: noPollution });
  hostile('a "constructor.prototype" key', user({ constructor: { prototype: { polluted: true } } }), [201, 400], '/Users', { check: noPollution });
  hostile('name.__proto__', `{"schemas":["${USER}"],"userName":"${fresh('h')}","name":{"__proto__":{"polluted":true},"givenName":"P"}}`, [201, 400], '/Users', { check: noPollution });
  hostile('an email whose "__proto__" holds its value', `{"schemas":["${USER}"],"userName":"${fresh('h')}","emails":[{"__proto__":{"value":"x@example.com"}}]}`, [201, 400], '/Users', { check: noPollution });
  hostile('"__proto__" in an undeclared extension', `{"schemas":["${USER}","${OKTA_USER}"],"userName":"${fresh('h')}","${OKTA_USER}":{"__proto__":{"polluted":true}}}`, [201, 400]);
  hostile('a group with a "__proto__" key', `{"schemas":["${GROUP}"],"displayName":"${fresh('G')}","__proto__":{"polluted":true}}`, [201, 400], '/Groups', { check: noPollution });
  hostile('a member whose "__proto__" holds its value', `{"schemas":["${GROUP}"],"displayName":"${fresh('G')}","members":[{"__proto__":{"value":"${alice.id}"}}]}`, [201, 400], '/Groups', { check: noPollution });
  for (const [name, value] of [
    ['1e400', '1e400'],
    ['99999999999999999999', '99999999999999999999'],
    ['1', '1'],
    ['"yes"', '"yes"'],
    ['[]', '[]'],
    ['{}', '{}'],
    ['"1"', '"1"'],
  ]) {
    hostile(`active ${name}`, rawJson(user({ active: slot('v') }), { v: value }), 400, '/Users', { scimType: invalidValue });
  }
  for (const [name, attributes] of [
    ['userName 123', { userName: 123 }],
    ['userName true', { userName: true }],
    ['userName {}', { userName: {} }],
    ['userName []', { userName: [] }],
    ['userName null (required)', { userName: null }],
    ['userName "" (required)', { userName: '' }],
    ['userName "   " (required)', { userName: '   ' }],
    ['name "x"', { name: 'x' }],
    ['name []', { name: [] }],
    ['name.givenName 5', { name: { givenName: 5 } }],
    ['displayName {}', { displayName: {} }],
    ['nickName []', { nickName: ['a'] }],
    ['profileUrl 5', { profileUrl: 5 }],
    ['title true', { title: true }],
    ['userType 1', { userType: 1 }],
    ['preferredLanguage ["en"]', { preferredLanguage: ['en'] }],
    ['locale {}', { locale: { a: 1 } }],
    ['timezone 5', { timezone: 5 }],
    ['externalId 5', { externalId: 5 }],
    ['emails 5', { emails: 5 }],
    ['emails [{"value": 5}]', { emails: [{ value: 5 }] }],
    ['emails [{"value": "a@b.c", "primary": "sure"}]', { emails: [{ value: 'a@b.c', primary: 'sure' }] }],
    ['emails [{"value": "a@b.c", "type": {}}]', { emails: [{ value: 'a@b.c', type: { a: 1 } }] }],
    ['phoneNumbers [{"value": []}]', { phoneNumbers: [{ value: ['1'] }] }],
    ['addresses "x"', { addresses: 'x' }],
    ['addresses [{"postalCode": 12345}]', { addresses: [{ postalCode: 12345 }] }],
    ['ims 7', { ims: 7 }],
    ['photos [{"value": 5}]', { photos: [{ value: 5 }] }],
    ['entitlements [{"value": {}}]', { entitlements: [{ value: { a: 1 } }] }],
    ['roles [{"value": true}]', { roles: [{ value: true }] }],
    ['x509Certificates [{"value": "!!! not base64"}]', { x509Certificates: [{ value: '!!! not base64' }] }],
    ['x509Certificates [{"value": 5}]', { x509Certificates: [{ value: 5 }] }],
    ['the enterprise extension as a string', { [ENTERPRISE]: 'x' }],
    ['employeeNumber 5', { [ENTERPRISE]: { employeeNumber: 5 } }],
    ['manager {"value": 5}', { [ENTERPRISE]: { manager: { value: 5 } } }],
    ['manager []', { [ENTERPRISE]: { manager: [{ value: 'x' }] } }],
  ] as const) {
    hostile(name, user(attributes), 400, '/Users', { scimType: invalidValue });
  }
  hostile('no userName at all', { schemas: [USER], displayName: 'Nobody' }, 400, '/Users', { scimType: invalidValue });
  hostile('emails "x" (a bare string for a complex value)', user({ emails: 'x' }), [201, 400]);
  hostile('schemas "not an array"', { schemas: 'nope', userName: fresh('h') }, [201, 400]);
  hostile('schemas ["urn:evil"] only', { schemas: ['urn:evil'], userName: fresh('h') }, [201, 400]);
  hostile('a displayName with a lone surrogate', user({ displayName: 'x\ud800y' }), [201, 400]);
  hostile('id and meta of another user (readOnly, ignored)', user({ id: alice.id, meta: { created: '2000-01-01T00:00:00Z', version: 'W/"1"' } }), [201, 400], '/Users', {
    check: (body) => (body?.id === alice.id ? 'the client chose the id of an existing user' : undefined),
  });
  hostile('groups naming a group (readOnly, ignored)', user({ groups: [{ value: engineering.id }] }), [201, 400], '/Users', {
    check: (body) => ((body?.groups ?? []).some((entry: any) => entry?.value === engineering.id) ? 'a readOnly groups value made a membership' : undefined),
  });
  for (const [name, attributes] of [
    ['displayName 5', { displayName: 5 }],
    ['displayName []', { displayName: ['a'] }],
    ['displayName {}', { displayName: { a: 1 } }],
    ['displayName null (required)', { displayName: null }],
    ['displayName "" (required)', { displayName: '' }],
    ['members 5', { members: 5 }],
    ['members [{"value": 5}]', { members: [{ value: 5 }] }],
    ['members [{}]', { members: [{}] }],
    ['members [{"value": null}]', { members: [{ value: null, display: 'x' }] }],
    ['members [[]]', { members: [['x']] }],
    ['externalId {}', { externalId: { a: 1 } }],
  ] as const) {
    hostile(name, group(attributes), 400, '/Groups', { scimType: invalidValue });
  }
  hostile('members "x" (a bare string for a member)', group({ members: 'x' }), [201, 400], '/Groups');
  add('hostile-values', { name: 'PUT /Users/{id}: userName 5', method: 'PUT', path: `/Users/${erin.id}`, body: { schemas: [USER], userName: 5 }, expect: 400, scimType: invalidValue });
  add('hostile-values', { name: 'PUT /Users/{id}: no userName', method: 'PUT', path: `/Users/${erin.id}`, body: { schemas: [USER], displayName: 'x' }, expect: 400, scimType: invalidValue });
  add('hostile-values', { name: 'PUT /Users/{id}: active "maybe"', method: 'PUT', path: `/Users/${erin.id}`, body: { schemas: [USER], userName: erin.userName, active: 'maybe' }, expect: 400, scimType: invalidValue });
  add('hostile-values', { name: 'PUT /Groups/{id}: no displayName', method: 'PUT', path: `/Groups/${ops.id}`, body: { schemas: [GROUP], members: [] }, expect: 400, scimType: invalidValue });

  return entries;
}

/** The group the PATCH answered with (when it answers with one) lists no user of another tenant. */
function noForeignMember(foreignId: string) {
  return (body: any) => ((body?.members ?? []).some((member: any) => member?.value === foreignId) ? 'another tenant\'s user became a member' : undefined);
}
