import type { TenantStore } from './dynamodb';
import { isAlias, type DomainItem, type HostedDomainItem, type MailboxItem } from './model';
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

const NOT_HOSTED: TenantLookup = { kind: 'notHosted' };
const invalid = (id: string, path: string, reason: string): TenantLookup => ({ kind: 'invalid', problem: { id, path, reason } });

function check<T>(raw: unknown): { item: T } | { lookup: TenantLookup } {
  const result = validateTenantItem(raw);
  return result.valid ? { item: result.item as T } : { lookup: { kind: 'invalid', problem: result.problems[0]! } };
}

/**
 * Loads a domain (and the mailbox item, when an address is known) in one
 * round trip, plus one more read for an alias target (tenant-item.md).
 */
export async function lookupTenant(store: TenantStore, domain: string, mailboxId?: string): Promise<TenantLookup> {
  const items = await store.getItems(mailboxId === undefined ? [domain] : [domain, mailboxId]);
  const rawDomain = items.get(domain);
  if (rawDomain === undefined) return NOT_HOSTED;
  const domainCheck = check<DomainItem>(rawDomain);
  if ('lookup' in domainCheck) return domainCheck.lookup;
  const domainItem = domainCheck.item;
  if (domainItem.enabled === false) return NOT_HOSTED;

  let mailbox: MailboxItem | undefined;
  const rawMailbox = mailboxId === undefined ? undefined : items.get(mailboxId);
  if (rawMailbox !== undefined) {
    const mailboxCheck = check<MailboxItem>(rawMailbox);
    if ('lookup' in mailboxCheck) return mailboxCheck.lookup;
    mailbox = mailboxCheck.item;
  }

  if (!isAlias(domainItem)) return { kind: 'hosted', tenant: { domain, settings: domainItem, mailbox } };

  const targetId = domainItem.aliasOf;
  if (targetId === domain) return invalid(domain, 'aliasOf', 'an alias cannot point to itself');
  const rawTarget = (await store.getItems([targetId])).get(targetId);
  if (rawTarget === undefined) return invalid(domain, 'aliasOf', `alias target ${targetId} does not exist`);
  const targetCheck = check<DomainItem>(rawTarget);
  if ('lookup' in targetCheck) return targetCheck.lookup;
  const target = targetCheck.item;
  if (isAlias(target)) return invalid(domain, 'aliasOf', `alias target ${targetId} is itself an alias (chains are not allowed)`);
  if (target.enabled === false) return invalid(domain, 'aliasOf', `alias target ${targetId} is disabled`);
  return { kind: 'hosted', tenant: { domain, settings: target, aliasOf: targetId, mailbox } };
}
