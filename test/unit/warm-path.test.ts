import { beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogLine } from '../../lib/observability/request-log';
import { normaliseDomain } from '../../lib/email-address';
import { createResponder } from '../../lib/responder';
import { TenantCache, type CacheSettings } from '../../lib/tenants/cache';
import { createStoreClient, createTenantTable, type RawItem, type TenantStore, type TenantTable } from '../../lib/tenants/dynamodb';
import { lookupTenant } from '../../lib/tenants/resolve';
import { MOBILESYNC_REQUEST_NS, MOBILESYNC_SCHEMA, requestBody } from '../support/fixtures';
import { buildEvent, readResult, type TestRequest, type TestResult } from '../support/lambda-events';
import { freeLoopbackPort } from '../support/ports';
import { createTestTable } from '../support/tenant-table';
import { readSettings } from '../support/xml-answer';

// The warm path answers synchronously from the cache when every item a
// request needs is fresh. It must answer exactly as the read-through path
// does, and log the same facts, with the cache fact saying `hit` (or `stale`
// while a stale copy stands in for a failed read).

const IMAP = { type: 'IMAP', server: 'imap.warm.example', port: 993, tls: 'implicit' };
const SMTP = { type: 'SMTP', server: 'smtp.warm.example', port: 587, tls: 'starttls' };
const ITEMS: RawItem[] = [
  { id: 'warm.example', provider: { name: 'Warm Mail' }, protocols: [IMAP, SMTP], activeSync: { url: 'https://eas.warm.example/Microsoft-Server-ActiveSync' } },
  { id: 'alice@warm.example', displayName: 'Alice', username: 'alice-login' },
  { id: 'bob@warm.example', redirectAddr: 'bob@elsewhere.example' },
  { id: 'eve@warm.example', displayname: 'typo' },
  { id: 'alias.example', aliasOf: 'warm.example' },
  { id: 'dangling.example', aliasOf: 'missing.example' },
  { id: 'off.example', protocols: [IMAP], enabled: false },
  { id: 'redirect.example', protocols: [IMAP], redirectUrl: 'https://autodiscover.other.example/autodiscover/autodiscover.xml' },
  { id: 'empty.example', protocols: [] },
  { id: 'badport.example', protocols: [{ ...IMAP, port: 70000 }] },
];

const post = (address: string, options: { schema?: string; ns?: string } = {}): TestRequest => ({
  method: 'POST',
  path: '/autodiscover/autodiscover.xml',
  headers: { 'content-type': 'text/xml' },
  body: requestBody(address, options),
});
const get = (host: string, method = 'GET'): TestRequest => ({ method, path: '/autodiscover/autodiscover.xml', headers: { host } });

const REQUESTS: ReadonlyArray<[string, TestRequest]> = [
  ['settings for an address without a mailbox item', post('Carol@Warm.Example')],
  ['settings with a mailbox item', post('alice@warm.example')],
  ['a mixed-case address with a mailbox item', post('ALICE@warm.example')],
  ['redirectAddr', post('bob@warm.example')],
  ['an invalid mailbox item (602)', post('eve@warm.example')],
  ['MobileSync', post('alice@warm.example', { ns: MOBILESYNC_REQUEST_NS, schema: MOBILESYNC_SCHEMA })],
  ['an alias', post('dave@alias.example')],
  ['an alias with a dangling target (602)', post('dave@dangling.example')],
  ['a disabled domain (404, 500)', post('frank@off.example')],
  ['an unhosted domain (404, 500)', post('grace@nowhere.example')],
  ['redirectUrl', post('heidi@redirect.example')],
  ['no protocols (501)', post('ivan@empty.example')],
  ['an invalid domain item (602)', post('judy@badport.example')],
  ['GET for a hosted domain', get('autodiscover.warm.example')],
  ['HEAD for an alias', get('autodiscover.alias.example', 'HEAD')],
  ['GET for an unhosted domain', get('autodiscover.nowhere.example')],
];

const SETTINGS: CacheSettings = { ttlMs: 60_000, negativeTtlMs: 20_000, mailboxAbsentTtlMs: 600_000, staleMs: 3_600_000, maxEntries: 1000, maxAbsentEntries: 1000, maxTtlMs: 900_000, generationCheckMs: 10_000 };
const NOW = new Date(Date.UTC(2026, 10, 27, 12, 0, 0));
/** The facts that differ between a read-through and a warm request by design. */
const LOOKUP_FACTS = ['latencyMs', 'cache', 'storeCalls', 'storeMs', 'storeError'] as const;
const withoutLookupFacts = (line: RequestLogLine) => Object.fromEntries(Object.entries(line).filter(([key]) => !(LOOKUP_FACTS as readonly string[]).includes(key)));

let deadEndpoint: string;
let table: TenantTable;
beforeAll(async () => {
  deadEndpoint = `http://127.0.0.1:${await freeLoopbackPort()}`;
  table = await createTestTable('warm-path', ITEMS);
});

