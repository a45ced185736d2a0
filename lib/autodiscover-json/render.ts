import { JSON_ERRORS, POX_PATH, type JsonErrorCode, type ServedProtocol } from './vocabulary';

// Answer bodies, written with JSON.stringify (which escapes every quote,
// backslash and control character a tenant URL may hold). Each is written
// once: errors at load, a tenant's URL answer once per cached tenant, and the
// AutodiscoverV1 answer once for all, with a hole for the request's host.

/** `{"Protocol":…,"Url":…}`: the one shape of a success. */
export const renderUrlAnswer = (protocol: ServedProtocol, url: string): string => JSON.stringify({ Protocol: protocol, Url: url });

// Marks where the host goes: no host name holds braces, and JSON.stringify leaves them as they are.
const HOST_HOLE = '{host}';
const [BEFORE_HOST, AFTER_HOST] = renderUrlAnswer('AutodiscoverV1', `https://${HOST_HOLE}${POX_PATH}`).split(HOST_HOLE) as [string, string];

/**
 * The AutodiscoverV1 answer: our POX URL on the host the client asked. `host`
 * must be a validated host name (letters, digits, hyphens and dots), which
 * needs no JSON escaping.
 */
export const renderAutodiscoverV1 = (host: string): string => BEFORE_HOST + host + AFTER_HOST;

const ERROR_BODIES = new Map(
  (Object.entries(JSON_ERRORS) as [JsonErrorCode, string][]).map(([code, message]) => [code, JSON.stringify({ ErrorCode: code, ErrorMessage: message })]),
);

/** `{"ErrorCode":…,"ErrorMessage":…}` with the table's fixed message. */
export const renderJsonError = (code: JsonErrorCode): string => ERROR_BODIES.get(code)!;
