import { TenantStoreError, type RawItem, type TenantStore } from './dynamodb';
import { checkItem, resolveTenant, type CheckedItem, type FoundItems, type ItemsRead, type TenantLookup } from './resolve';
import { GENERATION_ID, isAlias, isMailboxId, type AliasDomainItem, type DomainItem } from './model';

// A per-instance cache of checked tenant items. Items are cached one by one
// (domain items, mailbox items, alias targets), each positive or negative,
// so every address of a cached domain shares the domain item and an alias
// target is read once for all its aliases. Ids with no item (unhosted
// domains, addresses without a mailbox item) are kept in a budget of their
// own: anyone can ask for endless distinct ones, and a flood of them must not
// push the hosted domains out. Nothing here starts a timer: a frozen or idle
// Lambda instance holds no work, and time is read from the injected clock
// (monotonic by default) only when a lookup runs.
//
// With a generation item in the table (README, "The tenant item format"), every
// entry may answer up to the long TTL while the generation stays the same; the
// generation is read again once per check interval, beside a miss's read where
// one happens, else alone before a hit. A changed generation expires every
// entry read before it. Without the item, the plain TTLs apply.

export interface CacheSettings {
  /** How long a read item is served without asking DynamoDB. */
  readonly ttlMs: number;
  /** The same for a domain that is not hosted (absent or disabled): shorter, so new domains go live soon. */
  readonly negativeTtlMs: number;
  /**
   * The same for "this address has no mailbox item": longer, because every
   * address asks for its mailbox item and almost none has one. A new override
   * shows within this time for an address that asked recently (at once for
   * one that did not); clients keep their answers for an hour or more anyway.
   */
  readonly mailboxAbsentTtlMs: number;
  /** How old a copy may be and still answer when DynamoDB fails (stale-if-error). */
  readonly staleMs: number;
  /** Items that exist kept at most; the least recently used go first. */
  readonly maxEntries: number;
  /** Ids without an item ("not hosted", "no mailbox item") kept at most, apart from `maxEntries`. */
  readonly maxAbsentEntries: number;
  /** With a generation item: how long any entry answers while the generation is unchanged (never less than its plain TTL). */
  readonly maxTtlMs: number;
  /** How often the generation item is read again: a change shows within this time. */
  readonly generationCheckMs: number;
}

export const DEFAULT_CACHE_SETTINGS: CacheSettings = {
  ttlMs: 60_000,
  negativeTtlMs: 20_000,
  mailboxAbsentTtlMs: 600_000,
  staleMs: 3_600_000,
  maxEntries: 20_000,
  maxAbsentEntries: 10_000,
  maxTtlMs: 900_000,
  generationCheckMs: 10_000,
};

const ENV_SETTINGS: ReadonlyArray<readonly [variable: string, key: keyof CacheSettings, scale: number]> = [
  ['CACHE_TTL_SECONDS', 'ttlMs', 1000],
  ['CACHE_NEGATIVE_TTL_SECONDS', 'negativeTtlMs', 1000],
  ['CACHE_MAILBOX_ABSENT_TTL_SECONDS', 'mailboxAbsentTtlMs', 1000],
  ['CACHE_STALE_SECONDS', 'staleMs', 1000],
  ['CACHE_MAX_ENTRIES', 'maxEntries', 1],
  ['CACHE_MAX_ABSENT_ENTRIES', 'maxAbsentEntries', 1],
  ['CACHE_MAX_TTL_SECONDS', 'maxTtlMs', 1000],
  ['CACHE_GENERATION_CHECK_SECONDS', 'generationCheckMs', 1000],
];

/**
 * Reads the cache settings from the environment. A value that is not a
 * non-negative number keeps its default and is named in `problems`, so a typo
 * is logged instead of taking the service down.
 */
export function cacheSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  defaults: CacheSettings = DEFAULT_CACHE_SETTINGS,
): { settings: CacheSettings; problems: string[] } {
  const settings: Record<keyof CacheSettings, number> = { ...defaults };
  const problems: string[] = [];
  for (const [variable, key, scale] of ENV_SETTINGS) {
    const raw = env[variable]?.trim();
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (Number.isFinite(value) && value >= 0) settings[key] = Math.round(value * scale);
    else problems.push(`${variable} must be a non-negative number; using ${defaults[key] / scale}`);
  }
  return { settings, problems };
}

