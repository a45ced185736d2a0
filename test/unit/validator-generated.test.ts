import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_VALIDATOR_PATH, REGENERATE_COMMAND, generateValidatorCode } from '../../infra/build/validator-code';
import { validateTenantItem } from '../../lib/tenants/validate';

const ROOT = resolve(import.meta.dirname, '../..');
const esbuildOptions = createRequire(import.meta.url)(join(ROOT, 'infra/build/esbuild-options.cjs')) as Record<string, unknown>;

describe('precompiled tenant item validator', () => {
  it('is exactly what the schema compiles to today', () => {
    const committed = readFileSync(GENERATED_VALIDATOR_PATH, 'utf8');
    const regenerated = generateValidatorCode();
    // A plain equality keeps the failure to one line (no diff of 1,500 generated lines); the message says how to fix it.
    expect(
      committed === regenerated,
      `lib/tenants/tenant-item.validator.generated.cjs is out of date with tenant-item.schema.json: run \`${REGENERATE_COMMAND}\` and commit the result`,
    ).toBe(true);
  });

  it('counts string length in code points, as Ajv does by default', () => {
    // 256 astral characters are 512 UTF-16 units: inside the 256 limit only if the runtime ucs2length helper is used.
    const item = { id: 'example.com', protocols: [], provider: { name: '😀'.repeat(256) } };
    expect(validateTenantItem(item).valid).toBe(true);
    const tooLong = { ...item, provider: { name: '😀'.repeat(257) } };
    expect(validateTenantItem(tooLong)).toEqual({
      valid: false,
      problems: [{ id: 'example.com', path: 'provider.name', reason: 'must NOT have more than 256 characters' }],
    });
  });
});

describe('production bundle (infra/build/esbuild-options.cjs)', () => {
  /** What the deployed bundle is made of: its modules and what they import. */
  const bundleMetafile = async () =>
    (
      await build({
        ...esbuildOptions,
        entryPoints: [join(ROOT, 'functions/autodiscover.ts')],
        outfile: join(ROOT, 'unused.cjs'),
        write: false,
        metafile: true,
        logLevel: 'silent',
      })
    ).metafile;
  const bundleInputs = async (): Promise<string[]> => Object.keys((await bundleMetafile()).inputs);

  it('imports neither node:http2 nor node:zlib (stubbed: DynamoDB reads use HTTP/1.1 and no native CRC32)', async () => {
    const builtIns = Object.values((await bundleMetafile()).inputs).flatMap((input) =>
      input.imports.filter((i) => i.external).map((i) => i.path.replace(/^node:/, '')),
    );
    expect(builtIns).toContain('https');
    expect(builtIns.filter((name) => name === 'http2' || name === 'zlib')).toEqual([]);
  });

  it('holds neither the Ajv compiler nor js-yaml (nor xmlbuilder2)', async () => {
    const inputs = await bundleInputs();
    expect(inputs.some((path) => path.includes('tenant-item.validator.generated.cjs'))).toBe(true);
    // Only Ajv's small runtime helpers may remain (ajv/dist/runtime/*).
    expect(inputs.filter((path) => /node_modules\/ajv\//.test(path) && !/node_modules\/ajv\/dist\/runtime\//.test(path))).toEqual([]);
    // xmlbuilder2, the one user of js-yaml, is a chunk of its own, built with the stub (see the YAML test below).
    expect(inputs.filter((path) => /node_modules\/(?:js-yaml|xmlbuilder2)\//.test(path))).toEqual([]);
  });

  it('takes credentials only from the environment Lambda provides (no SSO, ini, STS or metadata providers)', async () => {
    const providers = (await bundleInputs())
      .map((path) => /node_modules\/(@aws-sdk\/(?:credential-provider-[a-z-]+|client-sts|client-sso|nested-clients))\//.exec(path)?.[1])
      .filter((name) => name !== undefined);
    expect([...new Set(providers)]).toEqual(['@aws-sdk/credential-provider-env']);
  });

  it('reads DynamoDB with the low-level GetItem and BatchGetItem only: no document client, no admin commands', async () => {
    const metafile = await bundleMetafile();
    expect(Object.keys(metafile.inputs).filter((path) => path.includes('node_modules/@aws-sdk/lib-dynamodb/'))).toEqual([]);
    // What is left after tree shaking: the command modules that put bytes into the handler file.
    const [handlerOutput] = Object.values(metafile.outputs);
    const commands = Object.entries(handlerOutput!.inputs)
      .filter(([path, { bytesInOutput }]) => bytesInOutput > 0 && path.includes('node_modules/@aws-sdk/client-dynamodb/'))
      .map(([path]) => /\/commands\/(\w+)\.js$/.exec(path)?.[1])
      .filter((name) => name !== undefined);
    // DescribeEndpoints belongs to the client itself (its endpoint discovery).
    expect(commands.sort()).toEqual(['BatchGetItemCommand', 'DescribeEndpointsCommand', 'GetItemCommand']);
  });

  /** Bundles a snippet with the production options (aliases included) and loads it. */
  async function loadWithProductionOptions<T>(contents: string): Promise<Partial<T>> {
    const { outputFiles } = await build({
      ...esbuildOptions,
      stdin: { contents, resolveDir: ROOT, loader: 'ts' },
      outfile: join(ROOT, 'unused.cjs'),
      write: false,
      logLevel: 'silent',
    });
    const module = { exports: {} as Partial<T> };
    new Function('module', 'exports', 'require', outputFiles[0]!.text)(module, module.exports, createRequire(import.meta.url));
    return module.exports;
  }

  it('reads the role keys Lambda puts in the environment, and fails clearly without them', async () => {
    const { defaultProvider } = await loadWithProductionOptions<{ defaultProvider: () => () => Promise<{ accessKeyId: string; sessionToken?: string }> }>(
      "export { defaultProvider } from '@aws-sdk/credential-provider-node';\n",
    );
    const names = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;
    const saved = names.map((name) => [name, process.env[name]] as const);
    try {
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });
      await expect(defaultProvider!()()).resolves.toMatchObject({ accessKeyId: 'AKIDEXAMPLE', sessionToken: 'token' });
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      await expect(defaultProvider!()()).rejects.toThrow(/environment variable/i);
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('answers YAML input to xmlbuilder2 with a clear error instead of parsing it', async () => {
    const { feedYaml } = await loadWithProductionOptions<{ feedYaml: () => unknown }>(
      "import { create } from 'xmlbuilder2';\nexport const feedYaml = () => create().ele('---\\nroot: 1\\n');\n",
    );
    expect(() => feedYaml!()).toThrow(/js-yaml is not part of the responder bundle/);
  });
});
