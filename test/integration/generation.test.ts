import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResponder } from '../../lib/responder';
import { TenantCache, DEFAULT_CACHE_SETTINGS } from '../../lib/tenants/cache';
import { createStoreClient, createTenantTable, type RawItem, type TenantTable } from '../../lib/tenants/dynamodb';
import { GENERATION_ID } from '../../lib/tenants/model';
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { admin, itemFile, temporaryFolder } from '../support/admin';
import { requestBody } from '../support/fixtures';
import { createTestTable } from '../support/tenant-table';
import { buildEvent, readResult } from '../support/lambda-events';
import { readError, readSettings, textAt } from '../support/xml-answer';

// The generation item at the DynamoDB wire: the real responder and cache,
// the real table code, and a proxy in front of the run's dynalite that counts
// (or breaks) what crosses it. The cache's clock is simulated; the default
// settings apply (plain TTL 60 s, long TTL 900 s, a check every 10 s).

const { ttlMs, maxTtlMs, generationCheckMs } = DEFAULT_CACHE_SETTINGS;
const BUDGET_MS = 1500;

const domain = (id: string, server = `imap.${id}`, extra: RawItem = {}): RawItem => ({
  id,
  protocols: [{ type: 'IMAP', server, port: 993, tls: 'implicit' }],
  hasMailboxes: false,
  ...extra,
});

const QUIET = Array.from({ length: 5 }, (_, i) => `quiet${i}.gen.example`);
const ITEMS: RawItem[] = [
  domain('first.gen.example'),
  ...QUIET.map((id) => domain(id)),
  { id: 'alias.gen.example', aliasOf: 'quiet0.gen.example', hasMailboxes: false },
  domain('boxes.gen.example', 'imap.boxes.gen.example', { hasMailboxes: true }),
  { id: 'ann@boxes.gen.example', displayName: 'Ann' },
];

let withGeneration: TenantTable;
let withoutGeneration: TenantTable;
let counting: CountingProxy;
beforeAll(async () => {
  withGeneration = await createTestTable('generation', ITEMS);
  await withGeneration.bumpGeneration();
  withoutGeneration = await createTestTable('no-generation', ITEMS);
  counting = await startCountingProxy(process.env.AWS_ENDPOINT_URL_DYNAMODB!);
});
afterAll(() => counting.close());

/** The responder over a fresh cache reading `table` through `endpoint`; `advance` moves the cache's clock. */
function instance(table: TenantTable, endpoint: string, clientOptions = {}) {
  let now = 1_000_000;
  const client = createStoreClient({ endpoint, ...clientOptions });
  const cache = new TenantCache(createTenantTable(table.tableName, client), DEFAULT_CACHE_SETTINGS, () => now);
  const lines: { cache?: string; storeError?: string }[] = [];
  const handler = createResponder({ lookupTenant: (d, m, report) => cache.lookup(d, m, report), log: (line) => lines.push(line), responderId: 5 });
  async function post(address: string) {
    const started = performance.now();
    const result = readResult(
      'httpApiV2',
      await handler(buildEvent('httpApiV2', { method: 'POST', path: '/autodiscover/autodiscover.xml', headers: { 'content-type': 'text/xml' }, body: requestBody(address) })),
    );
    return { ...result, ms: performance.now() - started, line: lines.at(-1)! };
  }
  return { post, advance: (ms: number) => (now += ms) };
}

/** One connection attempt, generous timeouts: a retried read would be counted twice at the proxy. */
const ONE_ATTEMPT = { maxAttempts: 1, requestHandler: { connectionTimeout: 10_000, requestTimeout: 10_000 } };

/** The IMAP server of a settings answer, or the error code of an error answer. */
async function served(post: ReturnType<typeof instance>['post'], address: string): Promise<string> {
  const { status, body } = await post(address);
  if (status !== 200) return `${status} error ${readError(body).code}`;
  const settings = readSettings(body);
  return settings.protocols[0]?.Server ?? `error ${readError(body).code}`;
}

const reads = () => ({ gets: counting.calls.get('GetItem') ?? 0, batches: counting.calls.get('BatchGetItem') ?? 0 });
const since = (before: ReturnType<typeof reads>) => {
  const after = reads();
  return { gets: after.gets - before.gets, batches: after.batches - before.batches };
};

