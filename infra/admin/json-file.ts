import { readFile } from 'node:fs/promises';

// Reading the admin's JSON files with errors an admin can act on: the file,
// and for bad JSON the line and column, whatever wording V8 chose.

/** A problem with a file the admin named, in one plain sentence. */
export class FileProblem extends Error {
  override readonly name = 'FileProblem';
}

const POSITION = /at position (\d+)/;

function parseFails(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** A prefix some continuation could still complete: it parses, or it fails only for want of more text. */
function viablePrefix(text: string): boolean {
  const message = parseFails(text);
  return message === undefined || message.includes('end of JSON input') || Number(POSITION.exec(message)?.[1]) === text.length;
}

/** Offset of the first character no JSON document could have there (V8 names it only for some errors). */
function errorOffset(text: string, message: string): number {
  const stated = POSITION.exec(message);
  if (stated) return Number(stated[1]);
  // The longest viable prefix ends just before the offending character.
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (viablePrefix(text.slice(0, middle))) low = middle;
    else high = middle - 1;
  }
  return low;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/** Parses `text` read from `path`; a FileProblem names the file, line and column. */
export function parseJsonText(path: string, text: string): unknown {
  if (text.trim() === '') throw new FileProblem(`${path} is empty; it should hold one item or an array of items.`);
  const message = parseFails(text);
  if (message === undefined) return JSON.parse(text);
  const offset = errorOffset(text, message);
  const { line, column } = lineAndColumn(text, offset);
  const reason = offset >= text.length ? 'the JSON ends too early' : `unexpected ${JSON.stringify(text[offset])}`;
  throw new FileProblem(`${path}:${line}:${column}: not valid JSON: ${reason}.`);
}

export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder, not a file' : code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? 'unknown error'})`;
    throw new FileProblem(`${path} ${why}.`);
  }
  return parseJsonText(path, text);
}
