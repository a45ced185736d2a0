import { normaliseDomain, type EmailAddress } from '../email-address';
import { NO_STORE, emptyResponse, xmlResponse } from '../http/responses';
import type { HttpRequest, HttpResponse, LogFields } from '../http/types';
import { localPartHash } from '../observability/request-log';
import { TenantStoreError } from '../tenants/dynamodb';
import { isMailboxId } from '../tenants/model';
import type { TenantLookup } from '../tenants/resolve';
import type { ItemProblem } from '../tenants/validate';
import { answerDomainRequest, answerPoxRequest, errorAnswer, type ErrorRenderer, type PoxAnswer } from './answer';
import { parsePoxRequest } from './parse-request';

/** A real request is well under 1 KiB; anything this large is not one. */
export const MAX_BODY_BYTES = 16 * 1024;

// Domain-level GET answers are the same for everyone; let clients keep them briefly.
const GET_CACHE_CONTROL = 'max-age=300';

export interface PoxEndpointDeps {
  /** `report` receives cache and DynamoDB facts for the log line (LogFields has their fields). May answer synchronously. */
  readonly lookupTenant: (domain: string, mailboxId?: string, report?: LogFields) => TenantLookup | Promise<TenantLookup>;
  readonly renderError: ErrorRenderer;
}

/** The domain a bodiless GET is for: `Host` without port and one leading `autodiscover.` label. */
export function domainFromHost(host: string | undefined, label = 'autodiscover.'): string | undefined {
  if (!host) return undefined;
  const withoutPort = host.replace(/:\d+$/, '').toLowerCase();
  const bare = withoutPort.startsWith(label) ? withoutPort.slice(label.length) : withoutPort;
  return normaliseDomain(bare);
}

/** A mailbox problem names its domain and local-part hash, never the address. */
function loggableProblem(problem: ItemProblem): NonNullable<LogFields['itemProblem']> {
  if (!isMailboxId(problem.id)) return { item: problem.id, path: problem.path, reason: problem.reason };
  const at = problem.id.lastIndexOf('@');
  const item = `mailbox ${localPartHash(problem.id.slice(0, at))}@${problem.id.slice(at + 1)}`;
  return { item, path: problem.path, reason: problem.reason };
}

function record(log: LogFields, answer: PoxAnswer): PoxAnswer {
  log.outcome = answer.outcome;
  if (answer.errorCode !== undefined) log.errorCode = answer.errorCode;
  if (answer.problem) log.itemProblem = loggableProblem(answer.problem);
  return answer;
}

/** Applies `next` now to a value that is here, or later to one that is not (a warm lookup stays synchronous). */
const andThen = <T, U>(value: T | Promise<T>, next: (value: T) => U): U | Promise<U> =>
  value instanceof Promise ? value.then(next) : next(value);

/** A DynamoDB failure answers 603 (row 4); anything else is a bug for the outer layer. */
function storeFailure(error: unknown, renderError: ErrorRenderer): PoxAnswer {
  if (error instanceof TenantStoreError) return errorAnswer(503, 603, renderError);
  throw error;
}

function withTenant(
  deps: PoxEndpointDeps,
  log: LogFields,
  domain: string,
  address: EmailAddress | undefined,
  answer: (lookup: TenantLookup) => PoxAnswer,
): PoxAnswer | Promise<PoxAnswer> {
  let lookup: TenantLookup | Promise<TenantLookup>;
  try {
    lookup = deps.lookupTenant(domain, address?.mailboxId, log);
  } catch (error) {
    return storeFailure(error, deps.renderError);
  }
  return lookup instanceof Promise ? lookup.then(answer, (error: unknown) => storeFailure(error, deps.renderError)) : answer(lookup);
}

/** POST: the README's POX table, first matching row first. */
export function handlePoxPost(deps: PoxEndpointDeps, request: HttpRequest, log: LogFields): HttpResponse | Promise<HttpResponse> {
  const toResponse = (answer: PoxAnswer) => xmlResponse(answer.status, record(log, answer).body, NO_STORE);
  if (request.body.byteLength > MAX_BODY_BYTES) return toResponse(errorAnswer(413, 600, deps.renderError));

  const parsed = parsePoxRequest(request.body, request.headers.get('content-type'));
  if (!parsed.ok) return toResponse(errorAnswer(200, parsed.errorCode, deps.renderError));
  const { address } = parsed.request;
  log.domain = address.domain;
  log.localPartHash = localPartHash(address.localPart);
  return andThen(
    withTenant(deps, log, address.domain, address, (lookup) => answerPoxRequest(lookup, parsed.request, deps.renderError)),
    toResponse,
  );
}

/** GET (and HEAD): domain-level settings for the domain named by `Host`. */
export function handlePoxGet(deps: PoxEndpointDeps, request: HttpRequest, log: LogFields): HttpResponse | Promise<HttpResponse> {
  const domain = domainFromHost(request.headers.get('host'));
  if (domain === undefined) {
    log.outcome = 'notHosted';
    return emptyResponse(404);
  }
  log.domain = domain;
  return andThen(withTenant(deps, log, domain, undefined, (lookup) => answerDomainRequest(lookup, deps.renderError)), (answered) => {
    const answer = record(log, answered);
    if (answer.body === '') return emptyResponse(answer.status);
    return xmlResponse(answer.status, answer.body, answer.status === 200 && answer.outcome !== 'error' ? GET_CACHE_CONTROL : NO_STORE);
  });
}
