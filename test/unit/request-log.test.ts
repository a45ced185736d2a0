import { describe, expect, it } from 'vitest';
import { createResponder } from '../../lib/responder';
import { createHash, createHmac } from 'node:crypto';
import { jsonNumber, jsonString } from '../../lib/observability/metrics';
import { localPartHash, localPartHasher, pseudonymKeyFromEnv, stdoutLogSink, type RequestLogLine } from '../../lib/observability/request-log';
import type { TenantLookup } from '../../lib/tenants/resolve';
import { requestBody } from '../support/fixtures';
import { buildEvent } from '../support/lambda-events';

// The one line per request: what it may hold (lib/observability/request-log.ts),
// and the CloudWatch Embedded Metric Format it carries.

type Emf = {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [member: string]: unknown;
};

/** Checks the EMF rules a line must meet for CloudWatch to extract its metrics. */
function expectValidEmf(doc: Emf): void {
  expect(typeof doc._aws.Timestamp).toBe('number');
  expect(doc._aws.CloudWatchMetrics.length).toBeGreaterThan(0);
  for (const directive of doc._aws.CloudWatchMetrics) {
    expect(directive.Namespace).toBe('AutodiscoverResponder');
    for (const key of directive.Dimensions.flat()) expect(typeof doc[key], `dimension ${key}`).toBe('string');
    for (const metric of directive.Metrics) {
      expect(typeof doc[metric.Name], `metric ${metric.Name}`).toBe('number');
      expect(['Count', 'Milliseconds']).toContain(metric.Unit);
    }
  }
}

const metricNames = (doc: Emf): string[] => doc._aws.CloudWatchMetrics.flatMap((d) => d.Metrics.map((m) => m.Name)).sort();

function captureSink(level: string) {
  const written: string[] = [];
  const sink = stdoutLogSink({ level, write: (text) => written.push(text), clock: () => 1_700_000_000_000 });
  return { sink, docs: () => written.map((text) => JSON.parse(text) as Emf), written };
}

const HOSTED: TenantLookup = {
  kind: 'hosted',
  tenant: { domain: 'example.com', settings: { id: 'example.com', protocols: [{ type: 'IMAP', server: 'imap.example.com', port: 993, tls: 'implicit' }] } },
};

