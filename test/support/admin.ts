import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAdmin } from '../../infra/admin/cli';

// Running the admin CLI in-process, with its output captured, and item files for it.

/** Writes `content` as JSON to `dir/name`; returns the path. */
export function itemFile(dir: string, name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

export const temporaryFolder = (label: string): string => mkdtempSync(join(tmpdir(), `${label}-`));

export async function admin(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out: out.join('\n'), err: err.join('\n') };
}
