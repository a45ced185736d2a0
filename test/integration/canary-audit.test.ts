import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LambdaHttpEvent, LambdaHttpResult } from '../../lib/http/lambda-event';
import { stdoutLogSink } from '../../lib/observability/request-log';
import { ROUTE_TABLE, allowedAnswers, answerKind, withoutAddressElements } from '../support/answer-kinds';
import { MOBILESYNC_SCHEMA, requestBody } from '../support/fixtures';
import { EVENT_SHAPES, buildEvent, readResult, type TestRequest } from '../support/lambda-events';
import { ANSWER_KIND_TENANTS, createTestResponder } from '../support/test-responder';

// The canary audit: requests carrying secrets that must never be written
// down (credentials in Authorization and Cookie, addresses and their local
// parts) go through the real handler over every route row, in every event
// shape, with the production log sink writing into memory. Every line it
// writes, and every answer, is searched for the canaries. The audit itself
// is shown to fail on a deliberately leaky logger.

const canary = (label: string) => `${label}${randomBytes(6).toString('hex')}`;
const BASIC = canary('basicsecret');
const BEARER = canary('bearersecret');
const COOKIE = canary('cookiesecret');
const LOCAL_PARTS = [canary('canarylocal'), canary('CanaryMixed'), canary('canary.broken')];
const [HOSTED_LOCAL, MIXED_LOCAL, BROKEN_LOCAL] = LOCAL_PARTS as [string, string, string];

const ADDRESSES = [
  `${HOSTED_LOCAL}@example.com`,
  `${MIXED_LOCAL}@Example.COM.`,
  `${HOSTED_LOCAL}@unhosted.example`,
  `${HOSTED_LOCAL}@redirect.example`,
  `${BROKEN_LOCAL}@example.com`,
];

/** A canary mailbox whose item breaks the contract: its problem is logged, by domain and hash only. */
const TENANTS = [...ANSWER_KIND_TENANTS, { id: `${BROKEN_LOCAL.toLowerCase()}@example.com`, displayname: 'typo' }];

const credentials = (i: number): Record<string, string> => ({
  Authorization: i % 2 === 0 ? `Basic ${BASIC}` : `Bearer ${BEARER}`,
  Cookie: `session=${COOKIE}; theme=dark`,
  'Content-Type': 'text/xml; charset=utf-8',
  Host: 'autodiscover.example.com',
});

/** Every request of the audit: each route row's paths and an unknown one, each method, each canary carrier. */
function auditRequests(): TestRequest[] {
  const paths = [...ROUTE_TABLE.flatMap((row) => row.paths.flatMap((path) => [path, path.toUpperCase()])), '/unknown/path'];
  const requests: TestRequest[] = [];
  for (const path of paths) {
    for (const address of ADDRESSES) {
      requests.push({ method: 'POST', path, body: requestBody(address) });
      requests.push({ method: 'POST', path, body: requestBody(address, { schema: MOBILESYNC_SCHEMA }) });
      requests.push({ method: 'GET', path: `${path}?emailaddress=${encodeURIComponent(address)}&email=${encodeURIComponent(address)}&Protocol=AutodiscoverV1` });
    }
    requests.push({ method: 'POST', path, body: requestBody(`${HOSTED_LOCAL}@example.com`).replace('<Request>', `<Request><LegacyDN>/o=${HOSTED_LOCAL}</LegacyDN>`).replace(/<EMailAddress>.*<\/EMailAddress>/, '') });
    requests.push({ method: 'POST', path, body: `${requestBody(`${HOSTED_LOCAL}@example.com`)}<!--${'x'.repeat(17 * 1024)}-->` });
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']) requests.push({ method, path, body: method === 'PUT' ? requestBody(ADDRESSES[0]!) : undefined });
  }
  return requests.map((request, i) => ({ ...request, headers: credentials(i) }));
}

interface Leak {
  readonly where: string;
  readonly secret: string;
}

/** Searches written log text and answers for every canary; returns what leaked where. */
function findLeaks(logText: string, answers: ReadonlyArray<{ request: TestRequest; body: string; headers: string }>): Leak[] {
  const leaks: Leak[] = [];
  const secrets = [BASIC, BEARER, COOKIE, ...LOCAL_PARTS, ...ADDRESSES];
  const lowerLog = logText.toLowerCase();
  for (const secret of secrets) if (lowerLog.includes(secret.toLowerCase())) leaks.push({ where: 'log', secret });
  if (/<Autodiscover|EMailAddress|<\?xml/.test(logText)) leaks.push({ where: 'log', secret: 'a request or answer body' });
  for (const { request, body, headers } of answers) {
    const visible = `${withoutAddressElements(body)}${headers}`.toLowerCase();
    for (const secret of secrets) if (visible.includes(secret.toLowerCase())) leaks.push({ where: `answer to ${request.method} ${request.path}`, secret });
  }
  return leaks;
}

type Handler = (event: LambdaHttpEvent) => Promise<LambdaHttpResult>;

/** Sends every audit request in every event shape; checks each answer's kind; returns the leaks found. */
async function audit(handler: Handler, written: string[]): Promise<{ leaks: Leak[]; requests: number; kinds: Set<string> }> {
  const answers: Array<{ request: TestRequest; body: string; headers: string }> = [];
  const kinds = new Set<string>();
  for (const shape of EVENT_SHAPES) {
    for (const request of auditRequests()) {
      const result = readResult(shape, await handler(buildEvent(shape, request)));
      const kind = answerKind(result);
      expect([...allowedAnswers(request.method, request.path)]).toContain(kind);
      kinds.add(kind);
      answers.push({ request, body: result.body, headers: JSON.stringify([...result.headers]) });
    }
  }
  return { leaks: findLeaks(written.join(''), answers), requests: answers.length, kinds };
}

const written: string[] = [];
let handler: Handler;

beforeAll(async () => {
  // The production sink at its most talkative level, writing into memory instead of stdout.
  handler = await createTestResponder('canary-audit', stdoutLogSink({ level: 'debug', write: (text) => written.push(text) }), TENANTS);
});

describe('canary audit: no secret in any log line or answer', () => {
  it('over every route row, method and event shape, the log and the answers hold no canary', async () => {
    const { leaks, requests, kinds } = await audit(handler, written);
    expect(leaks).toEqual([]);
    // Every format's full answer, with the canary address in it where the format puts it, was searched.
    for (const kind of ['200 settings', '200 clientConfig', '200 json AutodiscoverV1', '200 profile']) expect(kinds).toContain(kind);
    // One line per request, and the audit did reach the paths that log a domain, a hash and an item problem.
    expect(written.join('').trim().split('\n')).toHaveLength(requests);
    const lines = written.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.some((line) => line.result === '200 settings' && line.domain === 'example.com' && typeof line.localPartHash === 'string')).toBe(true);
    expect(lines.some((line) => JSON.stringify(line.itemProblem ?? '').includes('mailbox '))).toBe(true);
  });

  it('the audit finds a leak when there is one: a logger that writes the raw event', async () => {
    const leakyLog: string[] = [];
    const leaky: Handler = (event) => {
      leakyLog.push(`${JSON.stringify(event)}\n`);
      return handler(event);
    };
    const { leaks } = await audit(leaky, leakyLog);
    const secrets = new Set(leaks.filter((leak) => leak.where === 'log').map((leak) => leak.secret));
    for (const secret of [BASIC, BEARER, COOKIE, HOSTED_LOCAL, MIXED_LOCAL, 'a request or answer body']) expect(secrets).toContain(secret);
  });
});
