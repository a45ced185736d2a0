import {
  PROTOCOL_DEFAULTS,
  PROTOCOL_DIRECTION,
  type AuthMode,
  type MailProtocolType,
  type ProtocolEntry,
  type TlsMode,
} from '../tenants/model';
import type { Tenant, TenantLookup } from '../tenants/resolve';
import type { ItemProblem } from '../tenants/validate';

// What an address (or a bare domain) gets, decided once and independently of
// any client format: every format maps this to its own vocabulary. Nothing
// here knows POX, autoconfig, JSON or property lists.

/** One server of the effective protocol list, with the contract's defaults applied. */
export interface MailServer {
  readonly type: MailProtocolType;
  readonly direction: 'incoming' | 'outgoing';
  readonly server: string;
  readonly port: number;
  readonly tls: TlsMode;
  readonly auth: AuthMode;
  /** Login-name template (placeholders kept): the mailbox's `username`, else the entry's, else `%EMAILADDRESS%`. */
  readonly username: string;
  readonly domainRequired: boolean;
  readonly domainName?: string;
  readonly ttl?: number;
  /** SMTP entries only. */
  readonly smtp?: { readonly smtpLast: boolean; readonly usePopAuth: boolean };
}

/** What the mail account gets, in the order the contract gives precedence. */
export type MailDecision =
  | { readonly kind: 'redirectAddr'; readonly target: string }
  | { readonly kind: 'redirectUrl'; readonly url: string }
  /** The domain is hosted but its effective protocol list is empty. */
  | { readonly kind: 'noServers' }
  | { readonly kind: 'servers'; readonly servers: readonly MailServer[] };

/** Which item decided the answer: the mailbox override, the alias target, or the domain itself. */
export type DecidedBy = 'mailbox' | 'aliasTarget' | 'domain';

export interface HostedDecision {
  readonly kind: 'hosted';
  /** The looked-up items; formats key their compiled answers on it. */
  readonly tenant: Tenant;
  /** The domain asked for (an alias's own name, not its target's). */
  readonly domain: string;
  /** Display names, falling back to the domain asked for. */
  readonly provider: { readonly name: string; readonly shortName: string };
  /** From a mailbox item. */
  readonly displayName?: string;
  readonly mail: MailDecision;
  /** Service endpoints: the mailbox's own, else the domain's (or alias target's). */
  readonly activeSyncUrl?: string;
  readonly calDavUrl?: string;
  readonly cardDavUrl?: string;
  /**
   * Login-name template for the calendar and contacts accounts: the default
   * (first) incoming server's, else the mailbox's `username`, else `%EMAILADDRESS%`.
   */
  readonly serviceUsername: string;
  readonly decidedBy: DecidedBy;
  /** Ids of the items that took part, for people (never logged: a mailbox id is an address). */
  readonly items: { readonly domain: string; readonly aliasTarget?: string; readonly mailbox?: string };
}

export type Decision =
  | HostedDecision
  | { readonly kind: 'notHosted' }
  /** An item breaks the contract (or an alias is broken). */
  | { readonly kind: 'invalid'; readonly problem: ItemProblem }
  /** DynamoDB failed and no usable copy was cached. */
  | { readonly kind: 'storeFailure' };

const mailServer = (entry: ProtocolEntry, usernameOverride: string | undefined): MailServer => ({
  type: entry.type,
  direction: PROTOCOL_DIRECTION[entry.type],
  server: entry.server,
  port: entry.port,
  tls: entry.tls,
  auth: entry.auth ?? PROTOCOL_DEFAULTS.auth,
  username: usernameOverride ?? entry.username ?? PROTOCOL_DEFAULTS.username,
  domainRequired: entry.domainRequired ?? PROTOCOL_DEFAULTS.domainRequired,
  ...(entry.domainName !== undefined ? { domainName: entry.domainName } : {}),
  ...(entry.ttl !== undefined ? { ttl: entry.ttl } : {}),
  ...(entry.type === 'SMTP'
    ? { smtp: { smtpLast: entry.smtpLast ?? PROTOCOL_DEFAULTS.smtpLast, usePopAuth: entry.usePopAuth ?? PROTOCOL_DEFAULTS.usePopAuth } }
    : {}),
});

