import { describe, expect, it } from 'vitest';
import { requestCounter } from '../../infra/bench/dynamo-wire';
import { LOAD_MIX, MAX_READS_PER_REQUEST, loadVerdict, planRequests, type LoadObservation } from '../../infra/bench/load-mix';

// The pure parts of `npm run load`: the request mix it plans, the verdict it
// gives, and the counter its DynamoDB proxy uses.

const emailOf = (body: string | undefined) => /<EMailAddress>([^<]*)<\/EMailAddress>/.exec(body ?? '')?.[1];

describe('load mix', () => {
  const plan = planRequests(LOAD_MIX, 20_000, 7);

  it('plans each row in proportion to its share, the same way every run', () => {
    const total = LOAD_MIX.reduce((sum, row) => sum + row.share, 0);
    LOAD_MIX.forEach((row, i) => {
      const count = plan.filter((request) => request.row === i).length;
      expect(count / plan.length, row.name).toBeCloseTo(row.share / total, 1);
      expect(Math.abs(count / plan.length - row.share / total), row.name).toBeLessThan(0.01);
    });
    expect(planRequests(LOAD_MIX, 500, 7)).toEqual(plan.slice(0, 500));
    expect(planRequests(LOAD_MIX, 500, 8)).not.toEqual(plan.slice(0, 500));
  });

  it('sends mostly distinct addresses in the distinct-address row, and few in the cached row', () => {
    const addressesOf = (name: string) => {
      const row = LOAD_MIX.findIndex((r) => r.name === name);
      return plan.filter((request) => request.row === row).map((request) => emailOf(request.body)!);
    };
    const distinct = addressesOf('distinct address POST');
    expect(new Set(distinct).size / distinct.length).toBeGreaterThan(0.8);
    expect(new Set(addressesOf('cached POST')).size).toBeLessThanOrEqual(20);
    const flood = addressesOf('flood POST (never-seen domains)').map((address) => address.split('@')[1]);
    expect(new Set(flood).size).toBe(flood.length);
  });

  it('builds requests the responder can route: POX POSTs with an Outlook body, GETs with a Host', () => {
    for (const request of plan.slice(0, 2000)) {
      const row = LOAD_MIX[request.row]!;
      if (request.method === 'GET') expect(request.headers.host, row.name).toMatch(/^auto(discover|config)\./);
      else if (row.name !== 'malformed POST') expect(emailOf(request.body), row.name).toMatch(/^[^@]+@[a-z0-9.-]+$/);
    }
  });
});

describe('load verdict', () => {
  const clean: LoadObservation = {
    statuses: LOAD_MIX.map((row) => ({ [row.allowed[0]!]: 100 })),
    connectionErrors: 0,
    timeouts: 0,
    requests: LOAD_MIX.length * 100,
    dynamoReads: LOAD_MIX.length * 100 * MAX_READS_PER_REQUEST,
  };

  it('passes a run that kept every promise', () => {
    expect(loadVerdict(LOAD_MIX, clean)).toEqual([]);
  });

  it('names a status outside a row’s set, connection errors, lost answers and too many reads', () => {
    const statuses = clean.statuses.map((s, i) => (i === 0 ? { ...s, 503: 2 } : s));
    expect(loadVerdict(LOAD_MIX, { ...clean, statuses, requests: clean.requests + 2 })).toEqual(['cached POST: 2 × HTTP 503 (allowed: 200)']);
    expect(loadVerdict(LOAD_MIX, { ...clean, connectionErrors: 3, timeouts: 1 })).toEqual(['3 connection errors', '1 timeouts']);
    expect(loadVerdict(LOAD_MIX, { ...clean, requests: clean.requests + 5 })).toEqual([`${clean.requests + 5} requests sent, ${clean.requests} answered`]);
    expect(loadVerdict(LOAD_MIX, { ...clean, dynamoReads: clean.dynamoReads + 1 })[0]).toMatch(/^DynamoDB reads per request 0\.25\d* > 0\.25$/);
  });
});

describe('DynamoDB request counter (the load run’s proxy)', () => {
  const request = (target: string, body: string) =>
    `POST / HTTP/1.1\r\nhost: 127.0.0.1\r\nx-amz-target: DynamoDB_20120810.${target}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

  it('counts each request once by operation, however the bytes are split', () => {
    // A body that itself contains a header-like line and a blank line must not count.
    const tricky = '{"x":"\r\n\r\nx-amz-target: DynamoDB_20120810.PutItem\r\n\r\n"}';
    const stream = Buffer.from(request('GetItem', '{"Key":{}}') + request('BatchGetItem', tricky) + request('GetItem', ''));
    for (const size of [1, 7, 64, stream.length]) {
      const seen: string[] = [];
      const count = requestCounter((target) => seen.push(target));
      for (let i = 0; i < stream.length; i += size) count(stream.subarray(i, i + size));
      expect(seen, `chunks of ${size}`).toEqual(['GetItem', 'BatchGetItem', 'GetItem']);
    }
  });
});
