/**
 * SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2): parsing, canonical printing,
 * and evaluation against resources in their canonical JSON form.
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
import { ScimError } from './errors';
import { isPlainObject, parseBoolean } from './normalize';
import { findByName, resolveAttribute, schemaById, type AttributeDefinition, type ResourceModel } from './schemas';

export interface AttrPath {
  uri?: string;
  name: string;
  subAttribute?: string;
}

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

export type Filter =
  | { kind: 'compare'; op: CompareOp; attribute: AttrPath; value: string | number | boolean | null }
  | { kind: 'present'; attribute: AttrPath }
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  | { kind: 'valuePath'; attribute: AttrPath; filter: Filter };

export interface PatchPath {
  attribute: AttrPath;
  valueFilter?: Filter;
  subAttribute?: string;
}

const MAX_FILTER_LENGTH = 10_240;
const BARE_WORD = /[^\s()[\]"]+/y;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const MAX_FILTER_DEPTH = 50;

const COMPARE_OPS: readonly CompareOp[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
const OPERATOR_LIST = 'eq, ne, co, sw, ew, gt, ge, lt, le or pr';

/** RFC 7644 §3.4.2.2 ATTRNAME, plus the leading "$" of RFC 7643's "$ref" sub-attributes. */
const ATTRNAME = /^\$?[A-Za-z][A-Za-z0-9_-]*$/;
/** The characters of an attrPath: ATTRNAME, "." before a subAttr, and what schema URNs contain. */
const PATH_CHAR = /[A-Za-z0-9_$:.-]/;
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

function printAttrPath(attribute: AttrPath): string {
  return `${attribute.uri ? `${attribute.uri}:` : ''}${attribute.name}${attribute.subAttribute ? `.${attribute.subAttribute}` : ''}`;
}

type Closer = ')' | ']' | 'end';

