import { XMLParser } from 'fast-xml-parser';
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
  readonly answer: (decision: Decision, address: EmailAddress | undefined) => { status: number; body: string };
  readonly read: (body: string) => { rows: PreviewRow[]; note?: string };
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: (name) => ['Protocol'].includes(name) });

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
    const account = xml.parse(body)?.Autodiscover?.Response?.Account as { Action?: string; RedirectAddr?: string; RedirectUrl?: string; Protocol?: Array<Record<string, string>> } | undefined;
    if (!account) return { rows: [], note: 'error document' };
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

export const PREVIEW_FORMATS: readonly PreviewFormat[] = [POX];

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
    const { status, body } = format.answer(decision, address);
    const read = status === 200 && body !== '' ? format.read(body) : { rows: [], note: body === '' ? 'empty answer' : 'error answer' };
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
  const table: string[][] = [[...COLUMNS]];
  for (const f of preview.formats) {
    if (f.rows.length === 0) table.push([f.format, String(f.status), f.note ?? '', '', '', '', '', '']);
    for (const r of f.rows) table.push([f.format, String(f.status), r.type, r.server, r.port, r.tls, r.auth, r.login]);
  }
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) lines.push(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  lines.push('', ...preview.formats.map((f) => `${f.format}: ${f.clients}`));
  return lines;
}
