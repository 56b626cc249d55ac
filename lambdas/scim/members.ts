import { ScimError } from './errors';
import { parsePath, type Filter, type PatchPath } from './filter-syntax';
import { isPlainObject } from './comparison';
import { listedForRemoval, readOperation, type Op, type PatchOperation } from './patch';
import { groupModel, resolveAttribute, type ResourceModel } from './schemas';

/**
 * A group's members are not part of the stored group resource: they are memberships of their
 * own. This module turns the member-changing parts of a PATCH (RFC 7644 §3.5.2) into steps
 * the Groups service applies to those memberships, in request order, and leaves the rest of
 * the operations to the ordinary PATCH engine.
 */
export type MemberStep =
  | { kind: 'add'; ids: string[] }
  | { kind: 'remove'; ids: string[] }
  /** Replace the whole member list (an empty list clears it). */
  | { kind: 'reset'; ids: string[] }
  /** Remove the members a value filter selects. */
  | { kind: 'removeWhere'; filter: Filter };

const MEMBERS = 'members';

export interface SplitOperations {
  memberSteps: MemberStep[];
  otherOperations: PatchOperation[];
}

/** Member values as the IdPs send them: `[{value, display}]`, one object, or (Microsoft's reference client) plain ids. */
function memberIds(value: unknown, where: string): string[] {
  if (value === null || value === undefined) return [];
  const elements = Array.isArray(value) ? value : [value];
  return elements.map((element, index) => {
    if (typeof element === 'string' && element.trim() !== '') return element.trim();
    if (element && typeof element === 'object') {
      const entry = Object.entries(element as Record<string, unknown>).find(([key]) => key.toLowerCase() === 'value');
      if (entry && typeof entry[1] === 'string' && entry[1].trim() !== '') return entry[1].trim();
    }
    throw ScimError.invalidValue(`Each value of 'members' must be a member object with a "value" holding a user id; ${where}[${index}] is not.`);
  });
}

/** `members[value eq "a"]`, `members[value eq "a" or value eq "b"]`: the ids, when that is all the filter says. */
function idsOfValueFilter(filter: Filter): string[] | undefined {
  if (filter.kind === 'compare' && filter.op === 'eq' && typeof filter.value === 'string' && filter.attribute.name.toLowerCase() === 'value' && !filter.attribute.subAttribute) {
    return [filter.value];
  }
  if (filter.kind === 'or') {
    const left = idsOfValueFilter(filter.left);
    const right = idsOfValueFilter(filter.right);
    return left && right ? [...left, ...right] : undefined;
  }
  return undefined;
}

/**
 * The parsed path when it names the core `members` attribute, however spelt: `members`,
 * `Members[value eq "…"]`, `urn:ietf:params:scim:schemas:core:2.0:Group:members[…]` (RFC 7644 §3.10).
 * A path that does not parse is left to the PATCH engine, which reports it.
 */
function membersPath(model: ResourceModel, text: string): PatchPath | undefined {
  let parsed: PatchPath;
  try {
    parsed = parsePath(text);
  } catch {
    return undefined;
  }
  const resolved = resolveAttribute(model, { uri: parsed.attribute.uri, name: parsed.attribute.name });
  return resolved && resolved.schema === undefined && resolved.definition.name === MEMBERS ? parsed : undefined;
}

function memberStep(op: Op, path: string, parsed: PatchPath, value: unknown): MemberStep {
  if (parsed.attribute.subAttribute || parsed.subAttribute) {
    // members[…].display and the like: nothing of a membership but the id is stored.
    throw ScimError.mutability(`Only whole members can be added or removed; "${path}" targets a part of one.`);
  }
  if (parsed.valueFilter) {
    if (op === 'replace') {
      throw ScimError.mutability(`Attribute 'members.value' is immutable (RFC 7643 §4.2): "${path}" cannot be replaced; remove the member and add the new one.`);
    }
    if (op !== 'remove') {
      throw ScimError.invalidPath(`"${op}" with a filtered members path is not meaningful; use add with a "members" path and a value list.`);
    }
    const ids = idsOfValueFilter(parsed.valueFilter);
    return ids ? { kind: 'remove', ids } : { kind: 'removeWhere', filter: parsed.valueFilter };
  }
  if (op === 'add') return { kind: 'add', ids: memberIds(value, 'value') };
  if (op === 'replace') return { kind: 'reset', ids: memberIds(value, 'value') };
  const listed = listedForRemoval(value);
  return listed ? { kind: 'remove', ids: memberIds(listed, 'value') } : { kind: 'reset', ids: [] };
}

