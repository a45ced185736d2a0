// The one definition of how the production Lambda bundle is built. Used by
// serverless.yml (through serverless-esbuild.cjs) and by the cold-start
// benchmark, so what is measured is what is deployed. Plain esbuild options
// only: callers add entryPoints and outfile/outdir.
//
// Measured on Node 20, 2 cores, median of 21 fresh `node <bundle>` runs minus
// `node -e 0` (see docs/deployment.md, "The bundle"):
//   CommonJS, SDK bundled, mainFields module,main   +63 ms   890 KB   (chosen)
//   CommonJS, SDK bundled, default mainFields        +88 ms  1090 KB
//   ESM + createRequire banner, module,main          +71 ms   890 KB
//   ESM + banner, default mainFields                 +94 ms  1090 KB
//   CommonJS, @aws-sdk/* external (from node_modules) +83 ms   534 KB
//   ESM, @aws-sdk/* external                         +114 ms   534 KB
// Bundling the SDK wins over loading it from the runtime's node_modules, and
// the packages' ES-module builds (`module` field) tree-shake ~200 KB away.
//
// Cold start is mostly parsing the bundle (~28 µs per minified KB here) plus
// evaluating the modules it loads, so code that never runs still costs.
// Measured the same way (interleaved, 31 runs): js-yaml stubbed out
// −2.5 ms, −44 KB; the credential chain reduced to environment keys −7 to
// −9 ms, −140 KB. keepNames/treeShaking/legalComments are at their best
// values already (no change in bytes or time).
const { join } = require('node:path');
const { lazyChunks } = require('./lazy-chunks.cjs');

module.exports = Object.freeze({
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  mainFields: ['module', 'main'],
  legalComments: 'none',
  alias: Object.freeze({
    // xmlbuilder2 loads js-yaml only for its YAML reader, which the responder
    // never uses; the stub throws if that ever changes (see the stub).
    'js-yaml': join(__dirname, 'stubs/js-yaml.cjs'),
    // In Lambda the role's credentials are always in the environment; the
    // SDK's full provider chain is dead weight there (see the stub).
    '@aws-sdk/credential-provider-node': join(__dirname, 'stubs/lambda-credentials.cjs'),
    // Node built-ins the SDK imports for code paths DynamoDB reads never take (see the stubs).
    'node:http2': join(__dirname, 'stubs/http2.cjs'),
    'node:zlib': join(__dirname, 'stubs/zlib.cjs'),
  }),
  // Nothing is external: the deployed zip is self-contained and does not
  // depend on the SDK version the Lambda runtime happens to ship.
  external: [],
  // Except modules loaded on first use: files of their own beside the handler (see lazy-chunks.cjs).
  plugins: [lazyChunks],
});
