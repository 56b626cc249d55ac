/** SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2): parsing and canonical printing. */
import { ScimError } from './errors';
import { schemaById } from './schemas';


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

export function printAttrPath(attribute: AttrPath): string {
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

export function printValue(value: string | number | boolean | null): string {
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

/** The operands of a filter's top-level `and`s: each must hold for the whole filter to. */
export function conjuncts(filter: Filter): Filter[] {
  return filter.kind === 'and' ? [...conjuncts(filter.left), ...conjuncts(filter.right)] : [filter];
}
