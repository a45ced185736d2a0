import { parseArgs, type ParseArgsConfig } from 'node:util';
import { normaliseDomain } from '../../lib/email-address';
import {
  isAlias,
  isMailboxId,
  type AliasDomainItem,
  type DomainItem,
  type HostedDomainItem,
  type MailProtocolType,
  type ProtocolEntry,
  type TlsMode,
} from '../../lib/tenants/model';
import { validateTenantItem } from '../../lib/tenants/validate';
import { formatProblem } from './items';

// `npm run admin -- dns <domain>`: the DNS records a hosted domain needs so
// that mail clients find the responder (Autodiscover CNAME or SRV, Mozilla
// autoconfig CNAME) and its mail servers (RFC 6186 / RFC 8314 SRV records).

export type DnsRecord =
  | { readonly name: string; readonly type: 'CNAME'; readonly target: string; readonly purpose: string }
  | {
      readonly name: string;
      readonly type: 'SRV';
      readonly priority: number;
      readonly weight: number;
      readonly port: number;
      readonly target: string;
      readonly purpose: string;
    };

/**
 * How clients reach the responder for this domain:
 * - `cname`: `autodiscover.<domain>` is a custom domain on the API with a
 *   certificate covering it; clients connect silently.
 * - `srv`: `_autodiscover._tcp.<domain>` points at one shared host with its
 *   own certificate; Outlook asks the user once before using it.
 */
export type DiscoveryMode = 'cname' | 'srv';

export interface DnsOptions {
  /** The responder's host name: the CNAME target, or the SRV target (shared host). */
  readonly host: string;
  /** Target of the autoconfig CNAME when it differs from `host` (each API custom domain has its own target). */
  readonly autoconfigHost?: string;
  readonly mode: DiscoveryMode;
  /** For an alias item: the domain item it points at, whose servers the alias uses. */
  readonly aliasTarget?: HostedDomainItem;
  /** Also publish RFC 6186 "service not offered" records (target `.`) for mail services the domain lacks. */
  readonly notOffered?: boolean;
}

/** RFC 6186 / RFC 8314 service labels: which one a protocol entry is published under. */
const SRV_SERVICES: Readonly<Record<MailProtocolType, Readonly<Record<TlsMode, string>>>> = {
  IMAP: { implicit: '_imaps._tcp', starttls: '_imap._tcp', none: '_imap._tcp' },
  POP3: { implicit: '_pop3s._tcp', starttls: '_pop3._tcp', none: '_pop3._tcp' },
  SMTP: { implicit: '_submissions._tcp', starttls: '_submission._tcp', none: '_submission._tcp' },
};

const SERVICE_PURPOSE: Readonly<Record<string, string>> = {
  '_imaps._tcp': 'IMAP, implicit TLS (RFC 8314)',
  '_imap._tcp': 'IMAP (RFC 6186)',
  '_pop3s._tcp': 'POP3, implicit TLS (RFC 8314)',
  '_pop3._tcp': 'POP3 (RFC 6186)',
  '_submissions._tcp': 'mail submission, implicit TLS (RFC 8314)',
  '_submission._tcp': 'mail submission (RFC 6186)',
};

const AUTODISCOVER_PORT = 443;

/** Who asks `autoconfig.<domain>` (shared/reference/clients.md). */
const AUTOCONFIG_CLIENTS = 'Thunderbird, Thunderbird for Android / K-9, Evolution, GNOME Online Accounts, KMail, Delta Chat';

/**
 * The alternative to a per-domain autoconfig name: clients that fail there
 * look up the domain's MX host and ask `autoconfig.<MX base domain>` with
 * the address, which the responder answers for every hosted domain.
 */
export const AUTOCONFIG_HOSTER_MODE = [
  '; hoster mode (instead of the autoconfig CNAME, no per-domain record or certificate): serve one provider-wide',
  ';   https://autoconfig.<base domain of your MX host>/ (an API custom domain with its own certificate). Thunderbird,',
  ';   Evolution and GNOME Online Accounts reach it through this domain\'s MX record and send ?emailaddress=, which names the',
  ';   domain. Thunderbird for Android / K-9 and KMail send no address there and Delta Chat skips MX: they need the CNAME.',
];

