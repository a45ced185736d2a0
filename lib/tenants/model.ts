
// TypeScript shapes of the items described by tenant-item.schema.json. Values
// of these types have passed validateTenantItem; nothing else constructs them.

/** The tenant contract's own words for a protocol entry (tenant-item.schema.json); lib/pox/vocabulary.ts maps them to POX. */
export type MailProtocolType = 'IMAP' | 'POP3' | 'SMTP';
export type TlsMode = 'implicit' | 'starttls' | 'none';
export type AuthMode = 'password' | 'spa' | 'none';

export interface ProtocolEntry {
  readonly type: MailProtocolType;
  readonly server: string;
  readonly port: number;
  readonly tls: TlsMode;
  readonly auth?: AuthMode;
  readonly username?: string;
  readonly domainRequired?: boolean;
  readonly domainName?: string;
  readonly ttl?: number;
  readonly smtpLast?: boolean;
  readonly usePopAuth?: boolean;
}

/** A calendar or contacts server (`calDav`, `cardDav`). */
export interface ServiceUrl {
  readonly url: string;
}

interface Metadata {
  readonly updatedAt?: string;
  readonly updatedBy?: string;
  readonly note?: string;
}

export interface HostedDomainItem extends Metadata {
  readonly id: string;
  readonly protocols: readonly ProtocolEntry[];
  readonly provider?: { readonly name?: string; readonly shortName?: string };
  readonly activeSync?: { readonly url: string };
  readonly calDav?: ServiceUrl;
  readonly cardDav?: ServiceUrl;
  readonly redirectUrl?: string;
  readonly enabled?: boolean;
  /** Mailbox items under this domain: `false` = none (never read), `true` = some, absent = unknown (read). */
  readonly hasMailboxes?: boolean;
}

export interface AliasDomainItem extends Metadata {
  readonly id: string;
  readonly aliasOf: string;
  readonly enabled?: boolean;
  /** As on a hosted domain: mailbox items at the alias's own addresses. */
  readonly hasMailboxes?: boolean;
}

export type DomainItem = HostedDomainItem | AliasDomainItem;

export interface MailboxItem extends Metadata {
  readonly id: string;
  readonly displayName?: string;
  readonly username?: string;
  readonly protocols?: readonly ProtocolEntry[];
  readonly calDav?: ServiceUrl;
  readonly cardDav?: ServiceUrl;
  readonly redirectAddr?: string;
}

export type TenantItem = DomainItem | MailboxItem | GenerationItem;

/**
 * The generation item's id: not a domain (a label cannot be empty) and not an
 * address (no `@`), so no request can ask for it as either.
 */
export const GENERATION_ID = '.generation';

/** The table's change counter: every writer increases `generation` after changing items (README, "The tenant item format"). */
export interface GenerationItem {
  readonly id: typeof GENERATION_ID;
  readonly generation: number;
}

export const isMailboxId = (id: string): boolean => id.includes('@');
export const isAlias = (item: DomainItem): item is AliasDomainItem => 'aliasOf' in item;

/** Defaults the tenant contract gives to optional protocol attributes (README, "The tenant item format"). */
export const PROTOCOL_DEFAULTS = {
  auth: 'password' as AuthMode,
  username: '%EMAILADDRESS%',
  domainRequired: false,
  smtpLast: false,
  usePopAuth: true,
} as const;

/** Which way mail flows through a server of each type: the first incoming and the first outgoing entry are the defaults. */
export const PROTOCOL_DIRECTION: Readonly<Record<MailProtocolType, 'incoming' | 'outgoing'>> = {
  IMAP: 'incoming',
  POP3: 'incoming',
  SMTP: 'outgoing',
};
