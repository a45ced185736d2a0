import { normaliseDomain, normaliseItemId } from '../../lib/email-address';
import type { RawItem, TenantTable } from '../../lib/tenants/dynamodb';
import { GENERATION_ID, isAlias, isMailboxId, type DomainItem, type TenantItem } from '../../lib/tenants/model';
import { validateTenantItem, type ItemProblem } from '../../lib/tenants/validate';
import { FileProblem, readJsonFile } from './json-file';
import { describeError } from './target';

// What the admin CLI and the local server's demo loader share: read a file of
// items, check every one (schema, then alias rules across the file and the
// table), and write them, reporting exactly what was written.

/** Reads a JSON file holding one item or an array of items. */
export async function readItemsFile(path: string): Promise<unknown[]> {
  const parsed = await readJsonFile(path);
  const items = Array.isArray(parsed) ? parsed : [parsed];
  if (items.length === 0) throw new FileProblem(`${path} holds an empty list; it should hold one item or an array of items.`);
  return items;
}

export interface Renaming {
  readonly from: string;
  readonly to: string;
}

/**
 * Ids (and alias targets) as the handler looks them up: `Alice@Example.COM`
 * is stored as `alice@example.com`, `bücher.example` as its punycode. An id
 * the normaliser refuses is left as written for the checks to name.
 */
export function normaliseIds(candidates: readonly unknown[]): { items: unknown[]; renamed: Renaming[] } {
  const renamed: Renaming[] = [];
  const items = candidates.map((candidate) => {
    if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) return candidate;
    const item = { ...(candidate as RawItem) };
    if (typeof item.id === 'string') {
      const id = normaliseItemId(item.id);
      if (id !== undefined && id !== item.id) {
        renamed.push({ from: item.id, to: id });
        item.id = id;
      }
    }
    if (typeof item.aliasOf === 'string') item.aliasOf = normaliseDomain(item.aliasOf.trim()) ?? item.aliasOf;
    return item;
  });
  return { items, renamed };
}

export const formatProblem = (p: ItemProblem): string => `${p.id}: ${p.path || '(item)'}: ${p.reason}`;

/** Looks items up by id: the ones being written win over the table's. */
type ItemSource = (id: string) => Promise<RawItem | undefined>;

async function aliasProblems(items: readonly TenantItem[], existing: ItemSource | undefined): Promise<ItemProblem[]> {
  const inFile = new Map(items.map((item) => [item.id, item]));
  const find = async (id: string) => inFile.get(id) ?? (await existing?.(id));
  const missing = existing ? 'does not exist' : 'is not in the file (the table was not read)';
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
    if (target === undefined) problem(`alias target ${aliasOf} ${missing}`);
    else if ('aliasOf' in target) problem(`alias target ${aliasOf} is itself an alias (chains are not allowed)`);
    else if ((target as { enabled?: unknown }).enabled === false) problem(`alias target ${aliasOf} is disabled`);
  }
  return problems;
}

/**
 * Checks items before anything is written: every schema problem of every
 * item, then alias targets and chains against the file plus (when given) the table.
 */
export async function checkItems(
  candidates: readonly unknown[],
  table?: Pick<TenantTable, 'getItems' | 'scanItems'>,
): Promise<{ readonly valid: TenantItem[]; readonly problems: ItemProblem[] }> {
  const problems: ItemProblem[] = [];
  const valid: TenantItem[] = [];
  for (const candidate of candidates) {
    const result = validateTenantItem(candidate);
    if (!result.valid) problems.push(...result.problems);
    else if (result.item.id === GENERATION_ID) problems.push({ id: GENERATION_ID, path: 'id', reason: 'the generation item is not written from a file: every write increases it (npm run admin -- touch does only that)' });
    else valid.push(result.item);
  }
  const ids = valid.map((item) => item.id);
  const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
  for (const id of new Set(duplicates)) problems.push({ id, path: 'id', reason: 'the file holds this id more than once' });

  const existing: ItemSource | undefined = table && (async (id) => (await table.getItems([id])).get(id));
  problems.push(...(await aliasProblems(valid, existing)));
  problems.push(...(await brokenTargetProblems(valid, table)));
  return { valid, problems };
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
  readonly failed?: { readonly id: string; readonly error: string; readonly cause: unknown };
}

/**
 * Write ranks, so that a write failing halfway never leaves a checked rule
 * broken: targets go live before the aliases that point at them; a domain is
 * disabled or turned into an alias only after every alias in the file has
 * been re-pointed away from it.
 */
const WRITE_RANK = { liveDomain: 0, mailbox: 1, alias: 2, retired: 3 } as const;

function writeRank(item: TenantItem, hostedNow: ReadonlySet<string>): number {
  if (isMailboxId(item.id)) return WRITE_RANK.mailbox;
  const domain = item as DomainItem;
  if (domain.enabled === false) return WRITE_RANK.retired;
  if (!isAlias(domain)) return WRITE_RANK.liveDomain;
  return hostedNow.has(domain.id) ? WRITE_RANK.retired : WRITE_RANK.alias;
}

/** The order `writeItems` uses (stable within a rank); `hostedNow`: ids that are non-alias domain items in the table today. */
export function writeOrder(items: readonly TenantItem[], hostedNow: ReadonlySet<string>): TenantItem[] {
  return items
    .map((item, index) => ({ item, index, rank: writeRank(item, hostedNow) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ item }) => item);
}

// BatchGetItem reads at most 100 keys per call.
const READ_CHUNK = 100;

async function hostedDomainsAmong(table: Pick<TenantTable, 'getItems'>, ids: readonly string[]): Promise<Set<string>> {
  const hosted = new Set<string>();
  for (let start = 0; start < ids.length; start += READ_CHUNK) {
    for (const [id, item] of await table.getItems(ids.slice(start, start + READ_CHUNK))) if (!('aliasOf' in item)) hosted.add(id);
  }
  return hosted;
}

/**
 * Writes checked items one by one in `writeOrder`; DynamoDB has no
 * all-or-nothing batch, so report exactly how far it got.
 */
export async function writeItems(table: Pick<TenantTable, 'putItem' | 'getItems'>, items: readonly TenantItem[]): Promise<WriteReport> {
  const aliasIds = items.filter((item) => !isMailboxId(item.id) && isAlias(item as DomainItem)).map((item) => item.id);
  const hostedNow = aliasIds.length === 0 ? new Set<string>() : await hostedDomainsAmong(table, aliasIds);
  const written: string[] = [];
  for (const item of writeOrder(items, hostedNow)) {
    try {
      await table.putItem(item as unknown as RawItem);
      written.push(item.id);
    } catch (error) {
      return { written, failed: { id: item.id, error: describeError(error), cause: error } };
    }
  }
  return { written };
}
