// xmlbuilder2 (with its DOM, ~270 KB minified) is required on the first
// answer instead of at import. In the Lambda bundle this require() becomes
// one of a file of its own beside the handler (infra/build/lazy-chunks.cjs),
// so a cold start neither parses nor evaluates it.
// CommonJS because only `require` loads a module synchronously in every
// place this code runs (the CommonJS Lambda bundle, tsx, vitest).
let xmlbuilder2;
exports.xmlbuilder2 = () => (xmlbuilder2 ??= require('xmlbuilder2'));
