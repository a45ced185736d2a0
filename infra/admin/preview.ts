import { XMLParser } from 'fast-xml-parser';
import * as plist from 'plist';
import { answerApple } from '../../lib/apple/answer';
import { EMAIL_AUTH } from '../../lib/apple/vocabulary';
import { renderAutodiscoverJson } from '../../lib/autodiscover-json/answer';
import { answerAutoconfig } from '../../lib/autoconfig/answer';
import { AUTHENTICATION, SOCKET_TYPES } from '../../lib/autoconfig/vocabulary';
import { normaliseDomain, parseEmailAddress, type EmailAddress } from '../../lib/email-address';
import { answerPox } from '../../lib/pox/answer';
import { renderPoxError } from '../../lib/pox/render';
import { AUTH_ELEMENTS, TLS_ELEMENTS } from '../../lib/pox/vocabulary';
import { decide, type Decision, type HostedDecision } from '../../lib/resolution/decision';
import { loggableProblem } from '../../lib/resolution/resolve';
import type { TenantStore } from '../../lib/tenants/dynamodb';
import { lookupTenant } from '../../lib/tenants/resolve';

// `npm run admin -- preview <address|domain>`: what every client would get
// right now. It resolves through the handler's own code (lookup, decision,
// each format's renderer) and then reads each rendered answer back, the way
// a client would, so the table shows what is really sent, not what we meant.

/** One server as a client reads it from one format's answer. */
export interface PreviewRow {
  readonly type: string;
  readonly server: string;
  readonly port: string;
  readonly tls: string;
  readonly auth: string;
  readonly login: string;
}

export interface FormatPreview {
  readonly format: string;
  readonly clients: string;
  /** HTTP status of the answer. */
  readonly status: number;
  /** The raw answer ('' for an empty body). */
  readonly body: string;
  /** Servers read back from the answer; a note instead where the format carries none. */
  readonly rows: readonly PreviewRow[];
  readonly note?: string;
}

export interface Preview {
  readonly target: string;
  readonly domain: string;
  readonly decision: Decision['kind'];
  /** Which item decided, in words (hosted only). */
  readonly decidedBy?: string;
  /** The contract problem exactly as the handler logs it (invalid only). */
  readonly problem?: { item: string; path: string; reason: string };
  readonly formats: readonly FormatPreview[];
}

/** How one format answers a decision, and how its answer reads back. */
export interface PreviewFormat {
  readonly name: string;
  readonly clients: string;
  /** undefined where the format is never asked without an address. */
  readonly answer: (decision: Decision, address: EmailAddress | undefined) => { status: number; body: string } | undefined;
  readonly read: (body: string) => { rows: PreviewRow[]; note?: string };
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (name) => ['Protocol', 'incomingServer', 'outgoingServer'].includes(name),
});

/** The contract word a format's value stands for (`SSL` → `implicit`), or the value itself. */
const wordFor = (table: Readonly<Record<string, string>>, value: string | undefined): string =>
  Object.entries(table).find(([, shown]) => shown === value)?.[0] ?? value ?? '';

/** The contract word for a table value (`SSL` + `on` → `implicit`), or the raw values when none matches. */
function contractWord<T extends Record<string, string>>(table: Readonly<Record<string, T>>, values: T): string {
  const found = Object.entries(table).find(([, expected]) => Object.entries(expected).every(([key, value]) => values[key] === value));
  return found?.[0] ?? Object.values(values).join('/');
}

const POX: PreviewFormat = {
  name: 'pox',
  clients: 'Outlook, Thunderbird (fallback), Delta Chat (GET)',
  answer: (decision, address) =>
    answerPox(decision, address ? { address, schema: 'outlook' } : undefined, (code) => renderPoxError(code, new Date(), 0)),
  read(body) {
    const response = xml.parse(body)?.Autodiscover?.Response as
      | { Error?: { ErrorCode?: string; Message?: string }; Account?: { Action?: string; RedirectAddr?: string; RedirectUrl?: string; Protocol?: Array<Record<string, string>> } }
      | undefined;
    const account = response?.Account;
    if (!account) return { rows: [], note: `Error ${response?.Error?.ErrorCode} "${response?.Error?.Message}"` };
    if (account.Action !== 'settings') return { rows: [], note: `${account.Action} → ${account.RedirectAddr ?? account.RedirectUrl}` };
    const rows = (account.Protocol ?? []).map((p) => ({
      type: p.Type ?? '',
      server: p.Server ?? '',
      port: p.Port ?? '',
      tls: contractWord(TLS_ELEMENTS, { Encryption: p.Encryption ?? '', SSL: p.SSL ?? '' }),
      auth: contractWord(AUTH_ELEMENTS, { SPA: p.SPA ?? '', AuthRequired: p.AuthRequired ?? '' }),
      login: p.LoginName ?? '(not sent)',
    }));
    return { rows };
  },
};

const AUTOCONFIG: PreviewFormat = {
  name: 'autoconfig',
  clients: 'Thunderbird, Thunderbird for Android / K-9, Evolution, GNOME Online Accounts, KMail, Delta Chat',
  answer: answerAutoconfig,
  read(body) {
    const provider = xml.parse(body)?.clientConfig?.emailProvider as Record<string, Array<Record<string, string>> | undefined> | undefined;
    const servers = [...(provider?.incomingServer ?? []), ...(provider?.outgoingServer ?? [])];
    const rows = servers.map((s) => ({
      type: (s['@type'] ?? '').toUpperCase(),
      server: s.hostname ?? '',
      port: s.port ?? '',
      tls: wordFor(SOCKET_TYPES, s.socketType),
      auth: wordFor(AUTHENTICATION, s.authentication),
      login: s.username ?? '',
    }));
    return { rows };
  },
};

