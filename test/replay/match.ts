/**
 * Deep-partial matching of a recorded expectation against an actual JSON value.
 *
 * - Objects: every expected key must match the actual value under that key; extra actual keys are fine.
 * - Arrays: order-free; each expected element must deep-partially match some actual element
 *   (`{"$ordered": [...]}` and `{"$exactly": [...]}` tighten that).
 * - Scalars: strict equality (`false` does not match `"False"`).
 * - Operator objects (keys starting with `$`; `$ref` is NOT one, it is a SCIM attribute):
 *     {"$match": "integer" | "string" | "boolean" | "any" | "absent" | "empty", "min"?: n}
 *         "string" is a non-empty string; "any" is present and not null;
 *         "absent" is undefined or null; "empty" is absent or [].
 *     {"$contains": "text"}         a string containing text
 *     {"$oneOf": [a, b]}            matches any of the alternatives
 *     {"$not": x}                   does not match x
 *     {"$ordered": [...]}           same length, element i matches element i
 *     {"$exactly": [...]}           same length, order-free, each actual element used once
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const OPERATORS = ['$match', '$contains', '$oneOf', '$not', '$ordered', '$exactly'] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function operatorOf(expected: unknown): (typeof OPERATORS)[number] | undefined {
  if (!isPlainObject(expected)) return undefined;
  return OPERATORS.find((op) => op in expected);
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing (absent)';
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function where(path: string): string {
  return path === '' ? '(root)' : path;
}

/** Every mismatch, as `path: expected …, got …`; an empty list means the value matches. */
export function mismatches(expected: unknown, actual: unknown, path = ''): string[] {
  const op = operatorOf(expected);
  if (op) return matchOperator(op, expected as Record<string, unknown>, actual, path);

  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${where(path)}: expected an array, got ${show(actual)}`];
    return expected.flatMap((item, i) =>
      actual.some((candidate) => mismatches(item, candidate, '').length === 0)
        ? []
        : [`${path}[${i}]: no element of ${show(actual)} matches ${show(item)}`],
    );
  }

  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return [`${where(path)}: expected an object, got ${show(actual)}`];
    return Object.entries(expected).flatMap(([key, value]) =>
      mismatches(value, actual[key], path === '' ? key : `${path}.${key}`),
    );
  }

  return Object.is(expected, actual) ? [] : [`${where(path)}: expected ${show(expected)}, got ${show(actual)}`];
}

function matchOperator(
  op: (typeof OPERATORS)[number],
  spec: Record<string, unknown>,
  actual: unknown,
  path: string,
): string[] {
  const at = where(path);
  switch (op) {
    case '$match': {
      const kind = spec.$match;
      const min = typeof spec.min === 'number' ? spec.min : undefined;
      const ok = (() => {
        switch (kind) {
          case 'integer':
            return Number.isInteger(actual) && (min === undefined || (actual as number) >= min);
          case 'string':
            return typeof actual === 'string' && actual.length > 0;
          case 'boolean':
            return typeof actual === 'boolean';
          case 'any':
            return actual !== undefined && actual !== null;
          case 'absent':
            return actual === undefined || actual === null;
          case 'empty':
            return actual === undefined || actual === null || (Array.isArray(actual) && actual.length === 0);
          default:
            throw new Error(`unknown $match kind ${show(kind)} at ${at}`);
        }
      })();
      return ok ? [] : [`${at}: expected ${kind}${min === undefined ? '' : ` >= ${min}`}, got ${show(actual)}`];
    }
    case '$contains':
      return typeof actual === 'string' && actual.includes(String(spec.$contains))
        ? []
        : [`${at}: expected a string containing ${show(spec.$contains)}, got ${show(actual)}`];
    case '$oneOf': {
      const options = spec.$oneOf as unknown[];
      return options.some((option) => mismatches(option, actual, path).length === 0)
        ? []
        : [`${at}: expected one of ${show(options)}, got ${show(actual)}`];
    }
    case '$not':
      return mismatches(spec.$not, actual, path).length === 0
        ? [`${at}: expected NOT ${show(spec.$not)}, got ${show(actual)}`]
        : [];
    case '$ordered': {
      const items = spec.$ordered as unknown[];
      if (!Array.isArray(actual) || actual.length !== items.length) {
        return [`${at}: expected exactly ${items.length} element(s) in order, got ${show(actual)}`];
      }
      return items.flatMap((item, i) => mismatches(item, actual[i], `${path}[${i}]`));
    }
    case '$exactly': {
      const items = spec.$exactly as unknown[];
      if (!Array.isArray(actual) || actual.length !== items.length) {
        return [`${at}: expected exactly ${items.length} element(s), got ${show(actual)}`];
      }
      return assignAll(items, actual)
        ? []
        : [`${at}: expected the elements ${show(items)} (any order), got ${show(actual)}`];
    }
  }
}

/** Can each expected item be matched to a distinct actual element? (Backtracking; the lists are tiny.) */
function assignAll(items: unknown[], actual: unknown[], used: boolean[] = actual.map(() => false), i = 0): boolean {
  if (i === items.length) return true;
  for (let j = 0; j < actual.length; j++) {
    if (used[j] || mismatches(items[i], actual[j]).length > 0) continue;
    used[j] = true;
    if (assignAll(items, actual, used, i + 1)) return true;
    used[j] = false;
  }
  return false;
}

/** A path as written in a fixture: `"Resources.0.id"` or, for keys containing dots (URNs), an array of keys. */
export type JsonPath = string | string[];

function segments(path: JsonPath): string[] {
  return Array.isArray(path) ? path : path.split('.');
}

/** The value at a path; numeric segments index arrays. */
export function valueAt(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const key of segments(path)) {
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)];
    else if (isPlainObject(current)) current = current[key];
    else return undefined;
  }
  return current;
}

/**
 * Paths that exist where they must not. A non-numeric segment applied to an array applies
 * to every element, so `Resources.password` checks every resource.
 */
export function presentPaths(value: unknown, path: JsonPath, prefix = ''): string[] {
  const [key, ...rest] = segments(path);
  if (key === undefined) return value === undefined || value === null ? [] : [prefix];
  if (Array.isArray(value)) {
    if (/^\d+$/.test(key)) return presentPaths(value[Number(key)], rest, `${prefix}[${key}]`);
    return value.flatMap((item, i) => presentPaths(item, [key, ...rest], `${prefix}[${i}]`));
  }
  if (!isPlainObject(value) || !(key in value)) return [];
  return presentPaths(value[key], rest, prefix === '' ? key : `${prefix}.${key}`);
}
