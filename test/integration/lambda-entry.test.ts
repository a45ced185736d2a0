import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LambdaHttpHandler } from '../../lib/http/lambda-handler';
import { requestFixture, requestBody } from '../support/fixtures';
import { buildEvent, readResult } from '../support/lambda-events';
import { createTestTable } from '../support/tenant-table';
import { readError, readSettings, textAt } from '../support/xml-answer';

// End to end through the real Lambda entry point (functions/autodiscover.ts):
// its own store, its own stdout log sink, TENANTS_TABLE from the environment.

let handler: LambdaHttpHandler;
const savedTable = process.env.TENANTS_TABLE;
const stdout: string[] = [];

beforeAll(async () => {
  const table = await createTestTable('lambda-entry', [
    {
      id: 'example.com',
      protocols: [
        { type: 'IMAP', server: 'imap.mail.example.net', port: 993, tls: 'implicit' },
        { type: 'SMTP', server: 'smtp.mail.example.net', port: 465, tls: 'implicit', smtpLast: true },
      ],
    },
  ]);
  process.env.TENANTS_TABLE = table.tableName;
  vi.resetModules();
  ({ handler } = await import('../../functions/autodiscover'));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
});

afterAll(() => {
  vi.restoreAllMocks();
  process.env.TENANTS_TABLE = savedTable;
});

describe('functions/autodiscover handler', () => {
  it('answers the Thunderbird request with settings read from TENANTS_TABLE', async () => {
    const result = readResult(
      'httpApiV2',
      await handler(buildEvent('httpApiV2', { method: 'POST', path: '/Autodiscover/Autodiscover.xml', headers: { Authorization: 'Basic ZW50cnk6c2VjcmV0' }, body: requestFixture('thunderbird.xml') })),
    );
    expect(result.status).toBe(200);
    const doc = readSettings(result.body);
    expect(textAt(doc.user!, 'AutoDiscoverSMTPAddress')).toBe('alice@example.com');
    expect(doc.protocols.map((p) => [p.Type, p.Port, p.Encryption, p.SSL])).toEqual([
      ['IMAP', '993', 'SSL', 'on'],
      ['SMTP', '465', 'SSL', 'on'],
    ]);
    expect(doc.protocols[1]!.SMTPLast).toBe('on');
  });

  it('answers 404 Error 500 for an unhosted domain and logs one JSON line per request to stdout', async () => {
    const before = stdout.length;
    const result = readResult('restV1', await handler(buildEvent('restV1', { method: 'POST', path: '/autodiscover/autodiscover.xml', body: requestBody('alice@unhosted.example') })));
    expect(result.status).toBe(404);
    expect(readError(result.body).code).toBe('500');
    const written = stdout.slice(before).join('').trim().split('\n');
    expect(written).toHaveLength(1);
    const line = JSON.parse(written[0]!) as Record<string, unknown>;
    // Status, outcome and error code are the metrics' `result` dimension.
    expect(line).toMatchObject({ result: '404 error 500', domain: 'unhosted.example' });
    expect(written[0]).not.toMatch(/alice|ZW50cnk6c2VjcmV0/);
  });

  it('answers a bodiless GET with domain-level settings', async () => {
    const result = readResult('alb', await handler(buildEvent('alb', { method: 'GET', path: '/autodiscover/autodiscover.xml', headers: { Host: 'autodiscover.example.com' } })));
    expect(result.status).toBe(200);
    expect(readSettings(result.body).user).toBeUndefined();
  });
});

describe('functions/autodiscover without a pseudonym key', () => {
  it('still answers, and says once at start that pseudonyms use a random key of this instance', async () => {
    const savedKey = process.env.LOG_PSEUDONYM_KEY;
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    let keyless: LambdaHttpHandler;
    try {
      delete process.env.LOG_PSEUDONYM_KEY;
      vi.resetModules();
      ({ handler: keyless } = await import('../../functions/autodiscover'));
      const result = readResult('httpApiV2', await keyless(buildEvent('httpApiV2', { method: 'POST', path: '/autodiscover/autodiscover.xml', body: requestFixture('thunderbird.xml') })));
      expect(result.status).toBe(200);
    } finally {
      process.env.LOG_PSEUDONYM_KEY = savedKey;
      spy.mockImplementation((chunk: string | Uint8Array) => (stdout.push(String(chunk)), true));
    }
    const lines = written.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line.level === 'warn' && /^LOG_PSEUDONYM_KEY is not set; /.test(String(line.config)))).toHaveLength(1);
    expect(lines.filter((line) => String(line.result).startsWith('200 ') && /^[0-9a-f]{12}$/.test(String(line.localPartHash)))).toHaveLength(1);
  });
});