/** A fully qualified host name (at least two labels), normalised as the responder normalises domains. */
export function normaliseHostName(name: string): string | undefined {
  const ascii = normaliseDomain(name.trim());
  return ascii?.includes('.') ? ascii : undefined;
}

const fqdn = (name: string): string => `${name}.`;

/**
 * The protocol SRV records: one per protocol entry, priority by the entry's
 * position among entries of its type (IMAP and IMAPS share one order, as RFC
 * 6186 §3.4 lets clients compare them), so the client's preference order is
 * the tenant's list order.
 */
function protocolRecords(domain: string, protocols: readonly ProtocolEntry[], notOffered: boolean): DnsRecord[] {
  const positionInType = new Map<MailProtocolType, number>();
  const published = new Set<string>();
  const records: DnsRecord[] = [];
  for (const entry of protocols) {
    const priority = positionInType.get(entry.type) ?? 0;
    positionInType.set(entry.type, priority + 1);
    const service = SRV_SERVICES[entry.type][entry.tls];
    const key = `${service} ${entry.server} ${entry.port}`;
    if (published.has(key)) continue;
    published.add(key);
    records.push({
      name: `${service}.${fqdn(domain)}`,
      type: 'SRV',
      priority,
      weight: 0,
      port: entry.port,
      target: fqdn(entry.server),
      purpose: SERVICE_PURPOSE[service]! + (entry.tls === 'none' ? ', no TLS' : ''),
    });
  }
  if (notOffered) {
    const used = new Set(records.map((record) => record.name));
    for (const service of new Set(Object.values(SRV_SERVICES).flatMap((byTls) => Object.values(byTls)))) {
      const name = `${service}.${fqdn(domain)}`;
      if (!used.has(name)) records.push({ name, type: 'SRV', priority: 0, weight: 0, port: 0, target: '.', purpose: `${SERVICE_PURPOSE[service]}: not offered` });
    }
  }
  return records;
}

/** The records `item`'s domain needs (pure: the item has been validated, the host normalised). */
export function dnsRecordsFor(item: HostedDomainItem | AliasDomainItem, options: DnsOptions): DnsRecord[] {
  const domain = item.id;
  const host = fqdn(options.host);
  const source = isAlias(item) ? options.aliasTarget : item;
  if (!source) throw new Error(`${domain} is an alias of ${(item as AliasDomainItem).aliasOf}: its target item is needed for the server records`);
  const discovery: DnsRecord =
    options.mode === 'cname'
      ? { name: `autodiscover.${fqdn(domain)}`, type: 'CNAME', target: host, purpose: 'Outlook Autodiscover (needs a certificate covering this name on the API)' }
      : { name: `_autodiscover._tcp.${fqdn(domain)}`, type: 'SRV', priority: 0, weight: 0, port: AUTODISCOVER_PORT, target: host, purpose: 'Outlook Autodiscover via the shared host (Outlook asks the user once)' };
  const autoconfig: DnsRecord = {
    name: `autoconfig.${fqdn(domain)}`,
    type: 'CNAME',
    target: fqdn(options.autoconfigHost ?? options.host),
    purpose: `Mozilla autoconfig for ${AUTOCONFIG_CLIENTS} (needs a certificate covering this name on the API)`,
  };
  return [discovery, autoconfig, ...protocolRecords(domain, source.protocols, options.notOffered ?? false)];
}

/** Zone-file lines (`name TTL IN TYPE data ; purpose`), one per record. */
export function formatZone(records: readonly DnsRecord[], ttl = 3600): string {
  return records
    .map((record) => {
      const data = record.type === 'CNAME' ? record.target : `${record.priority} ${record.weight} ${record.port} ${record.target}`;
      return `${record.name} ${ttl} IN ${record.type} ${data} ; ${record.purpose}`;
    })
    .join('\n');
}

interface DnsArguments {
  readonly domain: string;
  readonly host: string | undefined;
  readonly autoconfigHost: string | undefined;
  readonly mode: DiscoveryMode;
  readonly notOffered: boolean;
}

