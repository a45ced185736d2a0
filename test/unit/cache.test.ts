import { beforeAll, describe, expect, it, vi } from 'vitest';
import { TenantCache, cacheSettingsFromEnv, DEFAULT_CACHE_SETTINGS, type CacheSettings, type LookupReport } from '../../lib/tenants/cache';
import { createStoreClient, createTenantTable, TenantStoreError, type RawItem, type TenantStore, type TenantTable } from '../../lib/tenants/dynamodb';
import { GENERATION_ID } from '../../lib/tenants/model';
import { freeLoopbackPort } from '../support/ports';
import { createTestTable } from '../support/tenant-table';

// The cache in front of a real table on the run's dynalite. Round trips are
// counted where the cache calls the store; a "broken" store is the same table
// code pointed at a loopback port nothing listens on.

const SETTINGS: CacheSettings = { ttlMs: 60_000, negativeTtlMs: 10_000, mailboxAbsentTtlMs: 600_000, staleMs: 3_600_000, maxEntries: 100, maxAbsentEntries: 100, maxTtlMs: 900_000, generationCheckMs: 10_000 };

const domainItem = (id: string, server = `imap.${id}`): RawItem => ({
  id,
  protocols: [{ type: 'IMAP', server, port: 993, tls: 'implicit' }],
});

const freshTable = (items: RawItem[]): Promise<TenantTable> => createTestTable('cache', items);

let deadEndpoint: string;
beforeAll(async () => {
  deadEndpoint = `http://127.0.0.1:${await freeLoopbackPort()}`;
});

/**
 * A real store whose round trips are counted, and which can be switched to a dead endpoint. `calls` holds
 * the tenant ids of each round trip; `rounds` every round trip as sent, the generation item's id included.
 */
