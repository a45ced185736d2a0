import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResponder } from '../../lib/responder';
import { TenantCache, cacheSettingsFromEnv } from '../../lib/tenants/cache';
import { createStoreClient, createTenantTable, type RawItem, type TenantTable } from '../../lib/tenants/dynamodb';
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy';
import { requestBody } from '../support/fixtures';
import { createTestTable } from '../support/tenant-table';
import { buildEvent, readResult, type TestResult } from '../support/lambda-events';
import { readError, readSettings, textAt } from '../support/xml-answer';

// What traffic of distinct addresses costs at the DynamoDB wire: the real
// responder and cache, the real table code, and a counting proxy in front of
// the run's dynalite. Reads are counted where DynamoDB would bill them, not
// by the cache's own report.

const domain = (id: string, extra: RawItem = {}): RawItem => ({
  id,
  protocols: [{ type: 'IMAP', server: `imap.${id}`, port: 993, tls: 'implicit' }],
  ...extra,
});

const HOT = Array.from({ length: 20 }, (_, i) => `hot${i}.wire.example`);
const ITEMS: RawItem[] = [
  domain('quiet.wire.example', { hasMailboxes: false }),
  { id: 'quiet-alias.wire.example', aliasOf: 'quiet.wire.example', hasMailboxes: false },
  domain('boxes.wire.example', { hasMailboxes: true }),
  { id: 'ann@boxes.wire.example', displayName: 'Ann' },
  domain('legacy.wire.example'), // written before hasMailboxes existed
  { id: 'ben@legacy.wire.example', displayName: 'Ben' },
  ...HOT.map((id, i) => domain(id, { hasMailboxes: i % 5 === 0 })),
];

let table: TenantTable;
let proxy: CountingProxy;
beforeAll(async () => {
  table = await createTestTable('store-reads', ITEMS);
  proxy = await startCountingProxy(process.env.AWS_ENDPOINT_URL_DYNAMODB!);
});
afterAll(() => proxy.close());

/** The responder over a fresh cache whose DynamoDB traffic goes through the proxy; the cache's clock stands still. */
function responder(env: Record<string, string> = {}) {
  const { settings } = cacheSettingsFromEnv(env);
  // One attempt and generous timeouts: on a busy machine a retried read would be counted twice at the proxy.
  const client = createStoreClient({ endpoint: proxy.endpoint, maxAttempts: 1, requestHandler: { connectionTimeout: 10_000, requestTimeout: 10_000 } });
  const cache = new TenantCache(createTenantTable(table.tableName, client, { readDeadlineMs: null }), settings, () => 1_000_000);
  const handler = createResponder({ lookupTenant: (d, m, report) => cache.lookup(d, m, report), log: () => {}, responderId: 3 });
  const post = async (address: string): Promise<TestResult> =>
    readResult(
      'httpApiV2',
      await handler(buildEvent('httpApiV2', { method: 'POST', path: '/autodiscover/autodiscover.xml', headers: { 'content-type': 'text/xml' }, body: requestBody(address) })),
    );
  /** Posts every address, `parallel` at a time; returns the read round trips they cost at the wire. */
  async function burst(addresses: readonly string[], check: (address: string, result: TestResult, index: number) => void, parallel = 1): Promise<number> {
    const before = proxy.reads();
    for (let i = 0; i < addresses.length; i += parallel) {
      const slice = addresses.slice(i, i + parallel);
      const results = await Promise.all(slice.map(post));
      results.forEach((result, j) => check(slice[j]!, result, i + j));
    }
    return proxy.reads() - before;
  }
  return { cache, post, burst };
}

const addresses = (count: number, at: string, prefix = 'user') => Array.from({ length: count }, (_, i) => `${prefix}${i}@${at}`);

/** A settings answer for `address`, read in full for every 50th answer (the parse is the slow part). */
function expectSettings(address: string, result: TestResult, index: number): void {
  expect(result.status, address).toBe(200);
  if (index % 50 !== 0) return;
  const settings = readSettings(result.body);
  expect(textAt(settings.user!, 'AutoDiscoverSMTPAddress')).toBe(address);
  expect(settings.protocols[0]?.Server).toBe(`imap.${address.endsWith('quiet-alias.wire.example') ? 'quiet.wire.example' : address.slice(address.indexOf('@') + 1)}`);
}

function expectNotHosted(address: string, result: TestResult, index: number): void {
  expect(result.status, address).toBe(404);
  if (index % 50 === 0) expect(readError(result.body).code).toBe('500');
}