const USAGE = 'usage: dns <domain> --host <responder host> [--mode cname|srv] [--autoconfig-host <name>] [--not-offered]  (host also from AUTODISCOVER_HOST)';

export const DNS_OPTIONS = {
  host: { type: 'string' },
  mode: { type: 'string', default: 'srv' },
  'autoconfig-host': { type: 'string' },
  'not-offered': { type: 'boolean', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

function parseDnsArguments(args: string[]): DnsArguments | string {
  let parsed;
  try {
    parsed = parseArgs({ args, options: DNS_OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return (error as Error).message.split('.')[0]!;
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1) return 'exactly one domain is needed';
  const { mode } = values;
  if (mode !== 'cname' && mode !== 'srv') return `--mode must be cname or srv, not "${mode}"`;
  return { domain: positionals[0]!, host: values.host ?? process.env.AUTODISCOVER_HOST, autoconfigHost: values['autoconfig-host'], mode, notOffered: values['not-offered'] };
}

export type ItemReader = { getItems(ids: readonly string[]): Promise<Map<string, Record<string, unknown>>> };

/** Reads and validates one domain item; a string is the reason it cannot be used. */
export async function readDomainItem(table: ItemReader, id: string): Promise<DomainItem | string> {
  const raw = (await table.getItems([id])).get(id);
  if (!raw) return `${id} is not in the table (not a hosted domain)`;
  const result = validateTenantItem(raw);
  if (!result.valid) return result.problems.map(formatProblem).join('\n');
  return result.item as DomainItem;
}

/** `dns <domain> …` for the admin CLI; prints zone-file lines (problems go to `complain`) and returns the exit code. */
export async function runDnsCommand(args: string[], table: ItemReader, print: (line: string) => void, complain: (line: string) => void = print): Promise<number> {
  const parsed = parseDnsArguments(args);
  if (typeof parsed === 'string') return (complain(`${parsed}\n${USAGE}`), 2);
  if (isMailboxId(parsed.domain)) return (complain(`dns takes a domain, not an address: ${parsed.domain}`), 2);
  const domain = normaliseHostName(parsed.domain);
  if (!domain) return (complain(`not a domain name: ${parsed.domain}`), 2);
  const host = parsed.host === undefined ? undefined : normaliseHostName(parsed.host);
  if (!host) return (complain(parsed.host === undefined ? `the responder host is needed: --host <name> or AUTODISCOVER_HOST\n${USAGE}` : `not a host name: ${parsed.host}`), 2);
  const autoconfigHost = parsed.autoconfigHost === undefined ? host : normaliseHostName(parsed.autoconfigHost);
  if (!autoconfigHost) return (complain(`not a host name: ${parsed.autoconfigHost}`), 2);

  const item = await readDomainItem(table, domain);
  if (typeof item === 'string') return (complain(item), 1);
  let aliasTarget: HostedDomainItem | undefined;
  if (isAlias(item)) {
    const target = await readDomainItem(table, item.aliasOf);
    if (typeof target === 'string') return (complain(`${domain} is an alias of ${item.aliasOf}, which cannot be used:\n${target}`), 1);
    if (isAlias(target)) return (complain(`${domain} is an alias of ${item.aliasOf}, which is itself an alias (chains are not allowed)`), 1);
    aliasTarget = target;
  }
  if (item.enabled === false) print(`; note: ${domain} is disabled in the table; the responder answers it as not hosted`);
  else if (aliasTarget?.enabled === false) print(`; note: ${domain} is an alias of the disabled ${aliasTarget.id}; the responder answers it with error 602 (a configuration error)`);
  print(`; DNS records for ${domain} (${parsed.mode === 'cname' ? 'autodiscover CNAME' : 'shared host via SRV'}, responder ${host})`);
  print(formatZone(dnsRecordsFor(item, { host, autoconfigHost, mode: parsed.mode, aliasTarget, notOffered: parsed.notOffered })));
  print(AUTOCONFIG_HOSTER_MODE.join('\n'));
  return 0;
}