class Parser {
  pos = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly subject: 'filter' | 'path',
  ) {}

  fail(detail: string): never {
    throw this.subject === 'filter' ? ScimError.invalidFilter(detail) : ScimError.invalidPath(detail);
  }

  at(pos = this.pos): string {
    return `at character ${pos + 1} of the ${this.subject}`;
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipWhitespace(): void {
    while (this.pos < this.text.length && WHITESPACE.has(this.text[this.pos])) this.pos++;
  }

  /** "found '<token at pos>'" for error details. */
  found(pos = this.pos): string {
    const token = this.token(pos);
    return token === undefined ? `the ${this.subject} ended` : `found '${token.length > 40 ? `${token.slice(0, 40)}…` : token}'`;
  }

  private token(pos: number): string | undefined {
    if (pos >= this.text.length) return undefined;
    let end = pos;
    if (this.text[pos] === '"') {
      end = pos + 1;
      while (end < this.text.length && this.text[end] !== '"') end += this.text[end] === '\\' ? 2 : 1;
      end = Math.min(end + 1, this.text.length);
    } else {
      while (end < this.text.length && !WHITESPACE.has(this.text[end]) && !'()[]"'.includes(this.text[end])) end++;
      if (end === pos) end = pos + 1;
    }
    return this.text.slice(pos, end);
  }

  private word(pos = this.pos): string {
    let end = pos;
    while (end < this.text.length && PATH_CHAR.test(this.text[end])) end++;
    return this.text.slice(pos, end);
  }

  /** Consumes `keyword` (case-insensitive, RFC 7644 §3.4.2.2) when it is the next whole word. */
  private keyword(keyword: string): boolean {
    const save = this.pos;
    this.skipWhitespace();
    if (this.word().toLowerCase() === keyword) {
      this.pos += keyword.length;
      return true;
    }
    this.pos = save;
    return false;
  }

  private enter(pos: number): void {
    if (++this.depth > MAX_FILTER_DEPTH) {
      this.fail(`The ${this.subject} nests parentheses, brackets and 'not' more than ${MAX_FILTER_DEPTH} levels deep ${this.at(pos)}.`);
    }
  }

  private leave(): void {
    this.depth--;
  }

  /** `valueOf` names the complex attribute whose value filter is being parsed. */
  parseOr(valueOf?: string): Filter {
    let left = this.parseAnd(valueOf, undefined);
    while (this.keyword('or')) left = { kind: 'or', left, right: this.parseAnd(valueOf, 'or') };
    return left;
  }

  private parseAnd(valueOf: string | undefined, after: string | undefined): Filter {
    let left = this.parseFactor(valueOf, after);
    while (this.keyword('and')) left = { kind: 'and', left, right: this.parseFactor(valueOf, 'and') };
    return left;
  }

  private parseFactor(valueOf: string | undefined, after: string | undefined): Filter {
    this.skipWhitespace();
    const start = this.pos;
    const expected = `Expected an attribute name, '(' or 'not (' ${after ? `after '${after}' ` : ''}${this.at()}`;
    if (this.atEnd()) {
      this.fail(`${expected}, but the ${this.subject} ended.`);
    }
    const char = this.text[this.pos];
    if (char === '(') {
      this.pos++;
      return this.parseGroup(start, valueOf);
    }
    if (this.word().toLowerCase() === 'not') {
      this.pos += 3;
      this.skipWhitespace();
      if (this.text[this.pos] === '(') {
        this.pos++;
        return { kind: 'not', filter: this.parseGroup(start, valueOf) };
      }
      this.pos = start;
    }
    if (!PATH_CHAR.test(char)) {
      const hint = char === '"' ? '; a filter starts with the attribute, as in userName eq "bjensen"' : '';
      this.fail(`${expected}, but ${this.found()}${hint}.`);
    }
    const attribute = this.parseAttrPath();
    if (this.text[this.pos] === '[') return this.parseValuePath(attribute, start, valueOf);
    if (valueOf !== undefined && (attribute.uri !== undefined || attribute.subAttribute !== undefined)) {
      this.fail(
        `'${printAttrPath(attribute)}' ${this.at(start)} is inside the value filter of '${valueOf}' and must name one of its ` +
          `sub-attributes, without a schema URN or a further sub-attribute (e.g. ${valueOf}[type eq "work"]).`,
      );
    }
    return this.parseAttrExp(attribute, start);
  }

  private parseGroup(start: number, valueOf: string | undefined): Filter {
    this.enter(start);
    const inner = this.parseOr(valueOf);
    this.expectCloser(')', start);
    this.leave();
    return inner;
  }

  /** The valFilter between "[" (at `pos`) and "]" after `attribute`. */
  parseBracket(attribute: AttrPath): Filter {
    const open = this.pos;
    this.pos++;
    this.enter(open);
    const filter = this.parseOr(printAttrPath(attribute));
    this.expectCloser(']', open);
    this.leave();
    return filter;
  }

  private parseValuePath(attribute: AttrPath, start: number, valueOf: string | undefined): Filter {
    const printed = printAttrPath(attribute);
    if (valueOf !== undefined) {
      this.fail(`Value filters cannot be nested: '${printed}[' ${this.at(start)} is inside the value filter of '${valueOf}'.`);
    }
    if (attribute.subAttribute !== undefined) {
      this.fail(
        `A value filter applies to a multi-valued attribute, not to the sub-attribute '${printed}' ${this.at(start)}; ` +
          `write ${attribute.name}[${attribute.subAttribute} eq "…"].`,
      );
    }
    let filter = this.parseBracket(attribute);
    if (this.subject === 'filter' && this.text[this.pos] === '.') {
      // Entra ID sends `emails[type eq "work"].value eq "x"`, which RFC 7644's filter ABNF does not allow
      // (a subAttr after a valuePath is PATCH path syntax). It means "an email of type work whose value
      // is x", i.e. emails[type eq "work" and value eq "x"], which is how it is represented.
      this.pos++;
      const subStart = this.pos;
      const subAttribute = this.parseSubAttribute(printed);
      filter = { kind: 'and', left: filter, right: this.parseAttrExp({ name: subAttribute }, subStart, `${printed}[…].${subAttribute}`) };
    }
    return { kind: 'valuePath', attribute, filter };
  }

  expectCloser(closer: Closer, openedAt: number): void {
    this.skipWhitespace();
    if (closer !== 'end' && this.text[this.pos] === closer) {
      this.pos++;
      return;
    }
    if (this.atEnd()) {
      if (closer === 'end') return;
      this.fail(`'${closer === ')' ? '(' : '['}' ${this.at(openedAt)} is never closed with '${closer}'.`);
    }
    const char = this.text[this.pos];
    if ((char === ')' || char === ']') && char !== closer) {
      const opener = char === ')' ? '(' : '[';
      this.fail(
        `Unexpected '${char}' ${this.at()}: there is no matching '${opener}'` +
          (closer === 'end' ? '.' : `; the '${closer === ')' ? '(' : '['}' ${this.at(openedAt)} is still open.`),
      );
    }
    const expected = closer === 'end' ? `the end of the ${this.subject}` : `'${closer}'`;
    this.fail(`Unexpected input ${this.at()}: expected 'and', 'or' or ${expected}, but ${this.found()}.`);
  }

  parseAttrPath(): AttrPath {
    const start = this.pos;
    const token = this.word();
    if (token === '') this.fail(`Expected an attribute name ${this.at()}, but ${this.found()}.`);
    this.pos += token.length;
    const invalid = (why: string): never => this.fail(`'${token}' ${this.at(start)} is not a valid attribute path: ${why}.`);
    if (schemaById(token)) invalid(`it names a schema, not an attribute; add the attribute after a ':', as in ${token}:<attribute>`);
    // The URN contains ":" and "." itself (…:enterprise:2.0:User:employeeNumber); the attribute follows its last ":".
    const colon = token.lastIndexOf(':');
    const uri = colon >= 0 ? token.slice(0, colon) : undefined;
    const rest = token.slice(colon + 1);
    if (uri === '') invalid('it starts with \':\'');
    if (rest === '') invalid('expected an attribute name after the schema URN');
    const parts = rest.split('.');
    if (parts.length > 2) invalid('an attribute path has at most one sub-attribute (RFC 7643 §2.3.8)');
    for (const part of parts) {
      if (!ATTRNAME.test(part)) {
        invalid(part === '' ? 'an attribute name is empty' : `'${part}' is not an attribute name (a letter, then letters, digits, '-' or '_')`);
      }
    }
    return {
      ...(uri !== undefined ? { uri } : {}),
      name: parts[0],
      ...(parts.length === 2 ? { subAttribute: parts[1] } : {}),
    };
  }

  /** The ATTRNAME after the "." that follows a valuePath. */
  parseSubAttribute(of: string): string {
    const start = this.pos;
    const token = this.word();
    if (token.includes('.')) {
      this.fail(`'${of}[…].${token}' ${this.at(start)} has more than one sub-attribute after the value filter (RFC 7644 §3.5.2).`);
    }
    if (!ATTRNAME.test(token)) {
      this.fail(
        `Expected a sub-attribute name of '${of}' after '.' ${this.at(start)}, but ` +
          (token === '' ? this.found(start) : `'${token}' is not one`) +
          '.',
      );
    }
    this.pos += token.length;
    return token;
  }

  private parseAttrExp(attribute: AttrPath, start: number, printed = printAttrPath(attribute)): Filter {
    this.skipWhitespace();
    const opStart = this.pos;
    const word = this.word();
    if (word === '') {
      this.fail(`Expected an operator (${OPERATOR_LIST}) after '${printed}' ${this.at()}, but ${this.found()}.`);
    }
    const op = word.toLowerCase();
    this.pos += word.length;
    if (op === 'pr') return { kind: 'present', attribute };
    if (!(COMPARE_OPS as readonly string[]).includes(op)) {
      if (printed.toLowerCase() === 'not') {
        this.fail(`'not' ${this.at(start)} must be followed by a filter in parentheses, as in not (userName eq "bjensen").`);
      }
      this.fail(`Unknown operator '${word}' ${this.at(opStart)}; expected one of ${OPERATOR_LIST}.`);
    }
    return { kind: 'compare', op: op as CompareOp, attribute, value: this.parseCompValue(word) };
  }

  /**
   * compValue: false / null / true / number / string, with the JSON rules of RFC 7159. A bare word
   * that is none of these is read as a string: Microsoft's SCIM reference code and its test
   * collection send `userName sw O` and `meta.created gt 2015-10-10T14:38:21-07:00` unquoted, and
   * such a word can mean nothing else (RFC 7644 §3.4.2.2 would have it quoted).
   */
  private parseCompValue(op: string): string | number | boolean | null {
    this.skipWhitespace();
    const start = this.pos;
    if (this.atEnd()) {
      this.fail(`Expected a value after '${op}' ${this.at()}, but the ${this.subject} ended; a value is a quoted string, a number, true, false or null.`);
    }
    if (this.text[this.pos] === '"') return this.parseString();
    BARE_WORD.lastIndex = this.pos;
    const lexeme = BARE_WORD.exec(this.text)?.[0];
    if (!lexeme) this.fail(`Expected a value after '${op}' ${this.at()}, but ${this.found()}; a value is a quoted string, a number, true, false or null.`);
    this.pos += lexeme.length;
    const literal = lexeme.toLowerCase();
    if (literal === 'true' || literal === 'false' || literal === 'null') return literal === 'null' ? null : literal === 'true';
    if (JSON_NUMBER.test(lexeme)) {
      const value = Number(lexeme);
      if (!Number.isFinite(value)) this.fail(`The number '${lexeme}' ${this.at(start)} is out of range.`);
      return value;
    }
    return lexeme;
  }

  private parseString(): string {
    const start = this.pos;
    this.pos++;
    let value = '';
    while (this.pos < this.text.length) {
      const char = this.text[this.pos];
      if (char === '"') {
        this.pos++;
        return value;
      }
      if (char !== '\\') {
        value += char;
        this.pos++;
        continue;
      }
      const escape = this.text[this.pos + 1];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (escape !== undefined && Object.hasOwn(simple, escape)) {
        value += simple[escape];
        this.pos += 2;
      } else if (escape === 'u' && /^[0-9A-Fa-f]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) {
        value += String.fromCharCode(parseInt(this.text.slice(this.pos + 2, this.pos + 6), 16));
        this.pos += 6;
      } else {
        const shown = escape === 'u' ? this.text.slice(this.pos, this.pos + 6) : this.text.slice(this.pos, this.pos + 2);
        this.fail(`Invalid escape '${shown}' ${this.at()} in a string; JSON escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX.`);
      }
    }
    this.fail(`The string starting ${this.at(start)} is not closed with '"'.`);
  }
}