function responder(lookup: Parameters<typeof createResponder>[0]['lookupTenant']) {
  const lines: RequestLogLine[] = [];
  const handler = createResponder({ lookupTenant: lookup, log: (line) => lines.push(line), responderId: 11, now: () => NOW });
  return {
    async send(request: TestRequest): Promise<{ result: TestResult; line: RequestLogLine }> {
      const result = readResult('httpApiV2', await handler(buildEvent('httpApiV2', request)));
      return { result, line: lines.at(-1)! };
    },
  };
}

/** A cached responder whose store can be switched to an endpoint nothing listens on. */
function cachedResponder() {
  let now = 1_000_000;
  let broken = false;
  const dead = createTenantTable(table.tableName, createStoreClient({ endpoint: deadEndpoint }));
  const store: TenantStore = { getItems: (ids) => (broken ? dead : table).getItems(ids) };
  const cache = new TenantCache(store, SETTINGS, () => now);
  return {
    cache,
    ...responder((domain, mailboxId, report) => cache.lookup(domain, mailboxId, report)),
    advance: (ms: number) => (now += ms),
    breakStore: () => (broken = true),
  };
}

describe('the warm path', () => {
  it('answers every row as the uncached read does, and logs the same facts with cache "hit"', async () => {
    const uncached = responder((domain, mailboxId) => lookupTenant(table, domain, mailboxId));
    for (const [name, request] of REQUESTS) {
      const cached = cachedResponder();
      const reference = await uncached.send(request);
      const cold = await cached.send(request);
      const warm = await cached.send(request);
      expect(cold.result, name).toEqual(reference.result);
      expect(warm.result, name).toEqual(reference.result);
      expect(withoutLookupFacts(cold.line), name).toEqual(withoutLookupFacts(reference.line));
      expect(withoutLookupFacts(warm.line), name).toEqual(withoutLookupFacts(reference.line));
      expect(cold.line.cache, name).toBe('miss');
      expect(cold.line.storeCalls, name).toBeGreaterThanOrEqual(1);
      expect(warm.line.cache, name).toBe('hit');
      expect(warm.line.storeCalls, name).toBeUndefined();
      expect(warm.line.storeMs, name).toBeUndefined();
    }
  });

  it('looks up synchronously only when every item is fresh, alias target included', async () => {
    const { cache, advance } = cachedResponder();
    const first = cache.lookup('warm.example');
    expect(first).toBeInstanceOf(Promise);
    await first;
    expect(cache.lookup('warm.example')).not.toBeInstanceOf(Promise);
    // The domain is fresh, the address's "no mailbox item" is not known yet; then the alias item is missing.
    const mailbox = cache.lookup('warm.example', 'zed@warm.example');
    expect(mailbox).toBeInstanceOf(Promise);
    await mailbox;
    const alias = cache.lookup('alias.example', 'zed@alias.example');
    expect(alias).toBeInstanceOf(Promise);
    await alias;

    const warm = cache.lookup('alias.example', 'zed@alias.example', {});
    expect(warm).not.toBeInstanceOf(Promise);
    expect(warm).toEqual(await lookupTenant(table, 'alias.example', 'zed@alias.example'));

    // Past the TTL the alias target is stale too: back to a read.
    advance(SETTINGS.ttlMs);
    const expired = cache.lookup('alias.example', 'zed@alias.example');
    expect(expired).toBeInstanceOf(Promise);
    expect(await expired).toEqual(warm);
  });

  it('says "stale" on the synchronous path while a stale copy answers, with the same answer', async () => {
    const cached = cachedResponder();
    const request = post('alice@warm.example');
    const fresh = await cached.send(request);
    expect(readSettings(fresh.result.body).protocols[0]?.Server).toBe('imap.warm.example');

    cached.breakStore();
    cached.advance(SETTINGS.ttlMs + 1);
    const first = await cached.send(request); // reads, fails, serves the stale copy
    expect(first.line).toMatchObject({ cache: 'stale', storeCalls: 1 });
    expect(first.line.storeError).toMatch(/^DynamoDB \w+ failed/);
    expect(cached.cache.lookup('warm.example', 'alice@warm.example', {})).not.toBeInstanceOf(Promise);

    const second = await cached.send(request); // within the retry pause: from memory, synchronously
    expect(second.result).toEqual(fresh.result);
    expect(second.line.cache).toBe('stale');
    expect(second.line.storeCalls).toBeUndefined();
    expect(second.line.storeError).toBeUndefined();
    expect(withoutLookupFacts(second.line)).toEqual(withoutLookupFacts(fresh.line));
  });
});

describe('normaliseDomain from its memo', () => {
  it('answers repeated and evicted inputs as the first time, invalid ones included', () => {
    const cases: ReadonlyArray<[string, string | undefined]> = [
      ['Example.COM.', 'example.com'],
      ['Bücher.Example', 'xn--bcher-kva.example'],
      ['example.com..', undefined],
      ['exa mple.com', undefined],
      ['-bad.example', undefined],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [raw, normalised] of cases) expect(normaliseDomain(raw), raw).toBe(normalised);
      // Far more distinct domains than the memo holds: the cases above are pushed out and computed again.
      for (let i = 0; i < 3000; i++) expect(normaliseDomain(`Host${i}.Example`)).toBe(`host${i}.example`);
    }
  });
});
