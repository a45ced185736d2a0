import { build } from 'esbuild';
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { WorkerTask } from './worker';
import { seedTable, startDynalite } from './dynamo-wire';
import { BENCH_RESULTS_FILE, runFacts } from './run-facts';
import { WORKLOAD, benchItems, workloadShape } from './workload';

// `npm run bench [-- --json]`: builds the production bundle, starts dynalite
// in its own process on 127.0.0.1, and measures cold start, warm throughput
// against a same-run baseline, latency, DynamoDB round trips and memory.
// Every loop is bounded in count; the run's duration is in its results (`run.seconds`).

const ROOT = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const esbuildOptions = require(join(ROOT, 'infra/build/esbuild-options.cjs')) as Record<string, unknown>;
const json = process.argv.includes('--json');
/** `--save`: also write the results to docs/bench-results.json, which `npm run bench:docs` turns into docs/performance.md's table. */
const save = process.argv.includes('--save');
const say = (text: string) => (json ? process.stderr : process.stdout).write(`${text}\n`);

const COLD_RUNS = 21;
const WARM_REQUESTS = 60_000;
const WARM_ROUNDS = 3;
const TABLE = 'autodiscover-bench';
/** Round trips are counted at each of these per-instance rates; `roundTripsPer10k` is the one at HEADLINE_RATE. */
const ROUND_TRIP_RATES = [10, 50, 200, 1000] as const;
const HEADLINE_RATE = 50;
/** Simulated seconds: the warm-up outlasts the longest TTL (CACHE_MAX_TTL_SECONDS, 900 s); the count spans 600. */
const WARMUP_SECONDS = 960;
const COUNTED_SECONDS = 600;
const MEMORY_RATE = 1000;
const MEMORY_REQUESTS = 200_000;
const BASE_ENV = {
  ...process.env,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  TENANTS_TABLE: TABLE,
  LOG_LEVEL: 'info',
};

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

async function bundle(dir: string, entry: string, name: string): Promise<string> {
  const outfile = join(dir, `${name}.cjs`);
  await build({ ...esbuildOptions, entryPoints: [join(ROOT, entry)], outfile, logLevel: 'error' });
  return outfile;
}

