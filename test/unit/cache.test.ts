import { beforeAll, describe, expect, it } from 'vitest';
import { TenantCache, cacheSettingsFromEnv, DEFAULT_CACHE_SETTINGS, type CacheSettings, type LookupReport } from '../../lib/tenants/cache';
import { createDocumentClient, createTenantTable, TenantStoreError, type RawItem, type TenantStore, type TenantTable } from '../../lib/tenants/dynamodb';
import { freeLoopbackPort } from '../support/ports';
import { createTestTable } from '../support/tenant-table';

// The cache in front of a real table on the run's dynalite. Round trips are
// counted where the cache calls the store; a "broken" store is the same table
// code pointed at a loopback port nothing listens on.

const SETTINGS: CacheSettings = { ttlMs: 60_000, negativeTtlMs: 10_000, mailboxAbsentTtlMs: 600_000, staleMs: 3_600_000, maxEntries: 100, maxAbsentEntries: 100 };

const domainItem = (id: string, server = `imap.${id}`): RawItem => ({
  id,
  protocols: [{ type: 'IMAP', server, port: 993, tls: 'implicit' }],
});

const freshTable = (items: RawItem[]): Promise<TenantTable> => createTestTable('cache', items);

let deadEndpoint: string;
beforeAll(async () => {
  deadEndpoint = `http://127.0.0.1:${await freeLoopbackPort()}`;
});

/** A real store whose round trips are counted, and which can be switched to a dead endpoint. */
function countingStore(table: TenantTable) {
  const dead = createTenantTable(table.tableName, createDocumentClient({ endpoint: deadEndpoint }));
  const calls: string[][] = [];
  let broken = false;
  const store: TenantStore = {
    getItems(ids) {
      calls.push([...ids]);
      return (broken ? dead : table).getItems(ids);
    },
  };
  return { store, calls, breakStore: () => (broken = true), repairStore: () => (broken = false) };
}

function testClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const serverOf = (lookup: Awaited<ReturnType<TenantCache['lookup']>>): string | undefined =>
  lookup.kind === 'hosted' ? lookup.tenant.settings.protocols[0]?.server : undefined;

