/**
 * RFC 7644 §3.5.2 PATCH on a canonical resource. Pure: the input is never touched and a failing
 * operation leaves nothing half-applied, so the caller persists the result or nothing.
 */
import { isPlainObject, sameJsonValue } from './comparison';
import { ScimError } from './errors';
import { matchesValue } from './filter-evaluation';
import { Filter, parsePath } from './filter-syntax';
import {
  ScimResource,
  describeValue as show,
  enforceSinglePrimary,
  isIgnoredOnInput,
  carryReadOnly,
  normalizeResource,
  normalizeValue,
} from './normalize';
import { AttributeDefinition, ResourceModel, SchemaDefinition, commonAttributes, resolveAttribute, splitUrn } from './schemas';

export interface PatchOperation {
  op: string;
  path?: string;
  value?: unknown;
}

export type Op = 'add' | 'remove' | 'replace';
type Element = Record<string, unknown>;

/** Where a path points once resolved against the model. */
type Target =
  | { kind: 'extension'; schema: SchemaDefinition }
  | {
      kind: 'attribute';
      text: string;
      /** Extension URN holding the attribute; undefined for core and common attributes. */
      schema?: string;
      definition: AttributeDefinition;
      sub?: AttributeDefinition;
      filter?: Filter;
    };

/** Applies RFC 7644 §3.5.2 operations in order to a canonical resource; returns a NEW canonical resource (input untouched). Throws ScimError; the caller persists nothing on error. */
export function applyPatch(model: ResourceModel, resource: ScimResource, operations: PatchOperation[]): ScimResource {
  if (!Array.isArray(operations)) throw ScimError.invalidSyntax("A PATCH request needs an 'Operations' array (RFC 7644 §3.5.2).");
  const working = structuredClone(resource);
  for (const operation of operations) applyOperation(model, working, operation);
  return finish(model, resource, working);
}

/** One PATCH operation as read from the request: op folded, path trimmed (an empty path is none). */
export interface ParsedOperation {
  op: Op;
  path?: string;
  value?: unknown;
  hasValue: boolean;
}

/** Validates and reads one operation; the Groups member engine reads operations through this too. */
export function readOperation(operation: unknown): ParsedOperation {
  if (!isPlainObject(operation)) throw ScimError.invalidSyntax(`Each PATCH operation must be an object, got ${show(operation)}.`);
  const op = readOp(operation.op);
  if (operation.path !== undefined && operation.path !== null && typeof operation.path !== 'string') {
    throw ScimError.invalidPath(`The 'path' of a PATCH operation must be a string, got ${show(operation.path)}.`);
  }
  const path = typeof operation.path === 'string' && operation.path.trim() !== '' ? operation.path.trim() : undefined;
  return { op, path, value: operation.value, hasValue: 'value' in operation };
}

function applyOperation(model: ResourceModel, working: ScimResource, operation: PatchOperation): void {
  const { op, path, value, hasValue } = readOperation(operation);

  if (op === 'remove') {
    if (path === undefined) throw ScimError.noTarget("Operation 'remove' needs a 'path' naming what to remove (RFC 7644 §3.5.2.2).");
    const target = resolveTarget(model, path);
    if (target) remove(working, target, value);
    return;
  }

  if (!hasValue) throw ScimError.invalidSyntax(`Operation '${op}' needs a 'value' (RFC 7644 §3.5.2).`);
  if (path === undefined) {
    if (!isPlainObject(value)) {
      throw ScimError.invalidValue(`Operation '${op}' without a 'path' needs an object of attributes as its 'value', got ${show(value)}.`);
    }
    applyToResource(model, working, op, value);
    return;
  }
  const target = resolveTarget(model, path);
  if (!target) return;
  if (target.kind === 'extension') applyToExtension(model, working, op, target.schema, value);
  else write(working, op, target, value);
}

