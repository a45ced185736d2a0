import { parseEmailAddress, type EmailAddress } from '../email-address';
import { domainFromHost } from '../http/host';
import type { HttpRequest } from '../http/types';
import { JSON_PATH, PARAMETERS, PATH_FORM_VERSION, SERVED_PROTOCOLS, UNSERVED_EXCHANGE_PROTOCOLS, type JsonErrorCode, type ServedProtocol } from './vocabulary';

// An Autodiscover v2 request, either form, read into its host, an address
// and one of the protocols we serve, or what it earns instead. Nothing is
// looked up here: a request the table rejects never costs a DynamoDB read.

export interface JsonRequest {
  /** The `Host` header as a validated host name: the only request text an answer holds. */
  readonly host: string;
  readonly address: EmailAddress;
  readonly protocol: ServedProtocol;
}

/**
 * Requests that get no Autodiscover error document: a missing or invalid
 * `Host` (RFC 9112 §3.2: a bad request, whatever it asks) and a path below
 * the route that is not `/v1.0/<address>`.
 */
export type JsonRejection = 'badHost' | 'notFound';

export type ParsedJsonRequest =
  | { readonly ok: true; readonly request: JsonRequest }
  | { readonly ok: false; readonly errorCode: JsonErrorCode }
  | { readonly ok: false; readonly rejection: JsonRejection };

const rejected = (rejection: JsonRejection): ParsedJsonRequest => ({ ok: false, rejection });
const failure = (errorCode: JsonErrorCode): ParsedJsonRequest => ({ ok: false, errorCode });

/**
 * The `Host` header as a host name (port removed, lower case, punycode), or
 * undefined. Only such a name reaches the URL we answer, so a hostile Host
 * cannot put anything else into it.
 */
export const requestHostName = (host: string | undefined): string | undefined => domainFromHost(host, '');

// `/v1.0/<one segment>` after the route's path; the router matched the rest case-insensitively.
const PATH_FORM = new RegExp(`^/${PATH_FORM_VERSION.replace('.', '\\.')}/([^/]+)$`, 'i');

/** The address segment of the path form, percent-decoded once; null when undecodable. */
function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Every value given for one parameter (names compared case-insensitively). */
function valuesOf(query: URLSearchParams, name: string): string[] {
  const values: string[] = [];
  for (const [key, value] of query) if (key.toLowerCase() === name) values.push(value);
  return values;
}

/**
 * The one address a request names: the path segment and every `Email` value
 * must agree exactly. None, an ambiguous pair or an invalid address are all
 * "no usable address".
 */
function readAddress(values: readonly (string | null)[]): EmailAddress | undefined {
  const distinct = new Set(values);
  if (distinct.size !== 1) return undefined;
  const [only] = distinct;
  return only ? parseEmailAddress(only) : undefined;
}

type ProtocolRead = { readonly protocol: ServedProtocol } | { readonly errorCode: JsonErrorCode };

/** The one protocol a request names, compared case-insensitively; empty values count as none. */
function readProtocol(values: readonly string[]): ProtocolRead {
  const names = new Set(values.map((value) => value.toLowerCase()).filter((name) => name !== ''));
  if (names.size === 0) return { errorCode: 'MissingProtocol' };
  // Two different names: we cannot tell which one the client wants.
  if (names.size > 1) return { errorCode: 'InvalidProtocol' };
  const [name] = names;
  const protocol = SERVED_PROTOCOLS.get(name);
  if (protocol !== undefined) return { protocol };
  return { errorCode: UNSERVED_EXCHANGE_PROTOCOLS.has(name) ? 'ProtocolNotSupported' : 'InvalidProtocol' };
}

/** Reads the query form (`?Email=&Protocol=`) or the path form (`/v1.0/<address>?Protocol=`), and the `Host`. */
export function parseJsonRequest(request: Pick<HttpRequest, 'path' | 'query' | 'headers'>): ParsedJsonRequest {
  const host = requestHostName(request.headers.get('host'));
  if (host === undefined) return rejected('badHost');
  const below = request.path.slice(JSON_PATH.length);
  const emails: (string | null)[] = valuesOf(request.query, PARAMETERS.email);
  if (below !== '') {
    const segment = PATH_FORM.exec(below)?.[1];
    if (segment === undefined) return rejected('notFound');
    emails.push(decodeSegment(segment));
  }
  const address = readAddress(emails);
  if (address === undefined) return failure('MandatoryParameterMissing');
  const read = readProtocol(valuesOf(request.query, PARAMETERS.protocol));
  if ('errorCode' in read) return failure(read.errorCode);
  return { ok: true, request: { host, address, protocol: read.protocol } };
}
