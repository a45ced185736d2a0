import type { HttpResponse } from './types';

// Headers every answer carries; never WWW-Authenticate (clients would send passwords).
const BASE_HEADERS = { 'X-Content-Type-Options': 'nosniff' } as const;

export const XML_CONTENT_TYPE = 'text/xml; charset=utf-8';

export const NO_STORE = 'no-store';

export function xmlResponse(status: number, body: string, cacheControl: string): HttpResponse {
  return { status, headers: { ...BASE_HEADERS, 'Content-Type': XML_CONTENT_TYPE, 'Cache-Control': cacheControl }, body };
}

export function emptyResponse(status: number, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { ...BASE_HEADERS, 'Cache-Control': NO_STORE, ...headers }, body: '' };
}
