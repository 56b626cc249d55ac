/**
 * How values that are not caseExact compare (RFC 7643 §2.3.1), taken from RFC 8265's
 * UsernameCaseMapped profile (§3.3.2) so that userNames people cannot tell apart are one name:
 * width mapping, then Unicode toLowerCase() (RFC 8264 §9.3), then NFC. Uniqueness keys, key
 * lookups and filter evaluation all compare through this one function.
 */
export function caseIgnoringForm(value: string): string {
  return value.replace(WIDE_OR_NARROW, (character) => character.normalize('NFKC')).toLowerCase().normalize('NFC');
}

/**
 * Fullwidth and halfwidth forms, whose compatibility decompositions are all <wide> or <narrow>
 * (RFC 8265 §3.3.2 step 1; NFKC of the whole value would also fold ligatures, superscripts…).
 */
const WIDE_OR_NARROW = /[\u3000\uFF01-\uFFEE]/g;

/**
 * Characters that make an identifier look like another or like nothing: controls (NUL, escapes),
 * format characters (zero-width space and joiners, bidi overrides, the BOM), line and paragraph
 * separators, and surrogates left unpaired by the client's encoder.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/**
 * An identifier as it is stored: without surrounding whitespace. Returns the reason it cannot
 * be one when it holds an invisible character, naming the code point for the IdP admin.
 */
export function preparedIdentifier(value: string): { value: string } | { fault: string } {
  const match = INVISIBLE.exec(value);
  if (match) {
    const codePoint = `U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    return { fault: `contains ${codePoint} at position ${match.index}, a control, invisible or unpaired character; remove it` };
  }
  return { value: value.trim() };
}
