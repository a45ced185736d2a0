import type { RequestLogLine } from './request-log';

// CloudWatch metrics in Embedded Metric Format: the request's log line itself
// carries the `_aws` directive and the metric values, so one line per request
// is both the log and the metrics, with no agent or API call. Written by hand:
// a few object literals cost nothing at cold start.

export const DEFAULT_METRICS_NAMESPACE = 'AutodiscoverResponder';

type Unit = 'Count' | 'Milliseconds';
type MetricValues = Record<string, number>;

interface Directive {
  readonly Namespace: string;
  readonly Dimensions: string[][];
  readonly Metrics: Array<{ Name: string; Unit: Unit }>;
}

const CACHE_METRIC = { hit: 'CacheHit', miss: 'CacheMiss', stale: 'CacheStale' } as const;
const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/** `200 settings`, `404 error 500`, `503 error 603`: outcome and status in one low-cardinality dimension. */
export const requestResult = (line: RequestLogLine): string =>
  [line.status, line.outcome ?? 'none', line.errorCode].filter((part) => part !== undefined).join(' ');

function directive(namespace: string, dimensions: string[], metrics: MetricValues, units: Readonly<Record<string, Unit>>): Directive {
  return { Namespace: namespace, Dimensions: [dimensions], Metrics: Object.keys(metrics).map((Name) => ({ Name, Unit: units[Name]! })) };
}

const UNITS: Readonly<Record<string, Unit>> = {
  Requests: 'Count',
  Latency: 'Milliseconds',
  CacheHit: 'Count',
  CacheMiss: 'Count',
  CacheStale: 'Count',
  DynamoDBCalls: 'Count',
  DynamoDBLatency: 'Milliseconds',
  DynamoDBErrors: 'Count',
};

/**
 * The EMF members for one request: requests and latency by route and result;
 * cache hit/miss/stale and DynamoDB calls, latency and errors without
 * dimensions. Only metrics that apply to this request are present.
 */
export function emfMembers(line: RequestLogLine, namespace: string, timestamp: number): Record<string, unknown> {
  const byResult: MetricValues = { Requests: 1, Latency: line.latencyMs };
  const lookup: MetricValues = {};
  if (line.cache) lookup[CACHE_METRIC[line.cache]] = 1;
  if (line.storeCalls) {
    lookup.DynamoDBCalls = line.storeCalls;
    if (line.storeMs !== undefined) lookup.DynamoDBLatency = round(line.storeMs);
  }
  if (line.storeError) lookup.DynamoDBErrors = 1;

  const directives = [directive(namespace, ['route', 'result'], byResult, UNITS)];
  if (Object.keys(lookup).length > 0) directives.push(directive(namespace, [], lookup, UNITS));
  return {
    _aws: { Timestamp: timestamp, CloudWatchMetrics: directives },
    route: line.route ?? 'none',
    result: requestResult(line),
    ...byResult,
    ...lookup,
  };
}
