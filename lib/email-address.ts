import { domainToASCII } from 'node:url';

/** An e-mail address as the responder uses it: checked and normalised once, at the edge. */
export interface EmailAddress {
  /** The local part exactly as the client sent it (trimmed). */
  readonly localPart: string;
  /** Lower case, punycode, no trailing dot. */
  readonly domain: string;
  /** `localPart@domain`: what the answer shows and login names are made of. */
  readonly address: string;
  /** The mailbox item id: local part lower-cased (the contract compares it case-insensitively). */
  readonly mailboxId: string;
}

// RFC 5321 limits, counted in octets of the normalised form.
const MAX_LOCAL_PART = 64;
const MAX_DOMAIN = 253;
const MAX_ADDRESS = 254;
const MAX_LABEL = 63;

// Controls (C0, DEL, C1), format characters (bidi overrides, zero-width
// characters, BOM: invisible, and used to make one address look like
// another), lone surrogates and line/paragraph separators: never part of an
// address we answer for.
const CONTROL = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
// White space inside a local part is legal only quoted: a request may carry
// one (and gets its domain's answer), but no mailbox item is written with one.
const SPACE = /\p{White_Space}/u;
// Characters the URL parser behind domainToASCII would interpret (percent-decoding,
// ports, paths) rather than reject; a domain never contains them.
const URL_SYNTAX = /[\s%/\\?#@[\]:]/;
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

const octets = (text: string): number => Buffer.byteLength(text, 'utf8');

// XML's white space only (space, tab, CR, LF): String#trim would also eat
// no-break spaces and byte-order marks, which are not padding in a request.
const XML_SPACE_EDGES = /^[ \t\r\n]+|[ \t\r\n]+$/g;
export const trimXmlSpace = (text: string): string => text.replace(XML_SPACE_EDGES, '');

// Recent results of normaliseDomain by raw input: a few domains ask most, and
// domainToASCII is the costly step of a warm request's address check. Bounded;
// the oldest entry goes first.
const NORMALISED_MAX = 1024;
const normalised = new Map<string, string>();

/**
 * Normalises a domain name: one trailing dot removed, lower case, IDN to punycode.
 * Returns undefined for anything that is not a valid host name.
 */
export function normaliseDomain(raw: string): string | undefined {
  const known = normalised.get(raw);
  if (known !== undefined) return known;
  const domain = normaliseUncached(raw);
  // Only valid domains are remembered (at most 253 characters), and under a
  // copy of the key: `raw` may be a slice that would keep a whole request body alive.
  if (domain !== undefined) {
    if (normalised.size >= NORMALISED_MAX) normalised.delete(normalised.keys().next().value!);
    normalised.set((' ' + raw).slice(1), domain);
  }
  return domain;
}

function normaliseUncached(raw: string): string | undefined {
  const withoutDot = raw.endsWith('.') ? raw.slice(0, -1) : raw;
  if (withoutDot === '' || CONTROL.test(withoutDot) || URL_SYNTAX.test(withoutDot)) return undefined;
  const ascii = domainToASCII(withoutDot);
  if (ascii === '' || ascii.length > MAX_DOMAIN) return undefined;
  const labels = ascii.split('.');
  if (!labels.every((label) => label.length <= MAX_LABEL && LDH_LABEL.test(label))) return undefined;
  return ascii;
}

/** Parses and validates an address as sent in `EMailAddress`; undefined when invalid. */
export function parseEmailAddress(raw: string): EmailAddress | undefined {
  const text = trimXmlSpace(raw);
  const at = text.indexOf('@');
  if (at <= 0 || at !== text.lastIndexOf('@')) return undefined;
  const localPart = text.slice(0, at);
  if (CONTROL.test(localPart) || octets(localPart) > MAX_LOCAL_PART) return undefined;
  const domain = normaliseDomain(text.slice(at + 1));
  if (domain === undefined) return undefined;
  const address = `${localPart}@${domain}`;
  if (octets(address) > MAX_ADDRESS) return undefined;
  return { localPart, domain, address, mailboxId: `${localPart.toLowerCase()}@${domain}` };
}

/**
 * A tenant item id as the handler looks it up: a domain normalised, an
 * address's local part lower-cased. The admin CLI stores ids through this too,
 * so no item is written under an id no request can reach. Undefined when the
 * handler would refuse the id as a request, and for a local part with white
 * space (quoted, so legal in a request, but never a hosted mailbox).
 */
export function normaliseItemId(raw: string): string | undefined {
  if (!raw.includes('@')) return normaliseDomain(trimXmlSpace(raw));
  const address = parseEmailAddress(raw);
  return address === undefined || SPACE.test(address.localPart) ? undefined : address.mailboxId;
}
