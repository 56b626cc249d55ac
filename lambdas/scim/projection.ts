import { resolveAttribute, splitUrn, type ResourceModel, type ResolvedAttribute } from './schemas';

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

function onlySub(value: unknown, sub: string): unknown {
  const pick = (element: unknown) => (element && typeof element === 'object' && sub in (element as Json) ? { [sub]: (element as Json)[sub] } : undefined);
  if (Array.isArray(value)) return value.map(pick).filter((element) => element !== undefined);
  return pick(value);
}

function mergeInto(target: Json, key: string, value: unknown) {
  const existing = target[key];
  if (Array.isArray(existing) && Array.isArray(value)) {
    target[key] = existing.map((element, index) => ({ ...(element as Json), ...(value[index] as Json) }));
  } else if (existing && typeof existing === 'object' && value && typeof value === 'object') {
    target[key] = { ...(existing as Json), ...(value as Json) };
  } else if (value !== undefined) {
    target[key] = value;
  }
}

/**
 * RFC 7644 §3.4.2.5: `attributes` narrows a representation to the named attributes plus those
 * `returned: always`; `excludedAttributes` removes the named ones except those. `schemas` is
 * always kept. Names are case-insensitive and may carry a schema URN; unknown names are ignored.
 */
export function project(model: ResourceModel, representation: Json, projection: Projection): Json {
  if (projection.attributes) {
    const result: Json = { schemas: representation.schemas };
    const always = [...model.core.attributes, ...model.extensions.flatMap((e) => e.attributes)].filter((a) => a.returned === 'always');
    for (const definition of always) if (representation[definition.name] !== undefined) result[definition.name] = representation[definition.name];
    if (representation.id !== undefined) result.id = representation.id;
    for (const text of projection.attributes) {
      const resolved = resolveName(model, text);
      if (!resolved) continue;
      const source = container(representation, resolved.schema);
      const value = source?.[resolved.definition.name];
      if (value === undefined) continue;
      const target = resolved.schema ? ((result[resolved.schema] as Json | undefined) ?? (result[resolved.schema] = {})) as Json : result;
      mergeInto(target, resolved.definition.name, resolved.sub ? onlySub(value, resolved.sub.name) : value);
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
 * Whether a response will show a core attribute, so that attributes kept elsewhere (a group's
 * members, a user's groups) are read only when they are wanted (RFC 7644 §3.4.2.5).
 */
export function isRequested(model: ResourceModel, projection: Projection, name: string): boolean {
  const definition = resolveAttribute(model, { name })?.definition;
  if (!definition || definition.returned === 'never') return false;
  const names = (list: string[]) => list.map((text) => resolveName(model, text)).filter((resolved) => resolved && !resolved.schema && resolved.definition.name === definition.name);
  if (projection.attributes) return definition.returned === 'always' || names(projection.attributes).length > 0;
  if (projection.excludedAttributes) {
    // Excluding one sub-attribute (members.display) still returns the attribute.
    return !names(projection.excludedAttributes).some((resolved) => !resolved!.sub) || definition.returned === 'always';
  }
  return definition.returned !== 'request';
}
