import { build, type Plugin } from 'esbuild';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LambdaHttpEvent, LambdaHttpResult } from '../../lib/http/lambda-event';
import { buildEvent, readResult } from '../support/lambda-events';

// The production bundle leaves xmlbuilder2 unevaluated until the first answer
// needs XML (lib/xml/builder.ts): a cold start does not pay for it.

const ROOT = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const esbuildOptions = require(join(ROOT, 'infra/build/esbuild-options.cjs')) as Record<string, unknown>;
const XMLBUILDER2_MAIN = require.resolve('xmlbuilder2');
const MARK = '__xmlbuilder2Evaluations';

/** Puts a counter in front of xmlbuilder2's module code, so the test sees when the bundle evaluates it. */
const countXmlbuilder2: Plugin = {
  name: 'count-xmlbuilder2',
  setup(builder) {
    builder.onResolve({ filter: /^xmlbuilder2$/ }, () => ({ path: 'xmlbuilder2-counted', namespace: 'counted' }));
    builder.onLoad({ filter: /.*/, namespace: 'counted' }, () => ({
      contents: `globalThis.${MARK} = (globalThis.${MARK} ?? 0) + 1;\nmodule.exports = require(${JSON.stringify(XMLBUILDER2_MAIN)});`,
      loader: 'js',
      resolveDir: ROOT,
    }));
  },
};

describe('production bundle at cold start', () => {
  it('does not evaluate xmlbuilder2 at import, and loads it once for the first XML answer', async () => {
    const { outputFiles } = await build({
      ...esbuildOptions,
      entryPoints: [join(ROOT, 'functions/autodiscover.ts')],
      outfile: join(ROOT, 'unused.cjs'),
      write: false,
      logLevel: 'silent',
      plugins: [countXmlbuilder2],
    });
    const counter = globalThis as unknown as Record<string, number | undefined>;
    delete counter[MARK];
    const module = { exports: {} as { handler?: (event: LambdaHttpEvent) => Promise<LambdaHttpResult> } };
    new Function('module', 'exports', 'require', outputFiles[0]!.text)(module, module.exports, require);
    expect(typeof module.exports.handler).toBe('function');
    expect(counter[MARK]).toBeUndefined();

    // A body that is not XML: answered with error 600 without a DynamoDB read, written by xmlbuilder2.
    const event = buildEvent('httpApiV2', { method: 'POST', path: '/autodiscover/autodiscover.xml', headers: { 'content-type': 'text/xml' }, body: 'not xml' });
    for (let i = 0; i < 2; i++) {
      const answer = readResult('httpApiV2', await module.exports.handler!(event));
      expect(answer.body).toContain('<ErrorCode>600</ErrorCode>');
    }
    expect(counter[MARK]).toBe(1);
    delete counter[MARK];
  });
});
