import { isPlainObject } from './comparison';
import { groupResourceType, resolveAttribute, userResourceType, type ResourceModel, type ResourceTypeDefinition } from './schemas';

/** RFC 7643 §3.1 meta.location: the URI of a resource under the base URL the request was made to. */
export function resourceLocation(baseUrl: string, type: ResourceTypeDefinition, id: string): string {
  return `${baseUrl}${type.endpoint}/${id}`;
}

const resourceTypes = [userResourceType, groupResourceType];

/**
 * References the server keeps itself (a group's members, RFC 7643 §4.2; a user's groups, §4.1.2),
 * each with its `$ref`: the location of the resource its `value` names, derived from the id, so no
 * read. The resource type is the value's `type` where that is one the `$ref` may name (members:
 * "User"), else the one type the `$ref` may name at all (groups: "Group").
 */
export function withLocations(model: ResourceModel, attributes: Record<string, unknown>, baseUrl: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(attributes)) {
    const targets = resolveAttribute(model, { name, subAttribute: '$ref' })?.sub?.referenceTypes ?? [];
    result[name] =
      targets.length === 0 || !Array.isArray(values)
        ? values
        : values.map((element) => {
            if (!isPlainObject(element) || typeof element.value !== 'string') return element;
            const typeName = typeof element.type === 'string' && targets.includes(element.type) ? element.type : targets.length === 1 ? targets[0] : undefined;
            const type = resourceTypes.find((candidate) => candidate.name === typeName);
            const { value, ...rest } = element;
            return type ? { value, $ref: resourceLocation(baseUrl, type, value), ...rest } : element;
          });
  }
  return result;
}
