import { randomUUID } from 'node:crypto';
import { ScimError } from '../scim/errors';
import { changedMeanwhile, checkIfMatch, versionTagOf, type Preconditions } from '../scim/etag';
import { matches, matchesValue } from '../scim/filter-evaluation';
import { conjuncts, type Filter } from '../scim/filter-syntax';
import type { ListQuery } from '../scim/list';
import { applyMemberSteps, isIncremental, netChanges, splitBodyMembers, splitMemberOperations, type MemberStep } from '../scim/members';
import { carryReadOnly, normalizeResource, type ScimResource } from '../scim/normalize';
import type { PatchOperation } from '../scim/patch';
import { groupModel, resolveAttribute, type ResourceModel } from '../scim/schemas';
import type { ResourceEndpoint, Rendered, Wanted } from './endpoint';
import type { AccessService } from './access';
import type { MembershipStore, VersionClaim } from './ports/membership-store';
import type { VersionedSettings } from '../contracts/settings';
import type { StoredResource } from './ports/resource-store';
import type { Log, ResourceKind, ResourceService } from './resources';
import { backoff, mapLimited, quiet } from '../runtime/concurrency';
import { couldBeId, type ProvisioningClient } from '../contracts/table-design';

export const groupKind = (model: ResourceModel = groupModel): ResourceKind => ({
  type: 'Group',
  model,
  // Entra ID requires displayName to be unique and Okta links groups by it; caseExact false.
  lookupAttributes: [
    { name: 'displayName', unique: true },
    { name: 'externalId', unique: false },
  ],
  onReplace: (next, current) => carryReadOnly(model, next, current),
});

const membersDefinition = resolveAttribute(groupModel, { name: 'members' })!.definition;
const PARALLEL_RENDERS = 8;
/** A replacement of a whole member list must finish well within this; a crashed holder blocks no longer. */
const LEASE_MS = 30_000;
/** How long a replacement waits for another one on the same group before answering 503. */
const LEASE_WAIT_MS = 20_000;

/**
 * A member as shown (RFC 7643 §4.2): only users are accepted as members (knownUsers), so every
 * member's type is "User" without a read; its `$ref` follows from the id where the base URL is known.
 */
const memberOf = (userId: string): { value: string; type: 'User'; display?: string } => ({ value: userId, type: 'User' });

function splitBody(model: ResourceModel, body: unknown): { resource: ScimResource; memberIds: string[] } {
  const { attributes, memberIds } = splitBodyMembers(model, body);
  return { resource: normalizeResource(model, attributes), memberIds };
}

function referencesMembers(filter: Filter): boolean {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return referencesMembers(filter.left) || referencesMembers(filter.right);
    case 'not':
      return referencesMembers(filter.filter);
    default:
      return filter.attribute.name.toLowerCase() === 'members';
  }
}

/** `members.value eq "id"` or `members eq "id"`: the user id it asks about. */
function memberEquality(filter: Filter): string | undefined {
  if (filter.kind !== 'compare' || filter.op !== 'eq' || typeof filter.value !== 'string') return undefined;
  if (filter.attribute.name.toLowerCase() !== 'members') return undefined;
  const sub = filter.attribute.subAttribute?.toLowerCase();
  return sub === undefined || sub === 'value' ? filter.value : undefined;
}

/**
 * Groups, whose members are memberships of their own: a PATCH that adds or removes k members
 * costs O(k) and reads nothing proportional to the group's size, and concurrent PATCHes touch
 * different items, so none is lost.
 */
export class GroupEndpoint implements ResourceEndpoint {
  readonly patchAnswersNoContent = true;

  constructor(
    private readonly groups: ResourceService,
    private readonly users: ResourceService,
    private readonly memberships: MembershipStore,
    private readonly access: AccessService,
    private readonly log: Log,
  ) {}

  get model() {
    return this.groups.model;
  }

  async create(tenant: string, body: unknown, wanted: Wanted, client: ProvisioningClient): Promise<Rendered> {
    const { resource, memberIds } = splitBody(this.model, body);
    const stored = await this.groups.insert(tenant, resource, client);
    // Taken back if this fails; the stream removes the memberships already written, as for any deleted group.
    const members = await this.groups.completeCreate(
      tenant,
      stored,
      async () => {
        const { added } = await this.changeMembers(tenant, stored.id, memberIds, []);
        await this.access.refreshMembersChanged(tenant, [stored], added);
        return added;
      },
      this.log,
    );
    return wanted('members') ? this.withMembers(tenant, stored, members, wanted) : { stored };
  }

  async get(tenant: string, id: string, wanted: Wanted): Promise<Rendered> {
    if (!wanted('members') || !couldBeId(id)) return this.render(tenant, await this.groups.get(tenant, id), wanted);
    // Independent reads: the members of a group that turns out not to exist are never shown.
    const [stored, memberIds] = await Promise.all([this.groups.get(tenant, id), this.memberIdsOf(tenant, id)]);
    return this.withMembers(tenant, stored, memberIds, wanted);
  }

