import { beforeAll, describe, expect, it } from 'vitest';
import { JSON_ERRORS, type JsonErrorCode } from '../../lib/autodiscover-json/vocabulary';
import type { RequestLogLine } from '../../lib/observability/request-log';
import { createResponder } from '../../lib/responder';
import { createStoreClient, createTenantTable, type RawItem } from '../../lib/tenants/dynamodb';
import { lookupTenant } from '../../lib/tenants/resolve';
import { EVENT_SHAPES, buildEvent, readResult, type EventShape, type TestRequest, type TestResult } from '../support/lambda-events';
import { freeLoopbackPort } from '../support/ports';
import { createTestTable } from '../support/tenant-table';

// Autodiscover v2 JSON through createResponder, against dynalite through the
// real SDK: both request forms on every event shape, every outcome, the HTTP
// surface, hostile Host and query values, and the log lines.

const IMAP = { type: 'IMAP', server: 'imap.mail.example.net', port: 993, tls: 'implicit' };
const EAS = 'https://eas.mail.example.net/Microsoft-Server-ActiveSync';

const ITEMS: RawItem[] = [
  { id: 'example.com', protocols: [IMAP], activeSync: { url: EAS } },
  { id: 'alice@example.com', displayName: 'Alice Liddell', username: 'alice' },
  { id: 'bob@example.com', redirectAddr: 'bob@new-provider.example' },
  { id: 'eve@example.com', displayname: 'typo' },
  { id: 'alias.example', aliasOf: 'example.com' },
  { id: 'off.example', protocols: [IMAP], activeSync: { url: EAS }, enabled: false },
  { id: 'broken.example', protocols: [{ ...IMAP, port: 70000 }] },
  { id: 'redirect.example', protocols: [IMAP], redirectUrl: 'https://autodiscover.other.example/autodiscover/autodiscover.xml' },
  { id: 'empty.example', protocols: [] },
  { id: 'nosync.example', protocols: [IMAP] },
];

const HOST = 'autodiscover.example.com';
const POX_URL = `https://${HOST}/autodiscover/autodiscover.xml`;
const SECRET = 'QWxhZGRpbjpvcGVuIHNlc2FtZQ==';

const lines: RequestLogLine[] = [];
let handler: ReturnType<typeof createResponder>;

beforeAll(async () => {
  const table = await createTestTable('autodiscover-json', ITEMS);
  handler = createResponder({
    lookupTenant: (domain, mailboxId) => lookupTenant(table, domain, mailboxId),
    log: (line) => lines.push(line),
    responderId: 7,
  });
});

/** One GET (unless said otherwise); checks one log line without secrets, addresses or query values, and never a 401. */
async function send(request: Partial<TestRequest> & { path: string }, shape: EventShape = 'httpApiV2'): Promise<TestResult & { log: RequestLogLine }> {
  const before = lines.length;
  const headers = { Host: HOST, Authorization: `Basic ${SECRET}`, ...request.headers };
  const result = readResult(shape, await handler(buildEvent(shape, { method: 'GET', ...request, headers })));
  const written = lines.slice(before);
  expect(written, 'one log line per request').toHaveLength(1);
  const text = JSON.stringify(written[0]);
  expect(text).not.toContain(SECRET);
  expect(text, 'no local part, query value or path address in the log').not.toMatch(/alice|bob@|eve@|%40|eas\.mail|autodiscover\.xml/i);
  expect(result.status).not.toBe(401);
  expect(result.headers.has('www-authenticate')).toBe(false);
  return { ...result, log: written[0]! };
}

const query = (email: string, protocol: string, extra = '') =>
  `/autodiscover/autodiscover.json?Email=${encodeURIComponent(email)}&Protocol=${encodeURIComponent(protocol)}${extra}`;
const pathForm = (email: string, protocol: string) => `/autodiscover/autodiscover.json/v1.0/${encodeURIComponent(email)}?Protocol=${encodeURIComponent(protocol)}`;

