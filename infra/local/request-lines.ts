import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogSink, RequestLogLine } from '../../lib/observability/request-log';

// The local server's log: one short readable line per request instead of the
// Lambda's EMF JSON. The responder's sink records its line for the request in
// progress; the HTTP server, which knows the path, prints it when the answer is sent.

const current = new AsyncLocalStorage<{ line?: RequestLogLine }>();

/** The sink the local responder gets (createResponder's `log`). */
export const recordingLogSink: LogSink = (line) => {
  const pending = current.getStore();
  if (pending) pending.line = line;
};

/** Runs one request's handling with a slot for its log line; returns the result and the line. */
export async function withRequestLine<T>(handle: () => Promise<T>): Promise<{ result: T; line: RequestLogLine | undefined }> {
  const slot: { line?: RequestLogLine } = {};
  const result = await current.run(slot, handle);
  return { result, line: slot.line };
}

// A path segment holding an address (the JSON route's path form) is a secret in a log.
const ADDRESS_SEGMENT = /[^/]*@[^/]*/g;

/** `POST /autodiscover/autodiscover.xml 200 settings example.org 3 ms`: never the query string or an address. */
export function formatRequestLine(method: string, path: string, status: number, line: RequestLogLine | undefined, ms: number): string {
  const fields = [method, path.replace(ADDRESS_SEGMENT, '…'), String(status), line?.outcome ?? line?.route ?? '-', line?.domain ?? '-', `${Math.round(ms)} ms`];
  return fields.join(' ');
}
