import { unique } from './scim-server';
import { GROUP, PATCH, USER } from './urns';

/**
 * Test data with overrides: a test names only what it is about, and gets a valid rest. Where the
 * exact shape of a body is the point (replay fixtures, quirks of one IdP), write the literal instead.
 */

type Body = Record<string, any>;

/** Some valid user, with a userName no other test uses and a work email equal to it. */
export function aUser(overrides: Body = {}): Body & { userName: string } {
  const userName = overrides.userName ?? `${unique('user')}@example.com`;
  return {
    schemas: [USER],
    userName,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Ada Lovelace',
    active: true,
    ...overrides,
  };
}

/** A user as Okta POSTs one: its own user id as externalId, a placeholder password, read-only `groups: []`. */
export function anOktaUser(overrides: Body = {}): Body & { userName: string } {
  return aUser({ externalId: unique('00u'), locale: 'en-US', password: 'placeholder-Okta-1!', groups: [], ...overrides });
}

/** Some valid group with a displayName no other test uses; no members unless given. */
export function aGroup(overrides: Body = {}): Body & { displayName: string } {
  return { schemas: [GROUP], displayName: unique('Group'), members: [], ...overrides };
}

/** Member references as clients send them: `{ value: id }`. */
export const memberRefs = (ids: readonly string[]) => ids.map((value) => ({ value }));

/** A PatchOp request (RFC 7644 §3.5.2). */
export const patchOf = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });

/** PATCH operations on `members`, in the shapes the IdPs send them. */
export const membersOp = {
  add: (ids: readonly string[]) => ({ op: 'add', path: 'members', value: memberRefs(ids) }),
  /** Okta's shape: one member by a value filter. */
  removeByFilter: (id: string) => ({ op: 'remove', path: `members[value eq "${id}"]` }),
  /** Entra ID's shape without aadOptscim062020: capitalised op, ids in `value`. */
  removeByValue: (ids: readonly string[]) => ({ op: 'Remove', path: 'members', value: memberRefs(ids) }),
  replace: (ids: readonly string[]) => ({ op: 'replace', path: 'members', value: memberRefs(ids) }),
};

export const sorted = (ids: Iterable<string>) => [...ids].sort();
