import type { EmailAddress } from '../email-address';
import { stripForbidden } from '../xml/text';

// A rendered answer with holes for the parts that depend on the requester's
// address. A format writes its document once per tenant (xmlbuilder2 for the
// XML formats, JSON.stringify for JSON); a request then only escapes and
// splices in a few short strings.
//
// Holes are marked with U+FFFF, a character XML forbids: `stripForbidden`
// removes it (with every other forbidden character) from all tenant text
// before a format writes it, so a marker in the output can only be one we put there.

export type SlotName = keyof typeof SLOT_VALUES;

const SLOT_VALUES = {
  address: (a: EmailAddress) => a.address,
  localPart: (a: EmailAddress) => a.localPart,
  domain: (a: EmailAddress) => a.domain,
} as const;

const SLOT_NAMES = Object.keys(SLOT_VALUES) as SlotName[];
const MARK = '\uffff';
const MARKED_SLOT = new RegExp(`${MARK}(\\d)${MARK}`, 'g');

/** The marker that stands for `name` in text handed to a writer. */
export const slot = (name: SlotName): string => `${MARK}${SLOT_NAMES.indexOf(name)}${MARK}`;

/** Makes an address part safe where the format puts it (XML text, a JSON string, …). */
export type Escape = (value: string) => string;

export interface AnswerTemplate {
  /** Literal answer text; `parts.length === slots.length + 1`. */
  readonly parts: readonly string[];
  readonly slots: readonly SlotName[];
  readonly escape: Escape;
}

/** Splits a document written with `slot()` markers into a template whose holes are filled through `escape`. */
export function compileTemplate(text: string, escape: Escape): AnswerTemplate {
  const parts: string[] = [];
  const slots: SlotName[] = [];
  let last = 0;
  for (const match of text.matchAll(MARKED_SLOT)) {
    parts.push(text.slice(last, match.index));
    slots.push(SLOT_NAMES[Number(match[1])]!);
    last = match.index! + match[0].length;
  }
  parts.push(text.slice(last));
  return { parts, slots, escape };
}

/** Fills a template's holes from the address (escaped); a template without holes needs none. */
export function fillTemplate(template: AnswerTemplate, address?: EmailAddress): string {
  if (template.slots.length === 0) return template.parts[0]!;
  if (address === undefined) throw new Error('template needs an address');
  let out = template.parts[0]!;
  for (let i = 0; i < template.slots.length; i++) {
    out += template.escape(SLOT_VALUES[template.slots[i]!](address)) + template.parts[i + 1]!;
  }
  return out;
}

/** Login-name placeholders (tenant-item.md) and the address part that fills each. */
export const LOGIN_PLACEHOLDERS: ReadonlyArray<readonly [placeholder: string, slot: SlotName]> = [
  ['%EMAILADDRESS%', 'address'],
  ['%EMAILLOCALPART%', 'localPart'],
  ['%EMAILDOMAIN%', 'domain'],
];

/**
 * A login-name template as text for a writer: placeholders become holes, the
 * rest passes through `prepare` (a format's own escaping of tenant text).
 */
export function loginNameWithSlots(template: string, prepare: (text: string) => string): string {
  let text = prepare(stripForbidden(template));
  for (const [placeholder, name] of LOGIN_PLACEHOLDERS) text = text.split(placeholder).join(slot(name));
  return text;
}

/** A login-name template with its placeholders filled from the address (or kept, without one). */
export function fillLoginName(template: string, address?: EmailAddress): string {
  if (address === undefined) return template;
  let text = template;
  for (const [placeholder, name] of LOGIN_PLACEHOLDERS) text = text.split(placeholder).join(SLOT_VALUES[name](address));
  return text;
}