/** How one lookup used the cache and DynamoDB: the per-request facts for the log line and metrics. */
export interface LookupReport {
  /** hit: all from memory; miss: DynamoDB was asked; stale: DynamoDB failed and an old copy answered. */
  cache?: 'hit' | 'miss' | 'stale';
  /** Round trips this request started (joining another request's read counts none). */
  storeCalls?: number;
  /** Milliseconds this request waited for DynamoDB. */
  storeMs?: number;
  /** Why DynamoDB failed, without request data. */
  storeError?: string;
}

/**
 * One cached item, and its place in a recency list. Entries are updated in
 * place: a hit only relinks two neighbours, where re-inserting into the Map
 * (delete + set) would leave deleted slots behind that every later lookup of a
 * hot key walks past until the Map rehashes.
 */
class Entry {
  /** Kept past its TTL because DynamoDB failed: answers say `stale` until a read succeeds. */
  stale = false;
  /** The list this entry is counted in; undefined once evicted. */
  list: RecencyList | undefined;
  /** Neighbours in the recency list (older towards `oldest`, newer towards `newest`). */
  older: Entry | undefined;
  newer: Entry | undefined;

  constructor(
    readonly id: string,
    /** undefined: the table has no such item (a negative entry). */
    public value: CheckedItem | undefined,
    public fetchedAt: number,
    /** Until when the entry answers on its plain TTL. */
    public freshUntil: number,
    /** Until when it answers while a checked generation vouches for it (its read began under a known generation). */
    public vouchedUntil: number,
    /** The generation epoch its read began in: a later epoch means the table changed since. */
    public epoch: number,
  ) {}
}

/** Entries in order of use, with a bound of their own. */
class RecencyList {
  size = 0;
  oldest: Entry | undefined;
  newest: Entry | undefined;

  constructor(readonly maxSize: number) {}

  /** Makes `entry` the most recently used, adding it if it is in no list. */
  touch(entry: Entry): void {
    if (entry === this.newest) return;
    if (entry.list === this) this.unlink(entry);
    else {
      entry.list = this;
      this.size++;
    }
    entry.older = this.newest;
    if (this.newest) this.newest.newer = entry;
    this.newest = entry;
    this.oldest ??= entry;
  }

  remove(entry: Entry): void {
    this.unlink(entry);
    entry.list = undefined;
    this.size--;
  }

  private unlink(entry: Entry): void {
    if (entry.older) entry.older.newer = entry.newer;
    else if (this.oldest === entry) this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else if (this.newest === entry) this.newest = entry.older;
    entry.older = entry.newer = undefined;
  }
}

type Fetch = Promise<{ readonly items: ReadonlyMap<string, CheckedItem> } | { readonly error: TenantStoreError }>;

/**
 * After a failed read, a stale copy answers without asking DynamoDB again for
 * this long, so an outage costs one timed-out read per item every few seconds,
 * not one per request.
 */
const RETRY_AFTER_FAILURE_MS = 5_000;

/**
 * Reads are eventually consistent (and a global table's replicas receive
 * items one by one), so a read begun just after a changed generation was seen
 * may still return an item the change replaced. Such reads keep only their
 * plain TTL; reads begun this long after the change may answer up to the long one.
 */
const SETTLE_AFTER_CHANGE_MS = 5_000;

const CACHE_RANK = { hit: 0, miss: 1, stale: 2 } as const;

function note(report: LookupReport | undefined, cache: NonNullable<LookupReport['cache']>): void {
  if (report && CACHE_RANK[cache] >= CACHE_RANK[report.cache ?? 'hit']) report.cache = cache;
}

/**
 * How long a read answers from memory. Domains that are not hosted (no item,
 * or `enabled: false`) get the short negative TTL; addresses without a mailbox
 * item the long one ("no override" is the normal case); all else the TTL.
 */