function checkInput(text: unknown, subject: 'filter' | 'path'): asserts text is string {
  const fail = subject === 'filter' ? ScimError.invalidFilter : ScimError.invalidPath;
  if (typeof text !== 'string') throw fail(`The ${subject} must be a string.`);
  if (text.length > MAX_FILTER_LENGTH) {
    throw fail(`The ${subject} is ${text.length} characters long; at most ${MAX_FILTER_LENGTH} are accepted.`);
  }
  if (text.trim() === '') {
    throw fail(
      subject === 'filter'
        ? 'The filter is empty; expected an expression such as userName eq "bjensen".'
        : 'The path is empty; expected an attribute path such as name.givenName or members[value eq "…"].',
    );
  }
}

/** Parses a filter expression (RFC 7644 §3.4.2.2, figure 1); throws ScimError invalidFilter. */
export function parseFilter(text: string): Filter {
  checkInput(text, 'filter');
  const parser = new Parser(text, 'filter');
  const filter = parser.parseOr();
  parser.expectCloser('end', 0);
  return filter;
}

/** PATH = attrPath / valuePath [subAttr] (RFC 7644 §3.5.2); throws ScimError invalidPath. */
export function parsePath(text: string): PatchPath {
  checkInput(text, 'path');
  const parser = new Parser(text, 'path');
  parser.skipWhitespace();
  const start = parser.pos;
  const attribute = parser.parseAttrPath();
  if (text[parser.pos] !== '[') {
    parser.skipWhitespace();
    if (!parser.atEnd()) {
      parser.fail(
        `Unexpected input ${parser.at()} after '${printAttrPath(attribute)}': a path is an attribute, optionally followed by ` +
          `a value filter in brackets and a sub-attribute, as in emails[type eq "work"].value; but ${parser.found()}.`,
      );
    }
    return { attribute };
  }
  if (attribute.subAttribute !== undefined) {
    parser.fail(
      `A value filter applies to a multi-valued attribute, not to the sub-attribute '${printAttrPath(attribute)}' ${parser.at(start)}.`,
    );
  }
  const valueFilter = parser.parseBracket(attribute);
  let subAttribute: string | undefined;
  if (text[parser.pos] === '.') {
    parser.pos++;
    subAttribute = parser.parseSubAttribute(printAttrPath(attribute));
  }
  parser.skipWhitespace();
  if (!parser.atEnd()) {
    parser.fail(`Unexpected input ${parser.at()}: expected the end of the path, but ${parser.found()}.`);
  }
  return { attribute, valueFilter, ...(subAttribute !== undefined ? { subAttribute } : {}) };
}

