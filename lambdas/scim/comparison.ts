/**
 * How values that are not caseExact compare (RFC 7643 §2.3.1), taken from RFC 8265's
 * UsernameCaseMapped profile (§3.3.2) so that userNames people cannot tell apart are one name:
 * width mapping, then Unicode toLowerCase() (RFC 8264 §9.3), then NFC; and, as RFC 8265 §4.2
 * does for strings that may hold spaces (a group's displayName), every space as U+0020.
 * Uniqueness keys, key lookups and filter evaluation all compare through this one function.
 */
export function caseIgnoringForm(value: string): string {
  return widthMapped(value).replace(SPACE, ' ').toLowerCase().normalize('NFC');
}

function widthMapped(value: string): string {
  return value.replace(WIDE_OR_NARROW, (character) => character.normalize('NFKC'));
}

const SPACE = /\p{Zs}/gu;

/**
 * Fullwidth and halfwidth forms, whose compatibility decompositions are all <wide> or <narrow>
 * (RFC 8265 §3.3.2 step 1; NFKC of the whole value would also fold ligatures, superscripts…).
 */
const WIDE_OR_NARROW = /[\u3000\uFF01-\uFFEE]/g;

/**
 * Characters that make an identifier look like another or like nothing: controls (NUL, escapes),
 * format and other default-ignorable characters (zero-width space and joiners, bidi overrides,
 * the BOM, variation selectors, the combining grapheme joiner, the Hangul filler), line and
 * paragraph separators, and surrogates left unpaired by the client's encoder.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}]/u;

/**
 * A styled or composed form of other characters (mathematical bold letters, ligatures,
 * superscripts, circled letters): PRECIS's IdentifierClass disallows them (RFC 8264 §9.17,
 * HasCompat), since they read as the plain letters. Width variants and spaces (a no-break space)
 * are mapped by caseIgnoringForm instead.
 */
const isCompatibilityForm = (character: string) => !/\p{Zs}/u.test(character) && character.normalize('NFKC') !== character.normalize('NFC');

const codePointName = (character: string) => `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * An identifier as it is stored: without surrounding whitespace. Returns the reason it cannot
 * be one when it holds an invisible character or a compatibility form, naming the code point
 * for the IdP admin.
 */
export function preparedIdentifier(value: string): { value: string } | { fault: string } {
  const match = INVISIBLE.exec(value);
  if (match) {
    return { fault: `contains ${codePointName(match[0])} at position ${match.index}, a control, invisible or unpaired character; remove it` };
  }
  let position = 0;
  for (const character of widthMapped(value)) {
    if (isCompatibilityForm(character)) {
      return { fault: `contains ${codePointName(character)} at position ${position}, a styled or composed form of other characters; write them plainly` };
    }
    position += character.length;
  }
  return { value: value.trim() };
}

/**
 * Deep equality of JSON values as they travel: an object's key order does not count (DynamoDB does
 * not keep it), nor does a key whose value is undefined (JSON has none); sets (DynamoDB's string
 * and number sets, unmarshalled) are equal when they hold the same members.
 */
export function sameJsonValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((element, index) => sameJsonValue(element, b[index]));
  }
  if (a instanceof Set || b instanceof Set) {
    return a instanceof Set && b instanceof Set && a.size === b.size && [...a].every((member) => b.has(member));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => sameJsonValue(a[key], b[key]));
  }
  return false;
}

/** A JSON object: neither null nor an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