function ttlFor(id: string, value: CheckedItem | undefined, settings: CacheSettings): number {
  if (isMailboxId(id)) return value === undefined ? settings.mailboxAbsentTtlMs : settings.ttlMs;
  const notHosted = value === undefined || (value.valid ? (value.item as DomainItem).enabled === false : value.disabled);
  return notHosted ? settings.negativeTtlMs : settings.ttlMs;
}

/**
 * What this instance knows of the table's generation item. Entries are tagged
 * with the epoch in which their read began; the epoch moves on whenever a read
 * finds a value other than the last one found, so a change expires whatever
 * was read before it (even an entry read beside the new value: the two reads
 * are not one snapshot).
 */
class Generation {
  /** The last value found: undefined before the first read, null when the table has no usable generation item. */
  value: number | null | undefined = undefined;
  epoch = 0;
  /** When the read that found `value` began. */
  private checkedAt = -Infinity;
  /** When a changed value was last found (see SETTLE_AFTER_CHANGE_MS). */
  private changedAt = -Infinity;
  /** After a failed read, none is tried before this. */
  private retryAt = -Infinity;

  constructor(private readonly checkMs: number) {}

  /**
   * Whether the item should be read (beside a read that happens anyway, or alone if `guardsHits`). A table found
   * without one is not asked again: its reads stay exactly as they were, and the instance keeps the plain TTLs.
   */
  due(now: number): boolean {
    return this.value !== null && now >= this.checkedAt + this.checkMs && now >= this.retryAt;
  }

  /** With a generation item, a hit waits for a due check, so a change shows within the check interval. */
  get guardsHits(): boolean {
    return typeof this.value === 'number';
  }

  /** Entries may answer up to their long TTL: the table has a generation and it was read recently. */
  vouches(now: number): boolean {
    return typeof this.value === 'number' && now < this.checkedAt + this.checkMs;
  }

  /** Whether what a read begun at `began` finds may answer up to the long TTL. */
  vouchesReadBegunAt(began: number): boolean {
    return this.guardsHits && began >= this.changedAt + SETTLE_AFTER_CHANGE_MS;
  }

  found(raw: RawItem | undefined, readBegan: number, now: number): void {
    const generation = raw?.generation;
    const value = typeof generation === 'number' && Number.isFinite(generation) ? generation : null;
    if (this.value !== undefined && value !== this.value) {
      this.epoch++;
      this.changedAt = now;
    }
    this.value = value;
    this.checkedAt = Math.max(this.checkedAt, readBegan);
  }

  failed(now: number): void {
    this.retryAt = now + RETRY_AFTER_FAILURE_MS;
  }
}

/** `ids` and the alias targets their items name, for a read again after a change. */
function withAliasTargets(ids: readonly string[], found: FoundItems): string[] {
  const targets = ids.flatMap((id) => {
    const checked = found.get(id);
    return checked?.valid && !isMailboxId(id) && isAlias(checked.item as DomainItem) ? [(checked.item as AliasDomainItem).aliasOf] : [];
  });
  return [...new Set([...ids, ...targets])];
}

/** Ages are measured on a monotonic clock: a wall-clock step must not keep entries fresh (or expire them). */
const monotonicNow = (): number => performance.now();

export class TenantCache {
  private readonly entries = new Map<string, Entry>();
  /** Items that exist, and ids that have none: separate budgets, so a flood of the second cannot evict the first. */
  private readonly present: RecencyList;
  private readonly absent: RecencyList;
  /**
   * Reads under way, by item id, with the generation epoch they began in:
   * concurrent misses for one id wait for the same round trip, unless the
   * table changed since it began (its answer may predate the change).
   */
  private readonly inflight = new Map<string, { readonly flight: Fetch; readonly epoch: number }>();
  private readonly generation: Generation;

  constructor(
    private readonly store: TenantStore,
    private readonly settings: CacheSettings = DEFAULT_CACHE_SETTINGS,
    private readonly now: () => number = monotonicNow,
  ) {
    this.present = new RecencyList(settings.maxEntries);
    this.absent = new RecencyList(settings.maxAbsentEntries);
    this.generation = new Generation(settings.generationCheckMs);
  }

