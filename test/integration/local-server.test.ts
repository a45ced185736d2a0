import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../support/ports';

// `npm start` for real: its own local DynamoDB (DynamoDB Local where Java is
// present, dynalite otherwise) on free ports, demo tenants, HTTP on loopback;
// and the admin CLI finding it as an admin's shell would, with no AWS settings.

const THUNDERBIRD_BODY = `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>someone@example.org</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>`;

const DEMO_COUNT = (JSON.parse(readFileSync('infra/local/demo-tenants.json', 'utf8')) as unknown[]).length;

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the base URL once it listens, or rejects when it exits first. */
  readonly listening: Promise<string>;
  readonly exited: Promise<number | null>;
}

// A home folder without ~/.aws, shared by every run in this file.
const home = mkdtempSync(join(tmpdir(), 'home-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** An environment as on a clean machine: no AWS settings, no ~/.aws, no endpoint. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, ...extra };
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return env;
}

function startLocal(env: NodeJS.ProcessEnv): Started {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /Listening on:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearInterval(timer);
        resolve(match[1]!);
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`npm start exited early:\n${output}`));
      }
    }, 100);
  });
  listening.catch(() => {});
  return { child, output: () => output, listening, exited };
}

async function stopLocal(started: Started): Promise<number | null> {
  if (started.child.exitCode === null) started.child.kill('SIGTERM');
  return started.exited;
}

/** The admin CLI as a separate program, in the same clean environment. */
function adminCli(env: NodeJS.ProcessEnv, ...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'infra/admin/cli.ts', ...args], { env, encoding: 'utf8', timeout: 30_000 });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

const holdPort = async (): Promise<{ port: number; server: Server }> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.address() as { port: number }).port, server };
};

