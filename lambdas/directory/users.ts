import { ScimError } from '../scim/errors';
import type { ListQuery } from '../scim/list';
import type { PatchOperation } from '../scim/patch';
import { carryReadOnly } from '../scim/normalize';
import { userModel, type ResourceModel } from '../scim/schemas';
import type { ResourceEndpoint, Rendered, Wanted } from './endpoint';
import type { AccessInputs, AccessService } from './access';
import type { MembershipStore } from './ports/membership-store';
import { allSettledOrThrow, mapLimited, quiet } from '../runtime/concurrency';
import type { StoredResource } from './ports/resource-store';
import type { Derive, Log, ResourceKind, ResourceService } from './resources';
import { versionTagOf, type Preconditions } from '../scim/etag';
import { couldBeId, type ProvisioningClient } from '../contracts/table-design';

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

  /**
   * The groups of a page of users: one range read over the MemberOf items (users and their
   * memberships sort alike), one batch read of the groups. Only groups that still exist are
   * shown: a deleted group's memberships may await the asynchronous cleanup. A page picked
   * by a filter is not a contiguous range of ids, so its users' groups are read one by one,
   * started as soon as the ids are known (alongside the read of the users).
   */
  private async renderPage(tenant: string, page: StoredResource[], wanted: Wanted, contiguous: boolean, started?: Promise<Map<string, string[]>>): Promise<Rendered[]> {
    if (!wanted('groups') || page.length === 0) return page.map((stored) => ({ stored }));
    const ids = page.map((stored) => stored.id).sort();
    const byUser = started ? await started : contiguous ? await this.memberships.groupsOfRange(tenant, ids[0], ids[ids.length - 1]) : await this.groupIdsOf(tenant, ids);
    const groupIds = [...new Set(ids.flatMap((id) => byUser.get(id) ?? []))];
    return this.withGroupsOf(page, byUser, await this.groups.getMany(tenant, groupIds));
  }

  private async groupIdsOf(tenant: string, ids: string[]): Promise<Map<string, string[]>> {
    return new Map(await mapLimited(ids, PARALLEL_RENDERS, async (id) => [id, await this.memberships.groupsOf(tenant, id)] as const));
  }

  private withGroupsOf(page: StoredResource[], byUser: Map<string, string[]>, groups: StoredResource[]): Rendered[] {
    const byId = new Map(groups.map((group) => [group.id, group]));
    return page.map((stored) => this.withGroups(stored, (byUser.get(stored.id) ?? []).flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []))));
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
    return { stored: await this.users.completeCreate(tenant, created, () => this.access.refreshCreated(tenant, created), this.log) };
  }

  async get(tenant: string, id: string, wanted: Wanted): Promise<Rendered> {
    if (!wanted('groups') || !couldBeId(id)) return { stored: await this.users.get(tenant, id) };
    // Independent reads: the groups of an id that turns out to be no user are never shown.
    const [stored, groupIds] = await Promise.all([this.users.get(tenant, id), this.memberships.groupsOf(tenant, id)]);
    return this.withGroupsOf([stored], new Map([[id, groupIds]]), await this.groups.getMany(tenant, groupIds))[0];
  }

  async list(tenant: string, query: ListQuery, wanted: Wanted) {
    let started: Promise<Map<string, string[]>> | undefined;
    const onCandidates = wanted('groups') ? (ids: string[]) => void (started = quiet(this.groupIdsOf(tenant, ids))) : undefined;
    const result = await this.users.list(tenant, query, onCandidates);
    return { ...result, resources: await this.renderPage(tenant, result.resources, wanted, result.contiguous, started) };
  }

  async replace(tenant: string, id: string, body: unknown, preconditions: Preconditions, wanted: Wanted, client: ProvisioningClient): Promise<Rendered> {
    return this.written(tenant, id, wanted, (derive) => this.users.replace(tenant, id, body, client, preconditions, { derive }));
  }

  async patch(tenant: string, id: string, operations: PatchOperation[], preconditions: Preconditions, wanted: Wanted, client: ProvisioningClient): Promise<Rendered> {
    return this.written(tenant, id, wanted, (derive) => this.users.patch(tenant, id, operations, client, preconditions, { derive }));
  }

  /**
   * A write of the user that carries its access (its role attribute or nothing else may have
   * changed it), computed from the settings and groups read alongside the user, which then show
   * the user's groups: two rounds to the store, not one after another per concern.
   */
  private async written(tenant: string, id: string, wanted: Wanted, write: (derive: Derive) => Promise<StoredResource>): Promise<Rendered> {
    let inputs: AccessInputs | undefined;
    const stored = await write(() => {
      const alongside = this.access.alongside(tenant, id, wanted('groups'));
      inputs = alongside.inputs;
      return alongside.derive;
    });
    if (!wanted('groups') || !inputs) return { stored };
    return this.withGroupsOf([stored], new Map([[id, await inputs.groupIds]]), await inputs.groups())[0];
  }

  /**
   * The user goes with its memberships in one write. A membership written between the read of its
   * groups and that write (a concurrent PATCH, whose check that the user exists passed first) is
   * found by reading them again once the user is gone: no membership can be written after.
   */
  async delete(tenant: string, id: string, preconditions: Preconditions, client: ProvisioningClient): Promise<void> {
    let first: string[] = [];
    await this.users.delete(tenant, id, preconditions, async () => (first = couldBeId(id) ? await this.memberships.groupsOf(tenant, id) : []));
    // Their member lists changed, so their versions do (a conditional GET must not answer 304).
    const touch = async (groupIds: string[]) => {
      await mapLimited(groupIds, PARALLEL_RENDERS, async (groupId) => {
        try {
          await this.groups.touch(tenant, groupId, client);
        } catch (error) {
          if (!(error instanceof ScimError && error.status === 404)) throw error;
        }
      });
    };
    await allSettledOrThrow([
      touch(first),
      (async () => {
        const rest = await this.memberships.groupsOf(tenant, id);
        if (rest.length === 0) return;
        await this.memberships.removeFromGroups(tenant, id, rest);
        await touch(rest);
      })(),
    ]);
  }
}
