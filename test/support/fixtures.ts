import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const REQUESTS = fileURLToPath(new URL('../fixtures/requests/', import.meta.url));

/** A request fixture's bytes, exactly as stored. */
export const requestFixture = (name: string): Uint8Array => new Uint8Array(readFileSync(REQUESTS + name));

export const OUTLOOK_REQUEST_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006';
export const MOBILESYNC_REQUEST_NS = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006';
export const OUTLOOK_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';
export const MOBILESYNC_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';

/** Escapes text for element content, as a well-behaved client would. */
export const escapeText = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A compact request body; `address` and `schema` are inserted as given (escape them yourself). */
export function requestBody(address: string, options: { schema?: string; ns?: string } = {}): string {
  const ns = options.ns ?? OUTLOOK_REQUEST_NS;
  return `<?xml version="1.0" encoding="utf-8"?><Autodiscover${ns ? ` xmlns="${ns}"` : ''}><Request><EMailAddress>${address}</EMailAddress><AcceptableResponseSchema>${options.schema ?? OUTLOOK_SCHEMA}</AcceptableResponseSchema></Request></Autodiscover>`;
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
