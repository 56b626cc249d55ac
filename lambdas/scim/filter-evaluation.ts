/**
 * Evaluation of SCIM filters (RFC 7644 §3.4.2.2) against resources in their canonical JSON form.
 *
 * Evaluation choices the RFC leaves open:
 * - A compare on a multi-valued attribute matches when ANY of its values matches, `ne` included;
 *   an attribute with no value (absent, null, or an empty array) matches `ne` and nothing else.
 * - An attribute the model does not define matches nothing, except `ne`, which it always matches.
 * - `eq null` / `ne null` test absence / presence, since RFC 7643 §2.5 makes null and unassigned the same.
 * - Combinations that cannot mean anything throw invalidFilter as soon as `matches` or `matchesValue`
 *   is called, whatever the data: ordering (`gt` `ge` `lt` `le`) on booleans and binaries
 *   (RFC 7644 §3.4.2.2), `co` `sw` `ew` on booleans, numbers and dateTimes, a boolean, number or dateTime
 *   compared with a value of another type, and a value filter on a non-complex attribute
 *   (RFC 7644 §3.12, "the specified attribute and filter comparison combination is not supported").
 * - A dateTime without a time zone is read as UTC; a bare date as its midnight UTC.
 */
import { caseIgnoringForm } from './comparison';
import { ScimError } from './errors';
import { printAttrPath, printValue, type AttrPath, type CompareOp, type Filter } from './filter-syntax';
import { isPlainObject } from './comparison';
import { parseBoolean } from './normalize';
import { findByName, resolveAttribute, type AttributeDefinition, type ResourceModel } from './schemas';

type Predicate = (node: unknown) => boolean;

/** An attribute located in a scope: its definition and how to read its non-null values from a node. */
interface Target {
  definition: AttributeDefinition;
  read(node: unknown): unknown[];
}

interface Scope {
  /** undefined for an attribute the scope does not define. */
  locate(attribute: AttrPath): Target | undefined;
  /** The complex attribute whose elements this scope evaluates, for value filters. */
  parent?: AttributeDefinition;
}

/** Resources are canonical, so the exact key is tried first; the case-insensitive scan is RFC 7643 §2.1 leniency. */
export function field(node: unknown, key: string): unknown {
  if (!isPlainObject(node)) return undefined;
  if (Object.hasOwn(node, key)) return node[key];
  const lower = key.toLowerCase();
  const found = Object.keys(node).find((candidate) => candidate.toLowerCase() === lower);
  return found === undefined ? undefined : node[found];
}

function values(raw: unknown): unknown[] {
  if (raw === undefined || raw === null) return [];
  return Array.isArray(raw) ? raw.filter((item) => item !== undefined && item !== null) : [raw];
}

/** RFC 7644 §3.4.2.2 `pr`: a non-empty value, or a complex node with a non-empty value inside. */
function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.length > 0;
  if (Array.isArray(value)) return value.some(isPresent);
  if (typeof value === 'object') return Object.values(value).some(isPresent);
  return true;
}

/** RFC 7643 §3: every resource's "schemas", which no schema defines as an attribute. */
const SCHEMAS_ATTRIBUTE: AttributeDefinition = {
  name: 'schemas',
  type: 'reference',
  multiValued: true,
  description: 'The schema URIs of the resource.',
  required: true,
  caseExact: false,
  mutability: 'readOnly',
  returned: 'always',
  uniqueness: 'none',
};

function readAttribute(definition: AttributeDefinition, sub: AttributeDefinition | undefined, container: (node: unknown) => unknown) {
  return (node: unknown): unknown[] => {
    const items = values(field(container(node), definition.name));
    return sub ? items.flatMap((item) => values(field(item, sub.name))) : items;
  };
}

export function resourceScope(model: ResourceModel): Scope {
  return {
    locate(attribute) {
      const resolved = resolveAttribute(model, attribute);
      if (!resolved) {
        if (attribute.uri === undefined && attribute.subAttribute === undefined && attribute.name.toLowerCase() === 'schemas') {
          return { definition: SCHEMAS_ATTRIBUTE, read: readAttribute(SCHEMAS_ATTRIBUTE, undefined, (node) => node) };
        }
        return undefined;
      }
      const { schema, definition, sub } = resolved;
      const container = schema === undefined ? (node: unknown) => node : (node: unknown) => field(node, schema);
      return { definition: sub ?? definition, read: readAttribute(definition, sub, container) };
    },
  };
}