describe('local server (npm start)', () => {
  let started: Started;
  let baseUrl: string;
  let env: NodeJS.ProcessEnv;
  const dataDir = mkdtempSync(join(tmpdir(), 'autodiscover-local-'));

  beforeAll(async () => {
    env = cleanEnv({ PORT: '0', DYNAMODB_PORT: String(await freeLoopbackPort()), LOCAL_DYNAMODB_DIR: dataDir });
    started = startLocal(env);
    baseUrl = await started.listening;
  }, 60_000);

  afterAll(async () => {
    await stopLocal(started);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints both endpoints and a ready-to-paste curl example', () => {
    expect(started.output()).toMatch(/DynamoDB:\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(started.output()).toContain('curl -s -X POST');
    expect(started.output()).toContain('/autodiscover/autodiscover.xml');
    expect(started.output()).toMatch(new RegExp(`Demo tenants:\\s+${DEMO_COUNT} added, 0 kept as they were`));
  });

  it('answers a Thunderbird POST for a demo tenant over HTTP with its servers, and logs one short line', async () => {
    const response = await fetch(`${baseUrl}/autodiscover/autodiscover.xml`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', Authorization: 'Basic c29tZW9uZTpzZWNyZXQ=' },
      body: THUNDERBIRD_BODY,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    const xml = await response.text();
    const account = new XMLParser({ parseTagValue: false }).parse(xml).Autodiscover.Response.Account;
    const protocols = [account.Protocol].flat();
    expect(protocols.map((p: { Type: string }) => p.Type)).toEqual(['POP3', 'SMTP']);
    expect(protocols[0]).toMatchObject({ Server: 'pop.mail.example.net', Port: '995', Encryption: 'SSL', SSL: 'on', LoginName: 'someone' });
    expect(protocols[1]).toMatchObject({ Server: 'smtp.mail.example.net', Port: '465', SMTPLast: 'on', UsePOPAuth: 'on', LoginName: 'someone' });
    await expect.poll(() => started.output()).toMatch(/^POST \/autodiscover\/autodiscover\.xml 200 settings example\.org \d+ ms$/m);
    expect(started.output()).not.toContain('"_aws"'); // no EMF JSON locally
    expect(started.output()).not.toContain('c29tZW9uZTpzZWNyZXQ=');
    expect(started.output()).not.toContain('someone@example.org');
  });

  it('shows an index of the routes and the demo addresses at GET /', async () => {
    const response = await fetch(`${baseUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await response.text();
    expect(text).toContain(`POST  ${baseUrl}/autodiscover/autodiscover.xml`);
    expect(text).toContain('someone@example.org  (domain)');
    expect(text).toContain('someone@example.net  (alias of example.com)');
    // Every GET route listed with an address answers it, so the index cannot go stale.
    const listed = [...text.matchAll(/^ {2}GET +(\S+ADDRESS\S*)$/gm)].map((m) => m[1]!.replace('ADDRESS', 'alice@example.com'));
    expect(listed.length).toBeGreaterThanOrEqual(3);
    for (const url of listed) expect((await fetch(url)).status, url).toBe(200);
  });

  it('lets the admin CLI find its DynamoDB by itself, on a non-default port, with no AWS settings', () => {
    const state = JSON.parse(readFileSync(join(dataDir, 'endpoint.json'), 'utf8')) as { endpoint: string; pid: number };
    expect(state).toEqual({ endpoint: `http://127.0.0.1:${env.DYNAMODB_PORT}`, pid: started.child.pid });
    const list = adminCli(env, 'list');
    expect(list.err).toContain(`target: table autodiscover-tenants at ${state.endpoint} (the local DynamoDB of the running npm start)`);
    expect(list.out).toMatch(/^example\.org\tdomain, POP3\+SMTP, enabled$/m);
    expect(list.code).toBe(0);
  }, 30_000);

  it('stops cleanly on SIGTERM and removes its endpoint file', async () => {
    expect(await stopLocal(started)).toBe(0);
    expect(existsSync(join(dataDir, 'endpoint.json'))).toBe(false);
    expect(await portIsFree(Number(env.DYNAMODB_PORT))).toBe(true);
  }, 30_000);
});

describe('npm start restarted: demo tenants an admin edited are kept', () => {
  it('adds only the demo items that are absent and says how many it kept', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'autodiscover-restart-'));
    const env = cleanEnv({ PORT: '0', DYNAMODB_PORT: String(await freeLoopbackPort()), LOCAL_DYNAMODB_DIR: dataDir, LOCAL_DYNAMODB: 'dynalite' });
    try {
      const first = startLocal(env);
      await first.listening;
      // An admin's edits: example.net deleted, example.org's servers changed.
      expect(adminCli(env, 'delete', 'example.net').code).toBe(0);
      const edited = join(dataDir, 'edited.json');
      writeFileSync(edited, JSON.stringify({ id: 'example.org', protocols: [{ type: 'IMAP', server: 'imap.edited.example', port: 993, tls: 'implicit' }] }));
      expect(adminCli(env, 'put', edited).code).toBe(0);
      expect(await stopLocal(first)).toBe(0);

      const second = startLocal(env);
      await second.listening;
      expect(second.output()).toMatch(new RegExp(`Demo tenants:\\s+1 added, ${DEMO_COUNT - 1} kept as they were`));
      expect(JSON.parse(adminCli(env, 'get', 'example.org').out).protocols[0].server).toBe('imap.edited.example');
      expect(await stopLocal(second)).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('npm start failing: one clear line, nothing left running', () => {
  it('names a busy HTTP port, and stops the DynamoDB it had started', async () => {
    const held = await holdPort();
    const dataDir = mkdtempSync(join(tmpdir(), 'autodiscover-busy-'));
    const dynamoPort = await freeLoopbackPort();
    try {
      const started = startLocal(cleanEnv({ PORT: String(held.port), DYNAMODB_PORT: String(dynamoPort), LOCAL_DYNAMODB_DIR: dataDir }));
      expect(await started.exited).toBe(1);
      expect(started.output().trim()).toBe(`npm start failed: port ${held.port} is in use; set PORT to a free port`);
      expect(await portIsFree(dynamoPort)).toBe(true);
      expect(existsSync(join(dataDir, 'endpoint.json'))).toBe(false);
    } finally {
      held.server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('names a busy DynamoDB port', async () => {
    const held = await holdPort();
    const dataDir = mkdtempSync(join(tmpdir(), 'autodiscover-busy-'));
    try {
      const started = startLocal(cleanEnv({ PORT: '0', DYNAMODB_PORT: String(held.port), LOCAL_DYNAMODB_DIR: dataDir }));
      expect(await started.exited).toBe(1);
      expect(started.output().trim()).toBe(`npm start failed: port ${held.port} is in use; set DYNAMODB_PORT to a free port`);
    } finally {
      held.server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('stops what it started when interrupted during start-up', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'autodiscover-interrupt-'));
    const dynamoPort = await freeLoopbackPort();
    try {
      const started = startLocal(cleanEnv({ PORT: '0', DYNAMODB_PORT: String(dynamoPort), LOCAL_DYNAMODB_DIR: dataDir }));
      // As soon as the DynamoDB port answers, before the HTTP server listens.
      await expect.poll(() => portIsFree(dynamoPort), { timeout: 30_000, interval: 50 }).toBe(false);
      started.child.kill('SIGINT');
      expect(await started.exited).toBe(0);
      expect(started.output()).not.toContain('Listening on');
      expect(await portIsFree(dynamoPort)).toBe(true);
      expect(existsSync(join(dataDir, 'endpoint.json'))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
