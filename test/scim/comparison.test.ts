import { caseIgnoringForm, preparedIdentifier } from '../../lambdas/scim/comparison';

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