  /**
   * `lookupTenant` with the cache in front; same answers, fewer round trips.
   * Synchronous when every item the lookup needs is fresh in memory.
   */
  lookup(domain: string, mailboxId?: string, report?: LookupReport): TenantLookup | Promise<TenantLookup> {
    return resolveTenant((ids, alongside) => this.read(ids, alongside, report), domain, mailboxId);
  }

  /** Entries held, fresh or not, of both budgets (for tests and the benchmark). */
  get size(): number {
    return this.entries.size;
  }

  private read(ids: readonly string[], alongside: readonly string[], report: LookupReport | undefined): ItemsRead | Promise<ItemsRead> {
    const found: FoundItems = new Map();
    const now = this.now();
    const checkDue = this.generation.due(now);
    // While a due check is pending, entries answer as if it will find no change; readMissing takes them back if it does.
    const waitForCheck = checkDue && this.generation.guardsHits;
    const vouched = waitForCheck || this.generation.vouches(now);
    let missing: string[] | undefined;
    for (const id of ids) if (!this.answerFromMemory(id, now, vouched, found, report)) (missing ??= []).push(id);
    if (missing === undefined) {
      // No item to read: `alongside` ids answer only if they are fresh in memory (nor do they ride on a check).
      for (const id of alongside) this.answerFromMemory(id, now, vouched, found, report);
      if (waitForCheck) return this.readMissing([], found, report, true);
      note(report, 'hit'); // no-op when a stale copy already said 'stale'
      return found;
    }
    for (const id of alongside) if (!this.answerFromMemory(id, now, vouched, found, report)) missing.push(id);
    return this.readMissing(missing, found, report, checkDue);
  }

