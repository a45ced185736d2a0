import { createHash } from 'node:crypto';
import type { LogFields } from '../http/types';

// One JSON line per request, holding only what behaviour.md allows: never
// headers, bodies, full addresses or rendered answers.

export interface RequestLogLine extends LogFields {
  readonly level: 'info' | 'warn' | 'error';
  readonly method: string;
  readonly status: number;
  readonly latencyMs: number;
}

export type LogSink = (line: RequestLogLine) => void;

/** A short, stable hash of a local part: lets operators correlate requests without learning the address. */
export const localPartHash = (localPart: string): string =>
  createHash('sha256').update(localPart.toLowerCase()).digest('hex').slice(0, 12);

const LEVELS = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 } as const;

/** Writes lines at or above LOG_LEVEL (default info) to stdout, where Lambda ships them to CloudWatch. */
export function stdoutLogSink(level = process.env.LOG_LEVEL?.toLowerCase() ?? 'info'): LogSink {
  const threshold = LEVELS[level as keyof typeof LEVELS] ?? LEVELS.info;
  return (line) => {
    if (LEVELS[line.level] >= threshold) process.stdout.write(`${JSON.stringify(line)}\n`);
  };
}
