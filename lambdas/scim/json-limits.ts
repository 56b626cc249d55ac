/**
 * Limits on the shape of JSON values, checked by walking them without recursion, so that no
 * value a client sends can overflow the stack of the code that reads it afterwards, and no
 * resource reaches the store in a shape the store would refuse with an error of its own.
 */
import { ScimError } from './errors';

/** Levels of objects and arrays a request body may nest: SCIM's own deepest is 3 (a PATCH value of a complex sub-attribute). */
export const MAX_BODY_NESTING = 32;

export interface StorageLimits {
  /** Levels of objects and arrays a resource may nest. */
  maxDepth: number;
  /** The resource's weight in the store, in bytes (see storageProblem). */
  maxBytes: number;
  /** Numbers the store keeps: integers within ±Number.MAX_SAFE_INTEGER, fractions of at least this magnitude. */
  minMagnitude: number;
}

type Path = ReadonlyArray<string | number>;

export function printPath(path: Path): string {
  return path.reduce<string>((text, step) => (typeof step === 'number' ? `${text}[${step}]` : text ? `${text}.${step}` : step), '');
}

interface Visit {
  value: unknown;
  path: Path;
  depth: number;
}

/** Calls `visit` for every value inside `root` (root at depth 0), depth-first; `visit` returning false stops descending there. */
function walk(root: unknown, visit: (entry: Visit) => boolean | void): void {
  const pending: Visit[] = [{ value: root, path: [], depth: 0 }];
  for (let entry = pending.pop(); entry; entry = pending.pop()) {
    if (visit(entry) === false) continue;
    const { value, path, depth } = entry;
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--) pending.push({ value: value[index], path: [...path, index], depth: depth + 1 });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, element] of Object.entries(value)) pending.push({ value: element, path: [...path, key], depth: depth + 1 });
    }
  }
}

const isContainer = (value: unknown) => value !== null && typeof value === 'object';

/**
 * Where `value` first nests objects or arrays more than `limit` levels deep (the top object is
 * level 1), or undefined. `opaque(path)` marks values checked elsewhere (a Bulk operation's data).
 */
export function nestingBeyond(value: unknown, limit: number, opaque?: (path: Path) => boolean): string | undefined {
  let found: string | undefined;
  walk(value, ({ value: element, path, depth }) => {
    if (found !== undefined || (opaque && path.length > 0 && opaque(path))) return false;
    if (isContainer(element) && depth + 1 > limit) {
      found = printPath(path) || 'the top level';
      return false;
    }
  });
  return found;
}

/**
 * What no SCIM message holds, refused with 400 invalidSyntax before anything reads it: nesting
 * beyond MAX_BODY_NESTING, and a `__proto__` member, which JSON.parse keeps as a name but every
 * later copy of the object would turn into its prototype.
 */
export function assertBodyShape(body: unknown, what: string, opaque?: (path: Path) => boolean): void {
  const where = nestingBeyond(body, MAX_BODY_NESTING, opaque);
  if (where !== undefined) {
    throw ScimError.invalidSyntax(`${what} nests objects and arrays more than ${MAX_BODY_NESTING} levels deep (at ${where}); SCIM resources need far fewer.`);
  }
  let prototypeAt: string | undefined;
  walk(body, ({ value, path }) => {
    if (prototypeAt !== undefined || (opaque && path.length > 0 && opaque(path))) return false;
    if (isContainer(value) && !Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, '__proto__')) prototypeAt = printPath([...path, '__proto__']);
  });
  if (prototypeAt !== undefined) throw ScimError.invalidSyntax(`${what} has a member named "__proto__" (at ${prototypeAt}), which no SCIM attribute is.`);
}

/**
 * Why the store could not keep `resource` as sent, as the SCIM error the client gets, or
 * undefined. The weight counts UTF-8 bytes of names and strings, numbers as printed, and a
 * byte or two per value and container, which is at least what DynamoDB counts for the item.
 */
export function storageProblem(resource: Record<string, unknown>, type: string, limits: StorageLimits): ScimError | undefined {
  let problem: ScimError | undefined;
  let bytes = 0;
  const weightByAttribute = new Map<string, number>();
  walk(resource, ({ value, path, depth }) => {
    if (problem) return false;
    const where = printPath(path);
    let weight = 1;
    if (typeof value === 'string') weight += Buffer.byteLength(value);
    else if (typeof value === 'number') {
      // Every double beyond 2^53 is an integer, so this also bounds the magnitude.
      const exact = Number.isFinite(value) && (Number.isInteger(value) ? Number.isSafeInteger(value) : Math.abs(value) >= limits.minMagnitude);
      if (!exact && value !== 0) {
        problem = ScimError.invalidValue(
          `${where} is a number this service cannot store exactly (integers up to ±${Number.MAX_SAFE_INTEGER}, fractions down to ${limits.minMagnitude}); send it as a string if it is an identifier.`,
        );
        return false;
      }
      weight += String(value).length;
    } else if (isContainer(value)) {
      if (depth + 1 > limits.maxDepth) {
        problem = ScimError.invalidValue(`${where} nests objects and arrays more than ${limits.maxDepth} levels deep; a ${type} can store no deeper values.`);
        return false;
      }
      weight += 2;
      if (!Array.isArray(value)) {
        for (const key of Object.keys(value as object)) {
          if (key === '') {
            problem = ScimError.invalidValue(`${where ? `${where} has` : 'The resource has'} an attribute with an empty name; every attribute needs a name.`);
            return false;
          }
          weight += Buffer.byteLength(key) + 1;
        }
      }
    }
    bytes += weight;
    if (path.length > 0) weightByAttribute.set(String(path[0]), (weightByAttribute.get(String(path[0])) ?? 0) + weight);
  });
  if (problem) return problem;
  if (bytes > limits.maxBytes) {
    const [heaviest] = [...weightByAttribute.entries()].sort((a, b) => b[1] - a[1]);
    return ScimError.payloadTooLarge(
      `The ${type} would weigh ${bytes} bytes in the store; a ${type} may weigh at most ${limits.maxBytes} bytes. Its largest attribute is ${heaviest[0]} (${heaviest[1]} bytes): shorten or remove it.`,
    );
  }
  return undefined;
}
