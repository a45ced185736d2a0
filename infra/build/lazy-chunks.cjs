// Modules the handler loads only on first use, built as files of their own
// next to the handler instead of into it: a cold start neither parses nor
// evaluates them. Profile signing (node-forge's CMS code and the SSM client),
// which only an operator who configured a signer needs, and xmlbuilder2 with
// its DOM (~270 KB), which the first XML answer needs, after its DynamoDB read.
//
// The importer's dynamic `import()` or `require()` of such a module is left in
// the bundle as a require() of the sibling file; when the build writes files,
// each sibling is built with the same options. CommonJS because esbuild
// options are loaded with require() by serverless-esbuild and the benchmark alike.
const { join, dirname, resolve } = require('node:path');

const ROOT = resolve(__dirname, '../..');

/** Importer → its lazily loaded specifiers → the sibling file each becomes. */
const LAZY_IMPORTS = {
  [join(ROOT, 'lib/apple/signing.ts')]: {
    './cms': 'profile-signing-cms.cjs',
    './ssm-parameters': 'profile-signing-ssm.cjs',
  },
  [join(ROOT, 'lib/xml/xmlbuilder2-on-first-use.cjs')]: {
    xmlbuilder2: 'xmlbuilder2.cjs',
  },
};

/** Only calls made when the code runs; a static import would load the sibling at import anyway. */
const LAZY_KINDS = new Set(['dynamic-import', 'require-call']);
const SPECIFIERS = [...new Set(Object.values(LAZY_IMPORTS).flatMap(Object.keys))];
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Our own modules are TypeScript files next to their importer; a package is where Node would find it. */
const entryOf = (specifier, importer) =>
  specifier.startsWith('.') ? join(dirname(importer), `${specifier}.ts`) : require.resolve(specifier, { paths: [dirname(importer)] });

const lazyChunks = {
  name: 'lazy-chunks',
  setup(build) {
    const chunks = new Map();
    build.onResolve({ filter: new RegExp(`^(?:${SPECIFIERS.map(escape).join('|')})$`) }, (args) => {
      const file = LAZY_KINDS.has(args.kind) ? LAZY_IMPORTS[args.importer]?.[args.path] : undefined;
      if (file === undefined) return undefined;
      chunks.set(file, entryOf(args.path, args.importer));
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
