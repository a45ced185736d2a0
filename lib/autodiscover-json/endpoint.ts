import { NO_STORE, emptyResponse, jsonResponse } from '../http/responses';
import type { Route } from '../http/router';
import type { HttpRequest, HttpResponse, LogFields } from '../http/types';
import { andThen, resolveRequest, type TenantLookupFn } from '../resolution/resolve';
import { REJECTED, jsonErrorAnswer, renderAutodiscoverJson, type JsonAnswer } from './answer';
import { parseJsonRequest } from './parse-request';

// A success is the same for every address of the domain and changes only when
// the tenant does: clients may keep it as long as a POX GET answer.
const SUCCESS_CACHE_CONTROL = 'max-age=300';

function respond(log: LogFields, answer: JsonAnswer): HttpResponse {
  log.outcome = answer.outcome;
  if (answer.body === '') return emptyResponse(answer.status);
  return jsonResponse(answer.status, answer.body, answer.status === 200 ? SUCCESS_CACHE_CONTROL : NO_STORE);
}

/** GET (and HEAD): both request forms. */
export function handleAutodiscoverJsonGet(lookupTenant: TenantLookupFn, request: HttpRequest, log: LogFields): HttpResponse | Promise<HttpResponse> {
  const parsed = parseJsonRequest(request);
  if (!parsed.ok) return respond(log, 'errorCode' in parsed ? jsonErrorAnswer(parsed.errorCode) : REJECTED[parsed.rejection]);
  const { host, address, protocol } = parsed.request;
  return andThen(resolveRequest(lookupTenant, log, address.domain, address), (decision) => respond(log, renderAutodiscoverJson(decision, protocol, host)));
}

/** The route for `/autodiscover/autodiscover.json` and the paths below it. */
export const autodiscoverJsonRoute = (lookupTenant: TenantLookupFn): Route => ({
  name: 'autodiscover-json',
  methods: { GET: (request, log) => handleAutodiscoverJsonGet(lookupTenant, request, log) },
});
