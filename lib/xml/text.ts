// Escaping for XML text, shared by every XML answer (POX, autoconfig, the
// Apple profile's property list).

// Characters XML 1.0 forbids (U+FFFF among them), and lone surrogates.
const FORBIDDEN = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;
const TEXT_SPECIALS = /[&<>\r]/g;
// A raw CR would reach a reader as LF (XML 1.0 §2.11): written as a reference it survives.
const TEXT_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };

export const stripForbidden = (value: string): string => value.replace(FORBIDDEN, '');

/**
 * Tenant text on its way into xmlbuilder2's `txt()`: forbidden characters
 * removed, every `&` written as `&amp;` first, because xmlbuilder2 leaves an
 * `&` alone when it already looks like a reference (`R&D;`, `&#7;`), which
 * would emit an undeclared entity or a forbidden character, and CR as `&#13;`
 * (which xmlbuilder2 keeps as the reference it is). It escapes `<` and `>` itself.
 */
export const xmlText = (value: string): string => stripForbidden(value).replace(/&/g, '&amp;').replace(/\r/g, '&#13;');

// Text that needs nothing: allowed BMP characters other than & < > and CR.
// Addresses almost always are; one plain test spares a request the two replace passes.
const PLAIN_TEXT = /^[\t\n\u0020-\u0025\u0027-\u003b\u003d\u003f-\ud7ff\ue000-\ufffd]*$/;

/** Escapes a value for element content (forbidden characters stripped). */
export const escapeXmlText = (value: string): string =>
  PLAIN_TEXT.test(value) ? value : stripForbidden(value).replace(TEXT_SPECIALS, (c) => TEXT_ESCAPES[c]!);