/** Outlook asks `autodiscover.<domain>` first; the preview shows what that host would answer. */
const AUTODISCOVER_JSON: PreviewFormat = {
  name: 'json',
  clients: 'Outlook (first probe, then POX)',
  answer: (decision, address) => address && renderAutodiscoverJson(decision, 'AutodiscoverV1', `autodiscover.${address.domain}`),
  read(body) {
    const { Url } = JSON.parse(body) as { Url?: string };
    return { rows: [], note: `AutodiscoverV1 → ${Url}` };
  },
};

type MailPayload = Readonly<Record<string, string | number | boolean | undefined>>;

/** One row per server a mail payload names: the incoming one, then the SMTP server it sends through. */
function payloadRows(payload: MailPayload): PreviewRow[] {
  // The profile has one TLS flag for implicit TLS and STARTTLS alike.
  const tls = (useSsl: unknown) => (useSsl === true ? 'TLS' : 'none');
  const row = (side: 'Incoming' | 'Outgoing', type: string): PreviewRow => ({
    type,
    server: String(payload[`${side}MailServerHostName`] ?? ''),
    port: String(payload[`${side}MailServerPortNumber`] ?? ''),
    tls: tls(payload[`${side}MailServerUseSSL`]),
    auth: wordFor(EMAIL_AUTH, String(payload[`${side}MailServerAuthentication`] ?? '')),
    login: String(payload[`${side}MailServerUsername`] ?? ''),
  });
  return [row('Incoming', payload.EmailAccountType === 'EmailTypePOP' ? 'POP3' : 'IMAP'), row('Outgoing', 'SMTP')];
}

const APPLE_PROFILE: PreviewFormat = {
  name: 'mobileconfig',
  clients: 'iPhone, iPad, Mac (one TLS flag for implicit TLS and STARTTLS; the served profile is signed when configured)',
  answer: (decision, address) => address && answerApple(decision, address),
  read(body) {
    const profile = plist.parse(body) as { PayloadContent?: Array<MailPayload & { PayloadType?: string }> };
    const payloads = profile.PayloadContent ?? [];
    const rows = payloads.filter((p) => p.PayloadType === 'com.apple.mail.managed').flatMap(payloadRows);
    const others = payloads.filter((p) => p.PayloadType !== 'com.apple.mail.managed').map((p) => p.PayloadType);
    return { rows, ...(others.length > 0 ? { note: `also ${others.join(', ')}` } : {}) };
  },
};

export const PREVIEW_FORMATS: readonly PreviewFormat[] = [POX, AUTOCONFIG, AUTODISCOVER_JSON, APPLE_PROFILE];

const DECIDED_BY = { mailbox: 'the mailbox override', aliasTarget: 'the alias target', domain: 'the domain item' } as const;

/** `the alias target (example.net → example.com)`: the deciding item and the items behind it. */
function describeDecider({ decidedBy, items }: HostedDecision): string {
  const chain = [items.mailbox, items.domain, items.aliasTarget].filter((id) => id !== undefined).join(' → ');
  return `${DECIDED_BY[decidedBy]} (${chain})`;
}

/** What each format answers for `target` (an address or a domain) right now. */
export async function previewTarget(store: TenantStore, target: string, formats: readonly PreviewFormat[] = PREVIEW_FORMATS): Promise<Preview | undefined> {
  const address = target.includes('@') ? parseEmailAddress(target) : undefined;
  const domain = address?.domain ?? normaliseDomain(target);
  if (domain === undefined || (target.includes('@') && address === undefined)) return undefined;
  const lookup = await lookupTenant(store, domain, address?.mailboxId);
  const decision = decide(lookup);
  const results = formats.map((format): FormatPreview => {
    const answer = format.answer(decision, address);
    if (answer === undefined) return { format: format.name, clients: format.clients, status: 0, body: '', rows: [], note: 'asked with an address only' };
    const { status, body } = answer;
    const read = body === '' ? { rows: [], note: 'empty answer' } : format.read(body);
    return { format: format.name, clients: format.clients, status, body, ...read };
  });
  return {
    target: address?.address ?? domain,
    domain,
    decision: decision.kind,
    ...(decision.kind === 'hosted' ? { decidedBy: describeDecider(decision) } : {}),
    ...(decision.kind === 'invalid' ? { problem: loggableProblem(decision.problem) } : {}),
    formats: results,
  };
}

const COLUMNS = ['format', 'status', 'type', 'server', 'port', 'tls', 'auth', 'login'] as const;

/** The preview as a table a person reads. */
export function formatPreview(preview: Preview): string[] {
  const lines = [`${preview.target}: ${preview.decision}${preview.decidedBy ? `, decided by ${preview.decidedBy}` : ''}`];
  if (preview.problem) lines.push(`contract problem (as the handler logs it): ${JSON.stringify(preview.problem)}`);
  // A format without servers gets its note in place of the server columns.
  const table: Array<string[] | [string, string, string]> = [[...COLUMNS]];
  for (const f of preview.formats) {
    if (f.rows.length === 0) table.push([f.format, f.status === 0 ? '-' : String(f.status), f.note ?? '']);
    for (const r of f.rows) table.push([f.format, String(f.status), r.type, r.server, r.port, r.tls, r.auth, r.login]);
    if (f.rows.length > 0 && f.note !== undefined) table.push([f.format, String(f.status), f.note]);
  }
  const full = table.filter((row) => row.length === COLUMNS.length);
  const widths = COLUMNS.map((_, i) => Math.max(...full.map((row) => row[i]!.length), ...table.map((row) => (i < 2 ? row[i]!.length : 0))));
  for (const row of table) lines.push(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
  lines.push('', ...preview.formats.map((f) => `${f.format}: ${f.clients}`));
  return lines;
}
