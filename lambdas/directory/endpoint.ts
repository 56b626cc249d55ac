import type { ListQuery } from '../scim/list';
import type { ListPage } from '../scim/paging';
import type { PatchOperation } from '../scim/patch';
import type { ResourceModel } from '../scim/schemas';
import type { Preconditions } from '../scim/etag';
import type { StoredResource } from './ports/resource-store';
import type { ProvisioningClient } from '../contracts/table-design';

/** Whether the response will show a core attribute; decides what is read besides the resource. */
export type Wanted = (attribute: string) => boolean;

/** A resource as it will be shown: what is stored, plus attributes kept elsewhere. */
export interface Rendered {
  stored: StoredResource;
  /** Attributes read from elsewhere (a group's members, a user's groups). */
  extra?: Record<string, unknown>;
  /**
   * Distinguishes representations of one stored version whose `extra` differs (a user whose
   * groups changed): it becomes part of the ETag, so a conditional GET never answers 304 for them.
   */
  versionTag?: string;
}

/**
 * What the HTTP routes of a SCIM resource endpoint need (RFC 7644 §3.2–3.6). Writes name the
 * client that makes them, recorded as the resource's provenance.
 */
export interface ResourceEndpoint {
  readonly model: ResourceModel;
  /** RFC 7644 §3.5.2 lets PATCH answer 204; groups do, so no member list travels back. */
  readonly patchAnswersNoContent: boolean;
  create(tenant: string, body: unknown, wanted: Wanted, client: ProvisioningClient): Promise<Rendered>;
  get(tenant: string, id: string, wanted: Wanted): Promise<Rendered>;
  list(tenant: string, query: ListQuery, wanted: Wanted): Promise<ListPage<Rendered>>;
  replace(tenant: string, id: string, body: unknown, preconditions: Preconditions, wanted: Wanted, client: ProvisioningClient): Promise<Rendered>;
  patch(tenant: string, id: string, operations: PatchOperation[], preconditions: Preconditions, wanted: Wanted, client: ProvisioningClient): Promise<Rendered>;
  delete(tenant: string, id: string, preconditions: Preconditions, client: ProvisioningClient): Promise<void>;
}
