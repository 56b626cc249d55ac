import { ScimError } from '../../lambdas/scim/errors';
import { matchesValue } from '../../lambdas/scim/filter-evaluation';
import { applyMemberSteps, splitBodyMembers, splitMemberOperations } from '../../lambdas/scim/members';
import type { PatchOperation } from '../../lambdas/scim/patch';
import { GROUP_SCHEMA, groupModel, resolveAttribute } from '../../lambdas/scim/schemas';
import { scimErrorOf } from '../support/scim-error';

const membersDefinition = resolveAttribute(groupModel, { name: 'members' })!.definition;

/** What the Groups endpoint does with a PATCH: member steps applied to the current members; the rest goes to applyPatch. */
function patchMembers(current: string[], operations: PatchOperation[]) {
  const { memberSteps, otherOperations } = splitMemberOperations(operations, groupModel);
  const members = applyMemberSteps(new Set(current), memberSteps, (filter, id) => matchesValue(filter, { value: id }, membersDefinition));
  return { members: [...members], otherOperations };
}

function memberError(operations: PatchOperation[]): ScimError {
  return scimErrorOf(() => patchMembers(['u-1', 'u-2'], operations));
}

describe('group members: Okta', () => {
  it('adds members, skipping those already present, and drops their display', () => {
    const result = patchMembers(['u-1'], [
      { op: 'add', path: 'members', value: [{ value: 'u-1', display: 'isabel@example.com' }, { value: 'u-3', display: 'john@example.com' }] },
    ]);
    expect(result.members).toEqual(['u-1', 'u-3']);
  });

  it('removes members by value filter, and removing a non-member succeeds', () => {
    const result = patchMembers(['u-1', 'u-2'], [
      { op: 'remove', path: 'members[value eq "u-1"]' },
      { op: 'remove', path: 'members[value eq "not-a-member"]' },
    ]);
    expect(result.members).toEqual(['u-2']);
  });

  it('replaces the member list, possibly with an empty one', () => {
    expect(patchMembers(['u-1', 'u-2'], [{ op: 'replace', path: 'members', value: [{ value: 'u-9' }] }]).members).toEqual(['u-9']);
    expect(patchMembers(['u-1', 'u-2'], [{ op: 'replace', path: 'members', value: [] }]).members).toEqual([]);
  });

  it('removes the last member leaving the group without members', () => {
    expect(patchMembers(['u-1'], [{ op: 'remove', path: 'members[value eq "u-1"]' }]).members).toEqual([]);
  });
});

describe('group members: Entra ID', () => {
  it('removes only the listed members when Remove carries a value', () => {
    const result = patchMembers(['u-1', 'u-2', 'u-3'], [
      { op: 'Remove', path: 'members', value: [{ value: 'u-1' }, { value: 'u-3' }, { value: 'stranger' }] },
    ]);
    expect(result.members).toEqual(['u-2']);
  });

  it('adds and removes members carrying "$ref": null', () => {
    const added = patchMembers(['u-1'], [{ op: 'Add', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] }]);
    expect(added.members).toEqual(['u-1', 'f648f8d5ea4e4cd38e9c']);
    const removed = patchMembers(added.members, [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] }]);
    expect(removed.members).toEqual(['u-1']);
  });
});

describe('group members: paths', () => {
  it('refuses to change an immutable member value', () => {
    const error = memberError([{ op: 'replace', path: 'members[value eq "u-1"]', value: { value: 'u-9' } }]);
    expect(error.scimType).toBe('mutability');
    expect(error.detail).toContain("'members.value'");
  });

  it('rejects a member without value', () => {
    const error = memberError([{ op: 'add', path: 'members', value: [{ display: 'nobody' }] }]);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toContain("'members'");
  });

  it('removes all members without filter or value', () => {
    expect(patchMembers(['u-1', 'u-2'], [{ op: 'remove', path: 'members' }]).members).toEqual([]);
  });

  it.each([
    ['members', 'add'],
    ['Members', 'Add'],
    [`${GROUP_SCHEMA}:members`, 'add'],
    [`${GROUP_SCHEMA.toUpperCase()}:MEMBERS`, 'ADD'],
  ])('reads %s as the members attribute', (path, op) => {
    const result = patchMembers(['u-1'], [{ op, path, value: [{ value: 'u-2' }] }]);
    expect(result).toEqual({ members: ['u-1', 'u-2'], otherOperations: [] });
  });

  it('removes through a URN-qualified value filter', () => {
    const result = patchMembers(['u-1', 'u-2'], [{ op: 'remove', path: `${GROUP_SCHEMA}:members[value eq "u-1"]` }]);
    expect(result).toEqual({ members: ['u-2'], otherOperations: [] });
  });

  it('takes members out of a path-less value, plain, URN-qualified or inside the core schema object', () => {
    const result = patchMembers(['u-1'], [
      { op: 'add', value: { members: [{ value: 'u-2' }] } },
      { op: 'add', value: { [`${GROUP_SCHEMA}:members`]: [{ value: 'u-3' }], displayName: 'Platform' } },
      { op: 'Add', value: { [GROUP_SCHEMA]: { members: [{ value: 'u-4' }] } } },
    ]);
    expect(result.members).toEqual(['u-1', 'u-2', 'u-3', 'u-4']);
    expect(result.otherOperations).toEqual([{ op: 'add', value: { displayName: 'Platform' } }]);
  });

  it('leaves the other operations to the PATCH engine untouched', () => {
    const rename = { op: 'replace', value: { id: 'g-1', displayName: 'Platform' } };
    expect(patchMembers(['u-1'], [rename, { op: 'replace', path: 'externalId', value: 'x' }]).otherOperations).toEqual([
      rename,
      { op: 'replace', path: 'externalId', value: 'x' },
    ]);
  });
});

describe('group members: POST and PUT bodies', () => {
  it('splits members out of a body however the key is spelt', () => {
    expect(splitBodyMembers(groupModel, { displayName: 'Eng', Members: [{ value: 'u-1' }] })).toEqual({ attributes: { displayName: 'Eng' }, memberIds: ['u-1'] });
    expect(splitBodyMembers(groupModel, { displayName: 'Eng', [`${GROUP_SCHEMA}:members`]: [{ value: 'u-2' }] })).toEqual({
      attributes: { displayName: 'Eng' },
      memberIds: ['u-2'],
    });
  });
});
