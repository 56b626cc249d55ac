import { derivedAttributes, itemAttributes, type ResourceTypeName } from '../contracts/table-design';
import type { ItemChange, Migration } from './ports/migrations';
import { storedResourceOf } from './ports/resource-store';
import { lookupKeys, type ResourceKind } from './resources';

/**
 * Every format migration, in order (see FORMAT_VERSION in table-design). A release that changes a
 * format appends one here, and the deployment runs it (lambdas/migrations/handler.ts).
 */
export function formatMigrations(kinds: Record<ResourceTypeName, ResourceKind>): Migration[] {
  return [
    {
      id: '0001-format-2-rfc8265-keys',
      from: 1,
      to: 2,
      description:
        'Stamps formatVersion 2 on every item; re-keys User and Group items written before keyFold: userName, displayName and emails.value keys folded by RFC 8265 instead of lower case.',
      change(item): ItemChange {
        const type = item[itemAttributes.resourceType];
        if ((type !== 'User' && type !== 'Group') || item[derivedAttributes.keyFold] !== undefined) return { kind: 'format' };
        const stored = storedResourceOf(item);
        const kind = kinds[type];
        return { kind: 'rekey', tenant: item[itemAttributes.tenant] as string, type, stored, before: lookupKeys(kind, stored.resource, true), after: lookupKeys(kind, stored.resource) };
      },
    },
  ];
}