/**
 * A path-less add/replace (RFC 7644 §3.5.2.1, §3.5.2.3): its `members` key, also URN-qualified or
 * inside the core schema's object, is a member change; the rest of the value is not.
 */
function splitValue(model: ResourceModel, op: 'add' | 'replace', value: Record<string, unknown>, memberSteps: MemberStep[]): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(value)) {
    if (key.toLowerCase() === model.core.id.toLowerCase() && isPlainObject(raw)) {
      const inner = splitValue(model, op, raw, memberSteps);
      if (Object.keys(inner).length > 0) rest[key] = inner;
      continue;
    }
    const parsed = membersPath(model, key);
    if (!parsed || parsed.valueFilter || parsed.subAttribute || parsed.attribute.subAttribute) {
      rest[key] = raw;
      continue;
    }
    memberSteps.push({ kind: op === 'add' ? 'add' : 'reset', ids: memberIds(raw, key) });
  }
  return rest;
}

/**
 * A POST or PUT body (RFC 7644 §3.3, §3.5.1) split into the group's own attributes and its member
 * ids, through the same reading of `members` as PATCH.
 */
export function splitBodyMembers(model: ResourceModel, body: unknown): { attributes: unknown; memberIds: string[] } {
  if (!isPlainObject(body)) return { attributes: body, memberIds: [] };
  const steps: MemberStep[] = [];
  const attributes = splitValue(model, 'replace', body, steps);
  return { attributes, memberIds: steps.flatMap((step) => (step.kind === 'reset' ? step.ids : [])) };
}

/**
 * Every member change of a Group PATCH, whatever its spelling, becomes a member step here; the
 * operations returned for the ordinary PATCH engine never touch `members`, so a stored group never
 * carries them.
 */
export function splitMemberOperations(operations: PatchOperation[], model: ResourceModel = groupModel): SplitOperations {
  if (!Array.isArray(operations)) throw ScimError.invalidSyntax("A PATCH request needs an 'Operations' array (RFC 7644 §3.5.2).");
  const memberSteps: MemberStep[] = [];
  const otherOperations: PatchOperation[] = [];
  for (const operation of operations) {
    const { op, path, value } = readOperation(operation);
    if (path === undefined) {
      if (op === 'remove' || !isPlainObject(value)) {
        otherOperations.push(operation);
        continue;
      }
      const rest = splitValue(model, op, value, memberSteps);
      if (Object.keys(rest).length > 0) otherOperations.push({ ...operation, value: rest });
      continue;
    }
    const parsed = membersPath(model, path);
    if (parsed) memberSteps.push(memberStep(op, path, parsed, value));
    else otherOperations.push(operation);
  }
  return { memberSteps, otherOperations };
}

/** Steps that can be applied without knowing the current members. */
export function isIncremental(steps: MemberStep[]): boolean {
  return steps.every((step) => step.kind === 'add' || step.kind === 'remove');
}

/** The net effect of add/remove steps in order: the last word about an id wins. */
export function netChanges(steps: MemberStep[]): { add: string[]; remove: string[] } {
  const last = new Map<string, 'add' | 'remove'>();
  for (const step of steps) {
    if (step.kind === 'add' || step.kind === 'remove') for (const id of step.ids) last.set(id, step.kind);
  }
  return {
    add: [...last].filter(([, kind]) => kind === 'add').map(([id]) => id),
    remove: [...last].filter(([, kind]) => kind === 'remove').map(([id]) => id),
  };
}

/** Applies steps to a known member set, for the non-incremental case. */
export function applyMemberSteps(current: Set<string>, steps: MemberStep[], selects: (filter: Filter, id: string) => boolean): Set<string> {
  let members = new Set(current);
  for (const step of steps) {
    if (step.kind === 'reset') members = new Set(step.ids);
    else if (step.kind === 'add') step.ids.forEach((id) => members.add(id));
    else if (step.kind === 'remove') step.ids.forEach((id) => members.delete(id));
    else members = new Set([...members].filter((id) => !selects(step.filter, id)));
  }
  return members;
}
