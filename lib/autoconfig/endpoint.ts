import { parseEmailAddress, type EmailAddress } from '../email-address';
import { domainFromHost } from '../http/host';
import { NO_STORE, emptyResponse, xmlResponse } from '../http/responses';
import type { Route } from '../http/router';
import type { HttpRequest, HttpResponse, LogFields } from '../http/types';
import { andThen, resolveRequest, type TenantLookupFn } from '../resolution/resolve';
import { answerAutoconfig } from './answer';
import { ADDRESS_PARAMETER, AUTOCONFIG_PATHS, HOST_LABEL } from './vocabulary';

// A domain-level answer is the same for everyone; let clients keep it briefly
// (as POX GET answers). An answer filled with an address is not cached.
const DOMAIN_CACHE_CONTROL = 'max-age=300';

export interface AutoconfigEndpointDeps {
  readonly lookupTenant: TenantLookupFn;
}

/** The request's address: absent (none given), or undefined when it is not exactly one valid address. */
function requestedAddress(query: URLSearchParams): { readonly address?: EmailAddress } | undefined {
  const values = query.getAll(ADDRESS_PARAMETER);
  if (values.length === 0) return {};
  const address = values.length === 1 ? parseEmailAddress(values[0]!) : undefined;
  return address === undefined ? undefined : { address };
}

/**
 * GET (and HEAD): with `emailaddress`, the address's domain decides whatever
 * the `Host` (one provider-wide autoconfig host answers every hosted domain);
 * without it, the domain named by `Host`.
 */
export function handleAutoconfigGet(deps: AutoconfigEndpointDeps, request: HttpRequest, log: LogFields): HttpResponse | Promise<HttpResponse> {
  const asked = requestedAddress(request.query);
  if (asked === undefined) {
    log.outcome = 'badRequest';
    return emptyResponse(400);
  }
  const { address } = asked;
  const domain = address?.domain ?? domainFromHost(request.headers.get('host'), HOST_LABEL);
  if (domain === undefined) {
    log.outcome = 'notHosted';
    return emptyResponse(404);
  }
  return andThen(resolveRequest(deps.lookupTenant, log, domain, address), (decision) => {
    const answer = answerAutoconfig(decision, address);
    log.outcome = answer.outcome;
    if (answer.body === '') return emptyResponse(answer.status);
    return xmlResponse(answer.status, answer.body, address === undefined ? DOMAIN_CACHE_CONTROL : NO_STORE);
  });
}

/** The autoconfig route on each of its paths, for the responder's route table. */
export function autoconfigRoutes(deps: AutoconfigEndpointDeps): Array<[path: string, route: Route]> {
  const route: Route = { name: 'autoconfig', methods: { GET: (request, log) => handleAutoconfigGet(deps, request, log) } };
  return AUTOCONFIG_PATHS.map((path) => [path, route]);
}
