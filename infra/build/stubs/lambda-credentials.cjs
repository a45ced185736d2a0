// Stands in for @aws-sdk/credential-provider-node in the Lambda bundle (alias
// in esbuild-options.cjs). Lambda hands every function its execution role's
// keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, so
// the SDK's full default chain (shared files, SSO, STS web identity, process,
// container and instance metadata: ~140 KB and 7–9 ms of cold start) never
// runs there. The admin CLI and the local server are not bundled and keep the
// whole chain. Without environment keys a read fails like any DynamoDB fault
// (503 with Error 603), and the log line names CredentialsProviderError.
const { fromEnv } = require('@aws-sdk/credential-provider-env');

exports.defaultProvider = (init = {}) => fromEnv(init);
