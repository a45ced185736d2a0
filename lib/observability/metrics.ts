import type { RequestLogLine } from '../http/types';

// CloudWatch metrics in Embedded Metric Format: the request's log line itself
// carries the `_aws` directive and the metric values, so one line per request
// is both the log and the metrics, with no agent or API call. Written by hand
// (no import cost at cold start), and as text: a request only picks one of a
// few directive strings written once, and appends its values.

export const DEFAULT_METRICS_NAMESPACE = 'AutodiscoverResponder';

type Unit = 'Count' | 'Milliseconds';

const CACHE_METRIC = { hit: 'CacheHit', miss: 'CacheMiss', stale: 'CacheStale' } as const;
/** Milliseconds to the microsecond, as logs and metrics carry them. */
export const roundMs = (ms: number): number => Math.round(ms * 1000) / 1000;

/** A number as JSON writes it (non-finite numbers become null). */
export const jsonNumber = (value: number): string => (Number.isFinite(value) ? String(value) : 'null');

// Printable ASCII other than `"` and `\`: JSON writes such a string as it is, in quotes.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A string as JSON writes it; the usual short plain values skip the escaping pass. */
export const jsonString = (value: string): string => (PLAIN.test(value) ? `"${value}"` : JSON.stringify(value));

/** `200 settings`, `404 error 500`, `503 error 603`: outcome and status in one low-cardinality dimension. */
export const requestResult = (line: RequestLogLine): string =>
  line.errorCode === undefined ? `${line.status} ${line.outcome ?? 'none'}` : `${line.status} ${line.outcome ?? 'none'} ${line.errorCode}`;

const UNITS: Readonly<Record<string, Unit>> = {
  Latency: 'Milliseconds',
  CacheHit: 'Count',
  CacheMiss: 'Count',
  CacheStale: 'Count',
  DynamoDBCalls: 'Count',
  DynamoDBLatency: 'Milliseconds',
  DynamoDBErrors: 'Count',
};

const directive = (namespace: string, dimensions: string[], metrics: readonly string[]) => ({
  Namespace: namespace,
  Dimensions: [dimensions],
  Metrics: metrics.map((Name) => ({ Name, Unit: UNITS[Name]! })),
});

/**
 * Writes the EMF members of one request's line: latency by route and result
 * (its SampleCount is the number of requests, exactly, so a separate
 * `Requests: 1` metric would only add bytes to every line); cache
 * hit/miss/stale and DynamoDB calls, latency and errors without dimensions.
 * Only metrics that apply to the request are present. The result is JSON
 * members (`"_aws":…`) that end an object.
 */
export function emfWriter(namespace: string): (line: RequestLogLine, timestamp: number) => string {
  // The `CloudWatchMetrics` array for each set of lookup metrics, by their names joined with ','.
  const directives = new Map<string, string>();
  const directivesFor = (names: string): string => {
    let json = directives.get(names);
    if (json === undefined) {
      const list = [directive(namespace, ['route', 'result'], ['Latency'])];
      if (names !== '') list.push(directive(namespace, [], names.split(',')));
      directives.set(names, (json = JSON.stringify(list)));
    }
    return json;
  };

  return (line, timestamp) => {
    let names = '';
    let values = `,"Latency":${jsonNumber(line.latencyMs)}`;
    const add = (name: string, value: number) => {
      names = names === '' ? name : `${names},${name}`;
      values += `,"${name}":${jsonNumber(value)}`;
    };
    if (line.cache) add(CACHE_METRIC[line.cache], 1);
    if (line.storeCalls) {
      add('DynamoDBCalls', line.storeCalls);
      if (line.storeMs !== undefined) add('DynamoDBLatency', roundMs(line.storeMs));
    }
    if (line.storeError) add('DynamoDBErrors', 1);
    return (
      `"_aws":{"Timestamp":${jsonNumber(timestamp)},"CloudWatchMetrics":${directivesFor(names)}}` +
      `,"route":${jsonString(line.route ?? 'none')},"result":${jsonString(requestResult(line))}${values}`
    );
  };
}
