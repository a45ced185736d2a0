import { Resolver } from 'node:dns/promises';
import { parseArgs } from 'node:util';
import { parseXmlDocument, type XmlElement } from '../../lib/pox/xml-document';
import { TLS_ELEMENTS } from '../../lib/pox/vocabulary';
import { isAlias, isMailboxId, type DomainItem, type HostedDomainItem } from '../../lib/tenants/model';
import { dnsRecordsFor, formatZone, normaliseHostName, readDomainItem, type DnsRecord, type ItemReader } from './dns';
import { createProbeClient, type ProbeAnswer, type ProbeClient } from './probe-http';
import { describeError } from './target';

// `npm run admin -- doctor <domain>`: checks from where it runs what must be
// true for mail clients to find the responder, as a checklist with one
// concrete fix per failure. DNS against what `dns` recommends; every Outlook
// candidate URL in Outlook's order with its certificate; the other routes;
// and the live answer against the table.

export const DOCTOR_OPTIONS = { host: { type: 'string' } } as const;

/** The DNS questions the doctor asks; answers are empty when the name has no such record. */
export interface DoctorResolver {
  resolveCname(name: string): Promise<string[]>;
  resolveSrv(name: string): Promise<{ name: string; port: number; priority: number; weight: number }[]>;
  resolveMx(name: string): Promise<{ exchange: string; priority: number }[]>;
}

export interface DoctorDeps {
  readonly table: ItemReader;
  readonly resolver?: DoctorResolver;
  readonly http?: ProbeClient;
  readonly now?: () => Date;
}

type Mark = '✓' | '✗' | '–';

interface Check {
  readonly mark: Mark;
  readonly what: string;
  readonly fix?: string;
}

const pass = (what: string): Check => ({ mark: '✓', what });
const fail = (what: string, fix: string): Check => ({ mark: '✗', what, fix });
const skip = (what: string): Check => ({ mark: '–', what });

const NO_RECORD = new Set(['ENODATA', 'ENOTFOUND', 'NXDOMAIN']);

/** A lookup where "no such record" is an empty answer and only real failures throw. */
async function records<T>(lookup: () => Promise<T[]>): Promise<T[]> {
  try {
    return await lookup();
  } catch (error) {
    if (NO_RECORD.has((error as NodeJS.ErrnoException).code ?? '')) return [];
    throw error;
  }
}

const sameName = (a: string, b: string): boolean => a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
const bare = (name: string): string => name.replace(/\.$/, '');
const zoneLine = (record: DnsRecord): string => formatZone([record]);

// ---- DNS -------------------------------------------------------------------

async function discoveryCheck(resolver: DoctorResolver, domain: string, host: string | undefined, expected: { cname: DnsRecord; srv: DnsRecord }): Promise<Check> {
  const [cnames, srvs] = await Promise.all([records(() => resolver.resolveCname(`autodiscover.${domain}`)), records(() => resolver.resolveSrv(`_autodiscover._tcp.${domain}`))]);
  const fixBoth = `publish one of:\n${zoneLine(expected.cname)}\n${zoneLine(expected.srv)}`;
  if (cnames.length === 0 && srvs.length === 0) return fail(`autodiscover.${domain} has no CNAME and _autodiscover._tcp.${domain} no SRV record: Outlook cannot find the responder`, fixBoth);
  const found = [...cnames.map((target) => `autodiscover.${domain} CNAME ${bare(target)}`), ...srvs.map((srv) => `_autodiscover._tcp.${domain} SRV ${srv.port} ${bare(srv.name)}`)];
  if (host === undefined) return pass(`${found.join('; ')} (give --host to compare the target)`);
  if (cnames.some((target) => sameName(target, host)) || srvs.some((srv) => sameName(srv.name, host))) return pass(found.join('; '));
  return fail(`${found.join('; ')}: not the responder ${host}`, `replace it with one of:\n${zoneLine(expected.cname)}\n${zoneLine(expected.srv)}`);
}

async function autoconfigCheck(resolver: DoctorResolver, domain: string, host: string | undefined, expected: DnsRecord): Promise<Check> {
  const targets = await records(() => resolver.resolveCname(`autoconfig.${domain}`));
  if (targets.length === 0) return fail(`autoconfig.${domain} has no CNAME: Thunderbird and Delta Chat find no settings`, `publish:\n${zoneLine(expected)}`);
  if (host === undefined || targets.some((target) => sameName(target, host))) return pass(`autoconfig.${domain} CNAME ${targets.map(bare).join(', ')}`);
  return fail(`autoconfig.${domain} CNAME ${targets.map(bare).join(', ')}: not the responder ${host}`, `replace it with:\n${zoneLine(expected)}`);
}