function mailDecision(tenant: Tenant): MailDecision {
  const { settings, mailbox } = tenant;
  if (mailbox?.redirectAddr !== undefined) return { kind: 'redirectAddr', target: mailbox.redirectAddr };
  if (settings.redirectUrl !== undefined) return { kind: 'redirectUrl', url: settings.redirectUrl };
  const entries = mailbox?.protocols ?? settings.protocols;
  if (entries.length === 0) return { kind: 'noServers' };
  return { kind: 'servers', servers: entries.map((entry) => mailServer(entry, mailbox?.username)) };
}

/** The decision for a tenant that is hosted: pure, and the same for every address without a mailbox item. */
export function decideHosted(tenant: Tenant): HostedDecision {
  const { domain, settings, mailbox, aliasOf } = tenant;
  const name = settings.provider?.name ?? domain;
  const activeSyncUrl = settings.activeSync?.url;
  const calDavUrl = mailbox?.calDav?.url ?? settings.calDav?.url;
  const cardDavUrl = mailbox?.cardDav?.url ?? settings.cardDav?.url;
  const mail = mailDecision(tenant);
  const firstIncoming = mail.kind === 'servers' ? mail.servers.find((server) => server.direction === 'incoming') : undefined;
  return {
    kind: 'hosted',
    tenant,
    domain,
    provider: { name, shortName: settings.provider?.shortName ?? name },
    ...(mailbox?.displayName !== undefined ? { displayName: mailbox.displayName } : {}),
    mail,
    ...(activeSyncUrl !== undefined ? { activeSyncUrl } : {}),
    ...(calDavUrl !== undefined ? { calDavUrl } : {}),
    ...(cardDavUrl !== undefined ? { cardDavUrl } : {}),
    serviceUsername: firstIncoming?.username ?? mailbox?.username ?? PROTOCOL_DEFAULTS.username,
    decidedBy: mailbox ? 'mailbox' : aliasOf ? 'aliasTarget' : 'domain',
    items: { domain, ...(aliasOf ? { aliasTarget: aliasOf } : {}), ...(mailbox ? { mailbox: mailbox.id } : {}) },
  };
}

// Decisions per cached tenant: items from the tenant cache stay the same
// objects until they are read again, so a warm request reuses the decision
// (and, through `perTenant`, each format's compiled answer). Weak keys: items
// the cache drops take their decisions and answers with them.
const NO_MAILBOX = {};
const memo = new WeakMap<object, WeakMap<object, Map<string, Map<string, unknown>>>>();

/**
 * A value computed once per (domain item, mailbox item, requested domain, key):
 * the decision itself, and each format's compiled answers.
 */
export function perTenant<T>(tenant: Tenant, key: string, compute: () => T): T {
  let byMailbox = memo.get(tenant.settings);
  if (!byMailbox) memo.set(tenant.settings, (byMailbox = new WeakMap()));
  const mailboxKey = tenant.mailbox ?? NO_MAILBOX;
  let byDomain = byMailbox.get(mailboxKey);
  if (!byDomain) byMailbox.set(mailboxKey, (byDomain = new Map()));
  let byKey = byDomain.get(tenant.domain);
  if (!byKey) byDomain.set(tenant.domain, (byKey = new Map()));
  if (byKey.has(key)) return byKey.get(key) as T;
  const value = compute();
  byKey.set(key, value);
  return value;
}

const NOT_HOSTED: Decision = { kind: 'notHosted' };

/** From a tenant lookup to the format-neutral decision. */
export function decide(lookup: TenantLookup): Decision {
  if (lookup.kind === 'notHosted') return NOT_HOSTED;
  if (lookup.kind === 'invalid') return lookup;
  return perTenant(lookup.tenant, 'decision', () => decideHosted(lookup.tenant));
}