describe('TenantCache', () => {
  it('answers from memory within the TTL and reads again after it', async () => {
    const table = await freshTable([domainItem('ttl.example', 'imap.old.example')]);
    const { store, calls } = countingStore(table);
    const clock = testClock();
    const cache = new TenantCache(store, SETTINGS, clock.now);

    expect(serverOf(await cache.lookup('ttl.example'))).toBe('imap.old.example');
    await table.putItem(domainItem('ttl.example', 'imap.new.example'));
    clock.advance(SETTINGS.ttlMs - 1);
    const report: LookupReport = {};
    expect(serverOf(await cache.lookup('ttl.example', undefined, report))).toBe('imap.old.example');
    expect(report.cache).toBe('hit');
    expect(calls).toHaveLength(1);

    clock.advance(1);
    const after: LookupReport = {};
    expect(serverOf(await cache.lookup('ttl.example', undefined, after))).toBe('imap.new.example');
    expect(after).toMatchObject({ cache: 'miss', storeCalls: 1 });
    expect(calls).toHaveLength(2);
  });

  it('reads a domain and a mailbox in one round trip, and shares the domain item between addresses', async () => {
    const table = await freshTable([domainItem('share.example'), { id: 'alice@share.example', displayName: 'Alice' }]);
    const { store, calls } = countingStore(table);
    const cache = new TenantCache(store, SETTINGS, testClock().now);

    const alice = await cache.lookup('share.example', 'alice@share.example');
    expect(alice.kind === 'hosted' && alice.tenant.mailbox?.displayName).toBe('Alice');
    expect(calls).toEqual([['share.example', 'alice@share.example']]);

    const bob = await cache.lookup('share.example', 'bob@share.example');
    expect(bob.kind === 'hosted' && bob.tenant.mailbox).toBeUndefined();
    expect(calls[1]).toEqual(['bob@share.example']); // the domain came from memory

    await cache.lookup('share.example', 'bob@share.example'); // "no mailbox item" is cached too
    await cache.lookup('share.example'); // and so is the domain for a bodiless GET
    expect(calls).toHaveLength(2);
  });

  it('reads an alias target once for all its aliases', async () => {
    const table = await freshTable([
      domainItem('target.example'),
      { id: 'a.alias.example', aliasOf: 'target.example' },
      { id: 'b.alias.example', aliasOf: 'target.example' },
    ]);
    const { store, calls } = countingStore(table);
    const cache = new TenantCache(store, SETTINGS, testClock().now);
    const a = await cache.lookup('a.alias.example');
    const b = await cache.lookup('b.alias.example');
    expect(a.kind === 'hosted' && a.tenant.aliasOf).toBe('target.example');
    expect(b.kind === 'hosted' && b.tenant.settings.id).toBe('target.example');
    expect(calls).toEqual([['a.alias.example'], ['target.example'], ['b.alias.example']]);
  });

  it('keeps at most maxEntries items, dropping the least recently used', async () => {
    const table = await freshTable(['one', 'two', 'three'].map((n) => domainItem(`${n}.lru.example`)));
    const { store, calls } = countingStore(table);
    const cache = new TenantCache(store, { ...SETTINGS, maxEntries: 2 }, testClock().now);

    await cache.lookup('one.lru.example');
    await cache.lookup('two.lru.example');
    await cache.lookup('one.lru.example'); // hit: "one" becomes the most recently used
    await cache.lookup('three.lru.example'); // evicts "two"
    expect(cache.size).toBe(2);
    expect(calls).toHaveLength(3);

    await cache.lookup('one.lru.example');
    expect(calls).toHaveLength(3);
    await cache.lookup('two.lru.example');
    expect(calls).toHaveLength(4);
    expect(cache.size).toBe(2);
  });

  it('evicts exactly the least recently used item, hits and refreshes counting as use', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `n${i}.lru.example`);
    const table = await freshTable(names.map((name) => domainItem(name)));
    const { store, calls } = countingStore(table);
    const clock = testClock();
    const settings = { ...SETTINGS, maxEntries: 4 };
    const cache = new TenantCache(store, settings, clock.now);

    // The reference: a Map in recency order, by the book. Items expire now and then, so refreshes move them too.
    const recency = new Map<string, number>();
    const expected: string[][] = [];
    let seed = 7;
    for (let step = 0; step < 150; step++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const name = names[seed % names.length]!;
      if (step % 37 === 36) clock.advance(settings.ttlMs / 3);
      const freshUntil = recency.get(name);
      if (freshUntil === undefined || clock.now() >= freshUntil) {
        expected.push([name]);
        recency.delete(name);
        recency.set(name, clock.now() + settings.ttlMs);
        if (recency.size > settings.maxEntries) recency.delete(recency.keys().next().value!);
      } else {
        recency.delete(name);
        recency.set(name, freshUntil);
      }
      await cache.lookup(name);
    }
    expect(calls).toEqual(expected);
    expect(cache.size).toBe(settings.maxEntries);
  });

  it('caches a disabled domain whose item also breaks the contract as not hosted, for the negative TTL', async () => {
    const table = await freshTable([{ ...domainItem('off-broken.neg.example'), enabled: false, usePOPAuth: true }]);
    const { store, calls } = countingStore(table);
    const clock = testClock();
    const cache = new TenantCache(store, SETTINGS, clock.now);

    expect((await cache.lookup('off-broken.neg.example')).kind).toBe('notHosted');
    clock.advance(SETTINGS.negativeTtlMs - 1);
    expect((await cache.lookup('off-broken.neg.example')).kind).toBe('notHosted');
    expect(calls).toHaveLength(1);
    clock.advance(1);
    await cache.lookup('off-broken.neg.example');
    expect(calls).toHaveLength(2);
  });

  it('caches unhosted and disabled domains for the shorter negative TTL', async () => {
    const table = await freshTable([domainItem('hosted.neg.example'), { ...domainItem('off.neg.example'), enabled: false }]);
    const { store, calls } = countingStore(table);
    const clock = testClock();
    const cache = new TenantCache(store, SETTINGS, clock.now);

    expect((await cache.lookup('nowhere.neg.example')).kind).toBe('notHosted');
    expect((await cache.lookup('off.neg.example')).kind).toBe('notHosted');
    await cache.lookup('hosted.neg.example');
    expect(calls).toHaveLength(3);

    clock.advance(SETTINGS.negativeTtlMs - 1);
    await cache.lookup('nowhere.neg.example');
    await cache.lookup('off.neg.example');
    expect(calls).toHaveLength(3);

    await table.putItem(domainItem('nowhere.neg.example')); // the domain goes live
    clock.advance(1);
    expect((await cache.lookup('nowhere.neg.example')).kind).toBe('hosted');
    await cache.lookup('off.neg.example');
    await cache.lookup('hosted.neg.example'); // positive entry: still fresh
    expect(calls.map((ids) => ids[0])).toEqual([
      'nowhere.neg.example',
      'off.neg.example',
      'hosted.neg.example',
      'nowhere.neg.example',
      'off.neg.example',
    ]);
  });

  it('keeps "no mailbox item" for mailboxAbsentTtl, while mailbox items and domains keep the TTL', async () => {
    const table = await freshTable([domainItem('absent.example'), { id: 'alice@absent.example', displayName: 'Alice' }]);
    const { store, calls } = countingStore(table);
    const clock = testClock();
    const cache = new TenantCache(store, SETTINGS, clock.now);
    const displayName = async (local: string, report?: LookupReport) => {
      const lookup = await cache.lookup('absent.example', `${local}@absent.example`, report);
      return lookup.kind === 'hosted' ? (lookup.tenant.mailbox?.displayName ?? null) : lookup.kind;
    };

    expect(await displayName('alice')).toBe('Alice');
    expect(await displayName('bob')).toBeNull();
    expect(calls).toEqual([['absent.example', 'alice@absent.example'], ['bob@absent.example']]);

    // Past the TTL the domain and Alice's item are read again; Bob's "no item" is still fresh.
    await table.putItem({ id: 'bob@absent.example', displayName: 'Bob' });
    clock.advance(SETTINGS.ttlMs);
    const bobReport: LookupReport = {};
    expect(await displayName('bob', bobReport)).toBeNull();
    expect(bobReport).toMatchObject({ cache: 'miss', storeCalls: 1 });
    expect(await displayName('alice')).toBe('Alice');
    expect(calls.slice(2)).toEqual([['absent.example'], ['alice@absent.example']]);

    // Bob's new override shows once mailboxAbsentTtl has passed since his "no item" was read.
    clock.advance(SETTINGS.mailboxAbsentTtlMs - SETTINGS.ttlMs - 1);
    expect(await displayName('bob')).toBeNull();
    expect(calls.at(-1)).toEqual(['absent.example']);
    clock.advance(1);
    expect(await displayName('bob')).toBe('Bob');
    expect(calls.at(-1)).toEqual(['bob@absent.example']);
    // An address that never asked sees an override at once.
    await table.putItem({ id: 'carol@absent.example', displayName: 'Carol' });
    expect(await displayName('carol')).toBe('Carol');
  });

  it('serves a "no mailbox item" entry stale-if-error like any other item', async () => {
    const table = await freshTable([domainItem('absent-stale.example')]);
    const { store, calls, breakStore } = countingStore(table);
    const clock = testClock();
    const cache = new TenantCache(store, SETTINGS, clock.now);
    await cache.lookup('absent-stale.example', 'bob@absent-stale.example');

    breakStore();
    clock.advance(SETTINGS.mailboxAbsentTtlMs);
    const report: LookupReport = {};
    const stale = await cache.lookup('absent-stale.example', 'bob@absent-stale.example', report);
    expect(stale.kind === 'hosted' && stale.tenant.mailbox).toBeUndefined();
    expect(report).toMatchObject({ cache: 'stale', storeCalls: 1 });
    expect(calls.at(-1)).toEqual(['absent-stale.example', 'bob@absent-stale.example']);
  });

  it('caches an item that breaks the contract, so it is validated and read once per TTL', async () => {
    const table = await freshTable([{ id: 'bad.example', protocols: [{ type: 'IMAP', server: 'imap.bad.example', port: 0, tls: 'implicit' }] }]);
    const { store, calls } = countingStore(table);
    const cache = new TenantCache(store, SETTINGS, testClock().now);
    const first = await cache.lookup('bad.example');
    const second = await cache.lookup('bad.example');
    expect(first.kind === 'invalid' && first.problem.path).toBe('protocols[0].port');
    expect(second).toEqual(first);
    expect(calls).toHaveLength(1);
  });

  it('makes one round trip for concurrent misses of the same key', async () => {
    const table = await freshTable([domainItem('flight.example'), { id: 'carol@flight.example', displayName: 'Carol' }]);
    const { store, calls } = countingStore(table);
    const cache = new TenantCache(store, SETTINGS, testClock().now);

    const reports: LookupReport[] = Array.from({ length: 25 }, () => ({}));
    const lookups = await Promise.all(reports.map((report) => cache.lookup('flight.example', 'carol@flight.example', report)));
    expect(calls).toHaveLength(1);
    for (const lookup of lookups) expect(lookup.kind === 'hosted' && lookup.tenant.mailbox?.displayName).toBe('Carol');
    expect(reports.filter((r) => r.storeCalls === 1)).toHaveLength(1);
    expect(reports.every((r) => r.cache === 'miss')).toBe(true);

    // Other addresses of a domain being read wait for that read and fetch only their mailbox item.
    const cold = new TenantCache(store, SETTINGS, testClock().now);
    await Promise.all(['a', 'b', 'c'].map((local) => cold.lookup('flight.example', `${local}@flight.example`)));
    expect(calls.slice(1)).toEqual([['flight.example', 'a@flight.example'], ['b@flight.example'], ['c@flight.example']]);
  });

  it('serves a copy up to staleMs old when DynamoDB fails, says so, and then fails with 603 material', async () => {
    const table = await freshTable([domainItem('stale.example'), { id: 'dave@stale.example', displayName: 'Dave' }]);
    const { store, calls, breakStore, repairStore } = countingStore(table);
    const clock = testClock();
    const settings = { ...SETTINGS, staleMs: 600_000 };
    const cache = new TenantCache(store, settings, clock.now);
    await cache.lookup('stale.example', 'dave@stale.example');

    breakStore();
    clock.advance(settings.ttlMs + 1);
    const report: LookupReport = {};
    const stale = await cache.lookup('stale.example', 'dave@stale.example', report);
    expect(stale.kind === 'hosted' && stale.tenant.mailbox?.displayName).toBe('Dave');
    expect(report.cache).toBe('stale');
    expect(report.storeError).toMatch(/^DynamoDB \w+ failed/);
    expect(calls).toHaveLength(2);

    // Right after a failure the stale copy answers without waiting for DynamoDB again.
    const next: LookupReport = {};
    await cache.lookup('stale.example', 'dave@stale.example', next);
    expect(next.cache).toBe('stale');
    expect(calls).toHaveLength(2);

    // An address never seen before has no copy: the failure reaches the caller (row 4, 603).
    await expect(cache.lookup('stale.example', 'erin@stale.example')).rejects.toBeInstanceOf(TenantStoreError);

    // Past staleMs the copy is too old to answer.
    clock.advance(settings.staleMs);
    await expect(cache.lookup('stale.example', 'dave@stale.example')).rejects.toBeInstanceOf(TenantStoreError);

    // Once DynamoDB is back, answers are fresh again.
    repairStore();
    const back: LookupReport = {};
    const fresh = await cache.lookup('stale.example', 'dave@stale.example', back);
    expect(fresh.kind).toBe('hosted');
    expect(back.cache).toBe('miss');
  });
});

describe('cacheSettingsFromEnv', () => {
  it('reads seconds and counts, and keeps defaults for missing values', () => {
    const { settings, problems } = cacheSettingsFromEnv({
      CACHE_TTL_SECONDS: '5',
      CACHE_MAX_ENTRIES: '300',
      CACHE_STALE_SECONDS: '0.5',
      CACHE_MAILBOX_ABSENT_TTL_SECONDS: '120',
    });
    expect(settings).toEqual({ ...DEFAULT_CACHE_SETTINGS, ttlMs: 5000, maxEntries: 300, staleMs: 500, mailboxAbsentTtlMs: 120_000 });
    expect(problems).toEqual([]);
  });

  it('names a bad value and keeps its default', () => {
    const { settings, problems } = cacheSettingsFromEnv({ CACHE_NEGATIVE_TTL_SECONDS: 'ten', CACHE_TTL_SECONDS: '-1' });
    expect(DEFAULT_CACHE_SETTINGS.mailboxAbsentTtlMs).toBe(600_000);
    expect(settings).toEqual(DEFAULT_CACHE_SETTINGS);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('CACHE_TTL_SECONDS');
    expect(problems[1]).toContain('CACHE_NEGATIVE_TTL_SECONDS');
  });
});