function elementScope(parent: AttributeDefinition): Scope {
  return {
    parent,
    locate(attribute) {
      if (attribute.uri !== undefined || attribute.subAttribute !== undefined) return undefined;
      const sub = findByName(parent.subAttributes, attribute.name);
      return sub ? { definition: sub, read: readAttribute(sub, undefined, (node) => node) } : undefined;
    },
  };
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?$/i;

/** xsd:dateTime (RFC 7643 §2.3.5) to epoch milliseconds, or undefined. */
function parseDateTime(text: string): number | undefined {
  const match = DATE_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), 0);
  if (date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return undefined;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  let offset = 0;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const [hours, minutes] = zone.slice(1).split(':').map(Number);
    if (hours > 23 || minutes > 59) return undefined;
    offset = sign * (hours * 60 + minutes) * 60_000;
  }
  return date.getTime() + (fraction ? Number(`0.${fraction}`) * 1000 : 0) - offset;
}

const ORDERING: ReadonlySet<CompareOp> = new Set(['gt', 'ge', 'lt', 'le']);
const SUBSTRING: ReadonlySet<CompareOp> = new Set(['co', 'sw', 'ew']);

function ordered<T extends string | number | boolean>(op: CompareOp, operand: T): (value: T) => boolean {
  switch (op) {
    case 'eq':
      return (value) => value === operand;
    case 'ne':
      return (value) => value !== operand;
    case 'gt':
      return (value) => value > operand;
    case 'ge':
      return (value) => value >= operand;
    case 'lt':
      return (value) => value < operand;
    case 'le':
      return (value) => value <= operand;
    case 'co':
      return (value) => String(value).includes(String(operand));
    case 'sw':
      return (value) => String(value).startsWith(String(operand));
    case 'ew':
      return (value) => String(value).endsWith(String(operand));
  }
}

/** Applies `test` to a stored value once `coerce` has turned it into the attribute type; undefined when it has no such form. */
function typed<T extends string | number | boolean>(coerce: (value: unknown) => T | undefined, test: (value: T) => boolean) {
  return (raw: unknown): boolean | undefined => {
    const value = coerce(raw);
    return value === undefined ? undefined : test(value);
  };
}

const NUMERIC = /^\s*-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && NUMERIC.test(value)) return Number(value);
  return undefined;
}

export function asDateTime(value: unknown): number | undefined {
  return typeof value === 'string' ? parseDateTime(value) : undefined;
}

/** The test a compare applies to each stored value of its attribute, by the attribute's type. */
function comparison(filter: Extract<Filter, { kind: 'compare' }>, definition: AttributeDefinition, printed: string) {
  const { op, value: operand } = filter;
  const unsupported = (why: string): never => {
    throw ScimError.invalidFilter(`'${printed} ${op} ${printValue(operand)}' cannot be evaluated: ${why}.`);
  };
  switch (definition.type) {
    case 'boolean': {
      if (op !== 'eq' && op !== 'ne') unsupported(`'${printed}' is a boolean, which only eq and ne compare (RFC 7644 §3.4.2.2)`);
      const expected = parseBoolean(operand) ?? unsupported(`'${printed}' is a boolean; compare it with true or false`);
      return typed(parseBoolean, ordered(op, expected));
    }
    case 'integer':
    case 'decimal': {
      if (SUBSTRING.has(op)) unsupported(`'${printed}' is a number, which ${op} does not apply to`);
      const expected = asNumber(operand) ?? unsupported(`'${printed}' is a number; compare it with a number`);
      return typed(asNumber, ordered(op, expected));
    }
    case 'dateTime': {
      if (SUBSTRING.has(op)) unsupported(`'${printed}' is a dateTime, which ${op} does not apply to`);
      const expected =
        asDateTime(operand) ?? unsupported(`'${printed}' is a dateTime; compare it with a string such as "2011-05-13T04:42:34Z"`);
      return typed(asDateTime, ordered(op, expected));
    }
    default: {
      if (definition.type === 'binary' && ORDERING.has(op)) {
        unsupported(`'${printed}' is binary, which ${op} does not apply to (RFC 7644 §3.4.2.2)`);
      }
      // RFC 7643 §2.3.1: caseExact decides; binary values are base64, so always case-exact.
      const fold = definition.caseExact || definition.type === 'binary' ? (text: string) => text : caseIgnoringForm;
      const asString = (value: unknown) =>
        typeof value === 'string' ? fold(value) : typeof value === 'number' || typeof value === 'boolean' ? fold(String(value)) : undefined;
      return typed(asString, ordered(op, fold(String(operand))));
    }
  }
}

