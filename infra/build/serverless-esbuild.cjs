// serverless-esbuild's `config` hook: the production esbuild options plus the
// plugin's own settings. `.cjs` keeps the handler CommonJS whatever the
// surrounding package.json says ("type": "module" in this repository).
const esbuildOptions = require('./esbuild-options.cjs');

module.exports = () => ({
  ...esbuildOptions,
  outputFileExtension: '.cjs',
  exclude: [],
});
