import type { EmailAddress } from '../email-address';
import { perTenant, type Decision, type HostedDecision } from '../resolution/decision';
import { compileAppleProfile, fillAppleProfile, profileServers } from './render';

// The format-neutral decision in the profile's terms: a profile, or an
// empty answer whose status says why there is none.

export type AppleOutcome = 'profile' | NoProfile;

/** Why there is no profile, and the status each reason gets. */
type NoProfile = keyof typeof NO_PROFILE_STATUS;
const NO_PROFILE_STATUS = {
  notHosted: 404,
  /** The account lives elsewhere; a profile has no way to say where (as autoconfig). */
  redirectAddr: 404,
  redirectUrl: 404,
  /** No mail account (no incoming server, or no SMTP server) and no CalDAV or CardDAV either. */
  nothingToConfigure: 404,
  /** An item breaks the contract: the operator's fault, logged with the request. */
  invalid: 500,
  storeFailure: 503,
} as const;

export interface AppleAnswer {
  readonly status: number;
  /** The unsigned profile; '' for an empty body. */
  readonly body: string;
  readonly outcome: AppleOutcome;
}

const noProfile = (outcome: NoProfile): AppleAnswer => ({ status: NO_PROFILE_STATUS[outcome], body: '', outcome });

function hostedAnswer(decision: HostedDecision, address: EmailAddress): AppleAnswer {
  const servers = profileServers(decision.mail);
  if (servers === undefined) return noProfile(decision.mail.kind as 'redirectAddr' | 'redirectUrl');
  const profile = perTenant(decision.tenant, 'apple:profile', () => compileAppleProfile(decision, servers));
  if (profile === undefined) return noProfile('nothingToConfigure');
  return { status: 200, body: fillAppleProfile(profile, address), outcome: 'profile' };
}

/** The answer for an address's decision. */
export function answerApple(decision: Decision, address: EmailAddress): AppleAnswer {
  return decision.kind === 'hosted' ? hostedAnswer(decision, address) : noProfile(decision.kind);
}