function readOp(value: unknown): Op {
  // Entra ID (without aadOptscim062020) capitalises op ("Replace") and OneLogin lower-cases it; RFC 7644 §3.5.2 spells it lower-case.
  const op = typeof value === 'string' ? value.toLowerCase() : undefined;
  if (op === 'add' || op === 'remove' || op === 'replace') return op;
  throw ScimError.invalidSyntax(`Unsupported PATCH op ${show(value)}; use "add", "remove" or "replace" (RFC 7644 §3.5.2).`);
}

/**
 * The values a `remove` on a whole multi-valued attribute lists, or undefined when it lists none.
 * Entra ID (without aadOptscim062020) and JumpCloud remove members with
 * {"op":"Remove","path":"members","value":[{"value":"id"}]}: only the listed values go. Wiping the
 * whole attribute, as a literal reading of RFC 7644 §3.5.2.2 would, empties the group.
 */
export function listedForRemoval(value: unknown): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  const listed = Array.isArray(value) ? value : [value];
  return listed.length > 0 ? listed : undefined;
}

/**
 * Resolves a path; undefined means the operation is accepted and has no effect (writeOnly attributes
 * such as password, which we never store).
 */
function resolveTarget(model: ResourceModel, text: string): Target | undefined {
  const extension = model.extensions.find((candidate) => candidate.id.toLowerCase() === text.toLowerCase());
  if (extension) return { kind: 'extension', schema: extension };
  if (text.toLowerCase() === 'schemas') {
    throw ScimError.mutability("Attribute 'schemas' is maintained by the service provider and cannot be modified.");
  }
  const parsed = parsePath(text);
  const { uri, name } = parsed.attribute;
  if (parsed.subAttribute !== undefined && parsed.attribute.subAttribute !== undefined) {
    throw ScimError.invalidPath(`Path '${text}' names two sub-attributes.`);
  }
  const subName = parsed.subAttribute ?? parsed.attribute.subAttribute;
  const qualified = uri ? `${uri}:${name}` : name;
  const resolved = resolveAttribute(model, { uri, name });
  if (!resolved) {
    const undeclared = uri !== undefined && splitUrn(model, `${uri}:`).uri === undefined;
    const hint = undeclared ? ` Schema ${uri} is not one this deployment serves; GET /Schemas lists those it does.` : '';
    throw ScimError.invalidPath(`Attribute '${qualified}' in path '${text}' is not defined for ${model.type.name}.${hint}`);
  }
  const { definition, schema } = resolved;
  let sub: AttributeDefinition | undefined;
  if (subName !== undefined) {
    sub = resolveAttribute(model, { uri: schema ?? uri, name: definition.name, subAttribute: subName })?.sub;
    if (!sub) throw ScimError.invalidPath(`Attribute '${definition.name}' has no sub-attribute '${subName}' (path '${text}').`);
  }
  if (parsed.valueFilter && !(definition.multiValued && definition.type === 'complex')) {
    throw ScimError.invalidPath(`Path '${text}' filters '${definition.name}', which is not a multi-valued complex attribute.`);
  }
  if (definition.mutability === 'readOnly' || sub?.mutability === 'readOnly') {
    const where = sub ? `${definition.name}.${sub.name}` : definition.name;
    const hint = definition.name === 'groups' ? ' Group membership is changed through the Group resource.' : '';
    throw ScimError.mutability(`Attribute '${where}' is read-only and cannot be modified (RFC 7643 §2.2).${hint}`);
  }
  if (definition.mutability === 'writeOnly' || sub?.mutability === 'writeOnly') return undefined;
  return { kind: 'attribute', text, schema, definition, sub, filter: parsed.valueFilter };
}

/** RFC 7644 §3.5.2.1/§3.5.2.3 without a path: each key of the value is handled as its own path. */
function applyToResource(model: ResourceModel, working: ScimResource, op: Op, value: Element): void {
  for (const [key, raw] of Object.entries(value)) {
    if (key.toLowerCase() === 'schemas') continue;
    if (key.toLowerCase() === model.core.id.toLowerCase()) {
      if (!isPlainObject(raw)) throw ScimError.invalidValue(`Attribute '${key}' must be an object, got ${show(raw)}.`);
      applyToResource(model, working, op, raw);
      continue;
    }
    const extension = model.extensions.find((candidate) => candidate.id.toLowerCase() === key.toLowerCase());
    if (extension) {
      applyToExtension(model, working, op, extension, raw);
      continue;
    }
    if (isForeignUrn(model, key)) {
      writeForeign(working, op, key, raw);
      continue;
    }
    applyKey(model, working, op, key, raw);
  }
}

