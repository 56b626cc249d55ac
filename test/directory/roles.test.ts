import { parseSettings } from '../../lambdas/contracts/settings';
import { effectiveRole, roleAttributeValues, type GroupForRoles } from '../../lambdas/directory/roles';

const fold = (name: string) => name.toLowerCase();

const tability = parseSettings({
  roles: ['owner', 'admin', 'user', 'readonly'],
  defaultRole: 'user',
  groupRoles: [
    { group: 'Owners', role: 'owner' },
    { group: 'Admins', role: 'admin' },
    { group: 'Users', role: 'user' },
    { group: 'Readonly', role: 'readonly' },
  ],
  roleAttribute: 'userType',
  seatLimit: null,
});

const group = (id: string, displayName: string, externalId?: string): GroupForRoles => ({ id, displayName, externalId });
const admins = group('g-2', 'Admins');
const readonly = group('g-4', 'READONLY');
const noAttribute = { values: [] };

describe('effective role', () => {
  it('takes the highest-priority group, matching names in any case, and lists every mapped role', () => {
    expect(effectiveRole(tability, { attribute: noAttribute, groups: [readonly, admins, group('g-9', 'Unmapped')] }, fold)).toEqual({
      role: 'admin',
      roles: ['admin', 'readonly'],
      roleReason: { source: 'group', group: { id: 'g-2', displayName: 'Admins' } },
    });
    expect(effectiveRole(tability, { attribute: noAttribute, groups: [readonly] }, fold)).toMatchObject({ role: 'readonly', roles: ['readonly'] });
  });

  it('falls back to the default role, or to none', () => {
    expect(effectiveRole(tability, { attribute: noAttribute, groups: [group('g-9', 'Unmapped')] }, fold)).toEqual({ role: 'user', roles: ['user'], roleReason: { source: 'default' } });
    const noDefault = parseSettings({ ...tability, defaultRole: null });
    expect(effectiveRole(noDefault, { attribute: noAttribute, groups: [] }, fold)).toEqual({ role: null, roles: [], roleReason: { source: 'default' } });
  });

  it("lets Okta's userType override groups when it names a known role, and ignores it otherwise", () => {
    expect(effectiveRole(tability, { attribute: { values: ['readonly'] }, groups: [admins] }, fold)).toEqual({
      role: 'readonly',
      roles: ['admin', 'readonly'],
      roleReason: { source: 'attribute', attribute: 'userType' },
    });
    expect(effectiveRole(tability, { attribute: { values: ['Employee'] }, groups: [admins] }, fold)).toMatchObject({ role: 'admin', roleReason: { source: 'group' } });
  });

  it("takes Entra ID's primary app role, else its highest-priority known one", () => {
    const entra = parseSettings({ ...tability, roleAttribute: 'roles' });
    const primary = roleAttributeValues({ roles: [{ value: 'owner' }, { value: 'readonly', primary: true }, { value: 'Guest' }] }, 'roles');
    expect(effectiveRole(entra, { attribute: primary, groups: [] }, fold)).toMatchObject({ role: 'readonly', roles: ['owner', 'readonly'] });
    const unmarked = roleAttributeValues({ roles: [{ value: 'readonly' }, { value: 'admin' }] }, 'roles');
    expect(effectiveRole(entra, { attribute: unmarked, groups: [] }, fold)).toMatchObject({ role: 'admin', roleReason: { source: 'attribute', attribute: 'roles' } });
  });

  it('maps groups named by externalId or id', () => {
    const byKey = parseSettings({
      roles: ['admin', 'viewer'],
      defaultRole: null,
      groupRoles: [
        { externalId: '00gOKTA', role: 'admin' },
        { id: 'g-7', role: 'viewer' },
      ],
      seatLimit: null,
    });
    expect(effectiveRole(byKey, { attribute: noAttribute, groups: [group('g-1', 'Whatever', '00gOKTA')] }, fold)).toMatchObject({ role: 'admin' });
    expect(effectiveRole(byKey, { attribute: noAttribute, groups: [group('g-7', 'Renamed')] }, fold)).toMatchObject({ role: 'viewer' });
  });

  it('reads no attribute when the settings name none', () => {
    expect(roleAttributeValues({ userType: 'admin' }, undefined)).toEqual({ values: [] });
    expect(roleAttributeValues({ userType: 'admin' }, 'userType')).toEqual({ values: ['admin'] });
  });
});
