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
 * Reads items by id in (at most) one round trip; ids without an item are
 * absent from the map. A cache may answer synchronously when it holds every
 * id fresh, so a warm lookup builds no promise chain.
 */
export type ItemReader = (ids: readonly string[]) => ReadonlyMap<string, CheckedItem> | Promise<ReadonlyMap<string, CheckedItem>>;

const NOT_HOSTED: TenantLookup = { kind: 'notHosted' };
const invalid = (id: string, path: string, reason: string): TenantLookup => ({ kind: 'invalid', problem: { id, path, reason } });

export function checkItem(raw: unknown): CheckedItem {
  const result = validateTenantItem(raw);
  if (result.valid) return { valid: true, item: result.item };
  const disabled = (raw as { enabled?: unknown } | null)?.enabled === false;
  return { valid: false, problem: result.problems[0]!, disabled };
}

/** A reader straight from the store: every call is a round trip and every item is validated. */
export const storeReader =
  (store: TenantStore): ItemReader =>
  async (ids) => {
    const checked = new Map<string, CheckedItem>();
    for (const [id, raw] of await store.getItems(ids)) checked.set(id, checkItem(raw));
    return checked;
  };

/**
 * Loads a domain (and the mailbox item, when an address is known) in one
 * read, plus one more read for an alias target (README, "The tenant item format"). Synchronous
 * when `read` answers synchronously.
 */
export function resolveTenant(read: ItemReader, domain: string, mailboxId?: string): TenantLookup | Promise<TenantLookup> {
  const items = read(mailboxId === undefined ? [domain] : [domain, mailboxId]);
  return items instanceof Promise ? items.then((found) => decide(read, found, domain, mailboxId)) : decide(read, items, domain, mailboxId);
}

function decide(read: ItemReader, items: ReadonlyMap<string, CheckedItem>, domain: string, mailboxId?: string): TenantLookup | Promise<TenantLookup> {
  const domainCheck = items.get(domain);
  if (domainCheck === undefined) return NOT_HOSTED;
  if (!domainCheck.valid) return domainCheck.disabled ? NOT_HOSTED : { kind: 'invalid', problem: domainCheck.problem };
  const domainItem = domainCheck.item as DomainItem;
  if (domainItem.enabled === false) return NOT_HOSTED;

  let mailbox: MailboxItem | undefined;
  const mailboxCheck = mailboxId === undefined ? undefined : items.get(mailboxId);
  if (mailboxCheck !== undefined) {
    if (!mailboxCheck.valid) return { kind: 'invalid', problem: mailboxCheck.problem };
    mailbox = mailboxCheck.item as MailboxItem;
  }

  if (!isAlias(domainItem)) return { kind: 'hosted', tenant: { domain, settings: domainItem, mailbox } };

  const targetId = domainItem.aliasOf;
  if (targetId === domain) return invalid(domain, 'aliasOf', 'an alias cannot point to itself');
  const targets = read([targetId]);
  return targets instanceof Promise
    ? targets.then((found) => decideAlias(found.get(targetId), domain, targetId, mailbox))
    : decideAlias(targets.get(targetId), domain, targetId, mailbox);
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
