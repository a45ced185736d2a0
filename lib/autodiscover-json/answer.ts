import { perTenant, type Decision, type HostedDecision } from '../resolution/decision';
import { renderAutodiscoverV1, renderJsonError, renderUrlAnswer } from './render';
import type { JsonRejection } from './parse-request';
import type { JsonErrorCode, ServedProtocol } from './vocabulary';

// The format-neutral decision in Autodiscover v2's terms. The request was
// parsed (and its host checked) before the tenant was looked up.

export type JsonOutcome = ServedProtocol | JsonErrorCode | JsonRejection | 'notHosted' | 'invalidItem' | 'storeFailure';

export interface JsonAnswer {
  readonly status: number;
  /** '' for an empty body. */
  readonly body: string;
  readonly outcome: JsonOutcome;
}

export const jsonErrorAnswer = (code: JsonErrorCode): JsonAnswer => ({ status: 400, body: renderJsonError(code), outcome: code });

/** Requests refused before Autodiscover's own errors apply: empty bodies. */
export const REJECTED: Readonly<Record<JsonRejection, JsonAnswer>> = {
  badHost: { status: 400, body: '', outcome: 'badHost' },
  notFound: { status: 404, body: '', outcome: 'notFound' },
};

// Decisions without a hosted tenant: empty bodies, as autoconfig answers them
// (there is no Exchange error code for them, and a client treats any non-200 as "not here").
const UNANSWERED: Readonly<Record<Exclude<Decision['kind'], 'hosted'>, JsonAnswer>> = {
  notHosted: { status: 404, body: '', outcome: 'notHosted' },
  invalid: { status: 500, body: '', outcome: 'invalidItem' },
  storeFailure: { status: 503, body: '', outcome: 'storeFailure' },
};

/**
 * The answer body each served protocol gives a hosted tenant; undefined when
 * the tenant has no such service. AutodiscoverV1 points at our POX endpoint
 * whatever the mail decision is (redirects and empty lists are POX's to answer).
 */
const URL_ANSWERS: Readonly<Record<ServedProtocol, (decision: HostedDecision, host: string) => string | undefined>> = {
  AutodiscoverV1: (_decision, host) => renderAutodiscoverV1(host),
  ActiveSync: ({ tenant, activeSyncUrl }) =>
    activeSyncUrl === undefined ? undefined : perTenant(tenant, 'autodiscover-json:ActiveSync', () => renderUrlAnswer('ActiveSync', activeSyncUrl)),
};

/** The answer for a decision, a served protocol and the request's validated host name: pure. */
export function renderAutodiscoverJson(decision: Decision, protocol: ServedProtocol, host: string): JsonAnswer {
  if (decision.kind !== 'hosted') return UNANSWERED[decision.kind];
  const body = URL_ANSWERS[protocol](decision, host);
  return body === undefined ? jsonErrorAnswer('ProtocolNotSupported') : { status: 200, body, outcome: protocol };
}
