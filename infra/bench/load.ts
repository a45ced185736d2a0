import autocannon, { type Result } from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { seedTable, startCountingProxy, startDynalite, type CountingProxy } from './dynamo-wire';
import { LOAD_MIX, loadVerdict, planRequests, type LoadRequest, type LoadRow, type PlannedRequest } from './load-mix';
import { LOAD_RESULTS_FILE, runFacts } from './run-facts';
import { benchItems, workloadShape } from './workload';

// `npm run load [-- --json] [-- --save]`: the server exactly as `npm start`
// starts it (tsx infra/local/start.ts, its own process group), on a free
// port, with its DynamoDB endpoint pointing at a counting TCP proxy in front
// of a dynalite this script starts and seeds with the benchmark's tenants.
// autocannon sends the mix of load-mix.ts; the run fails when a row gets a
// status outside its set, a connection fails, or DynamoDB reads per request
// exceed the bound. Everything started is stopped, on failure and Ctrl-C too.

const ROOT = resolve(import.meta.dirname, '../..');
const REQUESTS = 20_000;
const CONNECTIONS = 50;
const SEED = 7;
const TABLE = 'autodiscover-load';
const START_TIMEOUT_MS = 90_000;
/** The whole autocannon run is stopped after this, whatever is left. */
const RUN_TIMEOUT_MS = 180_000;
const json = process.argv.includes('--json');
const save = process.argv.includes('--save');
const say = (text: string) => (json ? process.stderr : process.stdout).write(`${text}\n`);

const cleanups: Array<() => unknown> = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!();
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((ready) => probe.listen(0, '127.0.0.1', ready));
  const { port } = probe.address() as AddressInfo;
  await new Promise((done) => probe.close(done));
  return port;
}

/** Resident memory of a process, in MB (Linux /proc). */
const rssMb = (pid: number): number => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

/** Stops the server's whole process group: SIGTERM, then SIGKILL if it is still there after 5 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // the group is gone already
    }
  };
  signal('SIGTERM');
  const killer = setTimeout(() => signal('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
}

async function startServer(port: number, dynamoEndpoint: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PORT: String(port), AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint, TENANTS_TABLE: TABLE, LOCAL_DYNAMODB: 'dynalite' },
  });
  cleanups.push(() => stopGroup(child));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}: ${stderr}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
      return child;
    } catch {
      await new Promise((done) => setTimeout(done, 250));
    }
  }
  throw new Error(`npm start did not answer on port ${port} within ${START_TIMEOUT_MS / 1000} s: ${stderr}`);
}

const send = (base: string, request: LoadRequest) =>
  fetch(`${base}${request.path}`, { method: request.method, headers: request.headers, body: request.body, signal: AbortSignal.timeout(5000) });

/** Optional rows (routes another change adds) take part only if a probe of them gets an allowed status. */
async function rowsThatAnswer(base: string): Promise<LoadRow[]> {
  const rows: LoadRow[] = [];
  for (const row of LOAD_MIX) {
    if (row.optional) {
      const [probe] = planRequests([row], 1, SEED);
      const status = await send(base, probe!).then((r) => (r.body?.cancel(), r.status), () => 0);
      if (!row.allowed.includes(status)) {
        say(`  leaving out "${row.name}": its probe got ${status || 'no answer'}`);
        continue;
      }
    }
    rows.push(row);
  }
  return rows;
}

function runAutocannon(url: string, plan: readonly PlannedRequest[], statuses: Record<number, number>[]): Promise<Result> {
  let next = 0;
  return new Promise((done, fail) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        amount: plan.length,
        timeout: 10,
        requests: [
          {
            // Each connection takes the next planned request; its context remembers the row for the answer.
            setupRequest: (request, context) => {
              const planned = plan[next++ % plan.length]!;
              context.row = planned.row;
              return { ...request, method: planned.method, path: planned.path, headers: planned.headers, body: planned.body };
            },
            onResponse: (status, _body, context) => {
              const row = statuses[context.row as number]!;
              row[status] = (row[status] ?? 0) + 1;
            },
          },
        ],
      },
      (error, result) => (clearTimeout(watchdog), error ? fail(error) : done(result)),
    );
    const watchdog = setTimeout(() => instance.stop(), RUN_TIMEOUT_MS);
  });
}

const readsOf = (counts: Record<string, number>) => (counts.GetItem ?? 0) + (counts.BatchGetItem ?? 0);

async function main(): Promise<void> {
  const started = Date.now();
  say('starting dynalite and a counting proxy, seeding the benchmark tenants ...');
  const db = await startDynalite(ROOT);
  cleanups.push(db.stop);
  await seedTable(db.endpoint, TABLE, benchItems());
  const proxy: CountingProxy = await startCountingProxy(db.endpoint);
  cleanups.push(proxy.close);

  const port = await freePort();
  say(`starting the server as npm start does (tsx infra/local/start.ts) on 127.0.0.1:${port} ...`);
  const server = await startServer(port, proxy.endpoint);
  const base = `http://127.0.0.1:${port}`;
  const rows = await rowsThatAnswer(base);
  const plan = planRequests(rows, REQUESTS, SEED);
  const statuses = rows.map(() => ({}) as Record<number, number>);
  const rssBeforeMb = rssMb(server.pid!);
  const readsBefore = readsOf(proxy.counts());

  say(`load: ${REQUESTS.toLocaleString('en')} requests over ${CONNECTIONS} connections ...`);
  const result = await runAutocannon(base, plan, statuses);
  const dynamoReads = readsOf(proxy.counts()) - readsBefore;
  const rssAfterMb = rssMb(server.pid!);
  const requests = result.requests.total;

  const problems = loadVerdict(rows, { statuses, connectionErrors: result.errors, timeouts: result.timeouts, requests, dynamoReads });
  const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
  const report = {
    requests,
    connections: CONNECTIONS,
    requestsPerSecond: Math.round(requests / result.duration),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    dynamoReads,
    readsPerRequest: round(dynamoReads / requests, 3),
    serverRssMb: { before: round(rssBeforeMb), after: round(rssAfterMb) },
    rows: rows.map((row, i) => ({ name: row.name, share: row.share, allowed: row.allowed, statuses: statuses[i] })),
    problems,
    workload: workloadShape(),
    run: runFacts(started),
  };
  if (save) writeFileSync(LOAD_RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
  if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    say(`\n${report.requestsPerSecond} req/s; latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms`);
    say(`DynamoDB reads ${dynamoReads} (${report.readsPerRequest} per request); server RSS ${report.serverRssMb.before} → ${report.serverRssMb.after} MB`);
    for (const row of report.rows) say(`  ${row.name.padEnd(34)} ${JSON.stringify(row.statuses)}`);
    say(problems.length === 0 ? 'every check passed' : `FAILED:\n  ${problems.join('\n  ')}`);
  }
  if (problems.length > 0) process.exitCode = 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`\n${signal}: stopping everything started`);
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (error) {
  say(`load run failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