function expectJson(result: TestResult, status: number, cacheControl: string): unknown {
  expect(result.status).toBe(status);
  expect(result.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(result.headers.get('cache-control')).toBe(cacheControl);
  expect(result.headers.get('x-content-type-options')).toBe('nosniff');
  return JSON.parse(result.body);
}

function expectError(result: TestResult, code: JsonErrorCode): void {
  expect(expectJson(result, 400, 'no-store')).toEqual({ ErrorCode: code, ErrorMessage: JSON_ERRORS[code] });
}

function expectEmpty(result: TestResult, status: number): void {
  expect(result.status).toBe(status);
  expect(result.body).toBe('');
  expect(result.headers.get('cache-control')).toBe('no-store');
}

describe('successes, both forms × event shapes', () => {
  const cases = EVENT_SHAPES.flatMap((shape) =>
    [
      ['query', query('alice@example.com', 'Autodiscoverv1', '&RedirectCount=1')],
      ['path', pathForm('alice@example.com', 'autodiscoverv1')],
    ].map(([form, path]) => [shape, form!, path!] as const),
  );

  it.each(cases)('%s, %s form: AutodiscoverV1 → our POX URL on the Host', async (shape, _form, path) => {
    const result = await send({ path }, shape);
    expect(expectJson(result, 200, 'max-age=300')).toEqual({ Protocol: 'AutodiscoverV1', Url: POX_URL });
    expect(result.log).toMatchObject({ route: 'autodiscover-json', outcome: 'AutodiscoverV1', status: 200, domain: 'example.com', method: 'GET' });
    expect(result.log.localPartHash).toMatch(/^[0-9a-f]{12}$/);
  });

  it.each(EVENT_SHAPES)('%s: ActiveSync → the tenant URL, both forms', async (shape) => {
    for (const path of [query('Alice@Example.COM', 'ACTIVESYNC'), pathForm('alice@example.com', 'activesync')]) {
      const result = await send({ path }, shape);
      expect(expectJson(result, 200, 'max-age=300')).toEqual({ Protocol: 'ActiveSync', Url: EAS });
      expect(result.log.outcome).toBe('ActiveSync');
    }
  });

  it('Outlook classic as it asks (lower-case v1, RedirectCount) on a port-carrying Host', async () => {
    const result = await send({ path: '/Autodiscover/Autodiscover.json?Email=frank%40example.com&Protocol=Autodiscoverv1&RedirectCount=1', headers: { Host: 'Autodiscover.Example.com:443' } });
    expect(expectJson(result, 200, 'max-age=300')).toEqual({ Protocol: 'AutodiscoverV1', Url: POX_URL });
  });

  it('the URL follows the Host the client asked, not the address domain (one provider host for every domain)', async () => {
    const result = await send({ path: query('alice@example.com', 'AutodiscoverV1'), headers: { Host: 'mail.provider.example' } });
    expect((expectJson(result, 200, 'max-age=300') as { Url: string }).Url).toBe('https://mail.provider.example/autodiscover/autodiscover.xml');
  });

  it.each([
    ['an alias domain', 'dave@alias.example', 'alias.example'],
    ['a mailbox redirectAddr (POX then redirects)', 'bob@example.com', 'example.com'],
    ['a domain redirectUrl (POX then redirects)', 'alice@redirect.example', 'redirect.example'],
    ['an empty protocol list (POX then answers 501)', 'alice@empty.example', 'empty.example'],
  ])('%s: AutodiscoverV1 still points at our POX URL', async (_label, email, domain) => {
    const result = await send({ path: query(email, 'AutodiscoverV1') });
    expect(expectJson(result, 200, 'max-age=300')).toEqual({ Protocol: 'AutodiscoverV1', Url: POX_URL });
    expect(result.log.domain).toBe(domain);
  });

  it('an alias takes its target ActiveSync URL', async () => {
    expect(expectJson(await send({ path: query('dave@alias.example', 'ActiveSync') }), 200, 'max-age=300')).toEqual({ Protocol: 'ActiveSync', Url: EAS });
  });
});

describe('errors and other outcomes', () => {
  it.each([
    ['no address', '/autodiscover/autodiscover.json?Protocol=AutodiscoverV1', 'MandatoryParameterMissing'],
    ['no query at all', '/autodiscover/autodiscover.json', 'MandatoryParameterMissing'],
    ['an invalid address', query('alice@@example.com', 'AutodiscoverV1'), 'MandatoryParameterMissing'],
    ['two different addresses', `${query('alice@example.com', 'AutodiscoverV1')}&email=bob%40example.com`, 'MandatoryParameterMissing'],
    ['a path address and a different Email', `${pathForm('alice@example.com', 'AutodiscoverV1')}&Email=bob%40example.com`, 'MandatoryParameterMissing'],
    ['no Protocol', '/autodiscover/autodiscover.json?Email=alice%40example.com', 'MissingProtocol'],
    ['no Protocol, path form', '/autodiscover/autodiscover.json/v1.0/alice%40example.com', 'MissingProtocol'],
    ['an unknown protocol', query('alice@example.com', 'Imap'), 'InvalidProtocol'],
    ['two different protocols', `${query('alice@example.com', 'AutodiscoverV1')}&Protocol=ActiveSync`, 'InvalidProtocol'],
    ['Ews', query('alice@example.com', 'EWS'), 'ProtocolNotSupported'],
    ['AutodiscoverV2', pathForm('alice@example.com', 'AutodiscoverV2'), 'ProtocolNotSupported'],
    ['ActiveSync without a URL', query('alice@nosync.example', 'ActiveSync'), 'ProtocolNotSupported'],
  ] as const)('%s → 400 %s', async (_label, path, code) => {
    const result = await send({ path });
    expectError(result, code);
    expect(result.log).toMatchObject({ outcome: code, status: 400 });
    expect(result.log.errorCode).toBeUndefined();
  });

  it('a rejected protocol costs no lookup: an unhosted domain with Ews is still 400', async () => {
    const result = await send({ path: query('alice@unhosted.example', 'Ews') });
    expectError(result, 'ProtocolNotSupported');
    expect(result.log.domain).toBeUndefined();
  });

  it.each([
    ['unhosted', 'alice@unhosted.example'],
    ['disabled', 'alice@off.example'],
  ])('%s domain → 404, empty, for both protocols', async (_label, email) => {
    for (const protocol of ['AutodiscoverV1', 'ActiveSync']) {
      const result = await send({ path: query(email, protocol) });
      expectEmpty(result, 404);
      expect(result.log.outcome).toBe('notHosted');
    }
  });

  it.each([
    ['domain item', 'alice@broken.example', 'broken.example', 'protocols[0].port'],
    ['mailbox item', 'Eve@example.com', undefined, 'displayname'],
  ])('an invalid %s → 500, empty, and one warn line naming the item', async (_label, email, item, path) => {
    const result = await send({ path: query(email, 'AutodiscoverV1') });
    expectEmpty(result, 500);
    expect(result.log).toMatchObject({ level: 'warn', outcome: 'invalidItem', itemProblem: { path } });
    if (item) expect(result.log.itemProblem?.item).toBe(item);
    else expect(result.log.itemProblem?.item).toContain(result.log.localPartHash!);
  });

  it.each([
    '/autodiscover/autodiscover.json/',
    '/autodiscover/autodiscover.json/v2.0/alice%40example.com?Protocol=AutodiscoverV1',
    '/autodiscover/autodiscover.json/v1.0/alice%40example.com/x?Protocol=AutodiscoverV1',
  ])('%s → 404, empty', async (path) => {
    const result = await send({ path });
    expectEmpty(result, 404);
    expect(result.log).toMatchObject({ route: 'autodiscover-json', outcome: 'notFound' });
  });
});

describe('a DynamoDB that does not answer', () => {
  it('→ 503, empty, quickly', async () => {
    const dead = createTenantTable('unreachable', createStoreClient({ endpoint: `http://127.0.0.1:${await freeLoopbackPort()}` }));
    const log: RequestLogLine[] = [];
    const responder = createResponder({ lookupTenant: (domain, mailboxId) => lookupTenant(dead, domain, mailboxId), log: (line) => log.push(line), responderId: 7 });
    const started = Date.now();
    const result = readResult('httpApiV2', await responder(buildEvent('httpApiV2', { method: 'GET', path: query('alice@example.com', 'AutodiscoverV1'), headers: { Host: HOST } })));
    // Not a timed test: only a bound that says the store gave up instead of hanging.
    expect(Date.now() - started).toBeLessThan(5000);
    expectEmpty({ ...result, headers: result.headers }, 503);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ status: 503, outcome: 'storeFailure', domain: 'example.com' });
  });
});

