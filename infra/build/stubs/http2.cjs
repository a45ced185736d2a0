// Stands in for node:http2 in the Lambda bundle (alias in esbuild-options.cjs).
// The SDK's HTTP/2 handler is exported next to the HTTP/1.1 one DynamoDB
// uses, and importing node:http2 cost ~3 ms of every cold start. The stub
// keeps the handler's module code loadable and fails loudly if it ever runs.
function notBundled() {
  throw new Error('node:http2 is not part of the responder bundle (infra/build/stubs/http2.cjs): DynamoDB is reached over HTTP/1.1');
}

module.exports = { constants: {}, connect: notBundled };