  /** Puts a fresh entry's value into `found`; false when `id` has to be read. */
  private answerFromMemory(id: string, now: number, vouched: boolean, found: FoundItems, report: LookupReport | undefined): boolean {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.epoch !== this.generation.epoch || now >= (vouched ? entry.vouchedUntil : entry.freshUntil)) return false;
    entry.list!.touch(entry);
    found.set(id, entry.value);
    if (entry.stale) note(report, 'stale');
    return true;
  }

  /**
   * Waits for the round trips `missing` needs (starting those nobody has started), then falls back to stale copies.
   * `checkGeneration`: the generation item is read too, and decides about the ids `found` already holds from memory.
   */
  private async readMissing(missing: readonly string[], found: FoundItems, report: LookupReport | undefined, checkGeneration = false): Promise<ItemsRead> {
    note(report, 'miss');
    const reading = checkGeneration ? [...missing, GENERATION_ID] : missing;
    const unclaimed = reading.filter((id) => this.inflight.get(id)?.epoch !== this.generation.epoch);
    if (unclaimed.length > 0) this.fetch(unclaimed, report);
    const flights = reading.map((id) => this.inflight.get(id)!.flight);
    // Held until the reads settle: the entries may be evicted meanwhile, and a failed read still needs its copy.
    const copies = missing.map((id) => this.entries.get(id));
    const fromMemory = checkGeneration ? [...found.keys()] : [];
    const epoch = this.generation.epoch;
    const started = performance.now();
    const outcomes = await Promise.all(flights);
    if (report) report.storeMs = (report.storeMs ?? 0) + (performance.now() - started);

    // Stale-if-error (README, "How requests are answered"): an id whose read failed is served from a copy
    // young enough; if any id has none, the request fails (row 4).
    const staleLimit = this.now() - this.settings.staleMs;
    let failure: TenantStoreError | undefined;
    let unserved = false;
    missing.forEach((id, i) => {
      const outcome = outcomes[i]!;
      if ('items' in outcome) {
        found.set(id, outcome.items.get(id));
        return;
      }
      failure = outcome.error;
      if (!this.answerStale(this.entries.get(id) ?? copies[i], staleLimit, found, report)) unserved = true;
    });
    let changed = false;
    if (checkGeneration) {
      const outcome = outcomes[missing.length]!;
      if ('error' in outcome) {
        // A failed check leaves the plain TTLs: entries past theirs answer as if their own read had failed.
        failure = outcome.error;
        const now = this.now();
        for (const id of fromMemory) {
          const entry = this.entries.get(id);
          if (entry !== undefined && now >= entry.freshUntil && !this.answerStale(entry, staleLimit, found, report)) unserved = true;
        }
      } else changed = this.generation.epoch !== epoch && fromMemory.length > 0;
    }
    if (failure !== undefined && report) report.storeError = (failure as TenantStoreError).message;
    if (unserved) throw failure!;
    // The table changed while these answered from memory: read them again, with the targets of
    // aliases among them, which the lookup reads next (one round trip, not two, inside the budget).
    return changed ? this.readMissing(withAliasTargets(fromMemory, found), found, report) : found;
  }

  /** Stale-if-error: a copy young enough answers (and keeps answering without a read for a few seconds); false if there is none. */
  private answerStale(entry: Entry | undefined, staleLimit: number, found: FoundItems, report: LookupReport | undefined): boolean {
    if (entry === undefined || entry.fetchedAt < staleLimit) return false;
    note(report, 'stale');
    found.set(entry.id, entry.value);
    const retryAt = this.now() + Math.min(RETRY_AFTER_FAILURE_MS, this.settings.ttlMs);
    entry.freshUntil = entry.vouchedUntil = Math.min(retryAt, entry.fetchedAt + this.settings.staleMs);
    entry.epoch = this.generation.epoch;
    entry.stale = true;
    if (this.entries.get(entry.id) !== entry) this.place(entry); // evicted during the read: it answers, so it is in use again
    return true;
  }

  /** Starts one round trip for `ids` and registers it as their read in flight. */
  private fetch(ids: readonly string[], report: LookupReport | undefined): void {
    if (report) report.storeCalls = (report.storeCalls ?? 0) + 1;
    // A Fetch never rejects: a failure is an outcome, so the in-flight entry
    // below is always cleared and no rejection goes unhandled.
    const failed = (error: unknown) => ({
      error: error instanceof TenantStoreError ? error : new TenantStoreError('DynamoDB read failed', { cause: error }),
    });
    // What the generation said when the read began tags what it finds (see Generation).
    const { epoch } = this.generation;
    const began = this.now();
    const vouchable = this.generation.vouchesReadBegunAt(began);
    const flight: Fetch = this.store
      .getItems(ids)
      .then((raw) => {
        const items = new Map<string, CheckedItem>();
        for (const [id, item] of raw) if (id !== GENERATION_ID) items.set(id, checkItem(item));
        const fetchedAt = this.now();
        for (const id of ids) {
          if (id === GENERATION_ID) this.generation.found(raw.get(id), began, fetchedAt);
          else this.remember(id, items.get(id), fetchedAt, epoch, vouchable);
        }
        return { items };
      })
      .catch((error: unknown) => {
        if (ids.includes(GENERATION_ID)) this.generation.failed(this.now());
        return failed(error);
      });
    for (const id of ids) this.inflight.set(id, { flight, epoch });
    void flight.then(() => {
      for (const id of ids) if (this.inflight.get(id)?.flight === flight) this.inflight.delete(id);
    });
  }

  private remember(id: string, value: CheckedItem | undefined, fetchedAt: number, epoch: number, vouchable: boolean): void {
    const freshUntil = fetchedAt + ttlFor(id, value, this.settings);
    const vouchedUntil = vouchable ? Math.max(freshUntil, fetchedAt + this.settings.maxTtlMs) : freshUntil;
    const entry = this.entries.get(id);
    if (entry === undefined) {
      this.place(new Entry(id, value, fetchedAt, freshUntil, vouchedUntil, epoch));
      return;
    }
    entry.value = value;
    entry.fetchedAt = fetchedAt;
    entry.freshUntil = freshUntil;
    entry.vouchedUntil = vouchedUntil;
    entry.epoch = epoch;
    entry.stale = false;
    this.place(entry);
  }

  /** Makes `entry` the most recently used of its budget (which its value decides), evicting beyond that budget. */
  private place(entry: Entry): void {
    const list = entry.value === undefined ? this.absent : this.present;
    if (entry.list !== list) entry.list?.remove(entry);
    this.entries.set(entry.id, entry);
    list.touch(entry);
    while (list.size > list.maxSize) {
      const evicted = list.oldest!;
      list.remove(evicted);
      this.entries.delete(evicted.id);
    }
  }
}
