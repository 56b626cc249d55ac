import * as z from 'zod/mini';
import { validate } from '../scim/validation';
import { foldCase } from './table-design';

/**
 * A tenant's settings: how provisioned users become access in the SaaS app (roles from groups,
 * a default role, a role attribute), and how many may be active (seats). One versioned document
 * per tenant, changed only through the admin library; the admin API, the console and the app's
 * read library read the same shape.
 */
const roleName = z
  .string()
  .check(
    z.trim(),
    z.minLength(1, 'a role name cannot be empty'),
    z.maxLength(64, 'a role name has at most 64 characters'),
    z.regex(/^[^\p{Cc}\p{Cf}]+$/u, 'a role name cannot contain control or invisible characters'),
  );

/** A group named by its displayName (matched case-insensitively), its externalId or its id. */
const groupReference = z.union([
  z.strictObject({ group: z.string().check(z.trim(), z.minLength(1)), role: roleName }),
  z.strictObject({ externalId: z.string().check(z.minLength(1)), role: roleName }),
  z.strictObject({ id: z.string().check(z.minLength(1)), role: roleName }),
]);

export const tenantSettingsSchema = z
  .strictObject({
    /** Role names, highest priority first. */
    roles: z.array(roleName).check(z.maxLength(100, 'at most 100 roles')),
    /** The role of a provisioned user whose groups and attribute name none; null: no role, the app denies access. */
    defaultRole: z.nullable(roleName),
    groupRoles: z.array(groupReference).check(z.maxLength(1_000, 'at most 1,000 group mappings')),
    /**
     * A user attribute whose value, when it names a known role, wins over groups: Okta sets
     * `userType` per group assignment; Entra ID sends app role assignments in `roles`.
     */
    roleAttribute: z.optional(z.enum(['userType', 'roles'])),
    /** How many users may be active at once; null: no limit. */
    seatLimit: z.nullable(z.number().check(z.int(), z.minimum(0), z.maximum(10_000_000))),
    /** At the limit: refuse the create (or reactivation), or create the user inactive. */
    seatPolicy: z._default(z.enum(['reject', 'createInactive']), 'reject'),
  })
  .check(
    z.superRefine((settings, context) => {
      const known = new Set<string>();
      settings.roles.forEach((role, index) => {
        if (known.has(role)) context.addIssue({ code: 'custom', path: ['roles', index], message: `role "${role}" is listed twice` });
        known.add(role);
      });
      if (settings.defaultRole !== null && !known.has(settings.defaultRole)) {
        context.addIssue({ code: 'custom', path: ['defaultRole'], message: `"${settings.defaultRole}" is not one of roles` });
      }
      const mapped = new Set<string>();
      settings.groupRoles.forEach((mapping, index) => {
        if (!known.has(mapping.role)) context.addIssue({ code: 'custom', path: ['groupRoles', index, 'role'], message: `"${mapping.role}" is not one of roles` });
        const key = groupKey(mapping);
        if (mapped.has(key)) context.addIssue({ code: 'custom', path: ['groupRoles', index], message: 'this group is mapped twice' });
        mapped.add(key);
      });
    }),
  );

export type TenantSettings = z.output<typeof tenantSettingsSchema>;
export type TenantSettingsInput = z.input<typeof tenantSettingsSchema>;
export type GroupRole = TenantSettings['groupRoles'][number];

/** What a tenant has before anyone sets anything: no roles, no limit. */
export const DEFAULT_SETTINGS: TenantSettings = { roles: [], defaultRole: null, groupRoles: [], seatLimit: null, seatPolicy: 'reject' };

/** A stored version of the settings. */
export interface VersionedSettings {
  version: number;
  settings: TenantSettings;
  updatedAt: string;
}

/** How far the roles of a saved version have been applied to the tenant's users (in the background). */
export interface SettingsProgress {
  version: number;
  done: number;
  total: number;
  at: string;
  /** The last user id applied (users go in id order); absent before the first step. */
  afterId?: string;
  finished: boolean;
}

/** Why settings were refused: every problem, with where it is. */
export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'SettingsError';
  }
}

/** A change of settings refused because another came first; the caller reads again and retries. */
export class SettingsConflictError extends Error {
  constructor(tenant: string, expectedVersion: number) {
    super(`The settings of tenant "${tenant}" changed since version ${expectedVersion} was read; read them again and reapply the change.`);
    this.name = 'SettingsConflictError';
  }
}

export function parseSettings(input: unknown): TenantSettings {
  const parsed = validate(tenantSettingsSchema, input);
  if (!parsed.success) {
    throw new SettingsError(parsed.error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)));
  }
  return parsed.data;
}

/** How a mapping names its group: display names compare case-insensitively (RFC 7643 §4.2: displayName is caseExact false). */
export function groupKey(mapping: GroupRole): string {
  if ('group' in mapping) return `displayName:${foldCase(mapping.group)}`;
  if ('externalId' in mapping) return `externalId:${mapping.externalId}`;
  return `id:${mapping.id}`;
}
