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
export async function checkItems(candidates: readonly unknown[], table?: Pick<TenantTable, 'getItems'>): Promise<ItemProblem[]> {
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
