import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

// Docs that stay true: every relative link in a tracked Markdown file, and
// every repository path a doc cites in backticks, names a file that exists.

const root = process.cwd();
const markdownFiles = execFileSync('git', ['ls-files', '*.md'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);

// [text](target) and [text]: target; the target up to a space, `)` or `#`.
const LINK = /\]\(([^)\s#]+)(?:#[^)\s]*)?(?:\s+"[^"]*")?\)|^\[[^\]]+\]:\s*(\S+)/gm;
const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;
// A backticked path into the repository's own top-level folders, with a file extension.
const CITED_PATH = /`((?:lib|infra|test|docs|functions|\.ci)\/[\w./-]*\w\.\w+)`/g;
// Paths the build or a run produces: cited on purpose, never tracked.
const PRODUCED = new Set(['functions/autodiscover.cjs']);

function linksIn(text: string): string[] {
  const targets: string[] = [];
  for (const match of text.matchAll(LINK)) {
    const target = match[1] ?? match[2]!;
    if (!EXTERNAL.test(target) && !target.startsWith('#')) targets.push(decodeURIComponent(target));
  }
  return targets;
}

describe('documentation links', () => {
  it('finds the Markdown files', () => {
    expect(markdownFiles).toContain('README.md');
    expect(markdownFiles).toContain('docs/testing.md');
  });

  it.each(markdownFiles)('%s: every relative link names an existing file', (file) => {
    const missing = linksIn(readFileSync(join(root, file), 'utf8')).filter((target) => !existsSync(normalize(join(root, dirname(file), target))));
    expect(missing).toEqual([]);
  });

  it.each(markdownFiles)('%s: every repository path cited in backticks exists', (file) => {
    const cited = [...readFileSync(join(root, file), 'utf8').matchAll(CITED_PATH)].map((match) => match[1]!);
    expect(cited.filter((path) => !PRODUCED.has(path) && !existsSync(join(root, path)))).toEqual([]);
  });

  it('would notice a broken link and a missing cited path', () => {
    expect(linksIn('see [the guide](docs/nowhere.md#top) and [site](https://example.com) and [here](#anchor)')).toEqual(['docs/nowhere.md']);
    expect([...'`lib/pox/render.ts` and `lib/gone.ts`'.matchAll(CITED_PATH)].map((m) => m[1])).toEqual(['lib/pox/render.ts', 'lib/gone.ts']);
    expect(existsSync(join(root, 'lib/gone.ts'))).toBe(false);
  });
});

describe('docs/testing.md', () => {
  it('lists every test file', () => {
    const listed = readFileSync(join(root, 'docs/testing.md'), 'utf8');
    const testFiles = execFileSync('git', ['ls-files', 'test/*.test.ts'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(testFiles.length).toBeGreaterThan(0);
    expect(testFiles.filter((file) => !listed.includes(`\`${file}\``))).toEqual([]);
  });
});
