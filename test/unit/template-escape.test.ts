import { describe, expect, it } from 'vitest';
import { escapeXmlText } from '../../lib/xml/text';

// escapeXmlText skips its two passes for plain text; the answer must be the
// same as the full rule for every character: XML 1.0's forbidden characters
// (and lone surrogates) removed, & < > and CR written as references (a raw
// CR would reach a reader as LF).

const ALLOWED = /[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const REFERENCES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };

/** The rule, one code point at a time. */
const byTheRule = (value: string): string =>
  [...value].map((c) => (ALLOWED.test(c) ? (REFERENCES[c] ?? c) : '')).join('');

describe('escapeXmlText', () => {
  it('answers by the rule for every BMP code unit, alone and amid plain text', () => {
    for (let code = 0; code <= 0xffff; code++) {
      const c = String.fromCharCode(code);
      for (const value of [c, `alice${c}@example.com`]) {
        if (escapeXmlText(value) !== byTheRule(value)) expect(escapeXmlText(value), `U+${code.toString(16)}`).toBe(byTheRule(value));
      }
    }
  });

  it('keeps surrogate pairs, drops lone surrogates, and leaves plain addresses as they are', () => {
    for (const value of ['😀@example.com', 'a\ud800b', 'a\udc00b', '\udc00\ud800', 'R&D;<x>', 'Alice.Liddell+tag@example.com', '']) {
      expect(escapeXmlText(value), JSON.stringify(value)).toBe(byTheRule(value));
    }
    const plain = 'Alice.Liddell+tag@example.com';
    expect(escapeXmlText(plain)).toBe(plain);
  });
});
