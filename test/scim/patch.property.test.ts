import fc from 'fast-check';
import { ScimError } from '../../lambdas/scim/errors';
import { ScimResource, normalizeResource } from '../../lambdas/scim/normalize';
import { PatchOperation, applyPatch } from '../../lambdas/scim/patch';
import { ENTERPRISE_USER_SCHEMA, ResourceModel, groupModel, userModel } from '../../lambdas/scim/schemas';

const E = ENTERPRISE_USER_SCHEMA;
const meta = { resourceType: 'User', created: '2024-01-01T00:00:00Z', lastModified: '2024-01-01T00:00:00Z' };

const text = fc.oneof(fc.constantFrom('work', 'home', 'a@example.com', 'Isabel', 'u-1', 'u-2', ''), fc.string({ maxLength: 8 }));
const bool = fc.constantFrom<unknown>(true, false, 'True', 'False', 'true', 'maybe');
const type = fc.constantFrom('work', 'home', 'other', 'WORK');

const email = fc.record(
  { value: text, type, primary: bool, display: text },
  { requiredKeys: ['value'] },
);

const userBody = fc.record(
  {
    userName: fc.string({ minLength: 1, maxLength: 10 }).filter((name) => name.trim() !== ''),
    displayName: text,
    active: fc.boolean(),
    name: fc.record({ givenName: text, familyName: text }, { requiredKeys: [] }),
    emails: fc.array(email.map((value) => ({ ...value, primary: value.primary === true })), { maxLength: 3 }),
    [E]: fc.record({ employeeNumber: text, manager: fc.record({ value: text }) }, { requiredKeys: [] }),
    'urn:okta:custom:1': fc.record({ badge: fc.integer() }),
  },
  { requiredKeys: ['userName'] },
);

const userPaths = [
  'active',
  'displayName',
  'userName',
  'title',
  'name',
  'name.givenName',
  'Name.FamilyName',
  'emails',
  'emails[type eq "work"]',
  'emails[type eq "work"].value',
  'emails[type eq "home"].primary',
  'emails[type eq "work" and primary eq true].display',
  'emails[value co "@"]',
  'emails.type',
  `${E}:employeeNumber`,
  `${E}:manager`,
  `${E}:manager.value`,
  E,
  'id',
  'meta.created',
  'groups',
  'password',
  'unknownAttribute',
  'emails[type eq',
  'schemas',
];

const userValue: fc.Arbitrary<unknown> = fc.oneof(
  text,
  bool,
  fc.constant(null),
  email,
  fc.array(email, { maxLength: 3 }),
  fc.record({ givenName: text, familyName: fc.oneof(text, fc.constant(null)) }, { requiredKeys: [] }),
  fc.dictionary(fc.constantFrom(...userPaths, 'urn:okta:custom:1'), fc.oneof(text, bool, email, fc.constant(null)), { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 2 }),
);

const groupPaths = ['displayName', 'members', 'members[value eq "u-1"]', 'members[value eq "u-2"].display', 'members.value', 'externalId', 'id'];
const member = fc.record({ value: fc.constantFrom('u-1', 'u-2', 'u-3'), display: text, type: fc.constantFrom('User', 'Group') }, { requiredKeys: ['value'] });
const groupValue: fc.Arbitrary<unknown> = fc.oneof(
  text,
  fc.constant(null),
  member,
  fc.array(member, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom(...groupPaths), fc.oneof(text, fc.array(member, { maxLength: 2 })), { maxKeys: 2 }),
);

function operations(paths: string[], value: fc.Arbitrary<unknown>): fc.Arbitrary<PatchOperation[]> {
  const operation = fc.record(
    {
      op: fc.constantFrom('add', 'Add', 'replace', 'Replace', 'remove', 'Remove', 'copy'),
      path: fc.constantFrom(...paths),
      value,
    },
    { requiredKeys: ['op'] },
  );
  return fc.array(operation as fc.Arbitrary<PatchOperation>, { minLength: 1, maxLength: 5 });
}

/** The part of a resource normalizeResource owns: all but the read-only attributes the caller keeps. */
function writable(resource: ScimResource): ScimResource {
  const { id: _id, meta: _meta, ...rest } = resource;
  return rest;
}

function checkCanonical(model: ResourceModel, resource: ScimResource, ops: PatchOperation[], outcomes: { ok: number; failed: number }) {
  const snapshot = structuredClone(resource);
  let result: ScimResource;
  try {
    result = applyPatch(model, resource, ops);
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    expect(error.status).toBe(400);
    expect(resource).toEqual(snapshot);
    outcomes.failed++;
    return;
  }
  outcomes.ok++;
  expect(resource).toEqual(snapshot);
  expect(normalizeResource(model, writable(result))).toEqual(writable(result));
  expect(result.id).toEqual(snapshot.id);
  expect(result.meta).toEqual(snapshot.meta);
}

describe('applyPatch properties', () => {
  it('on users: throws ScimError or returns a canonical resource, never mutating the input', () => {
    const outcomes = { ok: 0, failed: 0 };
    fc.assert(
      fc.property(userBody, operations(userPaths, userValue), (body, ops) => {
        const user = { ...normalizeResource(userModel, body), id: 'u-1', meta };
        checkCanonical(userModel, user, ops, outcomes);
      }),
      { numRuns: 3000 },
    );
    expect(outcomes.ok).toBeGreaterThan(100);
    expect(outcomes.failed).toBeGreaterThan(100);
  });

  it('on groups: throws ScimError or returns a canonical resource, never mutating the input', () => {
    const outcomes = { ok: 0, failed: 0 };
    const groupBody = fc.record({ displayName: fc.constantFrom('Engineering', 'Ops'), members: fc.array(member, { maxLength: 4 }) });
    fc.assert(
      fc.property(groupBody, operations(groupPaths, groupValue), (body, ops) => {
        const group = { ...normalizeResource(groupModel, body), id: 'g-1', meta: { ...meta, resourceType: 'Group' } };
        checkCanonical(groupModel, group, ops, outcomes);
      }),
      { numRuns: 1000 },
    );
    expect(outcomes.ok).toBeGreaterThan(30);
  });

  // Intermediate states may be invalid (a required attribute removed then set again), so only when every step succeeds.
  it('gives the same result operation by operation as in one request', () => {
    fc.assert(
      fc.property(userBody, operations(userPaths, userValue), (body, ops) => {
        const user = { ...normalizeResource(userModel, body), id: 'u-1', meta };
        let together: ScimResource | ScimError;
        try {
          together = applyPatch(userModel, user, ops);
        } catch (error) {
          together = error as ScimError;
        }
        fc.pre(!(together instanceof ScimError));
        let stepwise: ScimResource = user;
        try {
          for (const op of ops) stepwise = applyPatch(userModel, stepwise, [op]);
        } catch (error) {
          if (error instanceof ScimError) return;
          throw error;
        }
        expect(stepwise).toEqual(together);
      }),
      { numRuns: 500 },
    );
  });
});
