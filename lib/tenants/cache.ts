import { TenantStoreError, type TenantStore } from './dynamodb';
import { checkItem, resolveTenant, type CheckedItem, type TenantLookup } from './resolve';
import { isMailboxId, type DomainItem } from './model';

// A per-instance cache of checked tenant items. Items are cached one by one
// (domain items, mailbox items, alias targets), each positive or negative,
// so every address of a cached domain shares the domain item and an alias
// target is read once for all its aliases. Nothing here starts a timer: a
// frozen or idle Lambda instance holds no work, and time is read from the
// injected clock only when a lookup runs.

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
  /** Items kept at most; the least recently used go first. */
  readonly maxEntries: number;
}

export const DEFAULT_CACHE_SETTINGS: CacheSettings = {
  ttlMs: 60_000,
  negativeTtlMs: 20_000,
  mailboxAbsentTtlMs: 600_000,
  staleMs: 3_600_000,
  maxEntries: 20_000,
};

const ENV_SETTINGS: ReadonlyArray<readonly [variable: string, key: keyof CacheSettings, scale: number]> = [
  ['CACHE_TTL_SECONDS', 'ttlMs', 1000],
  ['CACHE_NEGATIVE_TTL_SECONDS', 'negativeTtlMs', 1000],
  ['CACHE_MAILBOX_ABSENT_TTL_SECONDS', 'mailboxAbsentTtlMs', 1000],
  ['CACHE_STALE_SECONDS', 'staleMs', 1000],
  ['CACHE_MAX_ENTRIES', 'maxEntries', 1],
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
 * One cached item, and its place in the recency list. Entries are updated in
 * place: a hit only relinks two neighbours, where re-inserting into the Map
 * (delete + set) would leave deleted slots behind that every later lookup of a
 * hot key walks past until the Map rehashes.
 */
class Entry {
  /** Kept past its TTL because DynamoDB failed: answers say `stale` until a read succeeds. */
  stale = false;
  /** Neighbours in the recency list (older towards `oldest`, newer towards `newest`). */
  older: Entry | undefined;
  newer: Entry | undefined;

  constructor(
    readonly id: string,
    /** undefined: the table has no such item (a negative entry). */
    public value: CheckedItem | undefined,
    public fetchedAt: number,
    public freshUntil: number,
  ) {}
}

type Fetch = Promise<{ readonly items: ReadonlyMap<string, CheckedItem> } | { readonly error: TenantStoreError }>;

/**
 * After a failed read, a stale copy answers without asking DynamoDB again for
 * this long, so an outage costs one timed-out read per item every few seconds,
 * not one per request.
 */
const RETRY_AFTER_FAILURE_MS = 5_000;

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

export class TenantCache {
  private readonly entries = new Map<string, Entry>();
  /** Ends of the recency list: the least recently used entry goes first when the cache is full. */
  private oldest: Entry | undefined;
  private newest: Entry | undefined;
  /** Reads under way, by item id: concurrent misses for one id wait for the same round trip. */
  private readonly inflight = new Map<string, Fetch>();

  constructor(
    private readonly store: TenantStore,
    private readonly settings: CacheSettings = DEFAULT_CACHE_SETTINGS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `lookupTenant` with the cache in front; same answers, fewer round trips.
   * Synchronous when every item the lookup needs is fresh in memory.
   */
  lookup(domain: string, mailboxId?: string, report?: LookupReport): TenantLookup | Promise<TenantLookup> {
    return resolveTenant((ids) => this.read(ids, report), domain, mailboxId);
  }

  /** Items held, fresh or not (for tests and the benchmark). */
  get size(): number {
    return this.entries.size;
  }

  private read(ids: readonly string[], report: LookupReport | undefined): ReadonlyMap<string, CheckedItem> | Promise<ReadonlyMap<string, CheckedItem>> {
    const found = new Map<string, CheckedItem>();
    let missing: string[] | undefined;
    const now = this.now();
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (entry !== undefined && now < entry.freshUntil) {
        this.touch(entry);
        if (entry.value !== undefined) found.set(id, entry.value);
        if (entry.stale) note(report, 'stale');
      } else {
        (missing ??= []).push(id);
      }
    }
    if (missing === undefined) {
      note(report, 'hit'); // no-op when a stale copy already said 'stale'
      return found;
    }
    return this.readMissing(missing, found, report);
  }

  /** Waits for the round trips `missing` needs (starting those nobody has started), then falls back to stale copies. */
  private async readMissing(missing: readonly string[], found: Map<string, CheckedItem>, report: LookupReport | undefined): Promise<ReadonlyMap<string, CheckedItem>> {
    note(report, 'miss');
    const unclaimed = missing.filter((id) => !this.inflight.has(id));
    if (unclaimed.length > 0) this.fetch(unclaimed, report);
    const flights = missing.map((id) => this.inflight.get(id)!);
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
        const value = outcome.items.get(id);
        if (value !== undefined) found.set(id, value);
        return;
      }
      failure = outcome.error;
      const entry = this.entries.get(id);
      if (entry === undefined || entry.fetchedAt < staleLimit) {
        unserved = true;
        return;
      }
      note(report, 'stale');
      if (entry.value !== undefined) found.set(id, entry.value);
      const retryAt = this.now() + Math.min(RETRY_AFTER_FAILURE_MS, this.settings.ttlMs);
      entry.freshUntil = Math.min(retryAt, entry.fetchedAt + this.settings.staleMs);
      entry.stale = true;
    });
    if (failure !== undefined && report) report.storeError = (failure as TenantStoreError).message;
    if (unserved) throw failure!;
    return found;
  }

  /** Starts one round trip for `ids` and registers it as their read in flight. */
  private fetch(ids: readonly string[], report: LookupReport | undefined): void {
    if (report) report.storeCalls = (report.storeCalls ?? 0) + 1;
    // A Fetch never rejects: a failure is an outcome, so the in-flight entry
    // below is always cleared and no rejection goes unhandled.
    const failed = (error: unknown) => ({
      error: error instanceof TenantStoreError ? error : new TenantStoreError('DynamoDB read failed', { cause: error }),
    });
    const flight: Fetch = this.store
      .getItems(ids)
      .then((raw) => {
        const items = new Map<string, CheckedItem>();
        for (const [id, item] of raw) items.set(id, checkItem(item));
        const fetchedAt = this.now();
        for (const id of ids) this.remember(id, items.get(id), fetchedAt);
        return { items };
      })
      .catch(failed);
    for (const id of ids) this.inflight.set(id, flight);
    void flight.then(() => {
      for (const id of ids) if (this.inflight.get(id) === flight) this.inflight.delete(id);
    });
  }

  private remember(id: string, value: CheckedItem | undefined, fetchedAt: number): void {
    const freshUntil = fetchedAt + ttlFor(id, value, this.settings);
    let entry = this.entries.get(id);
    if (entry === undefined) {
      entry = new Entry(id, value, fetchedAt, freshUntil);
      this.entries.set(id, entry);
    } else {
      entry.value = value;
      entry.fetchedAt = fetchedAt;
      entry.freshUntil = freshUntil;
      entry.stale = false;
    }
    this.touch(entry);
    while (this.entries.size > this.settings.maxEntries) {
      const evicted = this.oldest!;
      this.unlink(evicted);
      this.entries.delete(evicted.id);
    }
  }

  /** Makes `entry` the most recently used. */
  private touch(entry: Entry): void {
    if (entry === this.newest) return;
    this.unlink(entry);
    entry.older = this.newest;
    if (this.newest) this.newest.newer = entry;
    this.newest = entry;
    this.oldest ??= entry;
  }

  private unlink(entry: Entry): void {
    if (entry.older) entry.older.newer = entry.newer;
    else if (this.oldest === entry) this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else if (this.newest === entry) this.newest = entry.older;
    entry.older = entry.newer = undefined;
  }
}