/** The extension object as a whole (`"urn:…:enterprise:2.0:User": {…}`, as Entra ID sends it): each key is an attribute of it. */
function applyToExtension(model: ResourceModel, working: ScimResource, op: Op, extension: SchemaDefinition, raw: unknown): void {
  if (raw === null) {
    if (op === 'replace') delete working[extension.id];
    return;
  }
  if (!isPlainObject(raw)) throw ScimError.invalidValue(`Attribute '${extension.id}' must be an object, got ${show(raw)}.`);
  for (const [key, value] of Object.entries(raw)) {
    // A value copied from a resource may carry `schemas`; PUT ignores it there too.
    if (key.toLowerCase() === 'schemas') continue;
    applyKey(model, working, op, `${extension.id}:${key}`, value);
  }
}

/**
 * A key of a path-less value. Read-only attributes are skipped: Okta's group rename sends
 * {"id": "…", "displayName": "…"} and PUT-style values echo meta and groups.
 */
function applyKey(model: ResourceModel, working: ScimResource, op: Op, key: string, raw: unknown): void {
  let target: Target | undefined;
  try {
    target = resolveTarget(model, key);
  } catch (error) {
    if (error instanceof ScimError && error.scimType === 'mutability') return;
    throw error;
  }
  if (!target) return;
  if (target.kind === 'extension') applyToExtension(model, working, op, target.schema, raw);
  else write(working, op, target, raw);
}

/** Okta custom namespaces and customers' own extensions (urn:okta:…), which normalizeResource keeps verbatim. */
function isForeignUrn(model: ResourceModel, key: string): boolean {
  return key.toLowerCase().startsWith('urn:') && splitUrn(model, key).uri === undefined;
}

function writeForeign(working: ScimResource, op: Op, key: string, raw: unknown): void {
  const existing = Object.keys(working).find((candidate) => candidate.toLowerCase() === key.toLowerCase()) ?? key;
  if (raw === null) {
    if (op === 'replace') delete working[existing];
    return;
  }
  if (!isPlainObject(raw)) throw ScimError.invalidPath(`Attribute '${key}' is not defined for this resource type.`);
  const current = working[existing];
  working[existing] = op === 'add' && isPlainObject(current) ? { ...current, ...structuredClone(raw) } : structuredClone(raw);
}

function section(working: ScimResource, schema: string | undefined): Element {
  if (schema === undefined) return working;
  const existing = working[schema];
  if (isPlainObject(existing)) return existing;
  const created: Element = {};
  working[schema] = created;
  return created;
}

function elementsOf(container: Element, name: string): Element[] {
  const current = container[name];
  if (Array.isArray(current)) return current as Element[];
  return isPlainObject(current) ? [current] : [];
}

function storeElements(container: Element, name: string, elements: Element[]): void {
  if (elements.length > 0) container[name] = elements;
  else delete container[name];
}

function displayPath(target: AttributeTarget): string {
  const base = target.schema ? `${target.schema}:${target.definition.name}` : target.definition.name;
  return target.sub ? `${base}.${target.sub.name}` : base;
}

type AttributeTarget = Extract<Target, { kind: 'attribute' }>;

/** add and replace with a path (RFC 7644 §3.5.2.1, §3.5.2.3). */
function write(working: ScimResource, op: Op, target: AttributeTarget, raw: unknown): void {
  const container = section(working, target.schema);
  const { definition, sub, filter } = target;
  if (filter && sub) writeMatchedSubAttribute(container, target, filter, sub, raw);
  else if (filter) writeMatchedElements(container, op, target, filter, raw);
  else if (sub && definition.multiValued) writeSubAttributeOfEach(container, target, sub, raw);
  else if (sub) writeSubAttribute(container, target, sub, raw);
  else if (definition.multiValued) writeValues(container, op, definition, raw);
  else if (definition.type === 'complex') writeComplex(container, op, target, raw);
  else writeSingle(container, op, target, raw);
}

