import { normaliseDomain } from '../email-address';
import { hostWithoutPort } from '../http/host';
import { NO_STORE, emptyResponse, jsonResponse } from '../http/responses';
import type { Route } from '../http/router';
import type { HttpRequest, HttpResponse, LogFields } from '../http/types';
import { andThen, resolveRequest, type TenantLookupFn } from '../resolution/resolve';
import { jsonErrorAnswer, renderAutodiscoverJson, type JsonAnswer } from './answer';
import { parseJsonRequest } from './parse-request';

// A success is the same for every address of the domain and changes only when
// the tenant does: clients may keep it as long as a POX GET answer.
const SUCCESS_CACHE_CONTROL = 'max-age=300';

/**
 * The `Host` header as a host name (port removed, lower case, punycode), or
 * undefined. Only such a name reaches the URL we answer, so a hostile Host
 * cannot put anything else into it.
 */
export const requestHostName = (host: string | undefined): string | undefined => (host ? normaliseDomain(hostWithoutPort(host)) : undefined);

function respond(log: LogFields, answer: JsonAnswer): HttpResponse {
  log.outcome = answer.outcome;
  if (answer.body === '') return emptyResponse(answer.status);
  return jsonResponse(answer.status, answer.body, answer.status === 200 ? SUCCESS_CACHE_CONTROL : NO_STORE);
}

/** GET (and HEAD): both request forms. */
export function handleAutodiscoverJsonGet(lookupTenant: TenantLookupFn, request: HttpRequest, log: LogFields): HttpResponse | Promise<HttpResponse> {
  // RFC 9112 §3.2: a missing or invalid Host is a bad request, whatever else it asks.
  const host = requestHostName(request.headers.get('host'));
  if (host === undefined) {
    log.outcome = 'badHost';
    return emptyResponse(400);
  }
  const parsed = parseJsonRequest(request.path, request.query);
  if (!parsed.ok) {
    if ('notFound' in parsed) {
      log.outcome = 'notFound';
      return emptyResponse(404);
    }
    return respond(log, jsonErrorAnswer(parsed.errorCode));
  }
  const { address, protocol } = parsed.request;
  return andThen(resolveRequest(lookupTenant, log, address.domain, address), (decision) => respond(log, renderAutodiscoverJson(decision, protocol, host)));
}

/** The route for `/autodiscover/autodiscover.json` and the paths below it. */
export const autodiscoverJsonRoute = (lookupTenant: TenantLookupFn): Route => ({
  name: 'autodiscover-json',
  methods: { GET: (request, log) => handleAutodiscoverJsonGet(lookupTenant, request, log) },
});