describe('with a generation item', () => {
  it('re-reads no item for 850 simulated seconds (plain TTL 60 s), and the generation once per check interval', { timeout: 60_000 }, async () => {
    const { post, advance } = instance(withGeneration, counting.endpoint, ONE_ATTEMPT);
    // A cold instance learns the generation beside its first read; what that read found keeps the plain TTL.
    expect(await served(post, 'x@first.gen.example')).toBe('imap.first.gen.example');
    const warm = reads();
    for (const id of [...QUIET, 'alias.gen.example', 'nowhere.gen.example', 'boxes.gen.example']) await post(`warm@${id}`);
    await post('ann@boxes.gen.example');
    // Hosted domains, an alias and its target, an unhosted domain, a mailbox item and a "no mailbox item": one read each.
    expect(since(warm).gets + since(warm).batches).toBe(QUIET.length + 4);

    const counted = reads();
    const step = 5_000;
    let checks = 0;
    for (let elapsed = step, i = 0; elapsed <= 850_000; elapsed += step, i++) {
      advance(step);
      if (elapsed % generationCheckMs === 0) checks++;
      const quiet = QUIET[i % QUIET.length]!;
      expect(await served(post, `user${i}@${quiet}`)).toBe(`imap.${quiet}`);
      expect(await served(post, `user${i}@alias.gen.example`)).toBe('imap.quiet0.gen.example');
      expect(await served(post, `user${i}@nowhere.gen.example`)).toBe('404 error 500');
      expect(await served(post, 'warm@boxes.gen.example')).toBe('imap.boxes.gen.example');
      const ann = await post('ann@boxes.gen.example');
      expect(textAt(readSettings(ann.body).user!, 'DisplayName')).toBe('Ann');
    }
    // Only the generation was read: one GetItem per check interval, no item again.
    expect(since(counted)).toEqual({ gets: checks, batches: 0 });
    expect(checks).toBe(85);

    // Past the long TTL the items are read again.
    advance(maxTtlMs - 850_000);
    const expired = reads();
    expect(await served(post, 'late@quiet1.gen.example')).toBe('imap.quiet1.gen.example');
    expect(since(expired).gets + since(expired).batches).toBe(1);
  });

  it('shows a put and a delete through the admin CLI (which bump the generation) within the check interval', { timeout: 30_000 }, async () => {
    process.env.TENANTS_TABLE = withGeneration.tableName;
    const dir = temporaryFolder('generation');
    const { post, advance } = instance(withGeneration, counting.endpoint, ONE_ATTEMPT);
    await post('x@first.gen.example');
    expect(await served(post, 'a@quiet3.gen.example')).toBe('imap.quiet3.gen.example');
    expect(await served(post, 'a@new.gen.example')).toBe('404 error 500');
    advance(ttlMs * 3); // the plain TTLs are long over; the entries still answer

    const put = await admin('put', itemFile(dir, 'change.json', [domain('quiet3.gen.example', 'imap.moved.example'), domain('new.gen.example')]));
    expect(put.code).toBe(0);
    expect(put.out).toMatch(/^generation: \d+$/m);
    advance(generationCheckMs);
    expect(await served(post, 'b@quiet3.gen.example')).toBe('imap.moved.example');
    expect(await served(post, 'b@new.gen.example')).toBe('imap.new.gen.example');

    expect((await admin('delete', 'new.gen.example')).code).toBe(0);
    advance(generationCheckMs);
    expect(await served(post, 'c@new.gen.example')).toBe('404 error 500');
    expect(await served(post, 'c@quiet3.gen.example')).toBe('imap.moved.example'); // read again after the change

    // Items written by other means: seen once `touch` bumps the generation.
    await withGeneration.putItem(domain('quiet3.gen.example', 'imap.back.example'));
    advance(generationCheckMs);
    expect(await served(post, 'd@quiet3.gen.example')).toBe('imap.moved.example');
    const touch = await admin('touch');
    expect(touch.code).toBe(0);
    advance(generationCheckMs);
    expect(await served(post, 'e@quiet3.gen.example')).toBe('imap.back.example');
  });

  it('answers from memory or a stale copy within the budget when the generation read fails', { timeout: 30_000 }, async () => {
    const proxy: FaultProxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL_DYNAMODB!);
    try {
      const { post, advance } = instance(withGeneration, proxy.endpoint);
      await post('x@first.gen.example');
      expect(await served(post, 'a@quiet4.gen.example')).toBe('imap.quiet4.gen.example');

      for (const mode of [{ kind: 'refuse' }, { kind: 'hang' }] as const) {
        await proxy.setMode(mode);
        // Within the plain TTL: the entry answers; past it, its copy answers stale.
        advance(generationCheckMs);
        const inside = await post(`b-${mode.kind}@quiet4.gen.example`);
        expect([inside.status, textAt(readSettings(inside.body).user!, 'AutoDiscoverSMTPAddress')]).toEqual([200, `b-${mode.kind}@quiet4.gen.example`]);
        expect(inside.ms).toBeLessThan(BUDGET_MS);
        expect(inside.line.storeError).toMatch(/^DynamoDB \w+ failed/);

        advance(ttlMs * 2);
        const past = await post(`c-${mode.kind}@quiet4.gen.example`);
        expect(past.status).toBe(200);
        expect(past.line.cache).toBe('stale');
        expect(past.ms).toBeLessThan(BUDGET_MS);

        // Healed: the next check succeeds and the entry answers from memory again.
        await proxy.setMode({ kind: 'forward' });
        advance(generationCheckMs);
        expect(await served(post, `d-${mode.kind}@quiet4.gen.example`)).toBe('imap.quiet4.gen.example');
        const hit = await post(`e-${mode.kind}@quiet4.gen.example`);
        expect(hit.line.cache).toBe('hit');
      }
    } finally {
      await proxy.close();
    }
  });
});

