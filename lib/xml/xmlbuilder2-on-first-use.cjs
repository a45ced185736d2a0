// xmlbuilder2 (with its DOM, ~270 KB of the bundle) is required on the first
// answer instead of at import: a cold start then neither evaluates it nor,
// in the Lambda bundle, runs its module code before a request needs XML.
// CommonJS because only `require` loads a module synchronously in every
// place this code runs (the CommonJS Lambda bundle, tsx, vitest); esbuild
// still bundles the required module, inside a wrapper that runs when called.
let xmlbuilder2;
exports.xmlbuilder2 = () => (xmlbuilder2 ??= require('xmlbuilder2'));
