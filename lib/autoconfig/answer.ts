import type { EmailAddress } from '../email-address';
import { perTenant, type Decision, type HostedDecision } from '../resolution/decision';
import { fillTemplate } from '../resolution/template';
import { compileClientConfig, listedServers } from './render';

// The format-neutral decision in autoconfig's terms. Autoconfig has no error
// documents and no redirect: anything that is not a configuration is an
// empty answer whose status says why, so a client moves on to its next
// lookup (README, "How requests are answered").

export type AutoconfigOutcome = 'settings' | 'notHosted' | 'redirectAddr' | 'redirectUrl' | 'noServers' | 'invalidItem' | 'storeFailure';

export interface AutoconfigAnswer {
  readonly status: number;
  /** '' for an empty body. */
  readonly body: string;
  readonly outcome: AutoconfigOutcome;
}

const empty = (status: number, outcome: AutoconfigOutcome): AutoconfigAnswer => ({ status, body: '', outcome });

/** Status of each decision that is not a configuration. */
const EMPTY_ANSWERS: Readonly<Record<Exclude<AutoconfigOutcome, 'settings'>, AutoconfigAnswer>> = {
  notHosted: empty(404, 'notHosted'),
  // A redirect's target is not ours to describe, and autoconfig cannot point elsewhere.
  redirectAddr: empty(404, 'redirectAddr'),
  redirectUrl: empty(404, 'redirectUrl'),
  // Every client rejects a configuration without an incoming server.
  noServers: empty(404, 'noServers'),
  invalidItem: empty(500, 'invalidItem'),
  storeFailure: empty(503, 'storeFailure'),
};

/** The answer for a decision; `address` is the requester's, or undefined for a domain-level answer (placeholders kept). */
export function answerAutoconfig(decision: Decision, address: EmailAddress | undefined): AutoconfigAnswer {
  switch (decision.kind) {
    case 'storeFailure':
      return EMPTY_ANSWERS.storeFailure;
    case 'notHosted':
      return EMPTY_ANSWERS.notHosted;
    case 'invalid':
      return EMPTY_ANSWERS.invalidItem;
    case 'hosted':
      return answerHosted(decision, address);
  }
}

function answerHosted(decision: HostedDecision, address: EmailAddress | undefined): AutoconfigAnswer {
  const { mail } = decision;
  if (mail.kind !== 'servers') return EMPTY_ANSWERS[mail.kind];
  const forAddress = address !== undefined;
  const template = perTenant(decision.tenant, forAddress ? 'autoconfig:address' : 'autoconfig:domain', () => {
    const servers = listedServers(mail.servers);
    return servers.some((server) => server.direction === 'incoming') ? compileClientConfig(decision, servers, forAddress) : undefined;
  });
  if (template === undefined) return EMPTY_ANSWERS.noServers;
  return { status: 200, body: fillTemplate(template, address), outcome: 'settings' };
}