/** `emails[type eq "work"].value`: the sub-attribute of the elements the filter selects. */
function writeMatchedSubAttribute(container: Element, target: AttributeTarget, filter: Filter, sub: AttributeDefinition, raw: unknown): void {
  const { definition } = target;
  const name = definition.name;
  const elements = elementsOf(container, name);
  const matched = elements.filter((element) => matchesValue(filter, element, definition));
  const written: Element[] = [];
  const value = normalizeValue(sub, raw, `${name}.${sub.name}`);
  if (matched.length === 0) {
    if (value === undefined) return;
    // Entra ID expects add/replace of emails[type eq "work"].value to create the work email when there is none.
    const created = elementFromFilter(definition, filter, target.text);
    created[sub.name] = value;
    elements.push(created);
    written.push(created);
  }
  // RFC 7643 §2.4: `value` is what an element is; unassigning it removes the element (how Entra ID clears a work email).
  if (value === undefined && sub.name === 'value') {
    storeElements(container, name, without(elements, matched));
    return;
  }
  for (const element of matched) {
    setSub(element, sub, value, `${name}.${sub.name}`);
    written.push(element);
  }
  enforceSinglePrimary(elements, written.find((element) => element.primary === true));
  storeElements(container, name, elements);
}

/** `emails[type eq "work"]`: the whole elements the filter selects, merged (add) or replaced. */
function writeMatchedElements(container: Element, op: Op, target: AttributeTarget, filter: Filter, raw: unknown): void {
  const { definition } = target;
  const name = definition.name;
  const elements = elementsOf(container, name);
  const matched = elements.filter((element) => matchesValue(filter, element, definition));
  // RFC 7644 §3.5.2.3: a value filter that matches nothing is noTarget.
  if (matched.length === 0) {
    throw ScimError.noTarget(`No value of '${name}' matches the filter in path '${target.text}'.`);
  }
  if (raw === null) {
    if (op === 'replace') storeElements(container, name, without(elements, matched));
    return;
  }
  const replacement = singleElement(definition, raw);
  for (const element of matched) {
    if (op === 'replace') {
      for (const subAttribute of definition.subAttributes ?? []) {
        assertChangeable(subAttribute, element[subAttribute.name], replacement[subAttribute.name], `${name}.${subAttribute.name}`);
      }
      for (const key of Object.keys(element)) delete element[key];
    }
    for (const [key, value] of Object.entries(structuredClone(replacement))) {
      const subAttribute = (definition.subAttributes ?? []).find((candidate) => candidate.name === key)!;
      setSub(element, subAttribute, value, `${name}.${key}`);
    }
  }
  enforceSinglePrimary(elements, matched.find((element) => element.primary === true));
  storeElements(container, name, elements);
}

/** `emails.type` without a filter: the sub-attribute of every element. */
function writeSubAttributeOfEach(container: Element, target: AttributeTarget, sub: AttributeDefinition, raw: unknown): void {
  const name = target.definition.name;
  const value = normalizeValue(sub, raw, `${name}.${sub.name}`);
  const elements = elementsOf(container, name);
  if (elements.length === 0) {
    if (value === undefined) return;
    throw ScimError.noTarget(`Path '${target.text}' selects no value: '${name}' has none. Use a filter such as ${name}[type eq "work"].${sub.name}.`);
  }
  if (value === undefined && sub.name === 'value') {
    storeElements(container, name, []);
    return;
  }
  for (const element of elements) setSub(element, sub, value, `${name}.${sub.name}`);
  enforceSinglePrimary(elements);
}