describe('hostile input is never echoed', () => {
  const HOSTILE = ['</x>', ']]>', '"}', '<script>', '&amp;', '\r\nX-Injected: 1', '\uffff', '\u0001', '${x}', "'"];

  it.each(HOSTILE)('in Protocol, RedirectCount, the address and unknown parameters: %j', async (value) => {
    const marker = `zq${value}`;
    for (const path of [
      query('alice@example.com', marker),
      query('alice@example.com', 'AutodiscoverV1', `&RedirectCount=${encodeURIComponent(marker)}&${encodeURIComponent(marker)}=${encodeURIComponent(marker)}`),
      query(`al${marker}ice@example.com`, 'AutodiscoverV1'),
      pathForm(`al${marker}@example.com`, marker),
    ]) {
      const result = await send({ path });
      expect(result.body).not.toContain('zq');
      expect(JSON.stringify(result.log)).not.toContain('zq');
      if (result.body !== '') JSON.parse(result.body);
    }
  });

  it('RedirectCount of any value leaves the answer as it is', async () => {
    const plain = (await send({ path: query('alice@example.com', 'AutodiscoverV1') })).body;
    for (const count of ['0', '1', '99999999999999999999', '-1', '', 'x', '%00']) {
      expect((await send({ path: query('alice@example.com', 'AutodiscoverV1', `&RedirectCount=${count}`) })).body).toBe(plain);
    }
  });

  it.each([
    ['no Host', undefined],
    ['an empty Host', ''],
    ['a Host with a path', 'evil.example/x?'],
    ['a Host with a quote', 'evil.example"},{"Url":"https://evil'],
    ['a Host with a user part', 'user@evil.example'],
    ['two Hosts joined', 'autodiscover.example.com, evil.example'],
    ['an IPv6 literal', '[::1]:3000'],
    ['a Host with CR LF', 'evil.example\r\nX-Injected: 1'],
  ])('%s → 400, empty, whatever the request asks', async (_label, host) => {
    const headers: Record<string, string> = { Authorization: `Basic ${SECRET}` };
    if (host !== undefined) headers.Host = host;
    const before = lines.length;
    // Built directly: `send` would add the default Host.
    const result = readResult('restV1', await handler(buildEvent('restV1', { method: 'GET', path: query('alice@example.com', 'AutodiscoverV1'), headers })));
    expectEmpty(result, 400);
    expect(lines.slice(before)).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({ route: 'autodiscover-json', outcome: 'badHost', status: 400 });
    expect(JSON.stringify(lines.at(-1))).not.toMatch(/evil|alice/);
  });
});

