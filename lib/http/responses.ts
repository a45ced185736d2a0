import type { HttpResponse } from './types';

// Headers every answer carries; never WWW-Authenticate (clients would send passwords).
const BASE_HEADERS = { 'X-Content-Type-Options': 'nosniff' } as const;

export const XML_CONTENT_TYPE = 'text/xml; charset=utf-8';

export const NO_STORE = 'no-store';

// XML answers share one frozen header set per Cache-Control value (there are two).
const xmlHeaders = new Map<string, Readonly<Record<string, string>>>();

export function xmlResponse(status: number, body: string, cacheControl: string): HttpResponse {
  let headers = xmlHeaders.get(cacheControl);
  if (!headers) {
    headers = Object.freeze({ ...BASE_HEADERS, 'Content-Type': XML_CONTENT_TYPE, 'Cache-Control': cacheControl });
    xmlHeaders.set(cacheControl, headers);
  }
  return { status, headers, body };
}

export function emptyResponse(status: number, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { ...BASE_HEADERS, 'Cache-Control': NO_STORE, ...headers }, body: '' };
}

/** An answer with a body of its own type (and any further headers), never stored by caches. */
export function contentResponse(status: number, contentType: string, body: string | Uint8Array, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { ...BASE_HEADERS, 'Content-Type': contentType, 'Cache-Control': NO_STORE, ...headers }, body };
}
