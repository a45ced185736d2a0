import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { resolve } from 'node:path';

// What names a measured run, so every figure in the docs can say where it
// comes from, and where the runs' results are kept for docs/performance.md.

const ROOT = resolve(import.meta.dirname, '../..');
/** `npm run bench -- --save` writes here; `npm run load -- --save` to the other. */
export const BENCH_RESULTS_FILE = resolve(ROOT, 'docs/bench-results.json');
export const LOAD_RESULTS_FILE = resolve(ROOT, 'docs/load-results.json');

export interface RunFacts {
  /** ISO date and time the run finished (UTC). */
  readonly finishedAt: string;
  readonly seconds: number;
  /** The commit measured, with `+changes` when the tree had uncommitted edits. */
  readonly commit: string;
  /** CPU count and model, Node version, OS. */
  readonly machine: string;
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? `Linux ${release()}`;
  } catch {
    return release();
  }
}

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+changes` : head;
  } catch {
    return 'unknown';
  }
}

export const runFacts = (startedAt: number): RunFacts => ({
  finishedAt: new Date().toISOString().slice(0, 19) + 'Z',
  seconds: Math.round((Date.now() - startedAt) / 1000),
  commit: commit(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${osName()}`,
});
