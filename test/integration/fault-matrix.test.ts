import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { RequestLogLine } from '../../lib/observability/request-log';
import { createResponder } from '../../lib/responder';
import { DEFAULT_CACHE_SETTINGS, TenantCache } from '../../lib/tenants/cache';
import { createStoreClient, createTenantTable } from '../../lib/tenants/dynamodb';
import { answerKind } from '../support/answer-kinds';
import { startFaultProxy, type FaultProxy, type ProxyMode, type WireItem } from '../support/fault-proxy';
import { requestBody } from '../support/fixtures';
import { buildEvent, readResult, type TestRequest } from '../support/lambda-events';
import { createTestTable } from '../support/tenant-table';

// Every route × every way DynamoDB can fail, at the wire (a proxy in front of
// the run's dynalite): each answer is the one the route's table gives for
// that outcome, within the 1.5 s budget; then DynamoDB heals and the next
// request is served normally, so the cache kept no poisoned entry.

const BUDGET_MS = 1500;
const DOMAIN = 'fault.example';
const ADDRESS = `dana@${DOMAIN}`;
const ITEMS = [
  {
    id: DOMAIN,
    hasMailboxes: true, // an address reads domain and mailbox in one BatchGetItem
    protocols: [
      { type: 'IMAP', server: 'imap.fault.example', port: 993, tls: 'implicit' },
      { type: 'SMTP', server: 'smtp.fault.example', port: 587, tls: 'starttls' },
    ],
    activeSync: { url: 'https://eas.fault.example/Microsoft-Server-ActiveSync' },
  },
];

type Outcome = 'ok' | 'storeFailure' | 'invalid';

interface RouteCase {
  readonly name: string;
  readonly request: TestRequest;
  readonly answers: Readonly<Record<Outcome, string>>;
}

const ROUTES: readonly RouteCase[] = [
  {
    name: 'POX POST',
    request: { method: 'POST', path: '/autodiscover/autodiscover.xml', body: requestBody(ADDRESS) },
    answers: { ok: '200 settings', storeFailure: '503 error 603', invalid: '200 error 602' },
  },
  {
    name: 'POX GET',
    request: { method: 'GET', path: '/autodiscover/autodiscover.xml', headers: { Host: `autodiscover.${DOMAIN}` } },
    answers: { ok: '200 settings', storeFailure: '503 error 603', invalid: '200 error 602' },
  },
  {
    name: 'autoconfig',
    request: { method: 'GET', path: `/mail/config-v1.1.xml?emailaddress=${ADDRESS}` },
    answers: { ok: '200 clientConfig', storeFailure: '503 empty', invalid: '500 empty' },
  },
  {
    name: 'Autodiscover JSON',
    request: { method: 'GET', path: `/autodiscover/autodiscover.json?Email=${ADDRESS}&Protocol=AutodiscoverV1`, headers: { Host: `autodiscover.${DOMAIN}` } },
    answers: { ok: '200 json AutodiscoverV1', storeFailure: '503 empty', invalid: '500 empty' },
  },
  {
    name: 'Apple profile',
    request: { method: 'GET', path: `/apple/mobileconfig?email=${ADDRESS}` },
    answers: { ok: '200 profile', storeFailure: '503 empty', invalid: '500 empty' },
  },
];

const withAttribute = (name: string, value: Record<string, unknown>) => (item: WireItem): WireItem => (item.id?.S === DOMAIN ? { ...item, [name]: value } : item);

interface FaultCase {
  readonly name: string;
  readonly mode: () => ProxyMode;
  readonly outcome: Outcome;
}

