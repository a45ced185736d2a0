import type { LookupReport } from '../tenants/cache';

/** A request as the routes see it, whatever AWS service delivered it. */
export interface HttpRequest {
  /** Upper case. */
  readonly method: string;
  /** The path as sent, without the query string. */
  readonly path: string;
  /** Header names lower case; repeated headers joined with ", ". */
  readonly headers: ReadonlyMap<string, string>;
  readonly query: URLSearchParams;
  /** Decoded body bytes (base64 already undone); empty when there is none. */
  readonly body: Uint8Array;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** '' for no body; bytes for a binary answer (a signed profile). */
  readonly body: string | Uint8Array;
}

/** The body's length in bytes, as `Content-Length` counts it. */
export const bodyLength = (body: HttpResponse['body']): number => (typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength);

/** What one request contributes to its log line (lib/observability/request-log.ts), the tenant lookup's report included. */
export interface LogFields extends LookupReport {
  route?: string;
  outcome?: string;
  errorCode?: number;
  domain?: string;
  localPartHash?: string;
  itemProblem?: { item: string; path: string; reason: string };
  error?: string;
}

/** The one line a request writes (lib/observability/request-log.ts). */
export interface RequestLogLine extends LogFields {
  readonly level: 'info' | 'warn' | 'error';
  readonly method: string;
  readonly status: number;
  readonly latencyMs: number;
}
