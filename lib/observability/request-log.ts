import { hash } from 'node:crypto';
import type { RequestLogLine } from '../http/types';
import { DEFAULT_METRICS_NAMESPACE, emfWriter, jsonNumber, jsonString } from './metrics';

// One JSON line per request, holding only what behaviour.md allows: never
// headers, bodies, full addresses or rendered answers. The same line carries
// the request's CloudWatch metrics (metrics.ts), and each fact is written
// once: what a metric or dimension holds is not repeated as a detail.

export type { RequestLogLine };

export type LogSink = (line: RequestLogLine) => void;

/** A short, stable hash of a local part: lets operators correlate requests without learning the address. */
export const localPartHash = (localPart: string): string => hash('sha256', localPart.toLowerCase(), 'hex').slice(0, 12);

const LEVELS = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 } as const;
export type LogLevel = keyof typeof LEVELS;

export interface StdoutSinkOptions {
  /** LOG_LEVEL: debug and info log every request; warn and error only those at that level. */
  readonly level?: string;
  readonly namespace?: string;
  readonly write?: (text: string) => void;
  readonly clock?: () => number;
}


/**
 * Members the EMF part already carries (metrics.ts), so the details leave
 * them out: `route` and `result` (status, outcome, error code) are the
 * metrics' dimensions, `Latency` is the latency, CacheHit/CacheMiss/CacheStale
 * the cache outcome, DynamoDBCalls and DynamoDBLatency the store calls and
 * their time. Writing both cost ~110 of ~600 bytes a line, and log ingestion
 * is paid per byte (docs/performance.md, "Cost").
 */
const CARRIED_BY_METRICS: ReadonlySet<string> = new Set(['route', 'status', 'outcome', 'errorCode', 'latencyMs', 'cache', 'storeCalls', 'storeMs']);

/**
 * A line's own members as JSON text, each followed by a comma: every field
 * that is set and not carried by the metrics, and `level` only when it is not
 * `info` (a line without one is info, for Lambda's log-level filter too).
 * Keys are LogFields names, never request data.
 */
function detailsJson(line: RequestLogLine): string {
  let out = '';
  for (const key in line) {
    if (CARRIED_BY_METRICS.has(key) || (key === 'level' && line.level === 'info')) continue;
    const value = line[key as keyof RequestLogLine];
    if (value === undefined) continue;
    const json = typeof value === 'number' ? jsonNumber(value) : typeof value === 'string' ? jsonString(value) : JSON.stringify(value);
    out += `"${key}":${json},`;
  }
  return out;
}

/**
 * Writes one line per request to stdout, where Lambda ships it to CloudWatch
 * Logs. A request below LOG_LEVEL still writes its metrics, but none of its
 * details (method, domain, hash); `silent` writes nothing at all.
 */
export function stdoutLogSink(options: StdoutSinkOptions = {}): LogSink {
  const name = (options.level ?? process.env.LOG_LEVEL ?? 'info').toLowerCase();
  const threshold = LEVELS[name as LogLevel] ?? LEVELS.info;
  const emf = emfWriter(options.namespace ?? DEFAULT_METRICS_NAMESPACE);
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const clock = options.clock ?? Date.now;
  if (threshold === LEVELS.silent) return () => {};
  // Below the level a line keeps its metrics (and its level, if not info) but none of its details.
  return (line) => {
    const details = LEVELS[line.level] >= threshold ? detailsJson(line) : line.level === 'info' ? '' : `"level":${jsonString(line.level)},`;
    write(`{${details}${emf(line, clock())}}\n`);
  };
}
