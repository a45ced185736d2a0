import { readFile } from 'node:fs/promises';
import type { RawItem, TenantTable } from '../../lib/tenants/dynamodb';
import { isAlias, isMailboxId, type DomainItem, type TenantItem } from '../../lib/tenants/model';
import { validateTenantItem, type ItemProblem } from '../../lib/tenants/validate';

// What the admin CLI and the local server's demo loader share: read a file of
// items, check every one (schema, then alias rules across the file and the
// table), and write them, reporting exactly what was written.

/** Reads a JSON file holding one item or an array of items. */
export async function readItemsFile(path: string): Promise<unknown[]> {
  const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
  return Array.isArray(parsed) ? parsed : [parsed];
}

export const formatProblem = (p: ItemProblem): string => `${p.id}: ${p.path || '(item)'}: ${p.reason}`;

/** Looks items up by id: the ones being written win over the table's. */
type ItemSource = (id: string) => Promise<RawItem | undefined>;

async function aliasProblems(items: readonly TenantItem[], existing: ItemSource): Promise<ItemProblem[]> {
  const inFile = new Map(items.map((item) => [item.id, item]));
  const find = async (id: string) => inFile.get(id) ?? (await existing(id));
  const problems: ItemProblem[] = [];
  for (const item of items) {
    if (isMailboxId(item.id) || !isAlias(item as DomainItem)) continue;
    const { aliasOf } = item as { aliasOf: string };
    const problem = (reason: string) => problems.push({ id: item.id, path: 'aliasOf', reason });
    if (aliasOf === item.id) {
      problem('an alias cannot point to itself');
      continue;
    }
    const target = await find(aliasOf);
    if (target === undefined) problem(`alias target ${aliasOf} does not exist`);
    else if ('aliasOf' in target) problem(`alias target ${aliasOf} is itself an alias (chains are not allowed)`);
    else if ((target as { enabled?: unknown }).enabled === false) problem(`alias target ${aliasOf} is disabled`);
  }
  return problems;
}

/**
 * Checks items before anything is written: every schema problem of every
 * item, then alias targets and chains against the file plus (when given) the table.
 */
export async function checkItems(candidates: readonly unknown[], table?: Pick<TenantTable, 'getItems' | 'scanItems'>): Promise<ItemProblem[]> {
  const problems: ItemProblem[] = [];
  const valid: TenantItem[] = [];
  for (const candidate of candidates) {
    const result = validateTenantItem(candidate);
    if (result.valid) valid.push(result.item);
    else problems.push(...result.problems);
  }
  const ids = valid.map((item) => item.id);
  const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
  for (const id of new Set(duplicates)) problems.push({ id, path: 'id', reason: 'the file holds this id more than once' });

  const existing: ItemSource = async (id) => (table ? (await table.getItems([id])).get(id) : undefined);
  problems.push(...(await aliasProblems(valid, existing)));
  problems.push(...(await brokenTargetProblems(valid, table)));
  return problems;
}

/**
 * The other direction: a domain in the file that becomes an alias or is
 * disabled while aliases in the table still point at it would
 * turn those into chains or dangling aliases (error 602 for their users).
 * Finding those aliases takes a scan, so it runs only when the file holds such a domain.
 */
async function brokenTargetProblems(items: readonly TenantItem[], table: Pick<TenantTable, 'scanItems'> | undefined): Promise<ItemProblem[]> {
  const risky = new Map<string, string>();
  for (const item of items) {
    if (isMailboxId(item.id)) continue;
    if (isAlias(item as DomainItem)) risky.set(item.id, 'become an alias (a chain)');
    else if ((item as DomainItem).enabled === false) risky.set(item.id, 'be disabled');
  }
  if (risky.size === 0) return [];
  if (!table) return [];
  // Aliases in the file were checked from their side already; the file's version of an item replaces the table's.
  const inFile = new Set(items.map((item) => item.id));
  return aliasesInTable(table, risky, inFile);
}

/** Aliases in the table that point at a domain in `targets` (id → what would happen to it), as problems of that domain. */
export async function aliasesInTable(
  table: Pick<TenantTable, 'scanItems'>,
  targets: ReadonlyMap<string, string>,
  ignore: ReadonlySet<string> = new Set(),
): Promise<ItemProblem[]> {
  const problems: ItemProblem[] = [];
  for await (const item of table.scanItems()) {
    const { id, aliasOf } = item;
    if (typeof aliasOf !== 'string' || ignore.has(String(id)) || !targets.has(aliasOf)) continue;
    problems.push({ id: aliasOf, path: 'id', reason: `${String(id)} is an alias of this domain, which would ${targets.get(aliasOf)}` });
  }
  return problems;
}

export interface WriteReport {
  readonly written: readonly string[];
  readonly failed?: { readonly id: string; readonly error: string };
}

/** Writes items one by one; DynamoDB has no all-or-nothing batch, so report exactly how far it got. */
export async function writeItems(table: Pick<TenantTable, 'putItem'>, items: readonly unknown[]): Promise<WriteReport> {
  const written: string[] = [];
  for (const item of items as RawItem[]) {
    try {
      await table.putItem(item);
      written.push(String(item.id));
    } catch (error) {
      return { written, failed: { id: String(item.id), error: (error as Error).message } };
    }
  }
  return { written };
}