async function mxCheck(resolver: DoctorResolver, domain: string): Promise<Check> {
  const mx = await records(() => resolver.resolveMx(domain));
  if (mx.length === 0) return fail(`${domain} has no MX record: no mail arrives, and clients' MX-based lookups fail`, `publish the MX record of the mail servers, e.g.\n${domain}. 3600 IN MX 10 <your inbound mail host>.`);
  return pass(`${domain} MX ${mx.sort((a, b) => a.priority - b.priority).map((record) => `${record.priority} ${bare(record.exchange)}`).join(', ')}`);
}

async function serviceCheck(resolver: DoctorResolver, expected: Extract<DnsRecord, { type: 'SRV' }>): Promise<Check> {
  const found = await records(() => resolver.resolveSrv(bare(expected.name)));
  const label = `${bare(expected.name)} SRV`;
  if (found.some((srv) => sameName(srv.name, expected.target) && srv.port === expected.port)) return pass(`${label} ${expected.port} ${bare(expected.target)}`);
  if (found.length === 0) return fail(`${label} is missing (${expected.purpose})`, `publish:\n${zoneLine(expected)}`);
  return fail(`${label} points at ${found.map((srv) => `${bare(srv.name)}:${srv.port}`).join(', ')}, not ${bare(expected.target)}:${expected.port}`, `replace it with:\n${zoneLine(expected)}`);
}

// ---- HTTP ------------------------------------------------------------------

const PROBE_LOCAL_PART = 'autodiscover-doctor';

const poxRequest = (address: string): string =>
  `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>${address}</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>`;

type Probe = { readonly answer: ProbeAnswer } | { readonly failure: string };

async function probe(http: ProbeClient, url: string, request: Parameters<ProbeClient>[1]): Promise<Probe> {
  try {
    return { answer: await http(url, request) };
  } catch (error) {
    return { failure: describeError(error) };
  }
}

const child = (element: XmlElement | undefined, name: string): XmlElement | undefined => element?.children.find((c) => c.localName === name);

/** What an answer to a POX request is, in the words the checklist uses. */
type PoxKind = 'ours' | 'html' | 'unauthorized' | 'notFound' | 'redirect' | 'not ours' | 'error status';

function poxKind(answer: ProbeAnswer): PoxKind {
  if (answer.status === 401) return 'unauthorized';
  if (answer.status === 404) return 'notFound';
  if (answer.status >= 300 && answer.status < 400) return 'redirect';
  if (answer.status !== 200) return 'error status';
  if (/html/i.test(answer.headers['content-type'] ?? '') || /^\s*<(!doctype html|html)/i.test(answer.body)) return 'html';
  return parseXmlDocument(answer.body)?.localName === 'Autodiscover' ? 'ours' : 'not ours';
}

/** The most common breaks, named plainly, with what to do. */
const POX_BREAKS: Readonly<Record<Exclude<PoxKind, 'ours' | 'notFound'>, (url: string) => { problem: string; fix: string }>> = {
  html: (url) => ({
    problem: 'answers with an HTML page (200), most likely the customer\'s website: Outlook takes it as the answer and setup fails',
    fix: `make the website answer ${new URL(url).pathname} with 404 (Outlook then moves on), or stop serving HTTPS for ${new URL(url).hostname}`,
  }),
  unauthorized: (url) => ({
    problem: 'answers 401: Outlook asks the user for the mailbox password and sends it to that server',
    fix: `make ${new URL(url).hostname} answer ${new URL(url).pathname} with 404 instead of asking for authentication`,
  }),
  'not ours': (url) => ({ problem: 'answers 200 with something that is not an Autodiscover answer', fix: `make ${new URL(url).hostname} answer ${new URL(url).pathname} with 404, or point it at the responder` }),
  redirect: (url) => ({ problem: 'answers with an HTTP redirect; Outlook does not follow redirects on this URL', fix: `answer ${url} directly, or with 404` }),
  'error status': (url) => ({ problem: 'answers with an HTTP error', fix: `check the server behind ${new URL(url).hostname}` }),
};

const DAY_MS = 86_400_000;

