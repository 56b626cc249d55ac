import { PROVISIONING_GROUP_SCHEMA, PROVISIONING_USER_SCHEMA } from '../scim/schemas';
import { entityTag } from '../scim/etag';
import type { Access, ResourceTypeName } from '../contracts/table-design';
import type { StoredResource } from './ports/resource-store';

/** The extension's attributes from the item's access (absent until the role is computed). */
function accessAttributes(access: Access | undefined): Record<string, unknown> {
  if (!access) return {};
  const reason = access.roleReason;
  return {
    ...(access.role !== null ? { role: access.role } : {}),
    ...(access.roles.length > 0 ? { roles: access.roles } : {}),
    roleReason: {
      source: reason.source,
      ...(reason.source === 'attribute' ? { attribute: reason.attribute } : {}),
      ...(reason.source === 'group' ? { value: reason.group.id, display: reason.group.displayName } : {}),
    },
  };
}

/**
 * The read-only provisioning extension of a resource (scim/schemas.ts), from what the server
 * recorded beside its SCIM attributes: every resource we hold came from an IdP, so it is always
 * marked scimManaged, with its provenance and, for users, its access.
 */
export function provisioningExtension(type: string, stored: StoredResource): { schema: string; attributes: Record<string, unknown> } {
  const attributes: Record<string, unknown> = {
    scimManaged: true,
    ...(stored.provisionedBy ? { provisioningClient: stored.provisionedBy.client, provisionedAt: stored.provisionedBy.at } : {}),
    ...(stored.lastChangedBy ? { lastChangedByIdpAt: stored.lastChangedBy.at } : {}),
  };
  if (type === 'User') return { schema: PROVISIONING_USER_SCHEMA, attributes: { ...attributes, ...accessAttributes(stored.access) } };
  return { schema: PROVISIONING_GROUP_SCHEMA, attributes };
}

/**
 * The client-facing form of a resource (RFC 7643 §3.1): schemas, id, attributes, what is read from
 * elsewhere (`extra`), the provisioning extension, meta. `location` and `versionTag` where the caller
 * knows them (the HTTP routes); events carry it without.
 */
export function resourceRepresentation(
  type: ResourceTypeName,
  stored: StoredResource,
  shown: { extra?: Record<string, unknown>; location?: string; versionTag?: string } = {},
): Record<string, unknown> {
  const { schemas, ...attributes } = stored.resource;
  const provisioning = provisioningExtension(type, stored);
  return {
    schemas,
    id: stored.id,
    ...attributes,
    ...shown.extra,
    [provisioning.schema]: provisioning.attributes,
    meta: {
      resourceType: type,
      created: stored.created,
      lastModified: stored.lastModified,
      ...(shown.location !== undefined ? { location: shown.location } : {}),
      version: entityTag(stored.version, shown.versionTag),
    },
  };
}
