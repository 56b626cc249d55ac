import { ScimError } from './errors';
import { parsePath, type Filter } from './filter';
import type { PatchOperation } from './patch';

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

export interface SplitOperations {
  memberSteps: MemberStep[];
  otherOperations: PatchOperation[];
}

const isMembers = (name: string) => name.toLowerCase() === 'members';

/** Member values as the IdPs send them: `[{value, display}]`, one object, or (Microsoft's reference client) plain ids. */
export function memberIds(value: unknown, where: string): string[] {
  if (value === null || value === undefined) return [];
  const elements = Array.isArray(value) ? value : [value];
  return elements.map((element, index) => {
    if (typeof element === 'string' && element.trim() !== '') return element.trim();
    if (element && typeof element === 'object') {
      const entry = Object.entries(element as Record<string, unknown>).find(([key]) => key.toLowerCase() === 'value');
      if (entry && typeof entry[1] === 'string' && entry[1].trim() !== '') return entry[1].trim();
    }
    throw ScimError.invalidValue(`${where}[${index}] must be a member object with a "value" holding a user id.`);
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

function memberStep(op: string, path: string | undefined, value: unknown): MemberStep | undefined {
  if (path === undefined) {
    return undefined;
  }
  const parsed = parsePath(path);
  if (!isMembers(parsed.attribute.name) || parsed.attribute.uri) return undefined;
  if (parsed.attribute.subAttribute || parsed.subAttribute) {
    // members[…].display and the like: nothing of a membership but the id is stored.
    throw ScimError.mutability(`Only whole members can be added or removed; "${path}" targets a part of one.`);
  }
  if (parsed.valueFilter) {
    if (op !== 'remove') {
      throw ScimError.invalidPath(`"${op}" with a filtered members path is not meaningful; use add with a "members" path and a value list.`);
    }
    const ids = idsOfValueFilter(parsed.valueFilter);
    return ids ? { kind: 'remove', ids } : { kind: 'removeWhere', filter: parsed.valueFilter };
  }
  switch (op) {
    case 'add':
      return { kind: 'add', ids: memberIds(value, 'value') };
    case 'replace':
      return { kind: 'reset', ids: memberIds(value, 'value') };
    case 'remove':
      // Entra ID (without aadOptscim062020) and JumpCloud remove members by listing them in
      // `value`; RFC 7644 §3.5.2.2 would clear the attribute, which would wipe the group.
      return value === undefined || value === null || (Array.isArray(value) && value.length === 0)
        ? { kind: 'reset', ids: [] }
        : { kind: 'remove', ids: memberIds(value, 'value') };
    default:
      return undefined;
  }
}

export function splitMemberOperations(operations: PatchOperation[]): SplitOperations {
  const memberSteps: MemberStep[] = [];
  const otherOperations: PatchOperation[] = [];
  for (const operation of operations) {
    // Entra ID capitalises op ("Add"); OneLogin lower-cases it; RFC 7644 §3.5.2 spells it lower-case.
    const op = operation.op.toLowerCase();
    if (operation.path === undefined && (op === 'add' || op === 'replace') && operation.value && typeof operation.value === 'object' && !Array.isArray(operation.value)) {
      // Path-less add/replace: a "members" key inside the value is a member change; the rest is not.
      const rest: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(operation.value as Record<string, unknown>)) {
        if (isMembers(key)) memberSteps.push(op === 'add' ? { kind: 'add', ids: memberIds(value, key) } : { kind: 'reset', ids: memberIds(value, key) });
        else rest[key] = value;
      }
      if (Object.keys(rest).length > 0) otherOperations.push({ ...operation, value: rest });
      continue;
    }
    const step = memberStep(op, operation.path, operation.value);
    if (step) memberSteps.push(step);
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
