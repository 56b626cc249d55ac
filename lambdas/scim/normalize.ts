/**
 * Turns whatever an IdP sends into the canonical resource we store: canonical attribute casing
 * (RFC 7643 §2.1 names are case-insensitive), extension attributes under their schema URN, values
 * of the type the schema declares, read-only and write-only attributes gone.
 */
import { isPlainObject } from './comparison';
import { ScimError } from './errors';
import { AttributeDefinition, ResourceModel, commonAttributes, findByName, splitUrn } from './schemas';

export type ScimResource = Record<string, unknown>;

/** A boolean, or undefined for anything else. */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  // Entra ID (without the aadOptscim062020 flag) sends booleans as the strings "True"/"False".
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return undefined;
}

/** RFC 7643 §2.2: the client never sets readOnly attributes and we never store writeOnly ones (password). */
export function isIgnoredOnInput(definition: AttributeDefinition): boolean {
  return definition.mutability === 'readOnly' || definition.mutability === 'writeOnly';
}

export function describeValue(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function wrongType(path: string, expected: string, value: unknown): ScimError {
  return ScimError.invalidValue(`Attribute '${path}' must be ${expected}, got ${describeValue(value)}.`);
}

// RFC 3339 date-time, which RFC 7643 §2.3.5 requires of dateTime values.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

function normalizeSingle(definition: AttributeDefinition, value: unknown, path: string): unknown {
  switch (definition.type) {
    case 'string':
      if (typeof value !== 'string') throw wrongType(path, 'a string', value);
      return value;
    case 'reference':
      if (typeof value !== 'string') throw wrongType(path, 'a reference (a URI string)', value);
      return value;
    case 'binary':
      if (typeof value !== 'string' || !BASE64.test(value)) throw wrongType(path, 'base64-encoded binary', value);
      return value;
    case 'boolean': {
      const parsed = parseBoolean(value);
      if (parsed === undefined) throw wrongType(path, 'a boolean', value);
      return parsed;
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType(path, 'an integer', value);
      return value;
    case 'decimal':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw wrongType(path, 'a decimal number', value);
      return value;
    case 'dateTime':
      if (typeof value !== 'string' || !DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
        throw wrongType(path, 'a dateTime (ISO 8601, e.g. "2024-01-31T12:00:00Z")', value);
      }
      return value;
    case 'complex':
      return normalizeComplex(definition, value, path);
  }
}

function normalizeComplex(definition: AttributeDefinition, value: unknown, path: string): Record<string, unknown> | undefined {
  const subAttributes = definition.subAttributes ?? [];
  if (!isPlainObject(value)) {
    // Entra ID sends the enterprise manager as a bare id ("value": "26118915-…") rather than {"value": …}.
    const valueSub = findByName(subAttributes, 'value');
    if (valueSub && valueSub.type !== 'complex' && !Array.isArray(value)) {
      return normalizeComplex(definition, { value }, path);
    }
    throw wrongType(path, 'an object', value);
  }
  const given = new Map<AttributeDefinition, unknown>();
  for (const [key, raw] of Object.entries(value)) {
    const sub = findByName(subAttributes, key);
    // Unknown sub-attributes are dropped like unknown attributes; read-only ones (members.display,
    // manager.displayName) are echoed by Okta from our own GET and must not fail the request.
    if (!sub || isIgnoredOnInput(sub)) continue;
    const normalized = normalizeValue(sub, raw, `${path}.${sub.name}`);
    if (normalized !== undefined) given.set(sub, normalized);
  }
  if (given.size === 0) return undefined;
  const result: Record<string, unknown> = {};
  for (const sub of subAttributes) if (given.has(sub)) result[sub.name] = given.get(sub);
  return result;
}

/**
 * RFC 7643 §2.4: at most one value may be primary; when a client marks several, the service provider
 * picks one. We keep the first and clear the rest.
 */
export function enforceSinglePrimary(values: unknown[], keep?: unknown): void {
  let kept = keep !== undefined && isPlainObject(keep) && keep.primary === true && values.includes(keep);
  for (const element of values) {
    if (!isPlainObject(element) || element.primary !== true || element === keep) continue;
    if (kept) element.primary = false;
    else kept = true;
  }
}

/** RFC 7643 §2.4: members of a Group (and any value/display/type quartet) are identified by `value`. */
function requiresValue(definition: AttributeDefinition): boolean {
  return definition.type === 'complex' && definition.multiValued && findByName(definition.subAttributes ?? [], 'value') !== undefined;
}

/**
 * One attribute value to the canonical form for its definition. Returns undefined for an unassigned
 * value: null, an empty array or an object with no sub-attribute set (RFC 7643 §2.5 treats them alike).
 */
export function normalizeValue(definition: AttributeDefinition, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (!definition.multiValued) {
    if (Array.isArray(value)) throw wrongType(path, `a single ${definition.type} value, not an array`, value);
    return normalizeSingle(definition, value, path);
  }
  // Clients send a single object where an array is due (e.g. "emails": {"value": …}); RFC 7643 §2.4
  // lets us be liberal in what we accept.
  const elements = Array.isArray(value) ? value : [value];
  const result: unknown[] = [];
  for (const element of elements) {
    if (element === null || element === undefined) continue;
    const normalized = normalizeSingle(definition, element, path);
    if (requiresValue(definition) && (!isPlainObject(normalized) || normalized.value === undefined)) {
      throw ScimError.invalidValue(`Each value of '${path}' must have a 'value' sub-attribute, got ${describeValue(element)}.`);
    }
    if (normalized !== undefined) result.push(normalized);
  }
  enforceSinglePrimary(result);
  return result.length > 0 ? result : undefined;
}

function isMissing(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && value.trim() === '');
}

/** RFC 7643 §2.2: a required sub-attribute is present in every value of its complex attribute. */
function checkRequiredSubAttributes(definition: AttributeDefinition, value: unknown, path: string): void {
  const required = (definition.subAttributes ?? []).filter((sub) => sub.required);
  if (required.length === 0 || value === undefined) return;
  for (const element of Array.isArray(value) ? value : [value]) {
    const missing = required.find((sub) => !isPlainObject(element) || isMissing(element[sub.name]));
    if (missing) throw ScimError.invalidValue(`Attribute '${path}.${missing.name}' is required in every value of '${path}', got ${describeValue(element)}.`);
  }
}

/**
 * RFC 7643 §2.2 required attributes, checked on the canonical resource. An extension's required
 * attributes are due when the resource carries the extension, and always when the resource
 * type requires the extension (RFC 7643 §6).
 */
export function checkRequired(model: ResourceModel, resource: ScimResource): void {
  for (const definition of model.core.attributes) {
    if (definition.required && isMissing(resource[definition.name])) {
      throw ScimError.invalidValue(`Attribute '${definition.name}' is required.`);
    }
    checkRequiredSubAttributes(definition, resource[definition.name], definition.name);
  }
  for (const extension of model.extensions) {
    const object = resource[extension.id];
    if (!isPlainObject(object)) {
      if (model.type.schemaExtensions.some((declared) => declared.schema === extension.id && declared.required)) {
        const required = extension.attributes.filter((definition) => definition.required).map((definition) => definition.name);
        const what = required.length > 0 ? `its required attributes (${required.join(', ')})` : 'at least one of its attributes';
        throw ScimError.invalidValue(`Schema extension '${extension.id}' is required for ${model.type.name} resources (RFC 7643 §6); send it with ${what}.`);
      }
      continue;
    }
    for (const definition of extension.attributes) {
      const path = `${extension.id}:${definition.name}`;
      if (definition.required && isMissing(object[definition.name])) throw ScimError.invalidValue(`Attribute '${path}' is required.`);
      checkRequiredSubAttributes(definition, object[definition.name], path);
    }
  }
}

/** The `schemas` of a canonical resource: core, then the model's extensions it carries, then undeclared ones kept verbatim. */
function schemasOf(model: ResourceModel, resource: ScimResource): string[] {
  const known = new Set([model.core.id, ...model.extensions.map((extension) => extension.id)]);
  const foreign = (Array.isArray(resource.schemas) ? (resource.schemas as string[]) : []).filter((uri) => !known.has(uri));
  return [model.core.id, ...model.extensions.filter((extension) => resource[extension.id] !== undefined).map((extension) => extension.id), ...foreign];
}

/**
 * RFC 7643 §2.2: clients cannot change readOnly attributes, so a replacement (PUT, or PATCH's
 * recomputed resource) keeps the current values of an extension's readOnly attributes, which
 * only the application sets.
 */
export function carryReadOnly(model: ResourceModel, next: ScimResource, current: ScimResource): ScimResource {
  let result = next;
  for (const extension of model.extensions) {
    const from = current[extension.id];
    if (!isPlainObject(from)) continue;
    if (!extension.attributes.some((definition) => definition.mutability === 'readOnly' && from[definition.name] !== undefined)) continue;
    const into = isPlainObject(result[extension.id]) ? (result[extension.id] as Record<string, unknown>) : {};
    const object: Record<string, unknown> = {};
    for (const definition of extension.attributes) {
      const value = definition.mutability === 'readOnly' ? structuredClone(from[definition.name]) : into[definition.name];
      if (value !== undefined) object[definition.name] = value;
    }
    result = { ...result, [extension.id]: object };
  }
  return result === next ? next : { ...result, schemas: schemasOf(model, result) };
}

type Section = Map<string, unknown>;

/** Assigns into a section; a complex single-valued attribute sent twice (e.g. "name" and "Name") merges. */
function assign(section: Section, definition: AttributeDefinition, value: unknown): void {
  const previous = section.get(definition.name);
  if (definition.type === 'complex' && !definition.multiValued && isPlainObject(previous) && isPlainObject(value)) {
    section.set(definition.name, { ...previous, ...value });
  } else {
    section.set(definition.name, value);
  }
}

/** Reads `name` or `name.sub` against a list of attributes; undefined when unknown. */
function resolveKey(
  attributes: readonly AttributeDefinition[],
  key: string,
): { definition: AttributeDefinition; sub?: AttributeDefinition } | undefined {
  const dot = key.indexOf('.');
  const definition = findByName(attributes, dot < 0 ? key : key.slice(0, dot));
  if (!definition) return undefined;
  if (dot < 0) return { definition };
  const sub = findByName(definition.subAttributes ?? [], key.slice(dot + 1));
  return sub ? { definition, sub } : undefined;
}

function put(section: Section, attributes: readonly AttributeDefinition[], key: string, raw: unknown, pathPrefix: string): void {
  const resolved = resolveKey(attributes, key);
  if (!resolved || isIgnoredOnInput(resolved.definition)) return;
  const { definition, sub } = resolved;
  if (sub) {
    if (isIgnoredOnInput(sub) || definition.multiValued) return;
    const value = normalizeValue(sub, raw, `${pathPrefix}${definition.name}.${sub.name}`);
    if (value !== undefined) assign(section, definition, { [sub.name]: value });
    return;
  }
  const value = normalizeValue(definition, raw, `${pathPrefix}${definition.name}`);
  if (value !== undefined) assign(section, definition, value);
}

/** A POST/PUT body (already JSON-parsed, any shape) -> the canonical resource WITHOUT id/meta (the caller adds them). */
export function normalizeResource(model: ResourceModel, body: unknown): ScimResource {
  if (!isPlainObject(body)) {
    throw ScimError.invalidSyntax(`The request body must be a JSON object representing a ${model.type.name}, got ${describeValue(body)}.`);
  }
  const coreAttributes = [...commonAttributes, ...model.core.attributes];
  const core: Section = new Map();
  const extensions = new Map<string, Section>(model.extensions.map((extension) => [extension.id, new Map()]));
  const foreign = new Map<string, unknown>();

  for (const [key, raw] of Object.entries(body)) {
    if (key.toLowerCase() === 'schemas') continue;
    if (!key.toLowerCase().startsWith('urn:')) {
      put(core, coreAttributes, key, raw, '');
      continue;
    }
    const { uri, rest } = splitUrn(model, key);
    const extension = model.extensions.find((candidate) => candidate.id.toLowerCase() === key.toLowerCase());
    const isCore = key.toLowerCase() === model.core.id.toLowerCase();
    if (extension || isCore) {
      if (raw === null) continue;
      if (!isPlainObject(raw)) throw wrongType(key, 'an object', raw);
      const section = extension ? extensions.get(extension.id)! : core;
      const attributes = extension ? extension.attributes : coreAttributes;
      const prefix = extension ? `${extension.id}:` : '';
      for (const [subKey, subRaw] of Object.entries(raw)) put(section, attributes, subKey, subRaw, prefix);
    } else if (uri) {
      // "urn:…:enterprise:2.0:User:employeeNumber": an attribute qualified by its schema URN (RFC 7644 §3.10).
      const target = model.extensions.find((candidate) => candidate.id === uri);
      if (target) put(extensions.get(target.id)!, target.attributes, rest, raw, `${target.id}:`);
      else put(core, coreAttributes, rest, raw, '');
    } else if (isPlainObject(raw)) {
      // Okta custom namespaces (urn:okta:…) and customers' own extensions: kept verbatim so nothing the IdP sends is lost.
      foreign.set(key, structuredClone(raw));
    }
  }

  const resource: ScimResource = { schemas: [model.core.id] };
  const schemas = resource.schemas as string[];
  for (const definition of coreAttributes) {
    if (core.has(definition.name)) resource[definition.name] = core.get(definition.name);
  }
  for (const extension of model.extensions) {
    const section = extensions.get(extension.id)!;
    if (section.size === 0) continue;
    const object: Record<string, unknown> = {};
    for (const definition of extension.attributes) {
      if (section.has(definition.name)) object[definition.name] = section.get(definition.name);
    }
    resource[extension.id] = object;
    schemas.push(extension.id);
  }
  for (const [key, value] of foreign) {
    resource[key] = value;
    schemas.push(key);
  }
  checkRequired(model, resource);
  return resource;
}