function certificateCheck(url: string, answer: ProbeAnswer, now: Date): { ok: boolean; text: string; fix?: string } {
  const certificate = answer.certificate;
  const name = new URL(url).hostname;
  if (!certificate) return { ok: true, text: '' };
  // Whole days, as a person counts them: X.509 times have no milliseconds.
  const days = Math.trunc((certificate.validTo.getTime() - now.getTime()) / DAY_MS);
  if (certificate.validTo <= now) return { ok: false, text: `certificate expired ${-days} day(s) ago`, fix: `renew the certificate for ${name} (with ACM: keep its validation CNAME in DNS so it renews by itself)` };
  if (!certificate.trusted) {
    const covers = certificate.names.length > 0 ? ` (it covers ${certificate.names.join(', ')})` : '';
    return { ok: false, text: `certificate not valid for ${name}: ${certificate.problem ?? 'untrusted'}${covers}`, fix: `serve a certificate for ${name} from a trusted authority (API Gateway custom domain + ACM)` };
  }
  return { ok: true, text: `certificate valid for ${name}, ${days} day(s) left` };
}

interface Candidate {
  readonly url: string;
  /** Outlook moves on from this URL when nothing answers or it answers 404: the root domain URL, and autodiscover.<d> when an SRV record leads on. */
  readonly optional: boolean;
}

async function poxCandidateCheck(http: ProbeClient, candidate: Candidate, address: string, now: Date): Promise<{ check: Check; answer?: ProbeAnswer }> {
  const { url } = candidate;
  const result = await probe(http, url, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: poxRequest(address) });
  if ('failure' in result) {
    return { check: candidate.optional ? pass(`${url}: no answer (${result.failure}); Outlook moves on`) : fail(`${url}: no answer (${result.failure})`, `check DNS and the API custom domain for ${new URL(url).hostname}`) };
  }
  const { answer } = result;
  const kind = poxKind(answer);
  const certificate = certificateCheck(url, answer, now);
  if (kind === 'notFound' && candidate.optional) return { check: pass(`${url}: 404; Outlook moves on`) };
  if (kind !== 'ours' && kind !== 'notFound') {
    const { problem, fix } = POX_BREAKS[kind](url);
    return { check: fail(`${url}: ${problem}`, fix) };
  }
  if (kind === 'notFound') return { check: fail(`${url}: 404, the responder does not know this domain here`, `check that ${new URL(url).hostname} reaches the responder and the domain is in the table`) };
  if (!certificate.ok) return { check: fail(`${url}: ${certificate.text}`, certificate.fix!), answer };
  return { check: pass(`${url}: an Autodiscover answer; ${certificate.text}`), answer };
}

async function httpRedirectCheck(http: ProbeClient, domain: string): Promise<Check> {
  const url = `http://autodiscover.${domain}/autodiscover/autodiscover.xml`;
  const result = await probe(http, url, { method: 'GET' });
  if ('failure' in result) return skip(`${url}: not served (${result.failure}); Outlook tries it only when the HTTPS URLs fail`);
  const { status, headers } = result.answer;
  const location = headers.location ?? '';
  if ((status === 301 || status === 302) && /^https:\/\/[^/]+\/autodiscover\/(?:[^/]+\/)*autodiscover\.xml$/i.test(location)) return pass(`${url}: ${status} to ${location}`);
  if (status === 404) return skip(`${url}: 404; Outlook tries it only when the HTTPS URLs fail`);
  return fail(`${url}: answers ${status}${location ? ` to ${location}` : ''}, not a 301/302 to an https Autodiscover URL`, `redirect it to https://autodiscover.${domain}/autodiscover/autodiscover.xml, or answer 404`);
}

async function routeCheck(http: ProbeClient, what: string, url: string, accept: (answer: ProbeAnswer) => boolean, now: Date, optional = false): Promise<Check> {
  const result = await probe(http, url, { method: 'GET' });
  if ('failure' in result && optional) return skip(`${what}: ${url}: no answer (${result.failure}); clients go on to the SRV target's POX URL`);
  if ('failure' in result) return fail(`${what}: ${url}: no answer (${result.failure})`, `check DNS and the API custom domain for ${new URL(url).hostname}`);
  const { answer } = result;
  const certificate = certificateCheck(url, answer, now);
  if (!certificate.ok) return fail(`${what}: ${url}: ${certificate.text}`, certificate.fix!);
  if (answer.status !== 200 || !accept(answer)) return fail(`${what}: ${url}: answers ${answer.status}, not the expected document`, 'deploy a responder version that serves this route, and check the domain is hosted');
  return pass(`${what}: ${url}: 200; ${certificate.text}`);
}

const isClientConfig = (answer: ProbeAnswer): boolean => parseXmlDocument(answer.body)?.localName === 'clientConfig';
function isAutodiscoverJson(answer: ProbeAnswer): boolean {
  try {
    return typeof (JSON.parse(answer.body) as { Url?: unknown }).Url === 'string';
  } catch {
    return false;
  }
}

// ---- Agreement ---------------------------------------------------------------