describe('request log line', () => {
  it('holds method, route, outcome, latency, cache facts, the domain and a local-part hash, and nothing more', async () => {
    const { sink, docs, written } = captureSink('info');
    const handler = createResponder({
      lookupTenant: async (_domain, _mailbox, report) => {
        if (report) Object.assign(report, { cache: 'miss', storeCalls: 1, storeMs: 2.5 });
        return HOSTED;
      },
      log: sink,
      responderId: 1,
    });
    const body = requestBody('Secret.Person@Example.com');
    await handler(
      buildEvent('httpApiV2', {
        method: 'POST',
        path: '/autodiscover/autodiscover.xml',
        headers: { 'content-type': 'text/xml', authorization: 'Basic c2VjcmV0OnB3', cookie: 'session=abc' },
        body,
      }),
    );
    expect(written).toHaveLength(1);
    expect(written[0]!.endsWith('\n')).toBe(true);
    const doc = docs()[0]!;
    // Status and outcome are in `result`, the cache outcome and store calls in their metrics; an info line names no level.
    expect(doc).toMatchObject({ method: 'POST', route: 'pox', result: '200 settings', domain: 'example.com', CacheMiss: 1, DynamoDBCalls: 1, DynamoDBLatency: 2.5 });
    expect(doc.level).toBeUndefined();
    expect(doc.localPartHash).toMatch(/^[0-9a-f]{12}$/);
    const text = written[0]!.toLowerCase();
    for (const secret of ['secret.person', 'c2vjcmv0onb3', 'session=abc', '<autodiscover', 'imap.example.com']) expect(text).not.toContain(secret);
    expectValidEmf(doc);
    expect(doc.result).toBe('200 settings');
    expect(metricNames(doc)).toEqual(['CacheMiss', 'DynamoDBCalls', 'DynamoDBLatency', 'Latency']);
  });

  it('counts a stale answer and a DynamoDB error, and a 603 by its result', () => {
    const { sink, docs } = captureSink('info');
    const base: RequestLogLine = { level: 'info', method: 'POST', status: 200, latencyMs: 700, route: 'pox', outcome: 'settings' };
    sink({ ...base, cache: 'stale', storeCalls: 1, storeMs: 650, storeError: 'DynamoDB GetItem failed: AbortError' });
    sink({ ...base, level: 'error', status: 503, outcome: 'error', errorCode: 603, cache: 'miss', storeCalls: 1, storeMs: 640, storeError: 'x' });
    const [stale, failed] = docs();
    expectValidEmf(stale!);
    expectValidEmf(failed!);
    expect(metricNames(stale!)).toEqual(['CacheStale', 'DynamoDBCalls', 'DynamoDBErrors', 'DynamoDBLatency', 'Latency']);
    expect(failed!.result).toBe('503 error 603');
  });

  it('writes every fact once: details as given, and what the metrics carry only there', () => {
    const { sink, docs, written } = captureSink('info');
    const line: RequestLogLine = {
      level: 'warn',
      method: 'PO"ST\\',
      status: 503,
      latencyMs: 12.3456,
      route: 'pox',
      outcome: 'error',
      errorCode: 603,
      domain: 'example.com',
      localPartHash: '0123456789ab',
      itemProblem: { item: 'mailbox 0123456789ab@example.com', path: 'protocols[0].port', reason: 'must be <= 65535 "really"' },
      error: 'TypeError at lib/pox/render.ts:42',
      cache: 'stale',
      storeCalls: 2,
      storeMs: 650.123456,
      storeError: 'DynamoDB BatchGetItem failed: AbortError',
    };
    sink(line);
    sink({ level: 'info', method: 'GET', status: 404, latencyMs: 0.5 });
    const [full, bare] = docs();
    const lookupDirective = { Namespace: 'AutodiscoverResponder', Dimensions: [[]], Metrics: [
      { Name: 'CacheStale', Unit: 'Count' },
      { Name: 'DynamoDBCalls', Unit: 'Count' },
      { Name: 'DynamoDBLatency', Unit: 'Milliseconds' },
      { Name: 'DynamoDBErrors', Unit: 'Count' },
    ] };
    const byResult = { Namespace: 'AutodiscoverResponder', Dimensions: [['route', 'result']], Metrics: [{ Name: 'Latency', Unit: 'Milliseconds' }] };
    expect(full).toEqual({
      level: 'warn',
      method: 'PO"ST\\',
      domain: 'example.com',
      localPartHash: '0123456789ab',
      itemProblem: line.itemProblem,
      error: line.error,
      storeError: line.storeError,
      _aws: { Timestamp: 1_700_000_000_000, CloudWatchMetrics: [byResult, lookupDirective] },
      route: 'pox',
      result: '503 error 603',
      Latency: 12.3456,
      CacheStale: 1,
      DynamoDBCalls: 2,
      DynamoDBLatency: 650.123,
      DynamoDBErrors: 1,
    });
    expect(bare).toEqual({
      method: 'GET',
      _aws: { Timestamp: 1_700_000_000_000, CloudWatchMetrics: [byResult] },
      route: 'none',
      result: '404 none',
      Latency: 0.5,
    });
    // No member twice (JSON.parse would keep only the last one).
    for (const [text, doc] of [[written[0]!, full!], [written[1]!, bare!]] as const) {
      for (const key of Object.keys(doc)) expect(text.split(`"${key}":`).length - 1, key).toBe(1);
    }
  });

  it('gives each request the directives of its own metrics, whatever came before', () => {
    const { sink, docs } = captureSink('info');
    const base: RequestLogLine = { level: 'info', method: 'POST', status: 200, latencyMs: 1, route: 'pox', outcome: 'settings' };
    sink({ ...base, cache: 'hit' });
    sink({ ...base, cache: 'miss', storeCalls: 1, storeMs: 3 });
    sink({ ...base });
    sink({ ...base, cache: 'hit' });
    const names = docs().map(metricNames);
    expect(names).toEqual([
      ['CacheHit', 'Latency'],
      ['CacheMiss', 'DynamoDBCalls', 'DynamoDBLatency', 'Latency'],
      ['Latency'],
      ['CacheHit', 'Latency'],
    ]);
    for (const doc of docs()) expectValidEmf(doc);
  });

  it('pseudonymises the lower-cased local part with an HMAC under the deployment key, never a plain hash', () => {
    const key = process.env.LOG_PSEUDONYM_KEY!;
    const expected = createHmac('sha256', key).update('secret.person').digest('hex').slice(0, 12);
    expect(localPartHash('Secret.Person')).toBe(expected);
    expect(localPartHash('secret.person')).toBe(expected);
    expect(localPartHash('other')).not.toBe(expected);
    // Not recomputable without the key: not the plain SHA-256 a name list reverses, not the HMAC under another key.
    expect(expected).not.toBe(createHash('sha256').update('secret.person').digest('hex').slice(0, 12));
    expect(localPartHasher(Buffer.from('x'.repeat(32)))('secret.person')).not.toBe(expected);
    expect(localPartHasher(Buffer.from(key))('secret.person')).toBe(expected);
  });

  it('gives the same pseudonym before and after its memo of recent local parts overflows', () => {
    const hasher = localPartHasher(Buffer.from('m'.repeat(32)));
    const first = hasher('Alice');
    const others = Array.from({ length: 3000 }, (_, i) => hasher(`user${i}`));
    expect(new Set(others).size).toBe(3000);
    expect(hasher('alice')).toBe(first);
    expect(first).toBe(createHmac('sha256', 'm'.repeat(32)).update('alice').digest('hex').slice(0, 12));
  });

  it('reads the key from LOG_PSEUDONYM_KEY; without a usable one draws a random key per instance and says so', () => {
    const given = 'k'.repeat(40);
    expect(pseudonymKeyFromEnv({ LOG_PSEUDONYM_KEY: given })).toEqual({ key: Buffer.from(given) });
    for (const env of [{}, { LOG_PSEUDONYM_KEY: '' }, { LOG_PSEUDONYM_KEY: 'short' }]) {
      const first = pseudonymKeyFromEnv(env);
      const second = pseudonymKeyFromEnv(env);
      expect(first.problem).toMatch(/^LOG_PSEUDONYM_KEY (is not set|is shorter than 32 characters); /);
      expect(first.key).toHaveLength(32);
      expect(first.key.equals(second.key), 'each instance draws its own key').toBe(false);
      expect(localPartHasher(first.key)('alice')).toMatch(/^[0-9a-f]{12}$/);
    }
  });

  it('writes strings and numbers exactly as JSON.stringify does', () => {
    const strings = ['', 'pox', 'a"b', 'a\\b', 'tab\there', 'nl\n', '\u0000', '\u007f', 'é', '\u2028', '\ud800', '😀', '</script>', "it's"];
    for (let code = 0; code < 0x100; code++) strings.push(`x${String.fromCharCode(code)}y`);
    for (const value of strings) expect(jsonString(value), JSON.stringify(value)).toBe(JSON.stringify(value));
    for (const value of [0, -0, 1.5, 1e21, 12.3456, -3, Number.NaN, Number.POSITIVE_INFINITY]) expect(jsonNumber(value)).toBe(JSON.stringify(value));
  });

  it('LOG_LEVEL warn keeps metrics but drops the details of ordinary requests; silent writes nothing', () => {
    const line: RequestLogLine = { level: 'info', method: 'POST', status: 200, latencyMs: 1, route: 'pox', outcome: 'settings', domain: 'example.com', localPartHash: 'abc', cache: 'hit' };
    const warn = captureSink('warn');
    warn.sink(line);
    warn.sink({ ...line, level: 'warn', itemProblem: { item: 'example.com', path: 'protocols', reason: 'bad' } });
    const [quiet, loud] = warn.docs();
    expectValidEmf(quiet!);
    expect(quiet!.domain).toBeUndefined();
    expect(quiet!.localPartHash).toBeUndefined();
    expect(quiet!.method).toBeUndefined();
    expect(quiet!.result).toBe('200 settings');
    expect(quiet!.Latency).toBe(1);
    expect(loud!.domain).toBe('example.com');

    const silent = captureSink('silent');
    silent.sink(line);
    expect(silent.written).toHaveLength(0);
  });

  it('keeps a cached answer’s line short: about 440 bytes, ~130 fewer than when details repeated the metrics', () => {
    const { sink, written, docs } = captureSink('info');
    const base: RequestLogLine = { level: 'info', method: 'POST', status: 200, latencyMs: 0.412, route: 'pox', outcome: 'settings', domain: 'customer-domain.example', localPartHash: '0123456789ab' };
    sink({ ...base, cache: 'hit' });
    sink({ ...base, latencyMs: 6.731, cache: 'miss', storeCalls: 1, storeMs: 5.912 });
    const [hit, miss] = written.map((text) => Buffer.byteLength(text));
    expect(hit).toBeLessThanOrEqual(440);
    expect(miss).toBeLessThanOrEqual(570);
    // Nothing lost: each fact is still in the line, once.
    expect(docs()[1]).toMatchObject({ result: '200 settings', Latency: 6.731, CacheMiss: 1, DynamoDBCalls: 1, DynamoDBLatency: 5.912, domain: 'customer-domain.example' });
    for (const key of ['status', 'outcome', 'latencyMs', 'cache', 'storeCalls', 'storeMs', 'level']) expect(docs()[1], key).not.toHaveProperty(key);
  });
});
