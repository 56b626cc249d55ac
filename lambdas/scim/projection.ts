import { commonAttributes, resolveAttribute, splitUrn, type AttributeDefinition, type ResourceModel, type ResolvedAttribute } from './schemas';

export interface Projection {
  attributes?: string[];
  excludedAttributes?: string[];
}

type Json = Record<string, unknown>;

function resolveName(model: ResourceModel, text: string): ResolvedAttribute | undefined {
  const { uri, rest } = splitUrn(model, text);
  if (uri && rest === '') return undefined;
  const [name, subAttribute] = rest.split('.', 2);
  return resolveAttribute(model, { uri, name, subAttribute });
}

function container(resource: Json, schema: string | undefined): Json | undefined {
  if (!schema) return resource;
  const extension = resource[schema];
  return extension && typeof extension === 'object' ? (extension as Json) : undefined;
}

function withoutSub(value: unknown, sub: string): unknown {
  const strip = (element: unknown) => {
    if (!element || typeof element !== 'object') return element;
    const { [sub]: _dropped, ...rest } = element as Json;
    return rest;
  };
  return Array.isArray(value) ? value.map(strip) : strip(value);
}

/** Only the named sub-attributes of each value; a value holding none of them is left out. */
function onlySubs(value: unknown, subs: ReadonlySet<string>): unknown {
  const pick = (element: unknown) => {
    if (!element || typeof element !== 'object') return undefined;
    const picked = Object.fromEntries(Object.entries(element as Json).filter(([key]) => subs.has(key)));
    return Object.keys(picked).length > 0 ? picked : undefined;
  };
  if (Array.isArray(value)) return value.map(pick).filter((element) => element !== undefined);
  return pick(value);
}

/** The object an attribute lives in within a new representation, created when it is an extension's. */
function targetIn(result: Json, schema: string | undefined): Json {
  if (!schema) return result;
  return ((result[schema] as Json | undefined) ?? (result[schema] = {})) as Json;
}

/** Attributes and sub-attributes by their `returned` characteristic (RFC 7643 §2.2), per model. */
interface ByReturned {
  always: ResolvedAttribute[];
  /** `never` and `request`. */
  withheld: ResolvedAttribute[];
}

const byReturned = new WeakMap<ResourceModel, ByReturned>();

function returnedOf(model: ResourceModel): ByReturned {
  let found = byReturned.get(model);
  if (found) return found;
  found = { always: [], withheld: [] };
  const withheld = (definition: AttributeDefinition) => definition.returned === 'never' || definition.returned === 'request';
  const visit = (schema: string | undefined, attributes: AttributeDefinition[]) => {
    for (const definition of attributes) {
      if (definition.returned === 'always') found!.always.push({ schema, definition });
      if (withheld(definition)) found!.withheld.push({ schema, definition });
      else for (const sub of definition.subAttributes ?? []) if (withheld(sub)) found!.withheld.push({ schema, definition, sub });
    }
  };
  visit(undefined, [...commonAttributes, ...model.core.attributes]);
  for (const extension of model.extensions) visit(extension.id, extension.attributes);
  byReturned.set(model, found);
  return found;
}

/**
 * RFC 7643 §2.2 `returned`: `never` attributes are never shown; `request` ones only when
 * `attributes` names them, a `request` sub-attribute by its own name: `attributes=members` asks for
 * the members as returned by default, not for every member's display, which costs a read of each.
 * The representation's objects are shared with the stored resource, so what changes is copied first.
 */
function withhold(model: ResourceModel, representation: Json, requested: string[]): Json {
  const { withheld } = returnedOf(model);
  if (withheld.length === 0) return representation;
  const named = requested.map((text) => resolveName(model, text)).filter((resolved) => resolved !== undefined);
  const isNamed = (entry: ResolvedAttribute) =>
    named.some((resolved) => resolved.schema === entry.schema && resolved.definition === entry.definition && (!entry.sub || resolved.sub === entry.sub));
  let result = representation;
  for (const entry of withheld) {
    if ((entry.sub ?? entry.definition).returned === 'request' && isNamed(entry)) continue;
    const source = container(result, entry.schema);
    const name = entry.definition.name;
    if (!source || source[name] === undefined) continue;
    if (result === representation) result = { ...representation };
    const copy = entry.schema ? { ...source } : result;
    if (entry.sub) copy[name] = withoutSub(copy[name], entry.sub.name);
    else delete copy[name];
    if (entry.schema) {
      if (Object.keys(copy).length > 0) result[entry.schema] = copy;
      else delete result[entry.schema];
    }
  }
  return result;
}