  async list(tenant: string, query: ListQuery, wanted: Wanted) {
    const result = query.filter && referencesMembers(query.filter) ? await this.listByMembers(tenant, query, query.filter) : await this.groups.list(tenant, query);
    return { ...result, resources: await mapLimited(result.resources, PARALLEL_RENDERS, (stored) => this.render(tenant, stored, wanted)) };
  }

  async replace(tenant: string, id: string, body: unknown, preconditions: Preconditions, wanted: Wanted, client: ProvisioningClient): Promise<Rendered> {
    const { resource, memberIds } = splitBody(this.model, body);
    // An id no group can have takes no lease.
    if (!couldBeId(id)) await this.groups.get(tenant, id);
    // Concurrent PUTs take turns, so the result is one PUT's name with that same PUT's members.
    const { stored, members } = await this.underLease(tenant, id, async () => {
      const settings = quiet(this.access.settingsOf(tenant));
      const before = await this.groups.get(tenant, id);
      const replaced = await this.groups.replaceWith(tenant, id, resource, client, preconditions, { current: before });
      // RFC 7644 §3.5.1: PUT replaces the member list too (Okta's classic apps send it whole).
      const next = this.groups.nextVersion(replaced, client);
      const applied = await this.applySteps(tenant, [before, replaced], [{ kind: 'reset', ids: memberIds }], next.claim, settings);
      const written = applied.claimed ? next.next : applied.changed ? await this.groups.touch(tenant, id, client) : replaced;
      return { stored: written, members: applied.members };
    });
    return wanted('members') && members ? this.withMembers(tenant, stored, members, wanted) : this.render(tenant, stored, wanted);
  }

  async patch(tenant: string, id: string, operations: PatchOperation[], preconditions: Preconditions, wanted: Wanted, client: ProvisioningClient): Promise<Rendered> {
    // Splitting validates the member operations before anything is written.
    const { memberSteps, otherOperations } = splitMemberOperations(operations, this.model);
    const apply = async () => {
      // Read alongside the group: whether the tenant maps groups to roles decides what follows.
      const settings = memberSteps.length > 0 ? quiet(this.access.settingsOf(tenant)) : undefined;
      const before = await this.groups.get(tenant, id);
      checkIfMatch(before.version, preconditions);
      const stored = otherOperations.length > 0 ? await this.groups.patch(tenant, id, otherOperations, client, preconditions, { current: before }) : before;
      if (memberSteps.length === 0) return stored;
      // The group's next version goes with the memberships, unless the PATCH already made one.
      const next = otherOperations.length === 0 ? this.groups.nextVersion(stored, client, preconditions) : undefined;
      const { changed, claimed } = await this.applySteps(tenant, [before, stored], memberSteps, next?.claim, settings);
      if (!next) return stored;
      if (claimed) return next.next;
      if (next.claim.required && changed) throw changedMeanwhile();
      return changed ? this.groups.touch(tenant, id, client) : stored;
    };
    // Adds and removes commute with one another; a replacement of the whole list must not interleave with another.
    const stored = isIncremental(memberSteps) ? await apply() : await this.underLease(tenant, id, apply);
    return this.render(tenant, stored, wanted);
  }

  async delete(tenant: string, id: string, preconditions: Preconditions, _client: ProvisioningClient): Promise<void> {
    // Memberships go asynchronously (the table's stream), so deleting a 100,000-member group
    // answers at once; readers never see them, since every read path checks the group exists.
    await this.groups.delete(tenant, id, preconditions);
  }

  /**
   * Applies member steps, with the group's next version when a claim is given. `changed`: the
   * member set may have changed. The roles of the users it added or removed follow before it
   * returns (a rename the same request made is the stream's).
   */
  private async applySteps(
    tenant: string,
    versions: StoredResource[],
    steps: MemberStep[],
    claim?: VersionClaim,
    settings?: Promise<VersionedSettings>,
  ): Promise<{ changed: boolean; claimed: boolean; members?: string[] }> {
    const groupId = versions[versions.length - 1].id;
    let add: string[];
    let remove: string[];
    let next: Set<string> | undefined;
    if (isIncremental(steps)) {
      ({ add, remove } = netChanges(steps));
    } else {
      const current = new Set(await this.memberIdsOf(tenant, groupId));
      next = applyMemberSteps(current, steps, (filter, userId) => matchesValue(filter, { value: userId }, membersDefinition));
      add = [...next].filter((userId) => !current.has(userId));
      remove = [...current].filter((userId) => !next!.has(userId));
    }
    const { added, removed, skipped, claimed } = await this.changeMembers(tenant, groupId, add, remove, claim);
    if (claim?.required && !claimed) return { changed: added.length + removed.length > 0, claimed };
    await this.access.refreshMembersChanged(tenant, versions, [...added, ...removed], settings);
    // A replacement knows the member list it leaves: the one asked for, less the ids that are no users.
    const members = next && [...next].filter((userId) => !skipped.has(userId));
    return { changed: added.length > 0 || removed.length > 0, claimed, ...(members ? { members } : {}) };
  }

