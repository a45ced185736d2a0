import { createRequire } from 'node:module';
import type { LambdaHttpEvent, LambdaHttpResult } from '../../lib/http/lambda-event';
import { stdoutLogSink } from '../../lib/observability/request-log';
import { createResponder } from '../../lib/responder';
import { DEFAULT_CACHE_SETTINGS, TenantCache } from '../../lib/tenants/cache';
import { createTenantTable, type TenantStore } from '../../lib/tenants/dynamodb';
import { addressStream, domainName, isAliasRank, postEvent } from './workload';

// One measurement in a fresh process (so runs do not share JIT state or
// heap), reporting its result to the parent over IPC. Log lines the handler
// writes to stdout are captured here instead of going to a pipe.

type Handler = (event: LambdaHttpEvent) => Promise<LambdaHttpResult>;
export type WorkerTask =
  | { mode: 'cached'; bundle: string; exportName: string; requests: number }
  | { mode: 'uncached'; bundle: string; requests: number }
  | { mode: 'mix'; table: string; warmup: number; counted: number; ratePerSecond: number; rssRequests: number; rssRatePerSecond: number };

const logLines: string[] = [];
let keepLines = false;
process.stdout.write = ((text: string) => {
  if (keepLines) logLines.push(text);
  return true;
}) as typeof process.stdout.write;

// Built into a CommonJS bundle by bench.ts; bundles to measure are loaded by absolute path.
const require = createRequire(`${process.cwd()}/`);
const percentile = (sorted: Float64Array, p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

function check(result: LambdaHttpResult, status: number): void {
  if ((result as { statusCode: number }).statusCode !== status) throw new Error(`expected ${status}, got ${JSON.stringify(result).slice(0, 300)}`);
}

/** Requests per second and per-request latency for one domain's 1000 addresses, all cached after the warm-up pass. */
async function cached(task: Extract<WorkerTask, { mode: 'cached' }>) {
  const handler = require(task.bundle)[task.exportName] as Handler;
  const events = Array.from({ length: 1000 }, (_, i) => postEvent(`person${i}@${domainName(0)}`));
  for (let pass = 0; pass < 3; pass++) for (const event of events) check(await handler(event), 200);
  const times = new Float64Array(task.requests);
  const started = performance.now();
  for (let i = 0; i < task.requests; i++) {
    const t0 = performance.now();
    await handler(events[i % events.length]!);
    times[i] = performance.now() - t0;
  }
  const elapsed = performance.now() - started;
  times.sort();
  return { rps: task.requests / (elapsed / 1000), p50Us: percentile(times, 0.5) * 1000, p99Us: percentile(times, 0.99) * 1000 };
}

/** Each request for a domain this instance has not seen: every one goes to DynamoDB. */
async function uncached(task: Extract<WorkerTask, { mode: 'uncached' }>) {
  const handler = require(task.bundle).handler as Handler;
  keepLines = true;
  const times: number[] = [];
  let maxCallsNonAlias = 0;
  let maxCallsAlias = 0;
  for (let rank = 0; times.length < task.requests; rank++) {
    const event = postEvent(`user0@${domainName(rank)}`);
    logLines.length = 0;
    const t0 = performance.now();
    check(await handler(event), 200);
    const ms = performance.now() - t0;
    const line = JSON.parse(logLines[0]!) as { storeCalls?: number; cache?: string };
    if (line.cache !== 'miss') throw new Error(`expected a miss, got ${line.cache}`);
    if (isAliasRank(rank)) maxCallsAlias = Math.max(maxCallsAlias, line.storeCalls ?? 0);
    else {
      maxCallsNonAlias = Math.max(maxCallsNonAlias, line.storeCalls ?? 0);
      if (rank >= 20) times.push(ms); // the first few open the connection
    }
  }
  const sorted = Float64Array.from(times).sort();
  return { p50Us: percentile(sorted, 0.5) * 1000, p99Us: percentile(sorted, 0.99) * 1000, maxCallsNonAlias, maxCallsAlias };
}

/**
 * The Zipf mix through the real responder with a simulated clock (requests
 * arriving at a fixed rate), counting DynamoDB round trips; then resident
 * memory over a long run of the same mix.
 */
async function mix(task: Extract<WorkerTask, { mode: 'mix' }>) {
  const table = createTenantTable(task.table);
  let roundTrips = 0;
  const store: TenantStore = { getItems: (ids) => (roundTrips++, table.getItems(ids)) };
  let now = 0;
  const cache = new TenantCache(store, DEFAULT_CACHE_SETTINGS, () => now);
  const handler = createResponder({
    lookupTenant: (domain, mailboxId, report) => cache.lookup(domain, mailboxId, report),
    log: stdoutLogSink(),
    responderId: 1,
    now: () => new Date(now),
  });
  const next = addressStream(42);
  // The same stream through a cache keyed by (domain, address) pairs, for comparison: one round trip per pair miss.
  const pairFreshUntil = new Map<string, number>();
  let pairRoundTrips = 0;

  async function run(count: number, ratePerSecond: number, comparePairs: boolean) {
    for (let i = 0; i < count; i++) {
      now += 1000 / ratePerSecond;
      const address = next();
      const until = comparePairs ? pairFreshUntil.get(address) : 0;
      if (until === undefined || (comparePairs && until <= now)) {
        const rank = /^[^@]+@d(\d+)\./.exec(address)?.[1];
        pairRoundTrips += rank !== undefined && isAliasRank(Number(rank)) ? 2 : 1;
        const hosted = !address.includes('nowhere');
        pairFreshUntil.set(address, now + (hosted ? DEFAULT_CACHE_SETTINGS.ttlMs : DEFAULT_CACHE_SETTINGS.negativeTtlMs));
      }
      await handler(postEvent(address));
    }
  }
  await run(task.warmup, task.ratePerSecond, true);
  roundTrips = 0;
  const pairStart = pairRoundTrips;
  await run(task.counted, task.ratePerSecond, true);
  const counted = { roundTripsPer10k: (roundTrips * 10_000) / task.counted, pairKeyedRoundTripsPer10k: ((pairRoundTrips - pairStart) * 10_000) / task.counted };

  // Warm up at the memory run's own rate until the cache has reached its bound: growth after that is a leak.
  pairFreshUntil.clear();
  await run(task.rssRequests / 2, task.rssRatePerSecond, false);
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  gc();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const entriesBefore = cache.size;
  const started = performance.now();
  await run(task.rssRequests, task.rssRatePerSecond, false);
  const seconds = (performance.now() - started) / 1000;
  gc();
  gc();
  const { rss: rssAfter, heapUsed: heapAfter } = process.memoryUsage();
  const mb = (bytes: number) => bytes / 2 ** 20;
  return {
    ...counted,
    rssGrowthMb: mb(rssAfter - rssBefore),
    heapGrowthMb: mb(heapAfter - heapBefore),
    rssAfterMb: mb(rssAfter),
    heapUsedAfterMb: mb(heapAfter),
    cacheEntries: { before: entriesBefore, after: cache.size },
    rssRunSeconds: seconds,
  };
}

const tasks = { cached, uncached, mix } as const;

process.once('message', (task: WorkerTask) => {
  (tasks[task.mode] as (t: WorkerTask) => Promise<unknown>)(task).then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (error: Error) => process.send!({ error: error.stack ?? String(error) }, () => process.exit(1)),
  );
});
