import { build } from 'esbuild';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LambdaHttpEvent, LambdaHttpResult } from '../../lib/http/lambda-event';
import { buildEvent, readResult } from '../support/lambda-events';
import { createTestTable } from '../support/tenant-table';

// The production bundle keeps xmlbuilder2 in a file of its own beside the
// handler (infra/build/lazy-chunks.cjs), required for the first XML answer
// (lib/xml/builder.ts), or while the first DynamoDB read is in flight
// (functions/autodiscover.ts): a cold start neither parses nor evaluates it.

const ROOT = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const esbuildOptions = require(join(ROOT, 'infra/build/esbuild-options.cjs')) as Record<string, unknown>;

type Handler = (event: LambdaHttpEvent) => Promise<LambdaHttpResult>;

/** A fresh Lambda instance: a copy of the built files, so Node loads each module anew. */
async function coldInstance(label: string): Promise<{ handler: Handler; chunk: string }> {
  const instance = join(dir, label);
  await cp(join(dir, 'bundle'), instance, { recursive: true });
  const { handler } = require(join(instance, 'autodiscover.cjs')) as { handler: Handler };
  return { handler, chunk: join(instance, 'xmlbuilder2.cjs') };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'autodiscover-cold-'));
  // Written to disk as the deployment does, so the chunks are built beside the handler.
  await build({ ...esbuildOptions, entryPoints: [join(ROOT, 'functions/autodiscover.ts')], outfile: join(dir, 'bundle/autodiscover.cjs'), logLevel: 'silent' });
});
afterAll(() => rm(dir, { recursive: true, force: true }));
// The bundle logs each request to stdout, as in Lambda; not into the test output.
beforeAll(() => void vi.spyOn(process.stdout, 'write').mockImplementation(() => true));
afterAll(() => vi.restoreAllMocks());

describe('production bundle at cold start', () => {
  it('holds xmlbuilder2 in its own file beside the handler, not in the handler', async () => {
    const bundle = join(dir, 'bundle');
    expect((await readdir(bundle)).sort()).toEqual(['autodiscover.cjs', 'profile-signing-cms.cjs', 'profile-signing-ssm.cjs', 'xmlbuilder2.cjs']);
    const handler = await readFile(join(bundle, 'autodiscover.cjs'), 'utf8');
    // @oozcitak/dom's DOM exceptions and xmlbuilder2's YAML reader (the js-yaml stub) are in the chunk only.
    const chunk = await readFile(join(bundle, 'xmlbuilder2.cjs'), 'utf8');
    for (const marker of ['HierarchyRequestError', 'js-yaml is not part of the responder bundle']) {
      expect(chunk).toContain(marker);
      expect(handler).not.toContain(marker);
    }
    expect(handler).toContain('require("./xmlbuilder2.cjs")');
  });

  it('does not load the chunk at import, and loads it once for the first XML answer', async () => {
    const { handler, chunk } = await coldInstance('xml-first');
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

  it('loads the chunk while the first DynamoDB read is in flight, even for an answer without XML', async () => {
    const saved = process.env.TENANTS_TABLE;
    process.env.TENANTS_TABLE = (await createTestTable('cold-start')).tableName;
    try {
      const { handler, chunk } = await coldInstance('read-first');
      expect(require.cache[chunk]).toBeUndefined();
      // Autodiscover v2 answers in JSON: the chunk is loaded only because the lookup waited on DynamoDB.
      const event = buildEvent('httpApiV2', { method: 'GET', path: '/autodiscover/autodiscover.json?Email=a%40unhosted.example&Protocol=AutodiscoverV1', headers: { Host: 'autodiscover.unhosted.example' } });
      const answer = readResult('httpApiV2', await handler(event));
      expect([answer.status, answer.body]).toEqual([404, '']);
      expect(require.cache[chunk]?.exports).toHaveProperty('create');
    } finally {
      process.env.TENANTS_TABLE = saved;
    }
  });
});
