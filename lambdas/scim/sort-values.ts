import { ScimError } from './errors';
import { asDateTime, asNumber, field, resourceScope } from './filter-evaluation';
import { parsePath, type PatchPath } from './filter-syntax';
import { isPlainObject } from './comparison';
import { parseBoolean } from './normalize';
import { findByName, type ResourceModel } from './schemas';

/** What a resource sorts by: a folded string, a number (numbers, dateTimes as epoch ms, booleans as 0/1), or nothing. */
export type SortValue = string | number | undefined;

/**
 * RFC 7644 §3.4.2.3: the value `sortBy` names, typed by the schema so that numbers and dateTimes
 * order as such and strings fold case unless caseExact. A multi-valued attribute sorts by its
 * primary value, else its first. Throws ScimError invalidValue for a path the model doesn't define.
 */
export function sortValueReader(model: ResourceModel, sortBy: string): (resource: Record<string, unknown>) => SortValue {
  const unknown = () =>
    ScimError.invalidValue(`sortBy "${sortBy}" names no attribute of ${model.type.name}; use an attribute path such as userName or name.familyName.`);
  let path: PatchPath;
  try {
    path = parsePath(sortBy.trim());
  } catch {
    throw unknown();
  }
  const located = path.valueFilter === undefined ? resourceScope(model).locate({ ...path.attribute, subAttribute: undefined }) : undefined;
  const sub = located && path.attribute.subAttribute !== undefined ? findByName(located.definition.subAttributes, path.attribute.subAttribute) : undefined;
  if (!located || (path.attribute.subAttribute !== undefined && !sub)) throw unknown();
  const valueOf = located.definition.type === 'complex' ? sub ?? findByName(located.definition.subAttributes, 'value') : located.definition;
  if (!valueOf || valueOf.type === 'complex') {
    throw ScimError.invalidValue(`sortBy "${sortBy}" is a complex attribute without a value to sort by; name a sub-attribute.`);
  }
  const key = (raw: unknown): SortValue => {
    switch (valueOf.type) {
      case 'boolean': {
        const value = parseBoolean(raw);
        return value === undefined ? undefined : Number(value);
      }
      case 'integer':
      case 'decimal':
        return asNumber(raw);
      case 'dateTime':
        return asDateTime(raw);
      default:
        if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
        return valueOf.caseExact ? String(raw) : String(raw).toLowerCase();
    }
  };
  return (resource) => {
    const items = located.read(resource);
    const chosen = items.find((item) => isPlainObject(item) && parseBoolean(field(item, 'primary')) === true) ?? items[0];
    if (chosen === undefined) return undefined;
    return key(located.definition.type === 'complex' ? field(chosen, valueOf.name) : chosen);
  };
}

/**
 * Orders sort values ascending; a resource without the attribute sorts after every resource with
 * it, whichever the sortOrder, so that the populated ones come first.
 */
export function compareSortValues(a: SortValue, b: SortValue, descending: boolean): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  const order = a < b ? -1 : a > b ? 1 : 0;
  return descending ? -order : order;
}
