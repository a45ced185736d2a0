import { describe, expect, it } from 'vitest';
import { TenantCache, DEFAULT_CACHE_SETTINGS, type CacheSettings } from '../../lib/tenants/cache';
import type { RawItem, TenantStore } from '../../lib/tenants/dynamodb';
import { GENERATION_ID } from '../../lib/tenants/model';
import type { TenantLookup } from '../../lib/tenants/resolve';

// Two races of the generation item that a real DynamoDB allows and dynalite
// (strongly consistent, instant) cannot show: the cache is driven here by an
// in-memory table whose reads snapshot when they are sent and answer when the
// test releases them, with the cache's clock injected.

const SETTINGS: CacheSettings = { ...DEFAULT_CACHE_SETTINGS, maxTtlMs: 900_000, generationCheckMs: 10_000 };
const domain = (id: string, server: string): RawItem => ({ id, hasMailboxes: false, protocols: [{ type: 'IMAP', server, port: 993, tls: 'implicit' }] });
const serverOf = (lookup: TenantLookup): string => (lookup.kind === 'hosted' ? lookup.tenant.settings.protocols[0]!.server : lookup.kind);
const tick = () => new Promise((done) => setImmediate(done));

/** What readers see: `visible` (a replica, or an eventually consistent read); each read answers when released, or at once with `instant`. */
function heldStore(items: RawItem[], instant = false) {
  const visible = new Map(items.map((item) => [String(item.id), item]));
  const held: Array<() => void> = [];
  const store: TenantStore = {
    getItems(ids) {
      const snapshot = new Map(ids.filter((id) => visible.has(id)).map((id) => [id, structuredClone(visible.get(id)!)]));
      return instant ? Promise.resolve(snapshot) : new Promise((resolve) => held.push(() => resolve(snapshot)));
    },
  };
  return { store, visible, held };
}

describe('the cache and the generation item, when reads lag or overlap a change', () => {
  it('a read that still returns the replaced item just after the change keeps only the plain TTL', async () => {
    const { store, visible } = heldStore([domain('d.example', 'old'), { id: GENERATION_ID, generation: 1 }], true);
    let now = 1_000_000;
    const cache = new TenantCache(store, SETTINGS, () => now);
    await cache.lookup('d.example');
    now += 61_000;
    expect(serverOf(await cache.lookup('d.example'))).toBe('old'); // read again under a known generation: long TTL

    // The admin changes d and bumps; the bump reaches this reader first, d a moment later.
    now += 11_000;
    visible.set(GENERATION_ID, { id: GENERATION_ID, generation: 2 });
    expect(serverOf(await cache.lookup('d.example'))).toBe('old'); // the change is seen, d read again: still the old one
    visible.set('d.example', domain('d.example', 'new'));

    now += SETTINGS.ttlMs + 1;
    expect(serverOf(await cache.lookup('d.example'))).toBe('new'); // within the plain TTL, not the long one
  });

  it('a lookup that starts after a change was seen does not join a read begun before it', async () => {
    const { store, visible, held } = heldStore([domain('d.example', 'old'), domain('y.example', 'y'), { id: GENERATION_ID, generation: 1 }]);
    let now = 1_000_000;
    const cache = new TenantCache(store, SETTINGS, () => now);
    const first = cache.lookup('d.example');
    held.shift()!();
    expect(serverOf(await first)).toBe('old');
    now += 51_000;
    const y = cache.lookup('y.example'); // a miss that checks the generation too (1)
    held.shift()!();
    await y;

    now += 9_950; // d past its TTL; no check due yet: d is read alone
    const before = cache.lookup('d.example') as Promise<TenantLookup>;
    const readOfD = held.shift()!; // its snapshot holds the old d
    visible.set('d.example', domain('d.example', 'new'));
    visible.set(GENERATION_ID, { id: GENERATION_ID, generation: 2 });

    now += 100; // the check is due: a hit on y waits for it, and it finds generation 2
    const yAgain = cache.lookup('y.example') as Promise<TenantLookup>;
    held.shift()!();
    await tick();
    await tick();
    held.shift()?.(); // y read again after the change
    await yAgain;

    const after = cache.lookup('d.example') as Promise<TenantLookup>;
    expect(held, 'a read of its own, not the one begun before the change').toHaveLength(1);
    held.shift()!();
    readOfD();
    expect(serverOf(await before)).toBe('old');
    expect(serverOf(await after)).toBe('new');
  });

  it('a warm alias reads its target in the same round trip as itself after a change: two round trips, not three', async () => {
    const rounds: string[][] = [];
    const { store, visible } = heldStore([{ id: 'a.example', aliasOf: 't.example' }, domain('t.example', 'v1'), { id: GENERATION_ID, generation: 1 }], true);
    const counted: TenantStore = { getItems: (ids) => (rounds.push([...ids]), store.getItems(ids)) };
    let now = 1_000_000;
    const cache = new TenantCache(counted, SETTINGS, () => now);
    expect(serverOf(await cache.lookup('a.example'))).toBe('v1');
    now += 61_000;
    expect(serverOf(await cache.lookup('a.example'))).toBe('v1'); // read again under a known generation
    now += 11_000; // a check is due
    visible.set('t.example', domain('t.example', 'v2'));
    visible.set(GENERATION_ID, { id: GENERATION_ID, generation: 2 });
    rounds.length = 0;
    expect(serverOf(await cache.lookup('a.example'))).toBe('v2');
    expect(rounds).toEqual([[GENERATION_ID], ['a.example', 't.example']]);
  });
});