function compile(filter: Filter, scope: Scope): Predicate {
  switch (filter.kind) {
    case 'and': {
      const left = compile(filter.left, scope);
      const right = compile(filter.right, scope);
      return (node) => left(node) && right(node);
    }
    case 'or': {
      const left = compile(filter.left, scope);
      const right = compile(filter.right, scope);
      return (node) => left(node) || right(node);
    }
    case 'not': {
      const inner = compile(filter.filter, scope);
      return (node) => !inner(node);
    }
    case 'present': {
      const target = scope.locate(filter.attribute);
      if (!target) return () => false;
      return (node) => target.read(node).some(isPresent);
    }
    case 'valuePath': {
      const printed = printAttrPath(filter.attribute);
      if (scope.parent) {
        throw ScimError.invalidFilter(`Value filters cannot be nested: '${printed}[…]' is inside the value filter of '${scope.parent.name}'.`);
      }
      const target = scope.locate(filter.attribute);
      if (!target) return () => false;
      if (target.definition.type !== 'complex') {
        throw ScimError.invalidFilter(`'${printed}' is not a complex attribute, so it takes no value filter '[…]'.`);
      }
      const inner = compile(filter.filter, elementScope(target.definition));
      return (node) => target.read(node).some(inner);
    }
    case 'compare':
      return compileCompare(filter, scope);
  }
}

function compileCompare(filter: Extract<Filter, { kind: 'compare' }>, scope: Scope): Predicate {
  const { op } = filter;
  const located = scope.locate(filter.attribute);
  if (!located) return () => op === 'ne';
  let printed = printAttrPath(filter.attribute);
  let { definition, read } = located;
  if (definition.type === 'complex') {
    // RFC 7644 §3.4.2.2: `emails co "example.com"` compares the "value" sub-attribute of each email.
    const value = findByName(definition.subAttributes, 'value');
    if (!value) {
      const example = definition.subAttributes?.[0]?.name ?? 'value';
      throw ScimError.invalidFilter(`'${printed}' is complex and has no "value" to compare; name a sub-attribute, as in ${printed}.${example}.`);
    }
    const elements = read;
    read = (node) => elements(node).flatMap((element) => values(field(element, value.name)));
    definition = value;
    printed = `${printed}.${value.name}`;
  }
  if (filter.value === null) {
    // RFC 7643 §2.5: null is the same state as unassigned, so `eq null` asks for absence.
    if (op === 'eq') return (node) => !read(node).some(isPresent);
    if (op === 'ne') return (node) => read(node).some(isPresent);
    throw ScimError.invalidFilter(`'${printed} ${op} null' cannot be evaluated: null only compares with eq and ne.`);
  }
  const test = comparison(filter, definition, printed);
  return (node) => {
    let compared = false;
    for (const raw of read(node)) {
      const result = test(raw);
      if (result) return true;
      if (result === false) compared = true;
    }
    return !compared && op === 'ne';
  };
}

const compiled = new WeakMap<Filter, WeakMap<object, Predicate>>();

function cachedPredicate(filter: Filter, key: object, build: () => Predicate): Predicate {
  let byKey = compiled.get(filter);
  if (!byKey) {
    byKey = new WeakMap();
    compiled.set(filter, byKey);
  }
  let predicate = byKey.get(key);
  if (!predicate) {
    predicate = build();
    byKey.set(key, predicate);
  }
  return predicate;
}

/**
 * Whether a resource in canonical SCIM JSON matches the filter. Throws ScimError invalidFilter for
 * combinations that cannot be evaluated (see the top of this file), whatever the resource.
 */
export function matches(filter: Filter, resource: Record<string, unknown>, model: ResourceModel): boolean {
  return cachedPredicate(filter, model, () => compile(filter, resourceScope(model)))(resource);
}

/**
 * Whether one element of a complex attribute (e.g. one of a user's emails, one member of a group)
 * matches a value filter whose attribute names are that attribute's sub-attributes, as in the
 * `[type eq "work"]` of the PATCH path `emails[type eq "work"].value`.
 */
export function matchesValue(filter: Filter, element: unknown, attribute: AttributeDefinition): boolean {
  return cachedPredicate(filter, attribute, () => compile(filter, elementScope(attribute)))(element);
}
