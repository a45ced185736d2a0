import type { EmailAddress } from '../email-address';
import { perTenant, type Decision, type HostedDecision } from '../resolution/decision';
import { fillTemplate } from '../resolution/template';
import type { PoxRequest } from './parse-request';
import { compileMobileSyncSettings, compileOutlookSettings, renderRedirect } from './render';
import type { PoxErrorCode } from './vocabulary';

// Rows 4 to 11 of the POX decision table (README, "How requests are
// answered"): the format-neutral decision in POX's vocabulary. Rows 1 to 3
// (size, parsing, schema) are decided before a tenant is looked up.

export type PoxOutcome = 'settings' | 'mobileSync' | 'redirectAddr' | 'redirectUrl' | 'error' | 'notHosted';

export interface PoxAnswer {
  readonly status: number;
  /** '' for an empty body. */
  readonly body: string;
  readonly outcome: PoxOutcome;
  readonly errorCode?: PoxErrorCode;
}

/** Renders an error document with the current time and the responder's id. */
export type ErrorRenderer = (code: PoxErrorCode) => string;

export const errorAnswer = (status: number, code: PoxErrorCode, renderError: ErrorRenderer): PoxAnswer => ({
  status,
  body: renderError(code),
  outcome: 'error',
  errorCode: code,
});

/**
 * The answer for a decision. `request` is the parsed POST; without one
 * (a bodiless GET) the answer is domain-level, and an unknown host gets an
 * empty 404 so clients try their next candidate.
 */
export function answerPox(decision: Decision, request: PoxRequest | undefined, renderError: ErrorRenderer): PoxAnswer {
  switch (decision.kind) {
    case 'storeFailure':
      return errorAnswer(503, 603, renderError);
    case 'notHosted':
      return request ? errorAnswer(404, 500, renderError) : { status: 404, body: '', outcome: 'notHosted' };
    case 'invalid':
      return errorAnswer(200, 602, renderError);
    case 'hosted':
      return request?.schema === 'mobileSync' ? answerMobileSync(decision, request.address, renderError) : answerOutlook(decision, request?.address, renderError);
  }
}

function answerMobileSync(decision: HostedDecision, address: EmailAddress, renderError: ErrorRenderer): PoxAnswer {
  const url = decision.activeSyncUrl;
  if (url === undefined) return errorAnswer(200, 601, renderError);
  const template = perTenant(decision.tenant, 'pox:mobileSync', () => compileMobileSyncSettings(decision, url));
  return { status: 200, body: fillTemplate(template, address), outcome: 'mobileSync' };
}

function answerOutlook(decision: HostedDecision, address: EmailAddress | undefined, renderError: ErrorRenderer): PoxAnswer {
  const { mail } = decision;
  switch (mail.kind) {
    case 'redirectAddr':
    case 'redirectUrl': {
      const target = mail.kind === 'redirectAddr' ? mail.target : mail.url;
      // No holes: the redirect target is the same for every address.
      const body = perTenant(decision.tenant, `pox:${mail.kind}`, () => renderRedirect(mail.kind, target));
      return { status: 200, body, outcome: mail.kind };
    }
    case 'noServers':
      return errorAnswer(200, 501, renderError);
    case 'servers': {
      const forAddress = address !== undefined;
      const key = forAddress ? 'pox:outlookAddress' : 'pox:outlookDomain';
      const template = perTenant(decision.tenant, key, () => compileOutlookSettings(decision, mail.servers, forAddress));
      return { status: 200, body: fillTemplate(template, address), outcome: 'settings' };
    }
  }
}
