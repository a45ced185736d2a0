import dynalite from 'dynalite';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogLine } from '../../lib/observability/request-log';
import { createResponder } from '../../lib/responder';
import { TenantCache, type CacheSettings } from '../../lib/tenants/cache';
import { createStoreClient, createTenantTable, type RawItem } from '../../lib/tenants/dynamodb';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { requestBody } from '../support/fixtures';
import { buildEvent, readResult, type TestResult } from '../support/lambda-events';
import { readError, readSettings } from '../support/xml-answer';

// DynamoDB misbehaving mid-run: a real dynalite that is stopped, and a small
// HTTP server in front of another that stops answering (hangs) or answers
// with DynamoDB's own throttling errors. Every answer is checked, and so is
// the time it took against the budget: 603 or a stale copy within 1.5 s.
// (Budget assertions with wide margins, not speed measurements.)

const BUDGET_MS = 1500;
const SETTINGS: CacheSettings = { ttlMs: 60_000, negativeTtlMs: 20_000, mailboxAbsentTtlMs: 600_000, staleMs: 3_600_000, maxEntries: 1000, maxAbsentEntries: 1000, maxTtlMs: 900_000, generationCheckMs: 10_000 };
const TABLE = 'faults';

const ITEMS: RawItem[] = [
  { id: 'cached.example', protocols: [{ type: 'IMAP', server: 'imap.cached.example', port: 993, tls: 'implicit' }] },
  { id: 'cold.example', protocols: [{ type: 'IMAP', server: 'imap.cold.example', port: 993, tls: 'implicit' }] },
  { id: 'alias.example', aliasOf: 'cold.example' },
  { id: 'shed.example', protocols: [{ type: 'IMAP', server: 'imap.shed.example', port: 993, tls: 'implicit' }] },
];

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function startDynalite(): Promise<{ server: Server; endpoint: string }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const endpoint = await listen(server);
  const table = createTenantTable(TABLE, createStoreClient({ endpoint }));
  await table.ensureTable();
  for (const item of ITEMS) {
    for (let attempt = 0; ; attempt++) {
      try {
        await table.putItem(item);
        break;
      } catch (error) {
        if (attempt === 50) throw error; // the table turns ACTIVE on dynalite's next tick
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }
  return { server, endpoint };
}

function harness(endpoint: string) {
  let now = 1_000_000;
  const lines: RequestLogLine[] = [];
  const cache = new TenantCache(createTenantTable(TABLE, createStoreClient({ endpoint })), SETTINGS, () => now);
  const handler = createResponder({
    lookupTenant: (domain, mailboxId, report) => cache.lookup(domain, mailboxId, report),
    log: (line) => lines.push(line),
    responderId: 7,
  });
  async function post(address: string): Promise<{ result: TestResult; ms: number; line: RequestLogLine }> {
    const started = performance.now();
    const event = buildEvent('httpApiV2', {
      method: 'POST',
      path: '/autodiscover/autodiscover.xml',
      headers: { 'content-type': 'text/xml' },
      body: requestBody(address),
    });
    const result = readResult('httpApiV2', await handler(event));
    return { result, ms: performance.now() - started, line: lines.at(-1)! };
  }
  return { post, advance: (ms: number) => (now += ms) };
}

function expectServerError({ result, ms, line }: Awaited<ReturnType<ReturnType<typeof harness>['post']>>): void {
  expect(result.status).toBe(503);
  expect(readError(result.body).code).toBe('603');
  expect(ms).toBeLessThan(BUDGET_MS);
  expect(line).toMatchObject({ status: 503, errorCode: 603 });
  expect(line.storeError).toMatch(/^DynamoDB \w+ failed/);
}

function expectSettings({ result, ms }: Awaited<ReturnType<ReturnType<typeof harness>['post']>>, server: string): void {
  expect(result.status).toBe(200);
  expect(readSettings(result.body).protocols[0]?.Server).toBe(server);
  expect(ms).toBeLessThan(BUDGET_MS);
}

describe('DynamoDB stopped mid-run', () => {
  let db: Awaited<ReturnType<typeof startDynalite>>;
  beforeAll(async () => (db = await startDynalite()));
  afterAll(() => (db.server.listening ? stop(db.server) : undefined));

  it('answers a cached domain from its stale copy and anything else with 603, each within the budget', async () => {
    const { post, advance } = harness(db.endpoint);
    expectSettings(await post('alice@cached.example'), 'imap.cached.example');

    await stop(db.server);
    advance(SETTINGS.ttlMs + 1);

    const stale = await post('alice@cached.example');
    expectSettings(stale, 'imap.cached.example');
    expect(stale.line).toMatchObject({ cache: 'stale', status: 200, outcome: 'settings' });
    expect(stale.line.storeError).toMatch(/^DynamoDB \w+ failed/);

    expectServerError(await post('bob@cold.example'));
    expectServerError(await post('alice@alias.example'));
  });
});

describe('DynamoDB hanging or throttling mid-run', () => {
  let db: Awaited<ReturnType<typeof startDynalite>>;
  let proxy: FaultProxy;
  let endpoint: string;
  beforeAll(async () => {
    db = await startDynalite();
    proxy = await startFaultProxy(db.endpoint);
    endpoint = proxy.endpoint;
  });
  afterAll(async () => {
    await proxy.close();
    await stop(db.server);
  });

  it('answers within the budget when DynamoDB accepts connections but never answers', async () => {
    const { post, advance } = harness(endpoint);
    await proxy.setMode({ kind: 'forward' });
    expectSettings(await post('carol@cached.example'), 'imap.cached.example');

    await proxy.setMode({ kind: 'hang' });
    advance(SETTINGS.ttlMs + 1);
    const stale = await post('carol@cached.example');
    expectSettings(stale, 'imap.cached.example');
    expect(stale.line.cache).toBe('stale');

    // A copy served stale answers at once for a while instead of waiting for DynamoDB again.
    const again = await post('carol@cached.example');
    expectSettings(again, 'imap.cached.example');
    expect(again.line.cache).toBe('stale');
    expect(again.line.storeCalls).toBeUndefined();

    expectServerError(await post('dave@cold.example'));

    // DynamoDB comes back: fresh answers again once the retry pause is over.
    await proxy.setMode({ kind: 'forward' });
    advance(10_000);
    const back = await post('carol@cached.example');
    expectSettings(back, 'imap.cached.example');
    expect(back.line.cache).toBe('miss');
  });

  it('retries throttled reads within the budget and answers normally', async () => {
    const { post } = harness(endpoint);
    for (const error of ['ProvisionedThroughputExceededException', 'ThrottlingException']) {
      const before = { ...proxy.stats };
      await proxy.setMode({ kind: 'throttle', remaining: 2, error });
      const answer = await post(`erin-${error.length}@cold.example`);
      expectSettings(answer, 'imap.cold.example');
      expect(answer.line.storeCalls).toBe(1);
      expect(proxy.stats.throttled - before.throttled).toBe(2);
      expect(proxy.stats.requests - before.requests).toBe(3);
    }
  });

  it('reads keys DynamoDB left unprocessed again, and answers 603 within the budget when it keeps doing so', async () => {
    const { post } = harness(endpoint);
    const before = { ...proxy.stats };
    await proxy.setMode({ kind: 'unprocess', remaining: 1 });
    const answer = await post('heidi@cold.example'); // domain + mailbox: one BatchGetItem, handed back once
    expectSettings(answer, 'imap.cold.example');
    expect(proxy.stats.unprocessed - before.unprocessed).toBe(1);
    expect(proxy.stats.requests - before.requests).toBe(2);

    await proxy.setMode({ kind: 'unprocess', remaining: Number.POSITIVE_INFINITY });
    const shed = await post('ivan@shed.example'); // a domain this instance has not read yet
    expectServerError(shed);
    expect(shed.line.storeError).toBe('DynamoDB BatchGetItem failed: keys left unprocessed');
    await proxy.setMode({ kind: 'forward' });
  });

  it('answers 603 (or the stale copy) within the budget when throttling does not stop', async () => {
    const { post, advance } = harness(endpoint);
    await proxy.setMode({ kind: 'forward' });
    expectSettings(await post('frank@cached.example'), 'imap.cached.example');

    await proxy.setMode({ kind: 'throttle', remaining: Number.POSITIVE_INFINITY, error: 'ProvisionedThroughputExceededException' });
    const throttled = await post('grace@cold.example');
    expectServerError(throttled);
    expect(throttled.line.storeError).toContain('ProvisionedThroughputExceededException');

    advance(SETTINGS.ttlMs + 1);
    const stale = await post('frank@cached.example');
    expectSettings(stale, 'imap.cached.example');
    expect(stale.line.cache).toBe('stale');
  });
});
