import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogLine } from '../../lib/observability/request-log';
import { parsePoxRequest } from '../../lib/pox/parse-request';
import type { LambdaHttpHandler } from '../../lib/http/lambda-handler';
import { allowedAnswers, answerKind, ROUTE_TABLE, withoutAddressElements } from '../support/answer-kinds';
import { utf8 } from '../support/fixtures';
import { buildEvent, readResult, type TestRequest } from '../support/lambda-events';
import { propertyParameters, propertyRuns } from '../support/property';
import { MARKER, httpRequest, type GeneratedRequest } from '../support/request-arbitraries';
import { createTestResponder } from '../support/test-responder';

// Properties of the whole handler (createResponder over dynalite) on
// generated requests: random bytes, XML from the request grammar and mutated
// fixtures, with odd methods, paths, queries, hosts and encodings, in every
// event shape. For every request: the handler never throws; the answer is
// one that answer-kinds.ts's route table allows for that path and method;
// every XML answer is well-formed with the right namespaces; nothing of the
// request comes back except the normalised address where the format puts it;
// exactly one log line, without the marker or the address.

const lines: RequestLogLine[] = [];
let handler: LambdaHttpHandler;

beforeAll(async () => {
  handler = await createTestResponder('handler-properties', (line) => lines.push(line));
});

const bodyBytes = (request: TestRequest): Uint8Array => (typeof request.body === 'string' ? utf8(request.body) : (request.body ?? new Uint8Array()));

async function checkRequest({ shape, request }: GeneratedRequest): Promise<void> {
  const before = lines.length;
  const result = readResult(shape, await handler(buildEvent(shape, request)));

  const kind = answerKind(result);
  expect([...allowedAnswers(request.method, request.path)], `answer to ${request.method} ${request.path.slice(0, 80)}`).toContain(kind);

  const headers = JSON.stringify([...result.headers]);
  expect(`${withoutAddressElements(result.body)}${headers}`, 'no request data echoed').not.toContain(MARKER);

  const parsed = request.method.toUpperCase() === 'POST' && kind !== '413 error 600' ? parsePoxRequest(bodyBytes(request), request.headers?.['Content-Type']) : undefined;
  if (parsed?.ok && kind === '200 settings') {
    const { localPart, domain } = parsed.request.address;
    expect(result.body, 'the address as sent, its domain normalised').toContain(`<AutoDiscoverSMTPAddress>`);
    expect(/<AutoDiscoverSMTPAddress>([^<]*)</.exec(result.body)![1]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>')).toBe(`${localPart}@${domain}`);
  }

  const written = lines.slice(before);
  expect(written, 'one log line per request').toHaveLength(1);
  const logged = JSON.stringify(written[0]);
  expect(logged).not.toContain(MARKER);
  if (parsed?.ok) expect(logged.toLowerCase()).not.toContain(`${parsed.request.address.localPart.toLowerCase()}@`);
}

describe('the handler on generated requests', () => {
  it('the route table names every route the responder serves today', () => {
    expect(ROUTE_TABLE.map((row) => row.name)).toEqual(['pox', 'autoconfig', 'autodiscover-json', 'apple']);
  });

  const runs = propertyRuns(1000);
  it(`never throws and answers only what the README's tables allow (${runs} requests)`, async () => {
    await fc.assert(fc.asyncProperty(httpRequest, checkRequest), propertyParameters(runs));
  }, 20_000 + runs * 20);
});