  /**
   * Writes member changes. Okta treats a 400 as permanent and drops the whole push, so an id
   * that is no user of this tenant is skipped and logged instead; an id no user can have is no
   * member to remove, and no key to write.
   */
  private async changeMembers(tenant: string, groupId: string, add: string[], remove: string[], claim?: VersionClaim) {
    const [addable, impossible] = [add.filter(couldBeId), add.filter((userId) => !couldBeId(userId))];
    const removed = remove.filter(couldBeId);
    const { unknown, claimed } = await this.memberships.change(tenant, groupId, { add: addable, remove: removed }, claim);
    const skipped = [...impossible, ...unknown];
    if (skipped.length > 0) this.log.warn('skipped unknown group members', { groupId, skipped: skipped.length, sample: skipped.slice(0, 10) });
    const refused = new Set(skipped);
    return { added: [...new Set(add)].filter((userId) => !refused.has(userId)), removed, skipped: refused, claimed };
  }

  private async underLease<T>(tenant: string, groupId: string, run: () => Promise<T>): Promise<T> {
    const holder = randomUUID();
    const deadline = Date.now() + LEASE_WAIT_MS;
    for (let attempt = 0; !(await this.memberships.acquireLease(tenant, groupId, holder, LEASE_MS)); attempt++) {
      if (Date.now() > deadline) {
        throw ScimError.serviceUnavailable('Another replacement of this group\'s members is still running; retry shortly.', 2);
      }
      await backoff(attempt, 20, 500);
    }
    try {
      return await run();
    } finally {
      await this.memberships.releaseLease(tenant, groupId, holder);
    }
  }

  private async memberIdsOf(tenant: string, groupId: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const page of this.memberships.members(tenant, groupId)) ids.push(...page);
    return ids;
  }

  private async render(tenant: string, stored: StoredResource, wanted: Wanted): Promise<Rendered> {
    if (!wanted('members')) return { stored };
    return this.withMembers(tenant, stored, await this.memberIdsOf(tenant, stored.id), wanted);
  }

  /**
   * The members' `display` costs a read of every member's user (a batch per 100), so it is shown
   * only when `attributes` names members.display (returned "request" in the schema). Renaming a user does not
   * write its groups, so the ETag then also names what it shows.
   */
  private async withMembers(tenant: string, stored: StoredResource, userIds: string[], wanted: Wanted): Promise<Rendered> {
    if (userIds.length === 0) return { stored };
    const members = userIds.map(memberOf);
    if (!wanted('members.display')) return { stored, extra: { members } };
    const users = new Map((await this.users.getMany(tenant, userIds)).map((user) => [user.id, user.resource]));
    for (const member of members) {
      const user = users.get(member.value);
      // RFC 7643 §4.1.1: displayName is the name to show; userName where there is none.
      const display = (user?.displayName ?? user?.userName) as string | undefined;
      if (display !== undefined) member.display = display;
    }
    return { stored, extra: { members }, versionTag: versionTagOf(members) };
  }

  /**
   * Filters that mention members. `members.value eq "id"` (and-ed with anything else) starts
   * from the user's memberships; any other shape reads each group's members.
   */
  private async listByMembers(tenant: string, query: ListQuery, filter: Filter) {
    const parts = conjuncts(filter);
    const anchor = parts.map(memberEquality).find((userId) => userId !== undefined);
    let matched: StoredResource[];
    if (anchor !== undefined) {
      const candidates = couldBeId(anchor) ? await this.groups.getMany(tenant, await this.memberships.groupsOf(tenant, anchor)) : [];
      const confirmed = await mapLimited(candidates, PARALLEL_RENDERS, async (group) =>
        (await this.memberships.membersAmong(tenant, group.id, [anchor])).has(anchor) ? group : undefined,
      );
      const rest = parts.filter((part) => memberEquality(part) !== anchor);
      matched = [];
      for (const group of confirmed) {
        if (!group) continue;
        if (rest.length === 0 || (await this.matchesWithMembers(tenant, group, rest))) matched.push(group);
      }
    } else {
      const all: StoredResource[] = [];
      await this.groups.scanAll(tenant, (batch) => all.push(...batch));
      const kept = await mapLimited(all, PARALLEL_RENDERS, async (group) => ((await this.matchesWithMembers(tenant, group, [filter])) ? group : undefined));
      matched = kept.filter((group): group is StoredResource => group !== undefined);
    }
    return this.groups.arrange(tenant, query, matched);
  }

  private async matchesWithMembers(tenant: string, group: StoredResource, filters: Filter[]): Promise<boolean> {
    const needsMembers = filters.some(referencesMembers);
    const resource = this.groups.asFilterable(group);
    if (needsMembers) resource.members = (await this.memberIdsOf(tenant, group.id)).map(memberOf);
    return filters.every((part) => matches(part, resource, this.model));
  }
}