/** `IMAP imap.example.net:993 SSL`: what a client takes from one protocol block. */
const describeServer = (type: string, server: string, port: string | number, encryption: string): string => `${type} ${server}:${port} ${encryption}`;

function agreementCheck(url: string, answer: ProbeAnswer, settings: HostedDomainItem): Check {
  const response = child(parseXmlDocument(answer.body), 'Response');
  const error = child(response, 'Error');
  if (error) {
    const code = child(error, 'ErrorCode')?.text ?? '?';
    return fail(`the live answer (${url}) is error ${code} (${child(error, 'Message')?.text ?? 'no message'}), not the table's settings`, 'check that this host reaches the responder that reads this table (error 602: npm run admin -- get shows the item\'s problem)');
  }
  const account = child(response, 'Account');
  if (settings.redirectUrl !== undefined) {
    const live = child(account, 'RedirectUrl')?.text;
    return live === settings.redirectUrl ? pass(`the live answer redirects to ${live}, as the table says`) : fail(`the live answer does not redirect to ${settings.redirectUrl}`, 'wait for the cache TTL, or check that this host reaches the responder that reads this table');
  }
  const live = (account?.children ?? [])
    .filter((c) => c.localName === 'Protocol')
    .map((p) => describeServer(child(p, 'Type')?.text ?? '?', child(p, 'Server')?.text ?? '?', child(p, 'Port')?.text ?? '?', child(p, 'Encryption')?.text ?? '?'));
  const table = settings.protocols.map((p) => describeServer(p.type, p.server, p.port, TLS_ELEMENTS[p.tls].Encryption));
  if (live.join('\n') === table.join('\n')) return pass(`the live answer (${url}) agrees with the table: ${table.join(', ') || 'no servers'}`);
  return fail(
    `the live answer (${url}) differs from the table:\n      live:  ${live.join(', ') || 'no servers'}\n      table: ${table.join(', ') || 'no servers'}`,
    'wait for the cache TTL (CACHE_TTL_SECONDS) to pass, or check that this host reaches the responder that reads this table',
  );
}

// ---- Sections ------------------------------------------------------------------

interface TableFindings {
  readonly checks: Check[];
  readonly item: DomainItem | undefined;
  /** The settings in force: the domain's own, or its alias target's. */
  readonly settings: HostedDomainItem | undefined;
}

/** The table decides what DNS should say and what the live answer should hold. */
async function tableSection(table: ItemReader, domain: string): Promise<TableFindings> {
  const item = await readDomainItem(table, domain);
  if (typeof item === 'string') return { checks: [fail(item, 'write the domain with: npm run admin -- put <file.json>')], item: undefined, settings: undefined };
  let settings: HostedDomainItem = item as HostedDomainItem;
  if (isAlias(item)) {
    const target = await readDomainItem(table, item.aliasOf);
    if (typeof target === 'string' || isAlias(target)) {
      return { checks: [fail(`${domain} is an alias of ${item.aliasOf}, which cannot be used`, `fix ${item.aliasOf} first (npm run admin -- get ${item.aliasOf})`)], item, settings: undefined };
    }
    settings = target;
  }
  if (settings.enabled === false) return { checks: [fail(`${settings.id} is disabled: the responder answers as if it were not hosted`, 'set "enabled": true (or remove it) and put the item again')], item, settings };
  return { checks: [pass(`${domain} is in the table${settings.id === domain ? '' : ` (an alias of ${settings.id})`}`)], item, settings };
}

async function dnsSection(resolver: DoctorResolver, domain: string, host: string | undefined, { item, settings }: TableFindings): Promise<Check[]> {
  try {
    const source = item && settings ? item : { id: domain, protocols: [] };
    const options = { host: host ?? 'RESPONDER-HOST', mode: 'cname' as const, aliasTarget: settings };
    const [cname, autoconfig, ...services] = dnsRecordsFor(source, options);
    const [srv] = dnsRecordsFor(source, { ...options, mode: 'srv' });
    const checks = [await discoveryCheck(resolver, domain, host, { cname: cname!, srv: srv! }), await autoconfigCheck(resolver, domain, host, autoconfig!), await mxCheck(resolver, domain)];
    for (const service of services) if (service.type === 'SRV') checks.push(await serviceCheck(resolver, service));
    return checks;
  } catch (error) {
    return [fail(`DNS lookups failed: ${describeError(error)}`, "check this machine's resolver, then run doctor again")];
  }
}

interface LiveAnswer {
  readonly url: string;
  readonly answer: ProbeAnswer;
}

