import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../support/ports';

// `npm start` for real: its own local DynamoDB (DynamoDB Local where Java is
// present, dynalite otherwise) on free ports, demo tenants, HTTP on loopback.

const THUNDERBIRD_BODY = `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>someone@example.org</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>`;

describe('local server (npm start)', () => {
  let child: ChildProcess;
  let baseUrl: string;
  let output = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'autodiscover-local-'));

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DYNAMODB_PORT: String(await freeLoopbackPort()), LOCAL_DYNAMODB_DIR: dataDir };
    delete env.AWS_ENDPOINT_URL_DYNAMODB; // it must start its own DynamoDB
    child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    baseUrl = await new Promise<string>((resolve, reject) => {
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
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints both endpoints and a ready-to-paste curl example', () => {
    expect(output).toMatch(/DynamoDB:\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toContain('curl -s -X POST');
    expect(output).toContain('/autodiscover/autodiscover.xml');
  });

  it('answers a Thunderbird POST for a demo tenant over HTTP with its servers', async () => {
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
    expect(output).not.toContain('c29tZW9uZTpzZWNyZXQ=');
    expect(output).not.toContain('someone@example.org');
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});
