// Stands in for node:zlib in the Lambda bundle (alias in esbuild-options.cjs).
// The SDK imports it only for a native CRC32 (checksums of S3-style
// uploads) and falls back to its own JavaScript CRC32 when `crc32` is absent;
// DynamoDB reads use neither. Importing node:zlib cost ~1 ms of every cold start.
module.exports = {};
