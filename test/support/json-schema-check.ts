/**
 * The part of JSON Schema 2020-12 the admin OpenAPI document uses, checked against a value. A
 * keyword outside it throws rather than passing unchecked, so the document cannot come to rely on
 * something this check ignores (ajv's 2020-12 build is not among the dependencies).
 */

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['description', 'default', 'title', 'examples']);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const typeOf = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
};

const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Where `$ref`s point: `#/a/b` within `root`. */
function resolve(root: unknown, reference: string): Schema {
  if (!reference.startsWith('#/')) throw new Error(`unsupported $ref ${reference}`);
  const found = reference
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], root);
  if (found === undefined) throw new Error(`$ref ${reference} resolves to nothing`);
  return found as Schema;
}

/** What is wrong with `value` under `schema`, one line per problem with where it is; empty when nothing is. */
export function schemaProblems(schema: Schema, value: unknown, root: unknown, at = '$'): string[] {
  const problems: string[] = [];
  const problem = (message: string) => problems.push(`${at}: ${message}`);
  for (const [keyword, expected] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    switch (keyword) {
      case '$ref':
        problems.push(...schemaProblems(resolve(root, expected as string), value, root, at));
        break;
      case 'type': {
        const types = Array.isArray(expected) ? expected : [expected];
        const actual = typeOf(value);
        if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) problem(`is ${actual}, not ${types.join(' or ')}`);
        break;
      }
      case 'enum':
        if (!(expected as unknown[]).some((option) => deepEqual(option, value))) problem(`${JSON.stringify(value)} is not one of ${JSON.stringify(expected)}`);
        break;
      case 'const':
        if (!deepEqual(expected, value)) problem(`${JSON.stringify(value)} is not ${JSON.stringify(expected)}`);
        break;
      case 'required':
        if (typeOf(value) === 'object') for (const name of expected as string[]) if (!(name in (value as object))) problem(`lacks ${name}`);
        break;
      case 'properties':
        if (typeOf(value) === 'object') {
          for (const [name, property] of Object.entries(expected as Record<string, Schema>)) {
            if (name in (value as object)) problems.push(...schemaProblems(property, (value as Record<string, unknown>)[name], root, `${at}.${name}`));
          }
        }
        break;
      case 'additionalProperties':
        if (typeOf(value) === 'object') {
          const declared = Object.keys((schema.properties as object | undefined) ?? {});
          for (const [name, property] of Object.entries(value as Record<string, unknown>)) {
            if (declared.includes(name)) continue;
            if (expected === false) problem(`has ${name}, which the schema does not declare`);
            else problems.push(...schemaProblems(expected as Schema, property, root, `${at}.${name}`));
          }
        }
        break;
      case 'items':
        if (Array.isArray(value)) value.forEach((item, index) => problems.push(...schemaProblems(expected as Schema, item, root, `${at}[${index}]`)));
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < (expected as number)) problem(`has ${value.length} items, fewer than ${expected}`);
        break;
      case 'maxItems':
        if (Array.isArray(value) && value.length > (expected as number)) problem(`has ${value.length} items, more than ${expected}`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < (expected as number)) problem(`${value} is below ${expected}`);
        break;
      case 'maximum':
        if (typeof value === 'number' && value > (expected as number)) problem(`${value} is above ${expected}`);
        break;
      case 'minLength':
        if (typeof value === 'string' && [...value].length < (expected as number)) problem(`is shorter than ${expected}`);
        break;
      case 'maxLength':
        if (typeof value === 'string' && [...value].length > (expected as number)) problem(`is longer than ${expected}`);
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(expected as string, 'u').test(value)) problem(`${JSON.stringify(value)} does not match ${expected}`);
        break;
      case 'format':
        if (expected !== 'date-time') throw new Error(`unsupported format ${String(expected)} at ${at}`);
        if (typeof value === 'string' && !(RFC3339.test(value) && !Number.isNaN(Date.parse(value)))) problem(`${JSON.stringify(value)} is not a date-time`);
        break;
      case 'anyOf':
      case 'oneOf': {
        const passing = (expected as Schema[]).filter((option) => schemaProblems(option, value, root, at).length === 0).length;
        if (passing === 0) problem(`matches none of ${keyword}`);
        if (keyword === 'oneOf' && passing > 1) problem(`matches ${passing} of oneOf`);
        break;
      }
      case 'allOf':
        for (const option of expected as Schema[]) problems.push(...schemaProblems(option, value, root, at));
        break;
      default:
        throw new Error(`unsupported keyword ${keyword} at ${at}`);
    }
  }
  return problems;
}
