import { describe, expect, it } from 'vitest';
import { createLambdaHandler } from '../../lib/http/lambda-handler';
import { xmlResponse } from '../../lib/http/responses';
import type { LambdaHttpEvent } from '../../lib/http/lambda-event';

// The outer layer on its own: nothing escapes it, not even a failing log sink.

const ANSWER = xmlResponse(200, '<?xml version="1.0" encoding="utf-8"?><Autodiscover/>', 'no-store');
const FAILURE = xmlResponse(503, '<?xml version="1.0" encoding="utf-8"?><failure/>', 'no-store');
const event = {
  version: '2.0',
  rawPath: '/autodiscover/autodiscover.xml',
  rawQueryString: '',
  headers: {},
  requestContext: { http: { method: 'GET', path: '/autodiscover/autodiscover.xml' } },
  isBase64Encoded: false,
} as unknown as LambdaHttpEvent;

describe('createLambdaHandler', () => {
  it('still answers when the log sink throws', async () => {
    const handler = createLambdaHandler({ route: () => ANSWER, log: () => { throw new Error('EPIPE'); }, failure: () => FAILURE });
    await expect(handler(event)).resolves.toMatchObject({ statusCode: 200 });
  });

  it('answers an event of no supported shape with the failure answer and one error line', async () => {
    const lines: unknown[] = [];
    const handler = createLambdaHandler({ route: () => ANSWER, log: (line) => lines.push(line), failure: () => FAILURE });
    await expect(handler({ unexpected: true } as unknown as LambdaHttpEvent)).resolves.toMatchObject({ statusCode: 503 });
    expect(lines).toEqual([expect.objectContaining({ level: 'error', method: 'unknown', status: 503, errorCode: 603, error: expect.stringMatching(/^TypeError at lib\/http\/lambda-handler\.ts:\d+$/) })]);
  });

  it('answers a bare 503 with one error line when even the failure answer cannot be made', async () => {
    const lines: unknown[] = [];
    const handler = createLambdaHandler({
      route: () => { throw new Error('boom'); },
      log: (line) => lines.push(line),
      failure: () => { throw new Error('the XML writer failed to load'); },
    });
    await expect(handler(event)).resolves.toMatchObject({ statusCode: 503, body: '' });
    expect(lines).toEqual([expect.objectContaining({ level: 'error', status: 503, errorCode: 603 })]);
  });
});
