import type { GroupRole, TenantSettings } from '../contracts/settings';
import type { Access } from '../contracts/table-design';

/** A group as far as role mapping reads it. */
export interface GroupForRoles {
  id: string;
  displayName: string;
  externalId?: string;
}

/** A user's role before it is stored (Access without the settings version). */
export type EffectiveRole = Omit<Access, 'settingsVersion'>;

/** The user's own values of the tenant's role attribute, as stored (RFC 7643 §4.1.1 userType; §4.1.2 roles). */
export function roleAttributeValues(resource: Record<string, unknown>, attribute: TenantSettings['roleAttribute']): { values: string[]; primary?: string } {
  if (attribute === 'userType') return typeof resource.userType === 'string' ? { values: [resource.userType] } : { values: [] };
  if (attribute !== 'roles' || !Array.isArray(resource.roles)) return { values: [] };
  const entries = resource.roles.filter((entry): entry is { value: string; primary?: boolean } => typeof entry?.value === 'string');
  return { values: entries.map((entry) => entry.value), primary: entries.find((entry) => entry.primary === true)?.value };
}

/**
 * A user's role under the tenant's settings (the vendors' rule: Tability, WorkOS): a value of the
 * role attribute naming a known role wins (Okta's `userType` per assignment; Entra ID's primary
 * app role, or its highest-priority one); then the highest-priority role of the mapped groups;
 * then the default. Roles compare exactly; group names fold case like displayName uniqueness.
 */
export function effectiveRole(
  settings: TenantSettings,
  user: { attribute: { values: string[]; primary?: string }; groups: GroupForRoles[] },
  foldName: (name: string) => string,
): EffectiveRole {
  const priority = new Map(settings.roles.map((role, index) => [role, index]));
  const byPriority = (a: string, b: string) => priority.get(a)! - priority.get(b)!;

  const attributeRoles = user.attribute.values.filter((value) => priority.has(value)).sort(byPriority);
  const groupRoles = new Map<string, GroupForRoles>();
  for (const group of [...user.groups].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    for (const mapping of settings.groupRoles) {
      if (mapsGroup(mapping, group, foldName) && !groupRoles.has(mapping.role)) groupRoles.set(mapping.role, group);
    }
  }
  const roles = [...new Set([...attributeRoles, ...groupRoles.keys()])].sort(byPriority);

  if (attributeRoles.length > 0 && settings.roleAttribute) {
    const primary = user.attribute.primary !== undefined && priority.has(user.attribute.primary) ? user.attribute.primary : attributeRoles[0];
    return { role: primary, roles, roleReason: { source: 'attribute', attribute: settings.roleAttribute } };
  }
  const [best] = [...groupRoles.keys()].sort(byPriority);
  if (best !== undefined) {
    const group = groupRoles.get(best)!;
    return { role: best, roles, roleReason: { source: 'group', group: { id: group.id, displayName: group.displayName } } };
  }
  return { role: settings.defaultRole, roles: settings.defaultRole === null ? [] : [settings.defaultRole], roleReason: { source: 'default' } };
}

/** Whether a mapping names this group. */
export function mapsGroup(mapping: GroupRole, group: GroupForRoles, foldName: (name: string) => string): boolean {
  if ('group' in mapping) return foldName(mapping.group) === foldName(group.displayName);
  if ('externalId' in mapping) return group.externalId !== undefined && mapping.externalId === group.externalId;
  return mapping.id === group.id;
}