function printValue(value: string | number | boolean | null): string {
  if (typeof value === 'number' && Object.is(value, -0)) return '-0';
  return JSON.stringify(value);
}

/**
 * The canonical text of a filter: lower-case operators, single spaces, and only the parentheses
 * that precedence needs (`not` > `and` > `or`, both left-associative). `and` and `or` nodes whose
 * right operand is of equal or lower precedence get parentheses so the tree shape survives re-parsing.
 */
export function printFilter(filter: Filter): string {
  switch (filter.kind) {
    case 'compare':
      return `${printAttrPath(filter.attribute)} ${filter.op} ${printValue(filter.value)}`;
    case 'present':
      return `${printAttrPath(filter.attribute)} pr`;
    case 'not':
      return `not (${printFilter(filter.filter)})`;
    case 'valuePath':
      return `${printAttrPath(filter.attribute)}[${printFilter(filter.filter)}]`;
    case 'and': {
      const left = filter.left.kind === 'or' ? `(${printFilter(filter.left)})` : printFilter(filter.left);
      const right = filter.right.kind === 'or' || filter.right.kind === 'and' ? `(${printFilter(filter.right)})` : printFilter(filter.right);
      return `${left} and ${right}`;
    }
    case 'or': {
      const right = filter.right.kind === 'or' ? `(${printFilter(filter.right)})` : printFilter(filter.right);
      return `${printFilter(filter.left)} or ${right}`;
    }
  }
}

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
function field(node: unknown, key: string): unknown {
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

function resourceScope(model: ResourceModel): Scope {
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

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && NUMERIC.test(value)) return Number(value);
  return undefined;
}

function asDateTime(value: unknown): number | undefined {
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
      const fold = definition.caseExact || definition.type === 'binary' ? (text: string) => text : (text: string) => text.toLowerCase();
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

/** The operands of a filter's top-level `and`s: each must hold for the whole filter to. */
export function conjuncts(filter: Filter): Filter[] {
  return filter.kind === 'and' ? [...conjuncts(filter.left), ...conjuncts(filter.right)] : [filter];
}

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