const FAULTS: readonly FaultCase[] = [
  { name: 'refuses connections (resets each)', mode: () => ({ kind: 'refuse' }), outcome: 'storeFailure' },
  { name: 'accepts, then hangs', mode: () => ({ kind: 'hang' }), outcome: 'storeFailure' },
  // Each attempt may take 300 ms; the read as a whole 650 ms.
  { name: 'answers late, inside the attempt timeout (150 ms)', mode: () => ({ kind: 'delay', ms: 150 }), outcome: 'ok' },
  { name: 'answers just outside the read deadline (700 ms)', mode: () => ({ kind: 'delay', ms: 700 }), outcome: 'storeFailure' },
  { name: 'throttles twice, then answers', mode: () => ({ kind: 'throttle', remaining: 2, error: 'ThrottlingException' }), outcome: 'ok' },
  { name: 'keeps throttling', mode: () => ({ kind: 'throttle', remaining: Infinity, error: 'ProvisionedThroughputExceededException' }), outcome: 'storeFailure' },
  { name: 'hands batch keys back unprocessed once', mode: () => ({ kind: 'unprocess', remaining: 1 }), outcome: 'ok' },
  { name: 'keeps handing batch keys back', mode: () => ({ kind: 'unprocess', remaining: Infinity }), outcome: 'storeFailure' },
  { name: 'returns an item that breaks the contract', mode: () => ({ kind: 'rewrite', rewrite: withAttribute('colour', { S: 'blue' }) }), outcome: 'invalid' },
  { name: 'returns an item of 400 KB', mode: () => ({ kind: 'rewrite', rewrite: withAttribute('note', { S: 'n'.repeat(400 * 1024) }) }), outcome: 'invalid' },
];

let tableName: string;

beforeAll(async () => {
  const table = await createTestTable('fault-matrix', ITEMS);
  tableName = table.tableName;
  // The SDK's first request in a process loads and sets up its modules; in
  // Lambda that happens once per instance, before the budget matters.
  await createTenantTable(tableName, createStoreClient({ endpoint: inject('dynamoEndpoint') })).getItems([DOMAIN, ADDRESS]);
});

async function harness(proxy: FaultProxy) {
  let now = 1_000_000;
  const lines: RequestLogLine[] = [];
  const cache = new TenantCache(createTenantTable(tableName, createStoreClient({ endpoint: proxy.endpoint })), DEFAULT_CACHE_SETTINGS, () => now);
  const handler = createResponder({
    lookupTenant: (domain, mailboxId, report) => cache.lookup(domain, mailboxId, report),
    log: (line) => lines.push(line),
    responderId: 9,
  });
  async function send(request: TestRequest) {
    const started = performance.now();
    const result = readResult('httpApiV2', await handler(buildEvent('httpApiV2', request)));
    return { kind: answerKind(result), ms: performance.now() - started, line: lines.at(-1)! };
  }
  return { send, advance: (ms: number) => (now += ms) };
}

describe.concurrent.each(ROUTES)('$name when DynamoDB', (route) => {
  it.for(FAULTS)('$name', async (fault, { onTestFinished }) => {
    // Each case has its own proxy and cache (and closes its own proxy: the cases run side by side).
    const proxy = await startFaultProxy(inject('dynamoEndpoint'));
    onTestFinished(() => proxy.close());
    const { send, advance } = await harness(proxy);
    // A cold instance reads the generation item beside the domain item, so every route's first read is a BatchGetItem.
    const { outcome } = fault;

    await proxy.setMode(fault.mode());
    const faulty = await send(route.request);
    expect(faulty.kind).toBe(route.answers[outcome]);
    expect(faulty.ms, 'answered within the budget').toBeLessThan(BUDGET_MS);
    expect(faulty.line.status).toBe(Number(route.answers[outcome].slice(0, 3)));
    if (outcome === 'storeFailure') expect(faulty.line.storeError).toMatch(/^DynamoDB \w+ failed/);
    if (outcome === 'invalid') expect(faulty.line).toMatchObject({ level: 'warn', itemProblem: { item: DOMAIN } });

    // DynamoDB heals. A failed read left nothing behind: the next request reads again at once.
    // A bad item is cached like any item (it was in the table), until its TTL ends.
    await proxy.setMode({ kind: 'forward' });
    if (outcome === 'invalid') advance(DEFAULT_CACHE_SETTINGS.ttlMs + 1);
    const healed = await send(route.request);
    expect(healed.kind).toBe(route.answers.ok);
    expect(healed.line.cache).toBe(outcome === 'ok' ? 'hit' : 'miss');
    expect(healed.line.storeError).toBeUndefined();
  });
});
