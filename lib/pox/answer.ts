import type { EmailAddress } from '../email-address';
import type { Tenant, TenantLookup } from '../tenants/resolve';
import type { ItemProblem } from '../tenants/validate';
import type { PoxRequest } from './parse-request';
import { compileMobileSyncSettings, compileOutlookSettings, effectiveProtocols, renderRedirect } from './render';
import { compileTemplate, fillTemplate, type AnswerTemplate } from './template';
import type { PoxErrorCode } from './vocabulary';

// The README's POX table from "not hosted" on: from a looked-up tenant to the
// answer. Rows 1 to 4 (size, parsing, schema, store failures) are decided
// before a tenant exists.

export type PoxOutcome = 'settings' | 'mobileSync' | 'redirectAddr' | 'redirectUrl' | 'error' | 'notHosted';

export interface PoxAnswer {
  readonly status: number;
  /** '' for an empty body. */
  readonly body: string;
  readonly outcome: PoxOutcome;
  readonly errorCode?: PoxErrorCode;
  /** The contract breach behind a 602, for the log. */
  readonly problem?: ItemProblem;
}

// Compiled answers per tenant: items from the tenant cache stay the same
// objects until they are read again, so xmlbuilder2 writes each cached
// tenant's answers once and a request only fills in its address. Weak keys:
// an item dropped by the cache takes its answers with it.
type AnswerKind = 'outlookAddress' | 'outlookDomain' | 'mobileSync' | 'redirectAddr' | 'redirectUrl';
const NO_MAILBOX = {};
const compiled = new WeakMap<object, WeakMap<object, Map<AnswerKind, AnswerTemplate>>>();

function compiledAnswer(tenant: Tenant, kind: AnswerKind, compile: () => AnswerTemplate): AnswerTemplate {
  let byMailbox = compiled.get(tenant.settings);
  if (!byMailbox) compiled.set(tenant.settings, (byMailbox = new WeakMap()));
  const mailboxKey = tenant.mailbox ?? NO_MAILBOX;
  let byKind = byMailbox.get(mailboxKey);
  if (!byKind) byMailbox.set(mailboxKey, (byKind = new Map()));
  let template = byKind.get(kind);
  if (!template) byKind.set(kind, (template = compile()));
  return template;
}

/** Renders an error document with the current time and the responder's id. */
export type ErrorRenderer = (code: PoxErrorCode) => string;

export const errorAnswer = (status: number, code: PoxErrorCode, renderError: ErrorRenderer, problem?: ItemProblem): PoxAnswer => ({
  status,
  body: renderError(code),
  outcome: 'error',
  errorCode: code,
  ...(problem ? { problem } : {}),
});

/** Answer to a parsed POST request (rows 5–11). */
export function answerPoxRequest(lookup: TenantLookup, request: PoxRequest, renderError: ErrorRenderer): PoxAnswer {
  if (lookup.kind === 'notHosted') return errorAnswer(404, 500, renderError);
  if (lookup.kind === 'invalid') return errorAnswer(200, 602, renderError, lookup.problem);
  const { tenant } = lookup;
  const { address } = request;

  if (request.schema === 'mobileSync') {
    const activeSync = tenant.settings.activeSync;
    if (!activeSync) return errorAnswer(200, 601, renderError);
    const template = compiledAnswer(tenant, 'mobileSync', () => compileMobileSyncSettings(tenant, activeSync.url));
    return { status: 200, body: fillTemplate(template, address), outcome: 'mobileSync' };
  }
  const redirectAddr = tenant.mailbox?.redirectAddr;
  if (redirectAddr !== undefined) {
    const template = compiledAnswer(tenant, 'redirectAddr', () => compileTemplate(renderRedirect('redirectAddr', redirectAddr)));
    return { status: 200, body: fillTemplate(template), outcome: 'redirectAddr' };
  }
  return answerSettings(lookup, address, renderError);
}

/** Answer to a bodiless GET for the domain named by `Host`: rows 5–11 without an address. */
export function answerDomainRequest(lookup: TenantLookup, renderError: ErrorRenderer): PoxAnswer {
  // Unknown hosts (including a shared SRV target) get an empty 404 so clients try their next candidate.
  if (lookup.kind === 'notHosted') return { status: 404, body: '', outcome: 'notHosted' };
  if (lookup.kind === 'invalid') return errorAnswer(200, 602, renderError, lookup.problem);
  return answerSettings(lookup, undefined, renderError);
}

function answerSettings(
  lookup: Extract<TenantLookup, { kind: 'hosted' }>,
  address: EmailAddress | undefined,
  renderError: ErrorRenderer,
): PoxAnswer {
  const { tenant } = lookup;
  const redirectUrl = tenant.settings.redirectUrl;
  if (redirectUrl !== undefined) {
    const template = compiledAnswer(tenant, 'redirectUrl', () => compileTemplate(renderRedirect('redirectUrl', redirectUrl)));
    return { status: 200, body: fillTemplate(template), outcome: 'redirectUrl' };
  }
  if (effectiveProtocols(tenant).length === 0) return errorAnswer(200, 501, renderError);
  const forAddress = address !== undefined;
  const template = compiledAnswer(tenant, forAddress ? 'outlookAddress' : 'outlookDomain', () => compileOutlookSettings(tenant, forAddress));
  return { status: 200, body: fillTemplate(template, address), outcome: 'settings' };
}
