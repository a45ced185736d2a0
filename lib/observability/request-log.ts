import { hash } from 'node:crypto';
import type { RequestLogLine } from '../http/types';
import { DEFAULT_METRICS_NAMESPACE, emfWriter, jsonNumber, jsonString, roundMs } from './metrics';

// One JSON line per request, holding only what the README promises: never
// headers, bodies, full addresses or rendered answers. The same line carries
// the request's CloudWatch metrics (metrics.ts).

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
 * A line's own members as JSON text without the closing brace: every field
 * that is set, `storeMs` rounded, `route` left to the EMF part (it is a
 * metric dimension there). Keys are LogFields names, never request data.
 */
function detailsJson(line: RequestLogLine): string {
  let out = '';
  for (const key in line) {
    if (key === 'route') continue;
    const value = line[key as keyof RequestLogLine];
    if (value === undefined) continue;
    const json =
      typeof value === 'number' ? jsonNumber(key === 'storeMs' ? roundMs(value) : value) : typeof value === 'string' ? jsonString(value) : JSON.stringify(value);
    out += `${out === '' ? '{' : ','}"${key}":${json}`;
  }
  return out;
}

/**
 * Writes one line per request to stdout, where Lambda ships it to CloudWatch
 * Logs. A request below LOG_LEVEL still writes its metrics, but none of its
 * details (domain, hash, cache facts); `silent` writes nothing at all.
 */
export function stdoutLogSink(options: StdoutSinkOptions = {}): LogSink {
  const name = (options.level ?? process.env.LOG_LEVEL ?? 'info').toLowerCase();
  const threshold = LEVELS[name as LogLevel] ?? LEVELS.info;
  const emf = emfWriter(options.namespace ?? DEFAULT_METRICS_NAMESPACE);
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const clock = options.clock ?? Date.now;
  if (threshold === LEVELS.silent) return () => {};
  return (line) => {
    const head =
      LEVELS[line.level] >= threshold
        ? detailsJson(line)
        : `{"level":${jsonString(line.level)},"method":${jsonString(line.method)},"status":${jsonNumber(line.status)},"latencyMs":${jsonNumber(line.latencyMs)}`;
    write(`${head}${emf(line, clock())}}\n`);
  };
}