/** `name.givenName`: one sub-attribute of a single complex attribute. */
function writeSubAttribute(container: Element, target: AttributeTarget, sub: AttributeDefinition, raw: unknown): void {
  const name = target.definition.name;
  const value = normalizeValue(sub, raw, `${name}.${sub.name}`);
  const current = isPlainObject(container[name]) ? (container[name] as Element) : {};
  setSub(current, sub, value, displayPath(target));
  if (Object.keys(current).length > 0) container[name] = current;
  else delete container[name];
}

/** A whole multi-valued attribute: replace sets the list, add appends what is not there yet. */
function writeValues(container: Element, op: Op, definition: AttributeDefinition, raw: unknown): void {
  const name = definition.name;
  const values = (normalizeValue(definition, raw, name) ?? []) as Element[];
  if (op === 'replace') {
    storeElements(container, name, values);
    return;
  }
  const elements = elementsOf(container, name);
  let keep: Element | undefined;
  for (const value of values) {
    // RFC 7644 §3.5.2.1: a value already present is not added again.
    let element = elements.find((candidate) => sameValue(definition, candidate, value));
    if (!element) {
      element = value;
      elements.push(element);
    }
    if (value.primary === true) keep = element;
  }
  enforceSinglePrimary(elements, keep);
  storeElements(container, name, elements);
}

/** RFC 7644 §3.5.2.3: sub-attributes not given in the value are left unchanged; a null one is unassigned. */
function writeComplex(container: Element, op: Op, target: AttributeTarget, raw: unknown): void {
  const { definition } = target;
  const name = definition.name;
  if (raw === null) {
    if (op === 'replace') delete container[name];
    return;
  }
  const current = isPlainObject(container[name]) ? (container[name] as Element) : {};
  const value = normalizeValue(definition, raw, displayPath(target)) as Element | undefined;
  for (const subAttribute of definition.subAttributes ?? []) {
    const given = isPlainObject(raw) && Object.keys(raw).some((key) => key.toLowerCase() === subAttribute.name.toLowerCase());
    if (value?.[subAttribute.name] !== undefined || (given && !isIgnoredOnInput(subAttribute))) {
      setSub(current, subAttribute, value?.[subAttribute.name], `${displayPath(target)}.${subAttribute.name}`);
    }
  }
  if (Object.keys(current).length > 0) container[name] = current;
  else delete container[name];
}

/** A single-valued simple attribute; an unassigned value under replace removes it. */
function writeSingle(container: Element, op: Op, target: AttributeTarget, raw: unknown): void {
  const { definition } = target;
  const name = definition.name;
  const value = normalizeValue(definition, raw, displayPath(target));
  if (value === undefined) {
    if (op === 'replace') {
      assertChangeable(definition, container[name], undefined, displayPath(target));
      delete container[name];
    }
    return;
  }
  assertChangeable(definition, container[name], value, displayPath(target));
  container[name] = value;
}

/** RFC 7644 §3.5.2.2. */
function remove(working: ScimResource, target: Target, raw: unknown): void {
  if (target.kind === 'extension') {
    delete working[target.schema.id];
    return;
  }
  const { definition, sub, filter } = target;
  const container = target.schema ? (working[target.schema] as Element | undefined) : working;
  if (!isPlainObject(container)) return;
  const name = definition.name;

  if (definition.multiValued) {
    let elements = elementsOf(container, name);
    if (filter) {
      const matched = elements.filter((element) => matchesValue(filter, element, definition));
      if (sub && sub.name !== 'value') for (const element of matched) setSub(element, sub, undefined, `${name}.${sub.name}`);
      else elements = without(elements, matched);
    } else if (sub) {
      if (sub.name !== 'value') for (const element of elements) setSub(element, sub, undefined, `${name}.${sub.name}`);
      else elements = [];
    } else if (listedForRemoval(raw)) {
      const listed = (normalizeValue(definition, listedForRemoval(raw), name) ?? []) as Element[];
      elements = elements.filter((element) => !listed.some((value) => containsAll(element, value)));
    } else {
      elements = [];
    }
    storeElements(container, name, elements);
    return;
  }

  if (sub) {
    const current = container[name];
    if (!isPlainObject(current)) return;
    setSub(current, sub, undefined, displayPath(target));
    if (Object.keys(current).length === 0) delete container[name];
    return;
  }
  assertChangeable(definition, container[name], undefined, displayPath(target));
  delete container[name];
}