/** Outlook's order (after its cloud lookup and the JSON route): root domain, autodiscover.<d>, plain-HTTP redirect, SRV target. */
async function outlookSection(http: ProbeClient, resolver: DoctorResolver, domain: string, address: string, now: Date): Promise<{ checks: Check[]; live: LiveAnswer[]; srvMode: boolean }> {
  const checks: Check[] = [];
  const live: LiveAnswer[] = [];
  const ask = async (candidate: Candidate) => {
    const { check, answer } = await poxCandidateCheck(http, candidate, address, now);
    checks.push(check);
    if (answer) live.push({ url: candidate.url, answer });
  };
  // A failing SRV lookup is reported in the DNS section already.
  const srvTargets = await records(() => resolver.resolveSrv(`_autodiscover._tcp.${domain}`)).catch(() => []);
  const srvMode = srvTargets.length > 0;
  await ask({ url: `https://${domain}/autodiscover/autodiscover.xml`, optional: true });
  await ask({ url: `https://autodiscover.${domain}/autodiscover/autodiscover.xml`, optional: srvMode });
  checks.push(await httpRedirectCheck(http, domain));
  if (!srvMode) checks.push(skip(`SRV target: no _autodiscover._tcp.${domain} record`));
  for (const srv of srvTargets) await ask({ url: `https://${bare(srv.name)}/autodiscover/autodiscover.xml`, optional: false });
  return { checks, live, srvMode };
}

function agreementSection(settings: HostedDomainItem | undefined, live: readonly LiveAnswer[]): Check {
  if (!settings) return skip('no usable table item to compare with');
  const last = live.at(-1);
  if (!last) return fail('no Outlook URL gave an Autodiscover answer to compare with the table', 'fix the Outlook checks above first');
  return agreementCheck(last.url, last.answer, settings);
}

// ---- The command -----------------------------------------------------------

const USAGE = 'usage: doctor <domain> [--host <responder host>]  (host also from AUTODISCOVER_HOST)';

const systemResolver = (): DoctorResolver => new Resolver({ timeout: 3000, tries: 2 });

export async function runDoctorCommand(args: string[], deps: DoctorDeps, print: (line: string) => void, complain: (line: string) => void = print): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: DOCTOR_OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return (complain(`${(error as Error).message.split('.')[0]}\n${USAGE}`), 2);
  }
  const [raw, ...extra] = parsed.positionals;
  if (raw === undefined || extra.length > 0) return (complain(`exactly one domain is needed\n${USAGE}`), 2);
  if (isMailboxId(raw)) return (complain(`doctor takes a domain, not an address: ${raw}`), 2);
  const domain = normaliseHostName(raw);
  if (!domain) return (complain(`not a domain name: ${raw}`), 2);
  const rawHost = parsed.values.host ?? process.env.AUTODISCOVER_HOST;
  const host = rawHost === undefined ? undefined : normaliseHostName(rawHost);
  if (rawHost !== undefined && !host) return (complain(`not a host name: ${rawHost}`), 2);

  const resolver = deps.resolver ?? systemResolver();
  const http = deps.http ?? createProbeClient();
  const now = (deps.now ?? (() => new Date()))();

  const table = await tableSection(deps.table, domain);
  const address = `${PROBE_LOCAL_PART}@${domain}`;
  const encoded = encodeURIComponent(address);
  const outlook = await outlookSection(http, resolver, domain, address, now);
  const sections: [string, readonly Check[]][] = [
    ['Table', table.checks],
    ['DNS', await dnsSection(resolver, domain, host, table)],
    ['Outlook, in its order', outlook.checks],
    [
      'Other routes',
      [
        await routeCheck(http, 'autoconfig', `https://autoconfig.${domain}/mail/config-v1.1.xml?emailaddress=${encoded}`, isClientConfig, now),
        await routeCheck(http, 'Autodiscover JSON', `https://autodiscover.${domain}/autodiscover/autodiscover.json?Email=${encoded}&Protocol=AutodiscoverV1`, isAutodiscoverJson, now, outlook.srvMode),
      ],
    ],
    ['Agreement', [agreementSection(table.settings, outlook.live)]],
  ];

  print(`doctor: ${domain}${host ? ` (responder ${host})` : ' (no --host: DNS targets are not compared)'}`);
  let failures = 0;
  for (const [title, checks] of sections) {
    print(title);
    for (const check of checks) {
      print(`  ${check.mark} ${check.what}`);
      if (check.fix) print(check.fix.split('\n').map((line, i) => `      ${i === 0 ? 'fix: ' : '     '}${line}`).join('\n'));
      if (check.mark === '✗') failures++;
    }
  }
  print(failures === 0 ? 'All checks passed.' : `${failures} problem(s).`);
  return failures === 0 ? 0 : 1;
}
