import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogLine } from '../../lib/observability/request-log';
import { createResponder } from '../../lib/responder';
import { createStoreClient, createTenantTable, type TenantTable } from '../../lib/tenants/dynamodb';
import { lookupTenant } from '../../lib/tenants/resolve';
import { requestBody } from '../support/fixtures';
import { buildEvent, readResult } from '../support/lambda-events';
import { freeLoopbackPort } from '../support/ports';
import { NS, readError } from '../support/xml-answer';

// Row 4: DynamoDB unreachable (a closed loopback port, reached through the
// SDK's own endpoint variable) and unexpected exceptions → 503 + Error 603.

let deadTable: TenantTable;
const savedEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;

beforeAll(async () => {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${await freeLoopbackPort()}`;
  deadTable = createTenantTable('unreachable', createStoreClient());
});

afterAll(() => {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = savedEndpoint;
});

function responder(lookup: Parameters<typeof createResponder>[0]['lookupTenant']) {
  const lines: RequestLogLine[] = [];
  const handler = createResponder({ lookupTenant: lookup, log: (line) => lines.push(line), responderId: 7, now: () => new Date() });
  return { handler, lines };
}

const SECRET = 'Basic c2VjcmV0OnBhc3N3b3Jk';

describe('DynamoDB unreachable (row 4)', () => {
  it('POST → 503 with Error 603 in the outer namespace, quickly', async () => {
    const { handler, lines } = responder((domain, mailboxId) => lookupTenant(deadTable, domain, mailboxId));
    const started = Date.now();
    const result = readResult(
      'httpApiV2',
      await handler(buildEvent('httpApiV2', { method: 'POST', path: '/autodiscover/autodiscover.xml', headers: { Authorization: SECRET }, body: requestBody('alice@example.com') })),
    );
    // Not a timed test: only a bound that says the store gave up instead of hanging.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.status).toBe(503);
    expect(result.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(result.headers.get('cache-control')).toBe('no-store');
    const error = readError(result.body);
    expect([error.code, error.message, error.responseNamespace, error.id]).toEqual(['603', 'Server Error', NS.outer, '7']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status: 503, errorCode: 603, domain: 'example.com' });
    expect(JSON.stringify(lines)).not.toMatch(/alice|c2VjcmV0|Autodiscover/);
  });

  it('GET → 503 with Error 603 (not the empty 404 of an unhosted domain)', async () => {
    const { handler } = responder((domain, mailboxId) => lookupTenant(deadTable, domain, mailboxId));
    const result = readResult('alb', await handler(buildEvent('alb', { method: 'GET', path: '/autodiscover/autodiscover.xml', headers: { Host: 'autodiscover.example.com' } })));
    expect(result.status).toBe(503);
    expect(readError(result.body).code).toBe('603');
  });
});

describe('an unexpected exception in lookupTenant', () => {
  const thrower = async (): Promise<never> => {
    const error = new TypeError('cannot read alice@example.com password=hunter2');
    throw error;
  };

  it.each(['httpApiV2', 'restV1', 'alb', 'albMultiValue'] as const)('%s: → 503 + 603 and exactly one error line without stack or message', async (shape) => {
    const { handler, lines } = responder(thrower);
    const result = readResult(
      shape,
      await handler(buildEvent(shape, { method: 'POST', path: '/autodiscover/autodiscover.xml', headers: { Authorization: SECRET, Cookie: 'sid=zzz-cookie' }, body: requestBody('alice@example.com') })),
    );
    expect(result.status).toBe(503);
    const error = readError(result.body);
    expect([error.code, error.responseNamespace, error.debugData]).toEqual(['603', NS.outer, '']);
    expect(result.body).not.toMatch(/TypeError|hunter2|alice|at /);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line.level).toBe('error');
    expect(line).toMatchObject({ status: 503, errorCode: 603, outcome: 'error' });
    expect(line.error).toMatch(/^TypeError/);
    const text = JSON.stringify(line);
    expect(text).not.toMatch(/hunter2|alice@|cannot read|c2VjcmV0|zzz-cookie|\\n\s*at /);
    expect(text.split('\n')).toHaveLength(1);
  });

  it('a thrown non-Error value is handled the same way', async () => {
    const { handler, lines } = responder(async () => {
      throw 'alice@example.com';
    });
    const result = readResult('restV1', await handler(buildEvent('restV1', { method: 'GET', path: '/autodiscover/autodiscover.xml', headers: { Host: 'example.com' } })));
    expect(result.status).toBe(503);
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines[0])).not.toContain('alice@');
  });

  it('an event of no known shape → 503 + 603, one line', async () => {
    const { handler, lines } = responder(thrower);
    const result = (await handler({ hello: 'world' } as never)) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(503);
    expect(readError(result.body).code).toBe('603');
    expect(lines).toHaveLength(1);
  });
});