function countingStore(table: TenantTable) {
  const dead = createTenantTable(table.tableName, createStoreClient({ endpoint: deadEndpoint }));
  const calls: string[][] = [];
  const rounds: string[][] = [];
  let broken = false;
  const store: TenantStore = {
    getItems(ids) {
      rounds.push([...ids]);
      const tenantIds = ids.filter((id) => id !== GENERATION_ID);
      if (tenantIds.length > 0) calls.push(tenantIds);
      return (broken ? dead : table).getItems(ids);
    },
  };
  return { store, calls, rounds, breakStore: () => (broken = true), repairStore: () => (broken = false) };
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

  it('reads no mailbox item at a domain that says it has none, cold or cached, and ignores one written anyway', async () => {
    const table = await freshTable([
      { ...domainItem('none.example'), hasMailboxes: false },
      { id: 'stray@none.example', displayName: 'Never read' },
    ]);
    const { store, calls } = countingStore(table);
    const cache = new TenantCache(store, SETTINGS, testClock().now);

    // Cold: the domain and the address still go in one round trip; the answer ignores the item.
    const cold = await cache.lookup('none.example', 'stray@none.example');
    expect(cold.kind === 'hosted' && cold.tenant.mailbox).toBeUndefined();
    expect(calls).toEqual([['none.example', 'stray@none.example']]);

    for (const local of ['a', 'b', 'c', 'stray']) {
      const report: LookupReport = {};
      const lookup = cache.lookup('none.example', `${local}@none.example`, report);
      expect(lookup).not.toBeInstanceOf(Promise); // answered from memory, synchronously
      expect((lookup as Awaited<typeof lookup>).kind === 'hosted' && (lookup as { tenant: { mailbox?: unknown } }).tenant.mailbox).toBeUndefined();
      expect(report).toEqual({ cache: 'hit' });
    }
    expect(calls).toHaveLength(1);
  });

  it('reads the mailbox item where the domain announces mailbox items or does not say', async () => {
    const table = await freshTable([
      { ...domainItem('some.example'), hasMailboxes: true },
      { id: 'alice@some.example', displayName: 'Alice' },
      domainItem('unsaid.example'),
      { id: 'alice@unsaid.example', displayName: 'Alice too' },
    ]);
    const { store, calls } = countingStore(table);
    const cache = new TenantCache(store, SETTINGS, testClock().now);
    await cache.lookup('some.example');
    await cache.lookup('unsaid.example');
    const some = await cache.lookup('some.example', 'alice@some.example');
    const unsaid = await cache.lookup('unsaid.example', 'alice@unsaid.example');
    expect(some.kind === 'hosted' && some.tenant.mailbox?.displayName).toBe('Alice');
    expect(unsaid.kind === 'hosted' && unsaid.tenant.mailbox?.displayName).toBe('Alice too');
    expect(calls.slice(2)).toEqual([['alice@some.example'], ['alice@unsaid.example']]);
  });

  it('answers every address of a domain known not to be hosted from memory', async () => {
    const table = await freshTable([{ ...domainItem('off.unhosted.example'), enabled: false }]);
    const { store, calls } = countingStore(table);
    const cache = new TenantCache(store, SETTINGS, testClock().now);
    expect((await cache.lookup('nowhere.unhosted.example', 'first@nowhere.unhosted.example')).kind).toBe('notHosted');
    expect((await cache.lookup('off.unhosted.example', 'first@off.unhosted.example')).kind).toBe('notHosted');
    expect(calls).toEqual([
      ['nowhere.unhosted.example', 'first@nowhere.unhosted.example'],
      ['off.unhosted.example', 'first@off.unhosted.example'],
    ]);
    for (let i = 0; i < 20; i++) {
      expect(cache.lookup('nowhere.unhosted.example', `u${i}@nowhere.unhosted.example`)).toEqual({ kind: 'notHosted' });
      expect(cache.lookup('off.unhosted.example', `u${i}@off.unhosted.example`)).toEqual({ kind: 'notHosted' });
    }
    expect(calls).toHaveLength(2);
  });

  it("looks up an alias's mailbox items by the requested address, as the alias item announces them", async () => {
    const table = await freshTable([
      { ...domainItem('target.mbx.example'), hasMailboxes: true },
      { id: 'quiet.mbx.example', aliasOf: 'target.mbx.example', hasMailboxes: false },
      { id: 'busy.mbx.example', aliasOf: 'target.mbx.example', hasMailboxes: true },
      { id: 'bob@busy.mbx.example', displayName: 'Bob at the alias' },
      { id: 'bob@quiet.mbx.example', displayName: 'never read' },
    ]);
    const { store, calls } = countingStore(table);
    const cache = new TenantCache(store, SETTINGS, testClock().now);
    await cache.lookup('quiet.mbx.example');
    await cache.lookup('busy.mbx.example');
    expect(calls).toEqual([['quiet.mbx.example'], ['target.mbx.example'], ['busy.mbx.example']]);

    const quiet = cache.lookup('quiet.mbx.example', 'bob@quiet.mbx.example');
    expect(quiet).not.toBeInstanceOf(Promise);
    expect((quiet as Awaited<typeof quiet>).kind === 'hosted' && (quiet as { tenant: { mailbox?: unknown } }).tenant.mailbox).toBeUndefined();
    const busy = await cache.lookup('busy.mbx.example', 'bob@busy.mbx.example');
    expect(busy.kind === 'hosted' && busy.tenant.mailbox?.displayName).toBe('Bob at the alias');
    expect(busy.kind === 'hosted' && busy.tenant.settings.id).toBe('target.mbx.example');
    expect(calls.slice(3)).toEqual([['bob@busy.mbx.example']]);
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

  it('keeps ids without an item in a budget of their own, so a flood of them evicts no domain', async () => {
    const hot = ['a', 'b', 'c'].map((n) => `${n}.hot.example`);
    const table = await freshTable([...hot.map((id) => domainItem(id)), domainItem('open.example')]);
    const { store, calls } = countingStore(table);
    const cache = new TenantCache(store, { ...SETTINGS, maxEntries: 4, maxAbsentEntries: 5 }, testClock().now);
    for (const id of hot) await cache.lookup(id);
    await cache.lookup('open.example');
    const before = calls.length;

    // Distinct addresses of a domain without hasMailboxes, and distinct unhosted domains.
    for (let i = 0; i < 40; i++) {
      await cache.lookup('open.example', `flood${i}@open.example`);
      await cache.lookup(`flood${i}.nowhere.example`);
    }
    expect(calls.length - before).toBe(80);
    expect(cache.size).toBe(4 + 5);
    for (const id of hot) expect(serverOf(cache.lookup(id) as Awaited<ReturnType<TenantCache['lookup']>>)).toBe(`imap.${id}`);
    expect(calls.length - before).toBe(80);

    // The absent budget is an LRU of its own: the latest five are still known.
    await cache.lookup('flood39.nowhere.example');
    await cache.lookup('open.example', 'flood39@open.example');
    expect(calls.length - before).toBe(80);
    await cache.lookup('flood0.nowhere.example');
    expect(calls.length - before).toBe(81);
  });

  it('moves an id between the budgets when its item appears or goes', async () => {
    const table = await freshTable([domainItem('keep.move.example')]);
    const { store, calls } = countingStore(table);
    const clock = testClock();
    const cache = new TenantCache(store, { ...SETTINGS, maxEntries: 2, maxAbsentEntries: 1 }, clock.now);
    await cache.lookup('keep.move.example');
    expect((await cache.lookup('new.move.example')).kind).toBe('notHosted');
    await table.putItem(domainItem('new.move.example'));
    clock.advance(SETTINGS.negativeTtlMs);
    expect((await cache.lookup('new.move.example')).kind).toBe('hosted'); // now counted with the items that exist
    expect((await cache.lookup('gone.move.example')).kind).toBe('notHosted'); // fills the absent budget alone
    const before = calls.length;
    await cache.lookup('keep.move.example');
    await cache.lookup('new.move.example');
    expect(calls.length).toBe(before);
    expect(cache.size).toBe(3);
  });

  it('measures ages on a monotonic clock: a wall clock stepped back keeps nothing fresh', async () => {
    // One item, so the table is active before the first read (dynalite activates a new table on a timer).
    const table = await freshTable([domainItem('other.step.example')]);
    const { store, calls } = countingStore(table);
    const cache = new TenantCache(store, { ...SETTINGS, negativeTtlMs: 20 });
    await cache.lookup('step.example');
    const wallClock = vi.spyOn(Date, 'now');
    try {
      await new Promise((resolve) => setTimeout(resolve, 40));
      const steppedBack = Date.now() - 3_600_000;
      wallClock.mockReturnValue(steppedBack);
      await cache.lookup('step.example');
    } finally {
      wallClock.mockRestore();
    }
    expect(calls).toEqual([['step.example'], ['step.example']]);
  });

  it('keeps a stale copy for a refresh in flight even if the entry is evicted meanwhile', async () => {
    const table = await freshTable(['slow', 'x', 'y', 'z'].map((n) => domainItem(`${n}.evict.example`)));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holdSlow = false;
    const store: TenantStore = {
      async getItems(ids) {
        if (holdSlow && ids.includes('slow.evict.example')) {
          await held;
          throw new TenantStoreError('DynamoDB GetItem failed: TimeoutError');
        }
        return table.getItems(ids);
      },
    };
    const clock = testClock();
    const cache = new TenantCache(store, { ...SETTINGS, maxEntries: 2 }, clock.now);
    await cache.lookup('slow.evict.example');
    clock.advance(SETTINGS.ttlMs);
    holdSlow = true;
    const report: LookupReport = {};
    const refresh = cache.lookup('slow.evict.example', undefined, report);
    for (const n of ['x', 'y', 'z']) await cache.lookup(`${n}.evict.example`); // evicts "slow" while its read waits
    release();
    expect(serverOf(await refresh)).toBe('imap.slow.evict.example');
    expect(report.cache).toBe('stale');
    // The copy is back in the cache and answers the next request without a read.
    expect(serverOf(cache.lookup('slow.evict.example') as Awaited<ReturnType<TenantCache['lookup']>>)).toBe('imap.slow.evict.example');
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

describe('TenantCache with a generation item', () => {
  /** A table holding `items` and a generation item, behind a counting store, and a cache over it. */
  async function generationCache(items: RawItem[]) {
    const table = await freshTable(items);
    await table.bumpGeneration();
    const counting = countingStore(table);
    const clock = testClock();
    const cache = new TenantCache(counting.store, SETTINGS, clock.now);
    // The first read of a cold instance learns the generation; what it finds keeps the plain TTL.
    await cache.lookup('warm-up.gen.example');
    counting.rounds.length = 0;
    return { table, cache, clock, ...counting };
  }
  const { maxTtlMs, generationCheckMs, ttlMs } = SETTINGS;

  it('keeps every entry up to the long TTL while the generation holds, reading only the generation once per interval', async () => {
    const { cache, clock, rounds } = await generationCache([domainItem('long.gen.example'), { id: 'ann@long.gen.example', displayName: 'Ann' }]);
    await cache.lookup('long.gen.example', 'ann@long.gen.example');
    await cache.lookup('long.gen.example', 'bob@long.gen.example');
    await cache.lookup('gone.gen.example');
    expect(rounds).toEqual([['long.gen.example', 'ann@long.gen.example'], ['bob@long.gen.example'], ['gone.gen.example']]);
    rounds.length = 0;

    // Hits within an interval are synchronous; the first hit after it waits for one GetItem of the generation.
    for (let elapsed = 0; elapsed + generationCheckMs < maxTtlMs; elapsed += generationCheckMs) {
      clock.advance(generationCheckMs);
      const report: LookupReport = {};
      const checked = cache.lookup('long.gen.example', 'ann@long.gen.example', report);
      expect(checked).toBeInstanceOf(Promise);
      const lookup = await checked;
      expect(lookup.kind === 'hosted' && lookup.tenant.mailbox?.displayName).toBe('Ann');
      expect(report).toMatchObject({ cache: 'miss', storeCalls: 1 });
      const sync = [cache.lookup('long.gen.example', 'bob@long.gen.example'), cache.lookup('gone.gen.example')];
      expect(sync.map((l) => (l instanceof Promise ? 'promise' : l.kind))).toEqual(['hosted', 'notHosted']);
    }
    expect(rounds.every((ids) => ids.length === 1 && ids[0] === GENERATION_ID)).toBe(true);
    expect(rounds).toHaveLength(Math.ceil(maxTtlMs / generationCheckMs) - 1);

    // At the long TTL, entries are read again.
    clock.advance(generationCheckMs);
    rounds.length = 0;
    await cache.lookup('long.gen.example', 'ann@long.gen.example');
    expect(rounds).toEqual([['long.gen.example', 'ann@long.gen.example', GENERATION_ID]]);
  });

  it('expires every entry read before a change, also those that answered while the check was under way', async () => {
    const { table, cache, clock, rounds } = await generationCache([domainItem('old.gen.example', 'imap.old.example')]);
    await cache.lookup('old.gen.example');
    await cache.lookup('absent.gen.example');
    await table.putItem(domainItem('old.gen.example', 'imap.new.example'));
    await table.putItem(domainItem('absent.gen.example'));
    clock.advance(ttlMs * 2);
    // Not bumped: the entries are past their plain TTL and still answer.
    clock.advance(generationCheckMs);
    expect(serverOf(await cache.lookup('old.gen.example'))).toBe('imap.old.example');
    expect((await cache.lookup('absent.gen.example')).kind).toBe('notHosted');

    await table.bumpGeneration();
    clock.advance(generationCheckMs);
    rounds.length = 0;
    // The check rides on the miss of a new domain; the change it finds sends what answered from memory back to the table.
    const [fresh, old] = await Promise.all([cache.lookup('other.gen.example'), cache.lookup('old.gen.example')]);
    expect(fresh.kind).toBe('notHosted');
    expect(serverOf(old)).toBe('imap.new.example');
    expect(serverOf(await cache.lookup('absent.gen.example'))).toBe('imap.absent.gen.example');
    expect(rounds).toEqual([['other.gen.example', GENERATION_ID], ['old.gen.example'], ['absent.gen.example']]);
  });

  it('falls back to the plain TTLs and stale copies when the generation read fails, and retries it after a pause', async () => {
    const { cache, clock, rounds, breakStore, repairStore } = await generationCache([domainItem('fail.gen.example'), domainItem('young.gen.example')]);
    await cache.lookup('fail.gen.example');
    clock.advance(ttlMs * 2);
    clock.advance(generationCheckMs);
    await cache.lookup('young.gen.example'); // read at the check: within its plain TTL from here
    rounds.length = 0;

    breakStore();
    clock.advance(generationCheckMs);
    const young: LookupReport = {};
    expect(serverOf(await cache.lookup('young.gen.example', undefined, young))).toBe('imap.young.gen.example');
    expect(young).toMatchObject({ cache: 'miss', storeError: expect.stringMatching(/^DynamoDB \w+ failed/) });
    const old: LookupReport = {};
    expect(serverOf(await cache.lookup('fail.gen.example', undefined, old))).toBe('imap.fail.gen.example');
    expect(old.cache).toBe('stale');
    // Past its plain TTL the entry is read (no generation vouches for it), and that read failing leaves the stale copy.
    expect(rounds).toEqual([[GENERATION_ID], ['fail.gen.example']]);

    repairStore();
    clock.advance(1_000); // within the pause after the failure: no check; the plain TTL and the stale copy answer
    expect(cache.lookup('young.gen.example')).not.toBeInstanceOf(Promise);
    expect(cache.lookup('fail.gen.example')).not.toBeInstanceOf(Promise);
    expect(rounds).toHaveLength(2);
    clock.advance(5_000);
    expect(serverOf(await cache.lookup('young.gen.example'))).toBe('imap.young.gen.example');
    expect(rounds.slice(2)).toEqual([[GENERATION_ID]]);
    expect(cache.lookup('young.gen.example')).not.toBeInstanceOf(Promise);
  });
});

describe('cacheSettingsFromEnv', () => {
  it('reads seconds and counts, and keeps defaults for missing values', () => {
    const { settings, problems } = cacheSettingsFromEnv({
      CACHE_TTL_SECONDS: '5',
      CACHE_MAX_ENTRIES: '300',
      CACHE_STALE_SECONDS: '0.5',
      CACHE_MAILBOX_ABSENT_TTL_SECONDS: '120',
      CACHE_MAX_ABSENT_ENTRIES: '50',
      CACHE_MAX_TTL_SECONDS: '1800',
      CACHE_GENERATION_CHECK_SECONDS: '2.5',
    });
    expect(settings).toEqual({
      ...DEFAULT_CACHE_SETTINGS,
      ...{ ttlMs: 5000, maxEntries: 300, staleMs: 500, mailboxAbsentTtlMs: 120_000, maxAbsentEntries: 50, maxTtlMs: 1_800_000, generationCheckMs: 2500 },
    });
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
