import { ScimError } from '../scim/errors';
import type { ListQuery } from '../scim/list';
import type { PatchOperation } from '../scim/patch';
import { carryReadOnly } from '../scim/normalize';
import { userModel, type ResourceModel } from '../scim/schemas';
import type { ResourceEndpoint, Rendered, Wanted } from './endpoint';
import type { AccessService } from './access';
import type { MembershipStore } from './ports/membership-store';
import { mapLimited } from '../runtime/concurrency';
import type { StoredResource } from './ports/resource-store';
import type { Log, ResourceKind, ResourceService } from './resources';
import { versionTagOf, type Preconditions } from '../scim/etag';
import type { ProvisioningClient } from '../contracts/table-design';

export interface UserPolicy {
  /**
   * RFC 7643 §3.1 sets no uniqueness on externalId, Microsoft's own SCIM test suite creates
   * users that share one, and Entra ID maps it from mailNickname by default, which can repeat.
   * Deployments fed only by Okta (where it is Okta's user id) may enforce it.
   */
  uniqueExternalId: boolean;
}

export const userKind = (policy: UserPolicy, model: ResourceModel = userModel): ResourceKind => ({
  type: 'User',
  model,
  // RFC 7643 §4.1: userName is unique and caseExact false; externalId is caseExact.
  lookupAttributes: [
    { name: 'userName', unique: true },
    { name: 'externalId', unique: policy.uniqueExternalId },
    // Entra ID matches users by `emails[type eq "work"].value eq "…"`.
    { name: 'emails', sub: 'value', unique: false },
  ],
  // A user provisioned without `active` is meant to be able to sign in.
  onCreate: (resource) => (resource.active === undefined ? { ...resource, active: true } : resource),
  // Deactivated users stop using a seat (the vendors' rule: Holistics, TeamEcho).
  holdsSeat: (resource) => resource.active === true,
  onReplace: (next, current) => {
    const kept = carryReadOnly(model, next, current);
    // Okta's PUT bodies may omit `active`; replacing it with "absent" would deactivate the user.
    return kept.active === undefined && current.active !== undefined ? { ...kept, active: current.active } : kept;
  },
});

/** How many users of a page have their groups read at once. */
const PARALLEL_RENDERS = 16;

/** Users, with the read-only `groups` attribute (RFC 7643 §4.1.2) derived from memberships. */
export class UserEndpoint implements ResourceEndpoint {
  readonly patchAnswersNoContent = false;

  constructor(
    private readonly users: ResourceService,
    private readonly groups: ResourceService,
    private readonly memberships: MembershipStore,
    private readonly access: AccessService,
    private readonly log: Log,
  ) {}

  get model() {
    return this.users.model;
  }

  private async render(tenant: string, stored: StoredResource, wanted: Wanted): Promise<Rendered> {
    return (await this.renderPage(tenant, [stored], wanted, true))[0];
  }

  /**
   * The groups of a page of users: one range read over the MemberOf items (users and their
   * memberships sort alike), one batch read of the groups. Only groups that still exist are
   * shown: a deleted group's memberships may await the asynchronous cleanup. A page picked
   * by a filter is not a contiguous range of ids, so its users are read one by one.
   */
  private async renderPage(tenant: string, page: StoredResource[], wanted: Wanted, contiguous: boolean): Promise<Rendered[]> {
    if (!wanted('groups') || page.length === 0) return page.map((stored) => ({ stored }));
    const ids = page.map((stored) => stored.id).sort();
    const byUser =
      contiguous
        ? await this.memberships.groupsOfRange(tenant, ids[0], ids[ids.length - 1])
        : new Map(await mapLimited(ids, PARALLEL_RENDERS, async (id) => [id, await this.memberships.groupsOf(tenant, id)] as const));
    const groupIds = [...new Set(ids.flatMap((id) => byUser.get(id) ?? []))];
    const groups = new Map((await this.groups.getMany(tenant, groupIds)).map((group) => [group.id, group]));
    return page.map((stored) => this.withGroups(stored, (byUser.get(stored.id) ?? []).flatMap((id) => (groups.has(id) ? [groups.get(id)!] : []))));
  }

  private withGroups(stored: StoredResource, groups: StoredResource[]): Rendered {
    if (groups.length === 0) return { stored };
    const shown = groups
      .map((group) => ({ value: group.id, display: group.resource.displayName as string | undefined, type: 'direct' }))
      .sort((a, b) => (a.value < b.value ? -1 : 1));
    // Group changes don't write the user, so its ETag also names the groups it shows.
    return { stored, extra: { groups: shown }, versionTag: versionTagOf(shown) };
  }

  async create(tenant: string, body: unknown, _wanted: Wanted, client: ProvisioningClient): Promise<Rendered> {
    const created = await this.users.create(tenant, body, client);
    return { stored: await this.users.completeCreate(tenant, created, () => this.withAccess(tenant, created), this.log) };
  }

  /** A user as stored after its access was recomputed for the change just written (its role attribute may have changed). */
  private async withAccess(tenant: string, stored: StoredResource): Promise<StoredResource> {
    return (await this.access.refresh(tenant, [stored.id])).get(stored.id) ?? stored;
  }

  async get(tenant: string, id: string, wanted: Wanted): Promise<Rendered> {
    return this.render(tenant, await this.users.get(tenant, id), wanted);
  }

  async list(tenant: string, query: ListQuery, wanted: Wanted) {
    const result = await this.users.list(tenant, query);
    return { ...result, resources: await this.renderPage(tenant, result.resources, wanted, result.contiguous) };
  }

  async replace(tenant: string, id: string, body: unknown, preconditions: Preconditions, wanted: Wanted, client: ProvisioningClient): Promise<Rendered> {
    return this.render(tenant, await this.withAccess(tenant, await this.users.replace(tenant, id, body, client, preconditions)), wanted);
  }

  async patch(tenant: string, id: string, operations: PatchOperation[], preconditions: Preconditions, wanted: Wanted, client: ProvisioningClient): Promise<Rendered> {
    return this.render(tenant, await this.withAccess(tenant, await this.users.patch(tenant, id, operations, client, preconditions)), wanted);
  }

  async delete(tenant: string, id: string, preconditions: Preconditions, client: ProvisioningClient): Promise<void> {
    await this.users.delete(tenant, id, preconditions);
    const groupIds = await this.memberships.removeAllOfUser(tenant, id);
    // Their member lists changed, so their versions do (a conditional GET must not answer 304).
    await mapLimited(groupIds, PARALLEL_RENDERS, async (groupId) => {
      try {
        await this.groups.touch(tenant, groupId, client);
      } catch (error) {
        if (!(error instanceof ScimError && error.status === 404)) throw error;
      }
    });
  }
}