describe('without a generation item', () => {
  it('keeps the plain TTLs and never asks for the generation again', { timeout: 30_000 }, async () => {
    const { post, advance } = instance(withoutGeneration, counting.endpoint, ONE_ATTEMPT);
    await post('x@first.gen.example');
    await post('a@quiet2.gen.example');
    await post('a@nowhere.gen.example');
    const hits = reads();
    for (let i = 0; i < 19; i++) {
      advance(1_000);
      await post(`b${i}@quiet2.gen.example`);
      await post(`b${i}@nowhere.gen.example`);
    }
    expect(since(hits)).toEqual({ gets: 0, batches: 0 });

    // Unhosted names expire after 20 s, domains after 60 s: one round trip each (domain and address together).
    const total = () => since(hits).gets + since(hits).batches;
    advance(1_001);
    expect(await served(post, 'c@nowhere.gen.example')).toBe('404 error 500');
    expect(total()).toBe(1);
    advance(ttlMs - 22_000);
    expect(await served(post, 'c@quiet2.gen.example')).toBe('imap.quiet2.gen.example');
    expect(total()).toBe(1);
    advance(2_000);
    expect(await served(post, 'd@quiet2.gen.example')).toBe('imap.quiet2.gen.example');
    expect(total()).toBe(2);
  });
});

describe('the admin CLI and the generation item', () => {
  it('bumps it after put, delete and a migrate that changed something; lists it; refuses it in a file; migrate leaves it alone', { timeout: 30_000 }, async () => {
    const table = await createTestTable('generation-cli');
    process.env.TENANTS_TABLE = table.tableName;
    const dir = temporaryFolder('generation-cli');
    const generation = async () => (await table.getItems([GENERATION_ID])).get(GENERATION_ID)?.generation;
    expect(await generation()).toBeUndefined();

    expect((await admin('put', itemFile(dir, 'one.json', domain('cli.gen.example')))).out).toContain('generation: 1');
    expect((await admin('touch')).out).toBe('generation: 2');
    await table.putItem({ ...domain('other.gen.example'), hasMailboxes: undefined }); // by other means: migrate has work
    const migrate = await admin('migrate');
    expect(migrate.out).toContain('other.gen.example: hasMailboxes (unset) -> false');
    expect(migrate.out).not.toContain(GENERATION_ID);
    expect(migrate.out).toContain('generation: 3');
    expect((await admin('migrate')).out).not.toContain('generation:'); // nothing changed, nothing to see
    expect((await admin('delete', 'other.gen.example')).out).toContain('generation: 4');
    expect(await generation()).toBe(4);

    const list = await admin('list');
    expect(list.out).toContain(`${GENERATION_ID}\tgeneration 4 (the change counter; every write increases it)`);
    expect(list.out).not.toMatch(/\.generation.*hasMailboxes/);

    const refused = await admin('put', itemFile(dir, 'counter.json', [domain('more.gen.example'), { id: GENERATION_ID, generation: 0 }]));
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`${GENERATION_ID}: id: the generation item is not written from a file`);
    expect(await generation()).toBe(4);
  });
});