/** Wall time of a fresh `node` process, in ms (spawn included; the same for every command compared). */
function timeProcess(args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Median cost over bare `node -e 0` of each command, runs interleaved so drift hits all alike. */
function coldCosts(commands: Record<string, string[]>, env: NodeJS.ProcessEnv): Record<string, number> {
  const samples: Record<string, number[]> = { bare: [] };
  for (const name of Object.keys(commands)) samples[name] = [];
  for (let run = 0; run < COLD_RUNS + 2; run++) {
    const bare = timeProcess(['-e', '0'], env);
    if (run >= 2) samples.bare!.push(bare);
    for (const [name, args] of Object.entries(commands)) {
      const ms = timeProcess(args, env);
      if (run >= 2) samples[name]!.push(ms);
    }
  }
  const bare = median(samples.bare!);
  return Object.fromEntries([['bareNodeMs', bare], ...Object.keys(commands).map((name) => [name, median(samples[name]!) - bare])]);
}

/** Workers run as a bundle built with the production options: no TypeScript loader in the measured process. */
let workerBundle = '';

function runWorker<T>(task: WorkerTask, env: NodeJS.ProcessEnv): Promise<T> {
  return new Promise((done, fail) => {
    const child = fork(workerBundle, [], {
      env,
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', (message: { result?: T; error?: string }) => (message.error ? fail(new Error(message.error)) : done(message.result!)));
    child.once('exit', (code) => code !== 0 && fail(new Error(`worker exited with ${code}`)));
    child.send(task);
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'autodiscover-bench-'));
  const db = await startDynalite(ROOT);
  try {
    const env = { ...BASE_ENV, AWS_ENDPOINT_URL_DYNAMODB: db.endpoint };
    say('building the production bundle (infra/build/esbuild-options.cjs) ...');
    const production = await bundle(dir, 'functions/autodiscover.ts', 'autodiscover');
    const constant = await bundle(dir, 'infra/bench/constant-handler.ts', 'constant');
    workerBundle = await bundle(dir, 'infra/bench/worker.ts', 'worker');
    const bundleBytes = statSync(production).size;
    say('seeding dynalite ...');
    await seedTable(db.endpoint, TABLE, benchItems());

    say(`cold start: ${COLD_RUNS} fresh processes each ...`);
    // Per-dependency cost: a bundle that only imports it, same options.
    const dependencies = ['xmlbuilder2', '@aws-sdk/client-dynamodb', '@aws-sdk/util-dynamodb'];
    const probes: Record<string, string[]> = {};
    for (const [i, dependency] of dependencies.entries()) {
      const entry = join(dir, `probe-${i}.ts`);
      writeFileSync(entry, `import * as probe from '${dependency}';\n(globalThis as any).probe = probe;\n`);
      const outfile = join(dir, `probe-${i}.cjs`);
      await build({ ...esbuildOptions, entryPoints: [entry], outfile, logLevel: 'error', nodePaths: [join(ROOT, 'node_modules')] });
      probes[dependency] = [outfile];
    }
    const firstAnswer = `require(${JSON.stringify(production)}).handler(${JSON.stringify(
      (await import('./workload')).postEvent('user0@d0.bench.example'),
    )}).then(r=>{if(r.statusCode!==200)process.exit(1)})`;
    // The baseline: the same two dependencies bundled the plain way (`esbuild --bundle --platform=node --minify`).
    const naiveEntry = join(dir, 'naive.ts');
    writeFileSync(
      naiveEntry,
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport { create } from 'xmlbuilder2';\n(globalThis as any).probe = [DynamoDBClient, create];\n",
    );
    const naive = join(dir, 'naive.cjs');
    await build({ entryPoints: [naiveEntry], outfile: naive, bundle: true, platform: 'node', format: 'cjs', minify: true, logLevel: 'error', nodePaths: [join(ROOT, 'node_modules')] });
    const cold = coldCosts({ import: [production], naive: [naive], firstAnswer: ['-e', firstAnswer], ...probes }, env);

    say(`warm: ${WARM_ROUNDS} rounds of ${WARM_REQUESTS} requests per handler, each in a fresh process ...`);
    type Warm = { rps: number; p50Us: number; p99Us: number };
    const runs: Record<'real' | 'constant' | 'adapter', Warm[]> = { real: [], constant: [], adapter: [] };
    for (let round = 0; round < WARM_ROUNDS; round++) {
      runs.real.push(await runWorker<Warm>({ mode: 'cached', bundle: production, exportName: 'handler', requests: WARM_REQUESTS }, env));
      runs.constant.push(await runWorker<Warm>({ mode: 'cached', bundle: constant, exportName: 'handler', requests: WARM_REQUESTS }, env));
      runs.adapter.push(await runWorker<Warm>({ mode: 'cached', bundle: constant, exportName: 'adapterOnly', requests: WARM_REQUESTS }, env));
    }
    const rps = (kind: keyof typeof runs) => median(runs[kind].map((r) => r.rps));
    const realMedian = [...runs.real].sort((a, b) => a.rps - b.rps)[Math.floor(WARM_ROUNDS / 2)]!;

    say('uncached: 2,000 first-time domains against dynalite ...');
    const uncached = await runWorker<{ p50Us: number; p99Us: number; maxCallsNonAlias: number; maxCallsAlias: number }>(
      { mode: 'uncached', bundle: production, requests: 2000 },
      env,
    );

    say(`round trips: the Zipf mix at ${ROUND_TRIP_RATES.join(', ')} req/s (simulated clock) ...`);
    type RoundTrips = { itemKeyed: number; domainItemsOnly: number; perSecond: number; itemsPer10k: number; logBytesPerRequest: number; cacheEntries: number };
    const byRate: Record<string, RoundTrips> = {};
    for (const rate of ROUND_TRIP_RATES) {
      byRate[rate] = await runWorker<RoundTrips>({ mode: 'roundTrips', ratePerSecond: rate, warmupSeconds: WARMUP_SECONDS, countedSeconds: COUNTED_SECONDS }, env);
    }
    say(`memory: ${MEMORY_REQUESTS} requests of the mix at ${MEMORY_RATE} req/s ...`);
    const memory = await runWorker<{
      rssGrowthMb: number;
      heapGrowthMb: number;
      rssAfterMb: number;
      heapUsedAfterMb: number;
      cacheEntries: { before: number; after: number };
    }>({ mode: 'memory', ratePerSecond: MEMORY_RATE, warmup: MEMORY_REQUESTS / 2, requests: MEMORY_REQUESTS }, env);

    const results = {
      coldStartRatio: round(cold.import! / cold.naive!, 2),
      coldStartMs: round(cold.import!),
      coldStartNaiveMs: round(cold.naive!),
      naiveBundleBytes: statSync(naive).size,
      coldFirstAnswerMs: round(cold.firstAnswer!),
      coldStartByDependencyMs: Object.fromEntries(dependencies.map((d) => [d, round(cold[d]!)])),
      bareNodeMs: round(cold.bareNodeMs!),
      warmRatio: round(rps('real') / rps('constant'), 3),
      warmRatioVsBareAdapter: round(rps('real') / rps('adapter'), 3),
      // The real handler's own work per request: what the ratio hides when shared code gets faster.
      warmUsPerRequest: { real: round(1e6 / rps('real'), 2), constant: round(1e6 / rps('constant'), 2), realOnly: round(1e6 / rps('real') - 1e6 / rps('constant'), 2) },
      warmRps: { real: Math.round(rps('real')), constant: Math.round(rps('constant')), bareAdapter: Math.round(rps('adapter')) },
      cached: { p50Us: round(realMedian.p50Us), p99Us: round(realMedian.p99Us) },
      uncached: { p50Us: round(uncached.p50Us), p99Us: round(uncached.p99Us) },
      maxRoundTripsUncached: { nonAlias: uncached.maxCallsNonAlias, alias: uncached.maxCallsAlias },
      roundTripsPer10k: round(byRate[HEADLINE_RATE]!.itemKeyed, 0),
      roundTripsPer10kByRate: Object.fromEntries(
        Object.entries(byRate).map(([rate, r]) => [
          `${rate}rps`,
          {
            itemKeyed: round(r.itemKeyed, 0),
            domainItemsOnly: round(r.domainItemsOnly, 0),
            roundTripsPerSecond: round(r.perSecond, 1),
            itemsPer10k: round(r.itemsPer10k, 0),
            logBytesPerRequest: round(r.logBytesPerRequest, 0),
          },
        ]),
      ),
      rssGrowthMb: round(memory.rssGrowthMb),
      heapGrowthMb: round(memory.heapGrowthMb),
      rssAfterMb: round(memory.rssAfterMb),
      heapUsedAfterMb: round(memory.heapUsedAfterMb),
      cacheEntries: memory.cacheEntries,
      bundleBytes,
      workload: { ...WORKLOAD, ...workloadShape() },
      run: runFacts(started),
    };
    if (save) writeFileSync(BENCH_RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    if (json) process.stdout.write(`${JSON.stringify(results)}\n`);
    else printTable(results);
  } finally {
    db.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(r: Record<string, any>): void {
  const rows: Array<[string, string, string]> = [
    ['coldStartRatio (import bundle ÷ naive bundle of the SDK client and xmlbuilder2, each − bare node)', `${r.coldStartRatio}`, '≤ 0.40'],
    ['coldStartMs / naive bundle ms', `${r.coldStartMs} / ${r.coldStartNaiveMs}`, ''],
    ['coldFirstAnswerMs (import + first uncached answer − bare node)', `${r.coldFirstAnswerMs}`, ''],
    ['warmRatio (real ÷ constant handler, same outer layer)', `${r.warmRatio}`, '≥ 0.5'],
    ['warmRatio vs bare adapter (no routing, no log line)', `${r.warmRatioVsBareAdapter}`, ''],
    ['warm req/s real / constant / bare adapter', `${r.warmRps.real} / ${r.warmRps.constant} / ${r.warmRps.bareAdapter}`, ''],
    ['warm µs per request real / constant / real-only work', `${r.warmUsPerRequest.real} / ${r.warmUsPerRequest.constant} / ${r.warmUsPerRequest.realOnly}`, ''],
    ['cached p50 / p99 µs', `${r.cached.p50Us} / ${r.cached.p99Us}`, 'p99 ≤ 500'],
    ['uncached p50 / p99 µs (dynalite, own process)', `${r.uncached.p50Us} / ${r.uncached.p99Us}`, ''],
    ['max round trips, uncached: non-alias / alias', `${r.maxRoundTripsUncached.nonAlias} / ${r.maxRoundTripsUncached.alias}`, '≤ 1 non-alias'],
    [`roundTripsPer10k (the workload, ${HEADLINE_RATE} req/s, default TTLs)`, `${r.roundTripsPer10k}`, '≤ 1500'],
    ...Object.entries(r.roundTripsPer10kByRate as Record<string, { itemKeyed: number; domainItemsOnly: number; roundTripsPerSecond: number }>).map(
      ([rate, v]) =>
        [`  at ${rate}: ours / domain items only (floor); per second`, `${v.itemKeyed} / ${v.domainItemsOnly}; ${v.roundTripsPerSecond}`, ''] as [
          string,
          string,
          string,
        ],
    ),
    [`rssGrowthMb (${MEMORY_REQUESTS.toLocaleString('en')} requests at ${MEMORY_RATE} req/s after warm-up)`, `${r.rssGrowthMb} (RSS ${r.rssAfterMb}, heap ${r.heapUsedAfterMb} MB)`, '≤ 10'],
    ['  heap growth MB / cache entries before → after', `${r.heapGrowthMb} / ${r.cacheEntries.before} → ${r.cacheEntries.after}`, ''],
    ['bundleBytes', `${r.bundleBytes}`, ''],
    ...Object.entries(r.coldStartByDependencyMs as Record<string, number>).map(([d, ms]) => [`  import ${d} alone (ms)`, `${ms}`, ''] as [string, string, string]),
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  say(`\n${'figure'.padEnd(width)}  ${'measured'.padEnd(24)}  target`);
  for (const [name, value, target] of rows) say(`${name.padEnd(width)}  ${value.padEnd(24)}  ${target}`);
  say(`\nmachine: ${r.run.machine}; ${r.run.seconds} s`);
}

await main();
