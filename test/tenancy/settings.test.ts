import { parseSettings, SettingsError } from '../../lambdas/contracts/settings';

const tability = {
  roles: ['owner', 'admin', 'it-admin', 'user', 'readonly'],
  defaultRole: 'user',
  groupRoles: [
    { group: 'Owners', role: 'owner' },
    { group: 'Admins', role: 'admin' },
    { group: 'IT Admins', role: 'it-admin' },
    { group: 'Users', role: 'user' },
    { group: 'Readonly', role: 'readonly' },
  ],
  seatLimit: 50,
};

function problemsOf(input: unknown): string[] {
  try {
    parseSettings(input);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error('expected the settings to be refused');
}

describe('tenant settings', () => {
  it('accepts a Tability-style mapping and fills the seat policy', () => {
    expect(parseSettings(tability)).toEqual({ ...tability, seatPolicy: 'reject' });
  });

  it('accepts groups named by externalId or id, a role attribute, no default and no limit', () => {
    const settings = {
      roles: ['admin', 'viewer'],
      defaultRole: null,
      groupRoles: [
        { externalId: '00g1abcd', role: 'admin' },
        { id: '6e9ab5a0-1d4b-4a52-9d54-8d3fd7a4a0b1', role: 'viewer' },
      ],
      roleAttribute: 'userType',
      seatLimit: null,
      seatPolicy: 'createInactive',
    };
    expect(parseSettings(settings)).toEqual(settings);
  });

  it('names every problem and where it is', () => {
    const problems = problemsOf({
      roles: ['admin', 'admin', ' '],
      defaultRole: 'owner',
      groupRoles: [{ group: 'Admins', role: 'superuser' }, { group: 'ADMINS', role: 'admin' }, { group: 'x', externalId: 'y', role: 'admin' }],
      seatLimit: -1,
      seatPolicy: 'queue',
      colour: 'blue',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^roles\.2: a role name cannot be empty/),
        expect.stringMatching(/^seatLimit: /),
        expect.stringMatching(/^seatPolicy: /),
        expect.stringMatching(/colour/),
        expect.stringMatching(/^groupRoles\.2/),
      ]),
    );
  });

  it('refuses a default role, a mapped role or a duplicate that the roles do not allow', () => {
    const problems = problemsOf({
      roles: ['admin', 'admin'],
      defaultRole: 'owner',
      groupRoles: [{ group: 'Admins', role: 'superuser' }, { group: 'ADMINS', role: 'admin' }],
      seatLimit: null,
    });
    expect(problems).toEqual([
      'roles.1: role "admin" is listed twice',
      'defaultRole: "owner" is not one of roles',
      'groupRoles.0.role: "superuser" is not one of roles',
      'groupRoles.1: this group is mapped twice',
    ]);
  });

  it('refuses missing fields rather than guessing them', () => {
    expect(problemsOf({ roles: [] })).toEqual(expect.arrayContaining([expect.stringMatching(/^defaultRole: /), expect.stringMatching(/^groupRoles: /), expect.stringMatching(/^seatLimit: /)]));
  });
});