describe('reads at the DynamoDB wire', () => {
  it('1,000 distinct addresses at a cached domain without mailbox items: one read for the first, none after', async () => {
    const { burst } = responder();
    expect(await burst(addresses(1, 'quiet.wire.example', 'first'), expectSettings)).toBe(1);
    expect(await burst(addresses(1000, 'quiet.wire.example'), expectSettings)).toBe(0);
    // The alias says it has none of its own: the alias item is read once (its target is in memory already), then nothing.
    expect(await burst(addresses(1, 'quiet-alias.wire.example', 'first'), expectSettings)).toBe(1);
    expect(await burst(addresses(1000, 'quiet-alias.wire.example'), expectSettings)).toBe(0);
  });

  it('1,000 distinct addresses at a domain known not to be hosted: one read for the first, none after', async () => {
    const { burst } = responder();
    expect(await burst(addresses(1, 'nowhere.wire.example', 'first'), expectNotHosted)).toBe(1);
    expect(await burst(addresses(1000, 'nowhere.wire.example'), expectNotHosted)).toBe(0);
  });

  it('a cold domain and its address are one BatchGetItem; where mailbox items may exist, each new address is one read', async () => {
    const { post, burst } = responder();
    const batches = proxy.calls.get('BatchGetItem') ?? 0;
    const gets = proxy.calls.get('GetItem') ?? 0;
    const ann = await post('ann@boxes.wire.example');
    expect(textAt(readSettings(ann.body).user!, 'DisplayName')).toBe('Ann');
    expect([(proxy.calls.get('BatchGetItem') ?? 0) - batches, (proxy.calls.get('GetItem') ?? 0) - gets]).toEqual([1, 0]);
    expect(await burst(addresses(10, 'boxes.wire.example'), expectSettings)).toBe(10);

    // No hasMailboxes (an item from before it existed): read as always, overrides included.
    expect(await burst(addresses(10, 'legacy.wire.example'), expectSettings)).toBe(10);
    const ben = await post('ben@legacy.wire.example');
    expect(textAt(readSettings(ben.body).user!, 'DisplayName')).toBe('Ben');
  });

  it('every hot domain still answers from memory after a flood of distinct addresses (CACHE_MAX_ENTRIES=500)', { timeout: 90_000 }, async () => {
    const { burst, cache } = responder({ CACHE_MAX_ENTRIES: '500', CACHE_MAX_ABSENT_ENTRIES: '1000' });
    expect(await burst(HOT.map((id) => `warm@${id}`), expectSettings)).toBe(HOT.length);
    // A domain whose every new address is read, then distinct unhosted domains.
    expect(await burst(addresses(2000, 'boxes.wire.example', 'flood'), expectSettings, 20)).toBe(2000);
    expect(await burst(Array.from({ length: 1000 }, (_, i) => `x@flood${i}.nowhere.example`), expectNotHosted, 20)).toBe(1000);
    expect(cache.size).toBeLessThanOrEqual(500 + 1000);

    // Every hot domain is still in memory: no domain item is read again (that would be a BatchGetItem with
    // the address). Only the domains that announce mailbox items read each new address's item (GetItem).
    const batches = proxy.calls.get('BatchGetItem') ?? 0;
    const reads = await burst(HOT.flatMap((id) => addresses(5, id, 'after')), expectSettings);
    expect(proxy.calls.get('BatchGetItem') ?? 0).toBe(batches);
    expect(reads).toBe(HOT.filter((_, i) => i % 5 === 0).length * 5);
  });

  it('a mixed burst of distinct addresses costs what the model says, and no more', async () => {
    const { burst } = responder();
    // Seeded: mostly hosted domains, some announcing mailbox items, some without the attribute, a few unhosted.
    const pool = [...HOT, 'quiet.wire.example', 'boxes.wire.example', 'legacy.wire.example', 'gone1.wire.example', 'gone2.wire.example'];
    let seed = 11;
    const requests = Array.from({ length: 2000 }, (_, i) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return `mix${i}@${pool[seed % pool.length]}`;
    });
    const reads = await burst(requests, (address, result, index) => (address.includes('gone') ? expectNotHosted : expectSettings)(address, result, index));

    // The model: a domain's first request is one read; after that only domains that may have mailbox items read, once per address.
    const announced = new Map(ITEMS.filter((item) => !String(item.id).includes('@')).map((item) => [item.id as string, item.hasMailboxes !== false]));
    const seen = new Set<string>();
    const expected = requests.filter((address) => {
      const at = address.slice(address.indexOf('@') + 1);
      if (!seen.has(at)) return seen.add(at);
      return announced.get(at) === true;
    }).length;
    expect(reads).toBe(expected);
    console.info(`mixed burst: ${reads} reads for ${requests.length} requests of distinct addresses = ${(reads / requests.length).toFixed(2)} per request`);
    expect(reads / requests.length).toBeLessThan(0.35);
  });
});
