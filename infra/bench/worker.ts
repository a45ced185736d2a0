import { createRequire } from 'node:module';
import type { LambdaHttpEvent, LambdaHttpResult } from '../../lib/http/lambda-event';
import { stdoutLogSink } from '../../lib/observability/request-log';
import { createResponder } from '../../lib/responder';
import { DEFAULT_CACHE_SETTINGS, TenantCache, type CacheSettings } from '../../lib/tenants/cache';
import { BatchGetItemCommand, GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { READ_DEADLINE_MS, createTenantStore, type RawItem, type TenantStore } from '../../lib/tenants/dynamodb';
import { addressStream, benchItems, domainName, isAliasRank, postEvent } from './workload';

// One measurement in a fresh process (so runs do not share JIT state or
// heap), reporting its result to the parent over IPC. Log lines the handler
// writes to stdout are captured here instead of going to a pipe.

type Handler = (event: LambdaHttpEvent) => Promise<LambdaHttpResult>;
export type WorkerTask =
  | { mode: 'cached'; bundle: string; exportName: string; requests: number }
  | { mode: 'uncached'; bundle: string; requests: number }
  | { mode: 'roundTrips'; ratePerSecond: number; warmupSeconds: number; countedSeconds: number }
  | { mode: 'memory'; ratePerSecond: number; warmup: number; requests: number };

const logLines: string[] = [];
let keepLines = false;
/** Bytes of log lines written so far: what CloudWatch Logs ingestion would bill. */
let logBytes = 0;
process.stdout.write = ((text: string) => {
  logBytes += Buffer.byteLength(text);
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

/** Each request for a domain this instance has not seen: every one goes to DynamoDB (its log line's metrics say how often). */
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
    const result = await handler(event);
    const ms = performance.now() - t0;
    if ((result as { statusCode: number }).statusCode !== 200) throw new Error(`${domainName(rank)}: not 200; log line ${logLines[0]}`);
    const line = JSON.parse(logLines[0]!) as { DynamoDBCalls?: number; CacheMiss?: number };
    if (line.CacheMiss !== 1) throw new Error(`expected a miss, got ${logLines[0]}`);
    if (isAliasRank(rank)) maxCallsAlias = Math.max(maxCallsAlias, line.DynamoDBCalls ?? 0);
    else {
      maxCallsNonAlias = Math.max(maxCallsNonAlias, line.DynamoDBCalls ?? 0);
      if (rank >= 20) times.push(ms); // the first few open the connection
    }
  }
  const sorted = Float64Array.from(times).sort();
  return { p50Us: percentile(sorted, 0.5) * 1000, p99Us: percentile(sorted, 0.99) * 1000, maxCallsNonAlias, maxCallsAlias };
}

/** The real responder over a cache with a simulated clock, so TTLs expire as they would at `ratePerSecond`. */
function mixResponder(store: TenantStore, settings: CacheSettings = DEFAULT_CACHE_SETTINGS) {
  let now = 0;
  const cache = new TenantCache(store, settings, () => now);
  const handler = createResponder({
    lookupTenant: (domain, mailboxId, report) => cache.lookup(domain, mailboxId, report),
    log: stdoutLogSink(),
    responderId: 1,
    now: () => new Date(now),
  });
  const next = addressStream(42);
  return {
    cache,
    /** Sends the next `count` requests of the stream, one every 1/ratePerSecond simulated seconds; `observe` sees each address first. */
    async run(count: number, ratePerSecond: number, observe?: (address: string, now: number) => void) {
      for (let i = 0; i < count; i++) {
        now += 1000 / ratePerSecond;
        const address = next();
        observe?.(address, now);
        check(await handler(postEvent(address)), address.includes('nowhere') ? 404 : 200);
        // An in-memory read settles without the event loop turning, so each read's deadline
        // timer (AbortSignal.timeout) could never fire and be collected: let the loop turn.
        if (i % 1000 === 999) await new Promise((done) => setImmediate(done));
      }
    },
  };
}

/** Round trips a request stream costs with perfect per-domain caching and no mailbox reads: the floor for any design. */
function domainItemsOnly() {
  const freshUntil = new Map<string, number>();
  let roundTrips = 0;
  const miss = (id: string, now: number, ttlMs: number): boolean => {
    const until = freshUntil.get(id);
    if (until !== undefined && now < until) return false;
    freshUntil.set(id, now + ttlMs);
    roundTrips++;
    return true;
  };
  return {
    get roundTrips() {
      return roundTrips;
    },
    observe(address: string, now: number) {
      const domain = address.slice(address.indexOf('@') + 1);
      const rank = rankOf(address);
      if (rank === undefined) return void miss(domain, now, DEFAULT_CACHE_SETTINGS.negativeTtlMs);
      miss(domain, now, DEFAULT_CACHE_SETTINGS.ttlMs);
      if (isAliasRank(rank)) miss(domainName(rank - 1), now, DEFAULT_CACHE_SETTINGS.ttlMs);
    },
  };
}

const rankOf = (address: string): number | undefined => {
  const rank = /^[^@]+@d(\d+)\./.exec(address)?.[1];
  return rank === undefined ? undefined : Number(rank);
};

const benchItemsById = () => new Map(benchItems().map((item) => [item.id as string, item]));

/**
 * A DynamoDB client that answers GetItem and BatchGetItem from the
 * benchmark's items and counts every command sent: what would cross the wire,
 * with the real store module (batching, unprocessed keys, unmarshalling) in front of it.
 */
function countingClient(items: ReadonlyMap<string, RawItem>) {
  let commands = 0;
  let keys = 0;
  const send = async (command: GetItemCommand | BatchGetItemCommand) => {
    commands++;
    // Fresh objects each time, as a response off the wire is: the responder keys per-item work on item identity.
    const read = (key: Parameters<typeof unmarshall>[0]) => {
      const item = items.get(String(unmarshall(key).id));
      return item === undefined ? undefined : marshall(item);
    };
    if (command instanceof GetItemCommand) return (keys++, { Item: read(command.input.Key!) });
    const [table, request] = Object.entries(command.input.RequestItems!)[0]!;
    keys += request.Keys!.length;
    const found = request.Keys!.map(read).filter((item) => item !== undefined);
    return { Responses: { [table]: found }, UnprocessedKeys: {} };
  };
  return { client: { send } as unknown as DynamoDBClient, sent: () => commands, keys: () => keys };
}

/**
 * DynamoDB requests of the mix at one arrival rate, counted at the client
 * over `countedSeconds` of simulated time after `warmupSeconds` (longer than
 * the longest TTL, so the cache is in its steady state). The count depends
 * only on the cache and the stream (requests run one after another), so an
 * in-memory copy of the items answers and a long simulated run takes seconds.
 */
async function roundTrips(task: Extract<WorkerTask, { mode: 'roundTrips' }>) {
  const wire = countingClient(benchItemsById());
  const mix = mixResponder(createTenantStore('bench', wire.client));
  const floor = domainItemsOnly();
  await mix.run(Math.round(task.warmupSeconds * task.ratePerSecond), task.ratePerSecond, floor.observe);
  const before = { calls: wire.sent(), keys: wire.keys(), floor: floor.roundTrips, logBytes };
  const counted = Math.round(task.countedSeconds * task.ratePerSecond);
  await mix.run(counted, task.ratePerSecond, floor.observe);
  const per10k = (n: number) => (n * 10_000) / counted;
  return {
    itemKeyed: per10k(wire.sent() - before.calls),
    domainItemsOnly: per10k(floor.roundTrips - before.floor),
    perSecond: (wire.sent() - before.calls) / task.countedSeconds,
    // Items asked for (found or not): each costs half a read request unit, eventually consistent and under 4 KB.
    itemsPer10k: per10k(wire.keys() - before.keys),
    logBytesPerRequest: (logBytes - before.logBytes) / counted,
    cacheEntries: mix.cache.size,
  };
}

/**
 * Resident memory over a long run of the mix, after a warm-up that fills the
 * cache to its bound. The items come from memory behind the real table module
 * (a dynalite round trip per miss made this stage take minutes); the SDK's
 * sockets under load are in the load run's RSS figures instead.
 */
/**
 * Bounds small enough for the warm-up to fill: with the default bounds the
 * workload's distinct ids keep arriving for hours, and a cache still filling
 * would read as growth. Growth past a full cache is what a leak would show.
 */
const MEMORY_CACHE: CacheSettings = { ...DEFAULT_CACHE_SETTINGS, maxEntries: 5_000, maxAbsentEntries: 2_000 };

async function memory(task: Extract<WorkerTask, { mode: 'memory' }>) {
  const mix = mixResponder(createTenantStore('bench', countingClient(benchItemsById()).client), MEMORY_CACHE);
  await mix.run(task.warmup, task.ratePerSecond);
  const gc = async () => {
    // The last reads' deadline timers fire READ_DEADLINE_MS after they started, real time.
    await new Promise((done) => setTimeout(done, READ_DEADLINE_MS + 50));
    (globalThis as { gc?: () => void }).gc!();
    (globalThis as { gc?: () => void }).gc!();
  };
  await gc();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const entriesBefore = mix.cache.size;
  await mix.run(task.requests, task.ratePerSecond);
  await gc();
  const { rss: rssAfter, heapUsed: heapAfter } = process.memoryUsage();
  const mb = (bytes: number) => bytes / 2 ** 20;
  return {
    rssGrowthMb: mb(rssAfter - rssBefore),
    heapGrowthMb: mb(heapAfter - heapBefore),
    rssAfterMb: mb(rssAfter),
    heapUsedAfterMb: mb(heapAfter),
    cacheEntries: { before: entriesBefore, after: mix.cache.size },
  };
}

const tasks = { cached, uncached, roundTrips, memory } as const;

process.once('message', (task: WorkerTask) => {
  (tasks[task.mode] as (t: WorkerTask) => Promise<unknown>)(task).then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (error: Error) => process.send!({ error: error.stack ?? String(error) }, () => process.exit(1)),
  );
});
