import type { EmailAddress } from '../email-address';

// A rendered answer with holes for the parts that depend on the requester's
// address. xmlbuilder2 writes the document once per tenant; a request then
// only escapes and splices in three short strings.
//
// Holes are marked with U+FFFF, a character XML forbids: `xmlText` strips it
// (with every other forbidden character) from all data before xmlbuilder2
// sees it, so a marker in the output can only be one we put there.

export type SlotName = keyof typeof SLOT_VALUES;

const SLOT_VALUES = {
  address: (a: EmailAddress) => a.address,
  localPart: (a: EmailAddress) => a.localPart,
  domain: (a: EmailAddress) => a.domain,
} as const;

const SLOT_NAMES = Object.keys(SLOT_VALUES) as SlotName[];
const MARK = '\uffff';
const MARKED_SLOT = new RegExp(`${MARK}(\\d)${MARK}`, 'g');

/** The marker that stands for `name` in text handed to xmlbuilder2. */
export const slot = (name: SlotName): string => `${MARK}${SLOT_NAMES.indexOf(name)}${MARK}`;

export interface AnswerTemplate {
  /** Literal XML; `parts.length === slots.length + 1`. */
  readonly parts: readonly string[];
  readonly slots: readonly SlotName[];
}

// Characters XML 1.0 forbids (U+FFFF among them), and lone surrogates.
const FORBIDDEN = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;
const TEXT_SPECIALS = /[&<>]/g;
const TEXT_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

const stripForbidden = (value: string): string => value.replace(FORBIDDEN, '');

/**
 * Tenant text on its way into xmlbuilder2's `txt()`: forbidden characters
 * removed and every `&` written as `&amp;` first, because xmlbuilder2 leaves
 * an `&` alone when it already looks like a reference (`R&D;`, `&#7;`), which
 * would emit an undeclared entity or a forbidden character. It escapes `<`
 * and `>` itself and keeps our `&amp;` as it is.
 */
export const xmlText = (value: string): string => stripForbidden(value).replace(/&/g, '&amp;');

// Text that needs neither: allowed BMP characters other than & < >. Addresses
// almost always are; one plain test spares a request the two replace passes.
const PLAIN_TEXT = /^[\t\n\r\u0020-\u0025\u0027-\u003b\u003d\u003f-\ud7ff\ue000-\ufffd]*$/;

/** Escapes a value for element content in a filled hole (forbidden characters stripped). */
export const escapeXmlText = (value: string): string =>
  PLAIN_TEXT.test(value) ? value : stripForbidden(value).replace(TEXT_SPECIALS, (c) => TEXT_ESCAPES[c]!);

/** Splits a document written with `slot()` markers into a template. */
export function compileTemplate(xml: string): AnswerTemplate {
  const parts: string[] = [];
  const slots: SlotName[] = [];
  let last = 0;
  for (const match of xml.matchAll(MARKED_SLOT)) {
    parts.push(xml.slice(last, match.index));
    slots.push(SLOT_NAMES[Number(match[1])]!);
    last = match.index! + match[0].length;
  }
  parts.push(xml.slice(last));
  return { parts, slots };
}

/** Fills a template's holes from the address (escaped); a template without holes needs none. */
export function fillTemplate(template: AnswerTemplate, address?: EmailAddress): string {
  if (template.slots.length === 0) return template.parts[0]!;
  if (address === undefined) throw new Error('template needs an address');
  let out = template.parts[0]!;
  for (let i = 0; i < template.slots.length; i++) {
    out += escapeXmlText(SLOT_VALUES[template.slots[i]!](address)) + template.parts[i + 1]!;
  }
  return out;
}
