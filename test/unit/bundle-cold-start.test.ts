import { build } from 'esbuild';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaHttpEvent, LambdaHttpResult } from '../../lib/http/lambda-event';
import { buildEvent, readResult } from '../support/lambda-events';

// The production bundle keeps xmlbuilder2 in a file of its own beside the
// handler (infra/build/lazy-chunks.cjs), required for the first XML answer
// (lib/xml/builder.ts): a cold start neither parses nor evaluates it.

const ROOT = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const esbuildOptions = require(join(ROOT, 'infra/build/esbuild-options.cjs')) as Record<string, unknown>;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'autodiscover-cold-'));
  // Written to disk as the deployment does, so the chunks are built beside the handler.
  await build({ ...esbuildOptions, entryPoints: [join(ROOT, 'functions/autodiscover.ts')], outfile: join(dir, 'autodiscover.cjs'), logLevel: 'silent' });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('production bundle at cold start', () => {
  it('holds xmlbuilder2 in its own file beside the handler, not in the handler', async () => {
    expect((await readdir(dir)).sort()).toEqual(['autodiscover.cjs', 'profile-signing-cms.cjs', 'profile-signing-ssm.cjs', 'xmlbuilder2.cjs']);
    const handler = await readFile(join(dir, 'autodiscover.cjs'), 'utf8');
    // @oozcitak/dom's DOM exceptions and xmlbuilder2's YAML reader (the js-yaml stub) are in the chunk only.
    const chunk = await readFile(join(dir, 'xmlbuilder2.cjs'), 'utf8');
    for (const marker of ['HierarchyRequestError', 'js-yaml is not part of the responder bundle']) {
      expect(chunk).toContain(marker);
      expect(handler).not.toContain(marker);
    }
    expect(handler).toContain('require("./xmlbuilder2.cjs")');
  });

  it('does not load the chunk at import, and loads it once for the first XML answer', async () => {
    const chunk = join(dir, 'xmlbuilder2.cjs');
    const { handler } = require(join(dir, 'autodiscover.cjs')) as { handler: (event: LambdaHttpEvent) => Promise<LambdaHttpResult> };
    expect(typeof handler).toBe('function');
    expect(require.cache[chunk]).toBeUndefined();

    // A body that is not XML: answered with error 600 without a DynamoDB read, written by xmlbuilder2.
    const event = buildEvent('httpApiV2', { method: 'POST', path: '/autodiscover/autodiscover.xml', headers: { 'content-type': 'text/xml' }, body: 'not xml' });
    const loaded: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const answer = readResult('httpApiV2', await handler(event));
      expect(answer.body).toContain('<ErrorCode>600</ErrorCode>');
      loaded.push(require.cache[chunk]?.exports);
    }
    expect(loaded[0]).toHaveProperty('create');
    expect(loaded[1]).toBe(loaded[0]);
  });
});