/**
 * RFC 7644 §3.4.2.5: `attributes` narrows a representation to the named attributes plus those
 * `returned: always`; `excludedAttributes` removes the named ones except those. `schemas` is
 * always kept. Names are case-insensitive and may carry a schema URN; unknown names are ignored.
 */
export function project(model: ResourceModel, representation: Json, projection: Projection): Json {
  return withhold(model, select(model, representation, projection), projection.attributes ?? []);
}

function select(model: ResourceModel, representation: Json, projection: Projection): Json {
  if (projection.attributes) {
    const result: Json = { schemas: representation.schemas };
    for (const { schema, definition } of returnedOf(model).always) {
      const value = container(representation, schema)?.[definition.name];
      if (value !== undefined) targetIn(result, schema)[definition.name] = value;
    }
    // The sub-attributes named for one attribute are picked together, so that each value keeps all of
    // its own: `emails.value,emails.type`, `members.type,members.$ref`.
    const named = new Map<string, { schema?: string; definition: AttributeDefinition; subs?: Set<string> }>();
    for (const text of projection.attributes) {
      const resolved = resolveName(model, text);
      if (!resolved) continue;
      const key = `${resolved.schema ?? ''}:${resolved.definition.name}`;
      const entry = named.get(key) ?? { schema: resolved.schema, definition: resolved.definition, subs: new Set<string>() };
      if (!resolved.sub) entry.subs = undefined;
      else entry.subs?.add(resolved.sub.name);
      named.set(key, entry);
    }
    for (const { schema, definition, subs } of named.values()) {
      // Returned always: already there whole.
      if (definition.returned === 'always') continue;
      const value = container(representation, schema)?.[definition.name];
      if (value !== undefined) targetIn(result, schema)[definition.name] = subs ? onlySubs(value, subs) : value;
    }
    return result;
  }
  if (projection.excludedAttributes) {
    const result: Json = { ...representation };
    for (const text of projection.excludedAttributes) {
      const resolved = resolveName(model, text);
      if (!resolved || resolved.definition.returned === 'always' || resolved.definition.name === 'id') continue;
      const source = container(result, resolved.schema);
      if (!source || source[resolved.definition.name] === undefined) continue;
      const copy = resolved.schema ? { ...source } : source;
      if (resolved.sub) copy[resolved.definition.name] = withoutSub(copy[resolved.definition.name], resolved.sub.name);
      else delete copy[resolved.definition.name];
      if (resolved.schema) result[resolved.schema] = copy;
    }
    return result;
  }
  return representation;
}

/**
 * Whether a response will show a core attribute (`members`) or sub-attribute (`members.display`), so
 * that what is kept elsewhere (a group's members, a user's groups, the members' names) is read only
 * when it is wanted (RFC 7644 §3.4.2.5, RFC 7643 §2.2 `returned`).
 */
export function isRequested(model: ResourceModel, projection: Projection, path: string): boolean {
  const target = resolveName(model, path);
  if (!target || target.schema) return false;
  const { definition, sub } = target;
  const returned = sub?.returned ?? definition.returned;
  if (definition.returned === 'never' || returned === 'never') return false;
  const named = (list: string[]) =>
    list.map((text) => resolveName(model, text)).filter((resolved) => resolved !== undefined && !resolved.schema && resolved.definition === definition);
  if (projection.attributes) {
    if (definition.returned === 'always' && returned !== 'request') return true;
    // Naming an attribute names its sub-attributes too, except those returned on request (see withhold()).
    return named(projection.attributes).some((resolved) => !sub || resolved!.sub === sub || (!resolved!.sub && returned !== 'request'));
  }
  if (returned === 'request') return false;
  if (projection.excludedAttributes && definition.returned !== 'always') {
    // Excluding one sub-attribute (members.display) still returns the attribute.
    return !named(projection.excludedAttributes).some((resolved) => !resolved!.sub || resolved!.sub === sub);
  }
  return true;
}
