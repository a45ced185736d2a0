// Stands in for js-yaml in the Lambda bundle (alias in esbuild-options.cjs).
// xmlbuilder2 loads js-yaml only for its YAML reader, which runs when a
// builder is fed a string starting with '---'; the responder builds its
// answers from element names in its own tables, never from such strings.
// Bundling the real parser cost ~44 KB and ~3 ms of cold start for nothing.
function notBundled() {
  throw new Error('js-yaml is not part of the responder bundle (infra/build/stubs/js-yaml.cjs): YAML input is not supported');
}

module.exports = { load: notBundled, loadAll: notBundled, dump: notBundled };
