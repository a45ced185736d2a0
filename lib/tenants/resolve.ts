import type { TenantStore } from './dynamodb';
import { isAlias, type DomainItem, type HostedDomainItem, type MailboxItem, type TenantItem } from './model';
import { validateTenantItem, type ItemProblem } from './validate';

/** Everything the renderers need to answer for one domain (and perhaps one mailbox). */
export interface Tenant {
  /** The requested domain. */
  readonly domain: string;
  /** The settings in force: the domain's own item, or its alias target's. */
  readonly settings: HostedDomainItem;
  /** Set when `domain` is an alias of `settings.id`. */
  readonly aliasOf?: string;
  readonly mailbox?: MailboxItem;
}

export type TenantLookup =
  | { readonly kind: 'hosted'; readonly tenant: Tenant }
  | { readonly kind: 'notHosted' }
  /** An item breaks the contract (or an alias is broken): answer 602, log the problem. */
  | { readonly kind: 'invalid'; readonly problem: ItemProblem };

/** An item as read from the table and checked once against the contract. */
export type CheckedItem =
  | { readonly valid: true; readonly item: TenantItem }
  /** `disabled`: the item says `enabled: false`, which decides before its other faults do (row 5 before row 6). */
  | { readonly valid: false; readonly problem: ItemProblem; readonly disabled: boolean };

/**
 * Items by id as a reader found them: every id the reader answers for is a
 * key, with `undefined` when the table has no such item. An id that is not a
 * key was not read.
 */
export type FoundItems = Map<string, CheckedItem | undefined>;
export type ItemsRead = ReadonlyMap<string, CheckedItem | undefined>;

/**
 * Reads `ids` in (at most) one round trip. `alongside` ids ride along when a
 * round trip for `ids` is needed anyway, and are answered otherwise only if
 * already known, so asking for them never costs a round trip of its own. A
 * cache may answer synchronously when it holds every id fresh, so a warm
 * lookup builds no promise chain.
 */
export type ItemReader = (ids: readonly string[], alongside: readonly string[]) => ItemsRead | Promise<ItemsRead>;

const NOT_HOSTED: TenantLookup = { kind: 'notHosted' };
const NO_IDS: readonly string[] = [];
const invalid = (id: string, path: string, reason: string): TenantLookup => ({ kind: 'invalid', problem: { id, path, reason } });

export function checkItem(raw: unknown): CheckedItem {
  const result = validateTenantItem(raw);
  if (result.valid) return { valid: true, item: result.item };
  const disabled = (raw as { enabled?: unknown } | null)?.enabled === false;
  return { valid: false, problem: result.problems[0]!, disabled };
}

/** A reader straight from the store: every call is one round trip for all its ids, and every item is validated. */
export const storeReader =
  (store: TenantStore): ItemReader =>
  async (ids, alongside) => {
    const all = [...ids, ...alongside];
    const found: FoundItems = new Map(all.map((id) => [id, undefined]));
    for (const [id, raw] of await store.getItems(all)) found.set(id, checkItem(raw));
    return found;
  };

/**
 * Whether a domain's mailbox items are read at all. `hasMailboxes: false`
 * says there are none, so an address costs no read; absent means unknown
 * (an item written before the attribute existed), read as always.
 */
const announcesMailboxes = (domain: DomainItem): boolean => domain.hasMailboxes !== false;

/**
 * Loads a domain, and the mailbox item when an address is known and the
 * domain announces mailbox items: a cold domain and its address in one round
 * trip; a cached domain that has no mailbox items, or that is not hosted, in
 * none. One more read for an alias target (README, "The tenant item format"). Synchronous when
 * `read` answers synchronously.
 */
export function resolveTenant(read: ItemReader, domain: string, mailboxId?: string): TenantLookup | Promise<TenantLookup> {
  const items = read([domain], mailboxId === undefined ? NO_IDS : [mailboxId]);
  return items instanceof Promise ? items.then((found) => decide(read, found, domain, mailboxId)) : decide(read, items, domain, mailboxId);
}

function decide(read: ItemReader, items: ItemsRead, domain: string, mailboxId?: string): TenantLookup | Promise<TenantLookup> {
  const domainCheck = items.get(domain);
  if (domainCheck === undefined) return NOT_HOSTED;
  if (!domainCheck.valid) return domainCheck.disabled ? NOT_HOSTED : { kind: 'invalid', problem: domainCheck.problem };
  const domainItem = domainCheck.item as DomainItem;
  if (domainItem.enabled === false) return NOT_HOSTED;

  // Mailbox items are looked up by the requested address only, also at an alias.
  const wantedMailbox = mailboxId !== undefined && announcesMailboxes(domainItem) ? mailboxId : undefined;
  const targetId = isAlias(domainItem) && domainItem.aliasOf !== domain ? domainItem.aliasOf : undefined;
  const mailboxUnread = wantedMailbox !== undefined && !items.has(wantedMailbox);
  const targetUnread = targetId !== undefined && !items.has(targetId);
  if (!mailboxUnread && !targetUnread) return decideSettings(items, undefined, domain, domainItem, wantedMailbox);
  const unread = mailboxUnread && targetUnread ? [wantedMailbox!, targetId!] : [mailboxUnread ? wantedMailbox! : targetId!];
  const more = read(unread, NO_IDS);
  return more instanceof Promise
    ? more.then((found) => decideSettings(items, found, domain, domainItem, wantedMailbox))
    : decideSettings(items, more, domain, domainItem, wantedMailbox);
}

/** The rest of a hosted domain's answer: the mailbox item and the alias target, from the first read or the one after (`more`). */
function decideSettings(items: ItemsRead, more: ItemsRead | undefined, domain: string, domainItem: DomainItem, mailboxId: string | undefined): TenantLookup {
  const item = (id: string) => (more?.has(id) ? more.get(id) : items.get(id));
  let mailbox: MailboxItem | undefined;
  const mailboxCheck = mailboxId === undefined ? undefined : item(mailboxId);
  if (mailboxCheck !== undefined) {
    if (!mailboxCheck.valid) return { kind: 'invalid', problem: mailboxCheck.problem };
    mailbox = mailboxCheck.item as MailboxItem;
  }

  if (!isAlias(domainItem)) return { kind: 'hosted', tenant: { domain, settings: domainItem, mailbox } };
  const targetId = domainItem.aliasOf;
  if (targetId === domain) return invalid(domain, 'aliasOf', 'an alias cannot point to itself');
  return decideAlias(item(targetId), domain, targetId, mailbox);
}

function decideAlias(targetCheck: CheckedItem | undefined, domain: string, targetId: string, mailbox: MailboxItem | undefined): TenantLookup {
  if (targetCheck === undefined) return invalid(domain, 'aliasOf', `alias target ${targetId} does not exist`);
  if (!targetCheck.valid) return { kind: 'invalid', problem: targetCheck.problem };
  const target = targetCheck.item as DomainItem;
  if (isAlias(target)) return invalid(domain, 'aliasOf', `alias target ${targetId} is itself an alias (chains are not allowed)`);
  if (target.enabled === false) return invalid(domain, 'aliasOf', `alias target ${targetId} is disabled`);
  return { kind: 'hosted', tenant: { domain, settings: target, aliasOf: targetId, mailbox } };
}

/** The uncached lookup: one round trip, two for an alias. */
export const lookupTenant = async (store: TenantStore, domain: string, mailboxId?: string): Promise<TenantLookup> =>
  resolveTenant(storeReader(store), domain, mailboxId);
