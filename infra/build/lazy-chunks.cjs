// Modules the handler loads only on first use, built as files of their own
// next to the handler instead of into it: a cold start neither parses nor
// evaluates them. Today that is profile signing (node-forge's CMS code and
// the SSM client), which only an operator who configured a signer needs.
//
// The handler's dynamic `import()` of such a module is left in the bundle
// as a require() of the sibling file; when the build writes files, each
// sibling is built with the same options. CommonJS because esbuild options
// are loaded with require() by serverless-esbuild and the benchmark alike.
const { join, dirname, resolve } = require('node:path');

const ROOT = resolve(__dirname, '../..');

/** Importer → its lazily imported specifiers → the sibling file each becomes. */
const LAZY_IMPORTS = {
  [join(ROOT, 'lib/apple/signing.ts')]: {
    './cms': 'profile-signing-cms.cjs',
    './ssm-parameters': 'profile-signing-ssm.cjs',
  },
};

const lazyChunks = {
  name: 'lazy-chunks',
  setup(build) {
    const chunks = new Map();
    build.onResolve({ filter: /^\.\// }, (args) => {
      const file = args.kind === 'dynamic-import' ? LAZY_IMPORTS[args.importer]?.[args.path] : undefined;
      if (file === undefined) return undefined;
      chunks.set(file, join(dirname(args.importer), `${args.path}.ts`));
      return { path: `./${file}`, external: true };
    });
    build.onEnd(async (result) => {
      const { initialOptions } = build;
      if (result.errors.length > 0 || initialOptions.write === false) return;
      const outdir = initialOptions.outdir ?? dirname(initialOptions.outfile);
      const { outdir: _, outExtension: __, metafile: ___, ...options } = initialOptions;
      await Promise.all(
        [...chunks].map(([file, entry]) =>
          require('esbuild').build({ ...options, plugins: [], entryPoints: [entry], outfile: join(outdir, file) }),
        ),
      );
    });
  },
};

module.exports = { lazyChunks, LAZY_IMPORTS };
