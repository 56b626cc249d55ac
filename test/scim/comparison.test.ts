import { caseIgnoringForm, preparedIdentifier, sameJsonValue } from '../../lambdas/scim/comparison';

describe('caseIgnoringForm (RFC 8265 §3.3.2: width, toLowerCase, NFC)', () => {
  it.each([
    ['fullwidth letters', 'ＡＬＩＣＥ@example.com', 'alice@example.com'],
    ['halfwidth katakana', 'ｶﾀｶﾅ', 'カタカナ'],
    ['a decomposed Å', 'A\u030asa', '\u00e5sa'],
    ['upper case', 'Ada.Lovelace@Example.COM', 'ada.lovelace@example.com'],
  ])('folds %s', (_what, value, folded) => {
    expect(caseIgnoringForm(value)).toBe(folded);
  });

  it.each([
    ['ß (toLowerCase, not case folding, RFC 8264 §9.3)', 'Straße', 'straße'],
    ['ligatures and superscripts (width mapping is not NFKC)', 'ﬁle²', 'ﬁle²'],
  ])('keeps %s', (_what, value, folded) => {
    expect(caseIgnoringForm(value)).toBe(folded);
  });
});

describe('preparedIdentifier', () => {
  it('trims surrounding whitespace and keeps the rest as sent', () => {
    expect(preparedIdentifier('  Ada Lovelace@Example.com\u3000')).toEqual({ value: 'Ada Lovelace@Example.com' });
  });

  it.each(['\u200b', '\u202e', '\u0000', '\u0007', '\ud800', '\udfff', '\u2029', '\u00ad'])('refuses U+%s', (character) => {
    const prepared = preparedIdentifier(`ali${character}ce`);
    expect(prepared).toEqual({ fault: expect.stringContaining(`U+${character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at position 3`) });
  });

  it('keeps a paired surrogate (an emoji) and internal spaces', () => {
    expect(preparedIdentifier('ada 😀')).toEqual({ value: 'ada 😀' });
  });
});

describe('what else reads as another name', () => {
  it.each(['\u034f', '\ufe0f', '\u3164'])('refuses the default-ignorable U+%s', (character) => {
    expect(preparedIdentifier(`bo${character}b`)).toEqual({ fault: expect.stringContaining('invisible') });
  });

  it.each([['mathematical bold', '𝐚𝐥𝐢𝐜𝐞'], ['a ligature', 'ﬁle'], ['a superscript', 'x²']])('refuses %s, a compatibility form', (_what, name) => {
    expect(preparedIdentifier(name)).toEqual({ fault: expect.stringContaining('styled or composed form') });
  });

  it('maps every space to U+0020, so a no-break space is a space', () => {
    expect(caseIgnoringForm('Équipe\u00a0Paris')).toBe(caseIgnoringForm('équipe paris'));
  });

  it('keeps letters with accents, CJK and Hangul syllables', () => {
    for (const name of ['José.García@example.com', '山田太郎', '김민준', 'Zoë', 'ʻOkina']) expect(preparedIdentifier(name)).toEqual({ value: name });
  });
});

describe('sameJsonValue: one deep equality for PATCH, stream images and settings', () => {
  it('ignores key order and keys whose value is undefined, as JSON and DynamoDB do', () => {
    expect(sameJsonValue({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameJsonValue({ a: 1, b: undefined }, { a: 1 })).toBe(true);
  });

  it('tells apart values, array order, arrays from objects, and null from absent', () => {
    expect(sameJsonValue({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameJsonValue([1, 2], [2, 1])).toBe(false);
    expect(sameJsonValue([1], { 0: 1 })).toBe(false);
    expect(sameJsonValue({ a: null }, {})).toBe(false);
    expect(sameJsonValue({ a: 1 }, { a: 1, b: 2 })).toBe(false);
  });

  it('compares sets, as DynamoDB unmarshals string and number sets, by their members', () => {
    expect(sameJsonValue(new Set(['x', 'y']), new Set(['y', 'x']))).toBe(true);
    expect(sameJsonValue(new Set(['x']), new Set(['y']))).toBe(false);
    expect(sameJsonValue(new Set(['x']), ['x'])).toBe(false);
  });
});
