import { domainFromHost } from '../http/host';
import { NO_STORE, emptyResponse, xmlResponse } from '../http/responses';
import type { HttpRequest, HttpResponse, LogFields } from '../http/types';
import { andThen, resolveRequest, type TenantLookupFn } from '../resolution/resolve';
import { answerPox, errorAnswer, type ErrorRenderer, type PoxAnswer } from './answer';
import { parsePoxRequest } from './parse-request';

/** A real request is well under 1 KiB; anything this large is not one. */
export const MAX_BODY_BYTES = 16 * 1024;

// Domain-level GET answers are the same for everyone; let clients keep them briefly.
const GET_CACHE_CONTROL = 'max-age=300';

export interface PoxEndpointDeps {
  readonly lookupTenant: TenantLookupFn;
  readonly renderError: ErrorRenderer;
}

function record(log: LogFields, answer: PoxAnswer): PoxAnswer {
  log.outcome = answer.outcome;
  if (answer.errorCode !== undefined) log.errorCode = answer.errorCode;
  return answer;
}

/** POST: the full decision table. */
export function handlePoxPost(deps: PoxEndpointDeps, request: HttpRequest, log: LogFields): HttpResponse | Promise<HttpResponse> {
  const toResponse = (answer: PoxAnswer) => xmlResponse(answer.status, record(log, answer).body, NO_STORE);
  if (request.body.byteLength > MAX_BODY_BYTES) return toResponse(errorAnswer(413, 600, deps.renderError));

  const parsed = parsePoxRequest(request.body, request.headers.get('content-type'));
  if (!parsed.ok) return toResponse(errorAnswer(200, parsed.errorCode, deps.renderError));
  const { address } = parsed.request;
  const decision = resolveRequest(deps.lookupTenant, log, address.domain, address);
  return andThen(decision, (decided) => toResponse(answerPox(decided, parsed.request, deps.renderError)));
}

/** GET (and HEAD): domain-level settings for the domain named by `Host`. */
export function handlePoxGet(deps: PoxEndpointDeps, request: HttpRequest, log: LogFields): HttpResponse | Promise<HttpResponse> {
  const domain = domainFromHost(request.headers.get('host'), 'autodiscover.');
  if (domain === undefined) {
    log.outcome = 'notHosted';
    return emptyResponse(404);
  }
  return andThen(resolveRequest(deps.lookupTenant, log, domain), (decided) => {
    const answer = record(log, answerPox(decided, undefined, deps.renderError));
    if (answer.body === '') return emptyResponse(answer.status);
    return xmlResponse(answer.status, answer.body, answer.status === 200 && answer.outcome !== 'error' ? GET_CACHE_CONTROL : NO_STORE);
  });
}