function without(elements: Element[], removed: Element[]): Element[] {
  return elements.filter((element) => !removed.includes(element));
}

/** Sets (or, for undefined, unassigns) one sub-attribute, honouring immutability (RFC 7643 §2.2). */
function setSub(element: Element, sub: AttributeDefinition, value: unknown, path: string): void {
  assertChangeable(sub, element[sub.name], value, path);
  if (value === undefined) delete element[sub.name];
  else element[sub.name] = value;
}

function assertChangeable(definition: AttributeDefinition, current: unknown, next: unknown, path: string): void {
  if (definition.mutability === 'immutable' && current !== undefined && !sameJsonValue(current, next)) {
    throw ScimError.mutability(`Attribute '${path}' is immutable and already set; it cannot be changed (RFC 7643 §2.2).`);
  }
}

function singleElement(definition: AttributeDefinition, raw: unknown): Element {
  const values = (normalizeValue(definition, raw, definition.name) ?? []) as Element[];
  if (values.length !== 1) {
    throw ScimError.invalidValue(`A filtered path on '${definition.name}' needs exactly one value, got ${show(raw)}.`);
  }
  return values[0];
}

/**
 * The element a filter describes, for Entra ID's add-or-create on `emails[type eq "work"].value`:
 * only a conjunction of `eq` on sub-attributes describes one.
 */
function elementFromFilter(definition: AttributeDefinition, filter: Filter, text: string): Element {
  const element: Element = {};
  const collect = (node: Filter): boolean => {
    if (node.kind === 'and') return collect(node.left) && collect(node.right);
    if (node.kind !== 'compare' || String(node.op).toLowerCase() !== 'eq' || node.attribute.subAttribute !== undefined) return false;
    const sub = (definition.subAttributes ?? []).find((candidate) => candidate.name.toLowerCase() === node.attribute.name.toLowerCase());
    if (!sub || sub.multiValued || sub.type === 'complex') return false;
    if (sub.name in element && !sameJsonValue(element[sub.name], node.value)) return false;
    element[sub.name] = node.value;
    return true;
  };
  if (!collect(filter)) {
    throw ScimError.noTarget(`No value of '${definition.name}' matches the filter in path '${text}', and the filter does not describe a new one.`);
  }
  return (normalizeValue({ ...definition, multiValued: false }, element, definition.name) ?? {}) as Element;
}

/** Group members (and anything else carrying a $ref) are the same value when they point at the same id. */
function sameValue(definition: AttributeDefinition, a: Element, b: Element): boolean {
  const identifiedByValue = (definition.subAttributes ?? []).some((sub) => sub.name === '$ref');
  if (identifiedByValue && a.value !== undefined && b.value !== undefined) return sameJsonValue(a.value, b.value);
  return sameJsonValue(a, b);
}

function containsAll(element: Element, listed: Element): boolean {
  return Object.entries(listed).every(([key, value]) => sameJsonValue(element[key], value));
}

/** Canonical form, required attributes checked, `schemas` recomputed; read-only attributes carried over from the input. */
function finish(model: ResourceModel, original: ScimResource, working: ScimResource): ScimResource {
  const canonical = carryReadOnly(model, normalizeResource(model, working), original);
  const result: ScimResource = { schemas: canonical.schemas };
  for (const definition of [...commonAttributes, ...model.core.attributes]) {
    if (definition.mutability === 'readOnly') {
      if (original[definition.name] !== undefined) result[definition.name] = structuredClone(original[definition.name]);
    } else if (canonical[definition.name] !== undefined) {
      result[definition.name] = canonical[definition.name];
    }
  }
  for (const [key, value] of Object.entries(canonical)) if (!(key in result)) result[key] = value;
  const { meta, ...rest } = result;
  return meta === undefined ? rest : { ...rest, meta };
}