describe('methods', () => {
  it.each(EVENT_SHAPES)('%s: HEAD → the GET status and headers with its Content-Length, no body', async (shape) => {
    for (const path of [query('alice@example.com', 'AutodiscoverV1'), pathForm('alice@example.com', 'ActiveSync'), query('alice@example.com', 'Ews'), query('alice@unhosted.example', 'AutodiscoverV1')]) {
      const get = await send({ path }, shape);
      const head = await send({ path, method: 'HEAD' }, shape);
      expect(head.status).toBe(get.status);
      expect(head.body).toBe('');
      expect(Object.fromEntries(head.headers)).toEqual({ ...Object.fromEntries(get.headers), 'content-length': String(Buffer.byteLength(get.body)) });
    }
  });

  it.each(['/autodiscover/autodiscover.json', '/Autodiscover/Autodiscover.JSON/v1.0/alice%40example.com'])('OPTIONS %s → 204 with Allow GET, HEAD, OPTIONS', async (path) => {
    const result = await send({ path, method: 'OPTIONS' });
    expect(result.status).toBe(204);
    expect(result.body).toBe('');
    expect(new Set(result.headers.get('allow')!.split(/,\s*/))).toEqual(new Set(['GET', 'HEAD', 'OPTIONS']));
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH'])('%s → 405 with Allow', async (method) => {
    for (const path of [query('alice@example.com', 'AutodiscoverV1'), pathForm('alice@example.com', 'AutodiscoverV1')]) {
      const result = await send({ path, method, body: '{}' });
      expect(result.status).toBe(405);
      expect(result.body).toBe('');
      expect(result.headers.get('allow')).toContain('GET');
    }
  });
});
