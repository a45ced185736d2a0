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
const MARKED_SLOT = new RegExp(`${MARK}(\\d+)${MARK}`, 'g');

/** The marker that stands for `name` in text handed to a writer. */
export const slot = (name: SlotName): string => `${MARK}${SLOT_NAMES.indexOf(name)}${MARK}`;

/**
 * The marker for the `index`th extra per-request value (`fillTemplate`'s
 * `values`): for parts of an answer that depend on the address but are not
 * one of its parts, such as identifiers derived from it.
 */
export const valueSlot = (index: number): string => `${MARK}${SLOT_NAMES.length + index}${MARK}`;

/** Makes an address part safe where the format puts it (XML text, a JSON string, …). */
export type Escape = (value: string) => string;

export interface AnswerTemplate {
  /** Literal answer text; `parts.length === slots.length + 1`. */
  readonly parts: readonly string[];
  /** An address part, or the index of an extra value (`valueSlot`). */
  readonly slots: readonly (SlotName | number)[];
  readonly escape: Escape;
}

/** Splits a document written with `slot()` markers into a template whose holes are filled through `escape`. */
export function compileTemplate(text: string, escape: Escape): AnswerTemplate {
  const parts: string[] = [];
  const slots: (SlotName | number)[] = [];
  let last = 0;
  for (const match of text.matchAll(MARKED_SLOT)) {
    parts.push(text.slice(last, match.index));
    const index = Number(match[1]);
    slots.push(SLOT_NAMES[index] ?? index - SLOT_NAMES.length);
    last = match.index! + match[0].length;
  }
  parts.push(text.slice(last));
  return { parts, slots, escape };
}

/** The text for one hole: an address part or an extra value. */
function slotValue(name: SlotName | number, address: EmailAddress | undefined, values: readonly string[]): string {
  if (typeof name === 'number') return values[name] ?? fail(`template needs value ${name}`);
  return address === undefined ? fail('template needs an address') : SLOT_VALUES[name](address);
}

const fail = (message: string): never => {
  throw new Error(message);
};

/** Fills a template's holes from the address and the extra `values` (escaped); a template without holes needs neither. */
export function fillTemplate(template: AnswerTemplate, address?: EmailAddress, values: readonly string[] = []): string {
  if (template.slots.length === 0) return template.parts[0]!;
  let out = template.parts[0]!;
  for (let i = 0; i < template.slots.length; i++) {
    out += template.escape(slotValue(template.slots[i]!, address, values)) + template.parts[i + 1]!;
  }
  return out;
}

/** Login-name placeholders (README, "The tenant item format") and the address part that fills each. */
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
