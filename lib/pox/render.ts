import type { EmailAddress } from '../email-address';
import { decideHosted, type HostedDecision, type MailServer } from '../resolution/decision';
import { compileTemplate, fillTemplate, loginNameWithSlots, slot, type AnswerTemplate } from '../resolution/template';
import type { MailProtocolType } from '../tenants/model';
import type { Tenant } from '../tenants/resolve';
import { newXmlDocument, writeXml, type XMLBuilder } from '../xml/builder';
import { escapeXmlText, xmlText } from '../xml/text';
import { AUTH_ELEMENTS, NS, POX_ERRORS, TLS_ELEMENTS, onOff, type PoxErrorCode } from './vocabulary';

// Every answer is written by xmlbuilder2 with default namespaces only (no
// prefixes: Thunderbird and Delta Chat match element names literally) and
// starts with the XML declaration (the EWS Managed API insists on it).

type Rows = ReadonlyArray<readonly [element: string, value: string | undefined]>;

function newAnswer(innerNamespace: string): { doc: XMLBuilder; response: XMLBuilder } {
  const doc = newXmlDocument();
  const response = doc.ele(NS.response, 'Autodiscover').ele(innerNamespace, 'Response');
  return { doc, response };
}

/** Appends `<name>value</name>` for each row that has a value, in order. */
function appendRows(parent: XMLBuilder, rows: Rows): void {
  for (const [name, value] of rows) if (value !== undefined) parent.ele(name).txt(value);
}

/** An XML answer with holes for the address parts. */
const xmlTemplate = (xml: string): AnswerTemplate => compileTemplate(xml, escapeXmlText);

/** Elements only some protocol types carry (SMTPLast and UsePOPAuth: SMTP only, always present). */
const TYPE_SPECIFIC_ROWS: Readonly<Record<MailProtocolType, (server: MailServer) => Rows>> = {
  IMAP: () => [],
  POP3: () => [],
  SMTP: ({ smtp }) => [
    ['UsePOPAuth', onOff(smtp!.usePopAuth)],
    ['SMTPLast', onOff(smtp!.smtpLast)],
  ],
};

/** One `Protocol` block, in the element order of the POX documentation. */
function protocolRows(entry: MailServer, login: string | undefined): Rows {
  const tls = TLS_ELEMENTS[entry.tls];
  const auth = AUTH_ELEMENTS[entry.auth];
  return [
    ['Type', entry.type],
    ['TTL', entry.ttl?.toString()],
    ['Server', xmlText(entry.server)],
    ['Port', String(entry.port)],
    ['LoginName', login],
    ['DomainRequired', onOff(entry.domainRequired)],
    ['DomainName', entry.domainName === undefined ? undefined : xmlText(entry.domainName)],
    ['SPA', auth.SPA],
    ['Encryption', tls.Encryption],
    ['SSL', tls.SSL],
    ['AuthRequired', auth.AuthRequired],
    ...TYPE_SPECIFIC_ROWS[entry.type](entry),
  ];
}

/**
 * The Outlook settings answer, with holes for the address. `forAddress:
 * false` is the domain-level answer to a bodiless GET: no `User`, no
 * `LoginName`, because the address is unknown.
 */
export function compileOutlookSettings(decision: HostedDecision, servers: readonly MailServer[], forAddress: boolean): AnswerTemplate {
  const { doc, response } = newAnswer(NS.outlook);
  if (forAddress) {
    const user = response.ele('User');
    if (decision.displayName !== undefined) user.ele('DisplayName').txt(xmlText(decision.displayName));
    user.ele('AutoDiscoverSMTPAddress').txt(slot('address'));
  }
  const account = response.ele('Account');
  appendRows(account, [['AccountType', 'email'], ['Action', 'settings']]);
  for (const server of servers) {
    const login = forAddress ? loginNameWithSlots(server.username, xmlText) : undefined;
    appendRows(account.ele('Protocol'), protocolRows(server, login));
  }
  return xmlTemplate(writeXml(doc));
}

/** The MobileSync settings answer ([MS-ASCMD] Autodiscover) for a domain with `activeSync`. */
export function compileMobileSyncSettings(decision: HostedDecision, activeSyncUrl: string): AnswerTemplate {
  const { doc, response } = newAnswer(NS.mobileSync);
  response.ele('Culture').txt('en:us');
  const user = response.ele('User');
  const displayName = decision.displayName;
  if (displayName !== undefined) user.ele('DisplayName').txt(xmlText(displayName));
  user.ele('EMailAddress').txt(slot('address'));
  const server = response.ele('Action').ele('Settings').ele('Server');
  const url = xmlText(activeSyncUrl);
  appendRows(server, [['Type', 'MobileSync'], ['Url', url], ['Name', url]]);
  return xmlTemplate(writeXml(doc));
}

/** `Action` redirectAddr or redirectUrl: the client repeats discovery elsewhere. */
export function renderRedirect(action: 'redirectAddr' | 'redirectUrl', target: string): string {
  const { doc, response } = newAnswer(NS.outlook);
  const element = action === 'redirectAddr' ? 'RedirectAddr' : 'RedirectUrl';
  appendRows(response.ele('Account'), [['AccountType', 'email'], ['Action', action], [element, xmlText(target)]]);
  return writeXml(doc);
}

/** `HH:MM:SS.fffffff` (UTC), the time format Exchange puts in `Error/@Time`. */
export function errorTime(at: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}.${pad(at.getUTCMilliseconds(), 3)}0000`;
}

function writePoxError(code: PoxErrorCode, time: string, responderId: number): string {
  const { message, responseNs } = POX_ERRORS[code];
  const { doc, response } = newAnswer(responseNs);
  const error = response.ele('Error', { Time: time, Id: String(responderId >>> 0) });
  appendRows(error, [['ErrorCode', String(code)], ['Message', message]]);
  error.ele('DebugData');
  return writeXml(doc);
}

/**
 * An error document. `Message` comes from the fixed table and `DebugData` is
 * always empty: nothing from the request ever appears in an error.
 */
export function renderPoxError(code: PoxErrorCode, at: Date, responderId: number): string {
  return writePoxError(code, errorTime(at), responderId);
}

// errorTime() always gives this many characters, so a document written once
// with this stand-in takes any time by splicing.
const TIME_STAND_IN = '00:00:00.0000000';

/** The error document written once; each call only splices in the time. Same output as renderPoxError. */
export function compilePoxError(code: PoxErrorCode, responderId: number): (at: Date) => string {
  const xml = writePoxError(code, TIME_STAND_IN, responderId);
  const start = xml.indexOf(`Time="${TIME_STAND_IN}"`) + 'Time="'.length;
  const before = xml.slice(0, start);
  const after = xml.slice(start + TIME_STAND_IN.length);
  return (at) => before + errorTime(at) + after;
}

/** Convenience for tests and one-off rendering: decide, compile and fill in one step (the servers, whatever else the tenant says). */
export function renderPoxSettings(tenant: Tenant, address?: EmailAddress): string {
  const decision = decideHosted(tenant);
  const servers = decision.mail.kind === 'servers' ? decision.mail.servers : [];
  return fillTemplate(compileOutlookSettings(decision, servers, address !== undefined), address);
}
