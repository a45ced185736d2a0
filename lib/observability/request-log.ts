import { createHmac, randomBytes } from 'node:crypto';
import type { RequestLogLine } from '../http/types';
import { DEFAULT_METRICS_NAMESPACE, emfWriter, jsonNumber, jsonString } from './metrics';

// One JSON line per request, holding only what the README promises: never
// headers, bodies, full addresses or rendered answers. The same line carries
// the request's CloudWatch metrics (metrics.ts), and each fact is written
// once: what a metric or dimension holds is not repeated as a detail.

export type { RequestLogLine };

export type LogSink = (line: RequestLogLine) => void;

/** The environment variable holding the per-deployment pseudonym key (serverless.yml fills it from Secrets Manager). */
export const PSEUDONYM_KEY_VARIABLE = 'LOG_PSEUDONYM_KEY';
const MIN_KEY_LENGTH = 32;

/**
 * The key for local-part pseudonyms. An unkeyed hash of a local part is
 * reversed with a list of names; a keyed one is not, without the key. With no
 * usable key each instance draws its own: the service still answers, but
 * pseudonyms then only correlate within one instance, which `problem` says.
 */
export function pseudonymKeyFromEnv(env: NodeJS.ProcessEnv): { key: Buffer; problem?: string } {
  const value = env[PSEUDONYM_KEY_VARIABLE];
  if (value !== undefined && value.length >= MIN_KEY_LENGTH) return { key: Buffer.from(value, 'utf8') };
  const why = value === undefined || value === '' ? 'is not set' : `is shorter than ${MIN_KEY_LENGTH} characters`;
  return { key: randomBytes(32), problem: `${PSEUDONYM_KEY_VARIABLE} ${why}; local-part hashes use a random key of this instance and do not match across instances` };
}

// Recent pseudonyms by local part: an HMAC costs several times a plain hash,
// and clients ask again and again for the same mailboxes. Bounded; the oldest goes first.
const RECENT_PSEUDONYMS_MAX = 1024;

/** Short, stable pseudonyms of local parts under one key (HMAC-SHA-256, 48 bits shown). */
export function localPartHasher(key: Uint8Array): (localPart: string) => string {
  const recent = new Map<string, string>();
  return (localPart) => {
    let pseudonym = recent.get(localPart);
    if (pseudonym === undefined) {
      pseudonym = createHmac('sha256', key).update(localPart.toLowerCase()).digest('hex').slice(0, 12);
      if (recent.size >= RECENT_PSEUDONYMS_MAX) recent.delete(recent.keys().next().value!);
      // Keyed by a copy: `localPart` may be a slice that would keep a whole request body alive.
      recent.set((' ' + localPart).slice(1), pseudonym);
    }
    return pseudonym;
  };
}

const pseudonymKey = pseudonymKeyFromEnv(process.env);

/** Set when this instance had no usable pseudonym key: the entry point logs it once at start. */
export const pseudonymKeyProblem = pseudonymKey.problem;

/** A local part's pseudonym under this deployment's key: lets operators correlate requests without learning the address. */
export const localPartHash = localPartHasher(pseudonymKey.key);

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
