import type { HttpResponse } from './types';

// Headers every answer carries; never WWW-Authenticate (clients would send passwords).
const BASE_HEADERS = { 'X-Content-Type-Options': 'nosniff' } as const;

export const XML_CONTENT_TYPE = 'text/xml; charset=utf-8';
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export const NO_STORE = 'no-store';

// Text answers share one frozen header set per Content-Type and Cache-Control (there are a few).
const textHeaders = new Map<string, Map<string, Readonly<Record<string, string>>>>();

function textResponse(status: number, body: string, contentType: string, cacheControl: string): HttpResponse {
  let byCacheControl = textHeaders.get(contentType);
  if (!byCacheControl) textHeaders.set(contentType, (byCacheControl = new Map()));
  let headers = byCacheControl.get(cacheControl);
  if (!headers) {
    headers = Object.freeze({ ...BASE_HEADERS, 'Content-Type': contentType, 'Cache-Control': cacheControl });
    byCacheControl.set(cacheControl, headers);
  }
  return { status, headers, body };
}

export const xmlResponse = (status: number, body: string, cacheControl: string): HttpResponse => textResponse(status, body, XML_CONTENT_TYPE, cacheControl);

export const jsonResponse = (status: number, body: string, cacheControl: string): HttpResponse => textResponse(status, body, JSON_CONTENT_TYPE, cacheControl);

export function emptyResponse(status: number, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { ...BASE_HEADERS, 'Cache-Control': NO_STORE, ...headers }, body: '' };
}

/** An answer with a body of its own type (and any further headers), never stored by caches. */
export function contentResponse(status: number, contentType: string, body: string | Uint8Array, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { ...BASE_HEADERS, 'Content-Type': contentType, 'Cache-Control': NO_STORE, ...headers }, body };
}
