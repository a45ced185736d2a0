import type { RawItem, TenantTable } from '../../lib/tenants/dynamodb';
import { GENERATION_ID, isMailboxId } from '../../lib/tenants/model';

// Keeping domain items' `hasMailboxes` right (README, "The tenant item format"). The responder
// reads a mailbox item only where its domain does not say `hasMailboxes:
// false`, so the CLI keeps the attribute true wherever mailbox items exist:
// a put fills it in or corrects it, a mailbox put sets it on its domain, and
// `migrate` sets it on every domain of an existing table. Deleting a mailbox
// item leaves it set (harmless: one read per new address); `migrate` clears it
// once no mailbox item is left.

type Print = (line: string) => void;

const domainOf = (mailboxId: string): string => mailboxId.slice(mailboxId.lastIndexOf('@') + 1);

/** Domains under which `items` hold at least one mailbox item. */
async function mailboxDomains(items: AsyncIterable<RawItem> | Iterable<RawItem>): Promise<Set<string>> {
  const domains = new Set<string>();
  for await (const { id } of items) if (typeof id === 'string' && isMailboxId(id)) domains.add(domainOf(id));
  return domains;
}

const isDomainItem = (item: RawItem): boolean => typeof item.id === 'string' && !isMailboxId(item.id) && item.id !== GENERATION_ID;

/**
 * The items of a put, each domain item with the `hasMailboxes` it must have:
 * true when the file or the table holds a mailbox item under it, else as the
 * file says, else false. Items must have passed checkItems. Prints what it decided.
 */
export async function withHasMailboxes(items: readonly RawItem[], table: Pick<TenantTable, 'scanItems'>, out: Print): Promise<RawItem[]> {
  const settled = (item: RawItem) => !isDomainItem(item) || item.hasMailboxes === true;
  if (items.every(settled)) return [...items];
  const domains = await mailboxDomains(items);
  for (const domain of await mailboxDomains(table.scanItems())) domains.add(domain);
  return items.map((item) => {
    if (settled(item)) return item;
    const hasMailboxes = domains.has(item.id as string);
    if (item.hasMailboxes === hasMailboxes) return item;
    out(`${String(item.id)}: hasMailboxes ${hasMailboxes}${hasMailboxes ? ' (mailbox items exist under it)' : ''}`);
    return { ...item, hasMailboxes };
  });
}

/** After a put: each written mailbox item's domain announces mailbox items from now on. */
export async function announceWrittenMailboxes(written: readonly string[], table: Pick<TenantTable, 'setHasMailboxes'>, out: Print): Promise<void> {
  const domains = new Set(written.filter(isMailboxId).map(domainOf));
  for (const domain of domains) {
    const updated = await table.setHasMailboxes(domain, true);
    out(updated ? `${domain}: hasMailboxes true` : `${domain}: no domain item yet (a put of it sets hasMailboxes)`);
  }
}

/** `migrate`: sets `hasMailboxes` on every domain item to whether mailbox items exist under it. Idempotent. Returns how many it changed. */
export async function migrateHasMailboxes(table: Pick<TenantTable, 'scanItems' | 'setHasMailboxes' | 'tableName'>, out: Print): Promise<number> {
  const items: RawItem[] = [];
  for await (const item of table.scanItems()) items.push(item);
  const domains = await mailboxDomains(items);
  let changed = 0;
  let unchanged = 0;
  for (const item of items.filter(isDomainItem)) {
    const id = item.id as string;
    const hasMailboxes = domains.has(id);
    if (item.hasMailboxes === hasMailboxes) {
      unchanged++;
      continue;
    }
    if (!(await table.setHasMailboxes(id, hasMailboxes))) continue; // deleted since the scan
    out(`${id}: hasMailboxes ${item.hasMailboxes === undefined ? '(unset)' : JSON.stringify(item.hasMailboxes)} -> ${hasMailboxes}`);
    changed++;
  }
  out(`${changed} domain item(s) changed, ${unchanged} already right, in ${table.tableName}.`);
  return changed;
}

/**
 * For `list`: mailbox items that would never be read (their domain says
 * `hasMailboxes: false`, or has no item), and domain items that do not say
 * (each new address costs a read until `migrate` runs), with why.
 */
export function hasMailboxesNotes(items: readonly RawItem[]): Map<string, string> {
  const announced = new Map(items.filter(isDomainItem).map((item) => [item.id as string, item.hasMailboxes]));
  const notes = new Map<string, string>();
  for (const [id, hasMailboxes] of announced) if (hasMailboxes === undefined) notes.set(id, 'hasMailboxes unset (run migrate)');
  for (const { id } of items) {
    if (typeof id !== 'string' || !isMailboxId(id)) continue;
    const domain = domainOf(id);
    if (!announced.has(domain)) notes.set(id, `NEVER READ: no domain item ${domain}`);
    else if (announced.get(domain) === false) notes.set(id, `NEVER READ: ${domain} says hasMailboxes false (run migrate)`);
  }
  return notes;
}
