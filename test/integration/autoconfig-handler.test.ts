import { beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogLine } from '../../lib/observability/request-log';
import { createResponder } from '../../lib/responder';
import { TenantStoreError, type RawItem } from '../../lib/tenants/dynamodb';
import { lookupTenant } from '../../lib/tenants/resolve';
import { readClientConfig } from '../support/autoconfig-answer';
import { EVENT_SHAPES, buildEvent, readResult, type EventShape, type TestRequest, type TestResult } from '../support/lambda-events';
import { createTestTable } from '../support/tenant-table';

// The autoconfig route through createResponder, against dynalite through the
// real SDK: every outcome, the three paths, hoster mode against Host mode,
// the HTTP surface and the log line.

const IMAP = { type: 'IMAP', server: 'imap.mail.example.net', port: 993, tls: 'implicit' };
const POP3 = { type: 'POP3', server: 'pop.mail.example.net', port: 995, tls: 'implicit' };
const SMTP = { type: 'SMTP', server: 'smtp.mail.example.net', port: 587, tls: 'starttls' };

const ITEMS: RawItem[] = [
  { id: 'example.com', provider: { name: 'Example Mail', shortName: 'Example' }, protocols: [IMAP, POP3, SMTP], cardDav: { url: 'https://dav.example.net/' } },
  { id: 'alice@example.com', displayName: 'Alice Liddell', username: 'alice' },
  { id: 'bob@example.com', redirectAddr: 'bob@new-provider.example' },
  { id: 'carol@example.com', protocols: [{ ...POP3, server: 'old-pop.example.net' }, SMTP] },
  { id: 'erin@example.com', protocols: [] },
  { id: 'eve@example.com', displayname: 'typo' },
  { id: 'example.net', aliasOf: 'example.com' },
  { id: 'other.example', protocols: [{ ...IMAP, server: 'imap.other.example' }, SMTP] },
  { id: 'off.example', protocols: [IMAP], enabled: false },
  { id: 'broken.example', protocols: [IMAP, { ...SMTP, usePOPAuth: true }] },
  { id: 'dangling.example', aliasOf: 'missing.example' },
  { id: 'redirect.example', protocols: [IMAP], redirectUrl: 'https://autodiscover.other.example/autodiscover/autodiscover.xml' },
  { id: 'empty.example', protocols: [] },
  { id: 'smtponly.example', protocols: [SMTP] },
  { id: 'imaponly.example', protocols: [IMAP] },
];

const AUTOCONFIG_PATHS = ['/mail/config-v1.1.xml', '/.well-known/autoconfig/mail/config-v1.1.xml', '/.well-known/mail-v1.xml'];

const lines: RequestLogLine[] = [];
let handler: ReturnType<typeof createResponder>;

beforeAll(async () => {
  const table = await createTestTable('autoconfig-handler', ITEMS);
  handler = createResponder({ lookupTenant: (domain, mailboxId) => lookupTenant(table, domain, mailboxId), log: (line) => lines.push(line), responderId: 1 });
});

const SECRET = 'QWxhZGRpbjpvcGVuIHNlc2FtZQ==';

/** Sends one request; returns the answer and its one log line (checked: no secret, no address). */
async function send(request: TestRequest, shape: EventShape = 'httpApiV2', via = handler): Promise<TestResult & { log: RequestLogLine }> {
  const before = lines.length;
  const result = readResult(shape, await via(buildEvent(shape, { ...request, headers: { Authorization: `Basic ${SECRET}`, ...request.headers } })));
  const written = lines.slice(before);
  expect(written, 'one log line per request').toHaveLength(1);
  const text = JSON.stringify(written[0]);
  expect(text).not.toContain(SECRET);
  expect(text).not.toMatch(/clientConfig|<\?xml/);
  const local = /emailaddress=([^&@%]+)(?:@|%40)/i.exec(request.path)?.[1];
  if (local) expect(text.toLowerCase(), 'the local part never reaches the log').not.toContain(`${local.toLowerCase()}@`);
  expect(result.status).not.toBe(401);
  return { ...result, log: written[0]! };
}

const get = (query: string, host = 'autoconfig.provider.example', path = '/mail/config-v1.1.xml', shape?: EventShape) =>
  send({ method: 'GET', path: query === '' ? path : `${path}?${query}`, headers: { Host: host } }, shape);

const ask = (addressText: string) => get(`emailaddress=${encodeURIComponent(addressText)}`);

function expectEmpty(result: TestResult, status: number): void {
  expect(result.status).toBe(status);
  expect(result.body).toBe('');
  expect(result.headers.get('cache-control')).toBe('no-store');
}

describe('paths, event shapes and methods', () => {
  const spellings = AUTOCONFIG_PATHS.flatMap((path) => [path, path.toUpperCase(), path.replace('config', 'Config')]);
  it.each(EVENT_SHAPES.flatMap((shape) => spellings.map((path) => [shape, path] as const)))('%s: GET %s answers the address’s configuration', async (shape, path) => {
    const result = await get('emailaddress=someone%40example.com', 'autoconfig.provider.example', path, shape);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(result.headers.get('cache-control')).toBe('no-store');
    const doc = readClientConfig(result.body);
    expect([doc.providerId, doc.servers.map((s) => s.type)]).toEqual(['example.com', ['imap', 'pop3', 'smtp']]);
    expect(result.log).toMatchObject({ route: 'autoconfig', outcome: 'settings', status: 200, domain: 'example.com', method: 'GET' });
    expect(result.log.localPartHash).toMatch(/^[0-9a-f]{12}$/);
  });

  it.each(AUTOCONFIG_PATHS)('HEAD %s: exactly the GET’s status and headers, Content-Length included, and no body', async (path) => {
    for (const [query, host] of [['emailaddress=a%40example.com', 'x.example'], ['', 'autoconfig.example.com'], ['', 'autoconfig.unhosted.example'], ['emailaddress=bad', 'x.example']]) {
      const target = query === '' ? path : `${path}?${query}`;
      const getResult = await send({ method: 'GET', path: target, headers: { Host: host! } });
      const head = await send({ method: 'HEAD', path: target, headers: { Host: host! } });
      expect(head.status).toBe(getResult.status);
      expect(head.body).toBe('');
      expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(getResult.body)));
      const withoutLength = (headers: ReadonlyMap<string, string>) => [...headers].filter(([name]) => name !== 'content-length');
      expect(withoutLength(head.headers)).toEqual(withoutLength(getResult.headers));
    }
  });

  it('OPTIONS → 204 with Allow GET, HEAD, OPTIONS', async () => {
    const result = await send({ method: 'OPTIONS', path: '/.well-known/mail-v1.xml' });
    expect(result.status).toBe(204);
    expect(new Set(result.headers.get('allow')!.split(/,\s*/))).toEqual(new Set(['GET', 'HEAD', 'OPTIONS']));
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH'])('%s → 405 with Allow, empty body', async (method) => {
    const result = await send({ method, path: '/mail/config-v1.1.xml?emailaddress=a%40example.com', body: '<x/>' });
    expect(result.status).toBe(405);
    expect(result.headers.get('allow')).toContain('GET');
    expect(result.body).toBe('');
  });

  it.each(['/mail/config-v1.1.xml/', '/mail/config-v1.2.xml', '/.well-known/autoconfig/mail/', '/mail-v1.xml'])('%s is not a route → 404', async (path) => {
    expectEmpty(await get('emailaddress=a%40example.com', 'x.example', path), 404);
  });
});

describe('hoster mode (emailaddress) against Host mode', () => {
  it('with an address, its domain decides whatever the Host names, even another hosted domain', async () => {
    for (const host of ['autoconfig.provider.example', 'autoconfig.other.example', 'other.example:8443', '']) {
      const doc = readClientConfig((await get('emailaddress=frank%40Example.COM', host)).body);
      expect([doc.providerId, doc.servers[0]!.values.hostname, doc.servers[0]!.values.username]).toEqual(['example.com', 'imap.mail.example.net', 'frank@example.com']);
    }
  });

  it.each(['autoconfig.example.com', 'Autoconfig.Example.COM:8443', 'example.com', 'example.com.'])('without one, Host %s names the domain; placeholders stay; cached briefly', async (host) => {
    const result = await get('', host);
    expect(result.status).toBe(200);
    expect(result.headers.get('cache-control')).toBe('max-age=300');
    const doc = readClientConfig(result.body);
    expect(doc.providerId).toBe('example.com');
    expect(doc.servers.map((s) => s.values.username)).toEqual(['%EMAILADDRESS%', '%EMAILADDRESS%', '%EMAILADDRESS%']);
    expect(doc.services.map((s) => s.values.username)).toEqual(['%EMAILADDRESS%']);
    expect(result.log).toMatchObject({ domain: 'example.com', outcome: 'settings' });
    expect(result.log.localPartHash).toBeUndefined();
  });

  it('only one leading autoconfig. label is removed', async () => {
    expectEmpty(await get('', 'autoconfig.autoconfig.example.com'), 404);
  });

  it('the parameter name is matched as clients send it: EmailAddress is no address (Host mode)', async () => {
    const doc = readClientConfig((await get('EmailAddress=frank%40example.com', 'autoconfig.example.com')).body);
    expect(doc.servers[0]!.values.username).toBe('%EMAILADDRESS%');
  });

  it.each(['autoconfig.unhosted.example', 'autoconfig.provider.example', 'not a host', ''])('Host "%s" without an address (not hosted) → 404, empty', async (host) => {
    const result = await get('', host);
    expectEmpty(result, 404);
    expect(result.log.outcome).toBe('notHosted');
  });
});

describe('outcomes', () => {
  it('an address without a mailbox item gets the domain’s answer: nothing tells whether the mailbox exists', async () => {
    const one = (await ask('frank@example.com')).body;
    const two = (await ask('grace@example.com')).body;
    expect(two.replace(/grace/g, 'frank')).toBe(one);
  });

  it('mailbox overrides apply: a login name, a protocol list', async () => {
    expect(readClientConfig((await ask('Alice@example.com')).body).servers.map((s) => s.values.username)).toEqual(['alice', 'alice', 'alice']);
    const carol = readClientConfig((await ask('carol@example.com')).body);
    expect(carol.servers.map((s) => [s.type, s.values.hostname])).toEqual([['pop3', 'old-pop.example.net'], ['smtp', 'smtp.mail.example.net']]);
  });

  it('an alias answers under its own name with its target’s servers and the requester’s address', async () => {
    const doc = readClientConfig((await ask('dana@example.net')).body);
    expect([doc.providerId, doc.domains, doc.displayName]).toEqual(['example.net', ['example.net'], 'Example Mail']);
    expect(doc.servers[0]!.values.username).toBe('dana@example.net');
    const byHost = readClientConfig((await get('', 'autoconfig.example.net')).body);
    expect(byHost.providerId).toBe('example.net');
  });

  it('a domain without SMTP gets no outgoingServer', async () => {
    const doc = readClientConfig((await ask('x@imaponly.example')).body);
    expect(doc.servers.map((s) => s.element)).toEqual(['incomingServer']);
  });

  it.each([
    ['unhosted', 'x@unhosted.example', 'notHosted'],
    ['disabled', 'x@off.example', 'notHosted'],
    ['a domain redirectUrl (autoconfig has no redirect)', 'x@redirect.example', 'redirectUrl'],
    ['a mailbox redirectAddr (the target is not ours to describe)', 'bob@example.com', 'redirectAddr'],
    ['an empty domain protocol list', 'x@empty.example', 'noServers'],
    ['an empty mailbox protocol list', 'erin@example.com', 'noServers'],
    ['no incoming server at all', 'x@smtponly.example', 'noServers'],
  ])('%s → 404, empty body', async (_label, requester, outcome) => {
    const result = await ask(requester);
    expectEmpty(result, 404);
    expect(result.log.outcome).toBe(outcome);
    expect(result.log.errorCode).toBeUndefined();
  });

  it.each([
    ['an invalid domain item', 'x@broken.example', 'broken.example', 'protocols[1].usePOPAuth'],
    ['an alias of a missing domain', 'x@dangling.example', 'dangling.example', 'aliasOf'],
  ])('%s → 500, empty body, one warn line naming the item and attribute', async (_label, requester, item, path) => {
    const result = await ask(requester);
    expectEmpty(result, 500);
    expect(result.log).toMatchObject({ level: 'warn', outcome: 'invalidItem', itemProblem: { item, path } });
    expect(result.log.errorCode).toBeUndefined();
  });

  it('an invalid mailbox item → 500, the line names its domain and local-part hash, never the address', async () => {
    const result = await ask('Eve@example.com');
    expectEmpty(result, 500);
    expect(result.log.level).toBe('warn');
    expect(result.log.itemProblem?.item).toContain(result.log.localPartHash!);
    expect(JSON.stringify(result.log)).not.toMatch(/eve@/i);
  });

  it('an invalid item found through Host → 500 too', async () => {
    expectEmpty(await get('', 'autoconfig.broken.example'), 500);
  });

  it.each([
    ['two addresses', 'emailaddress=a%40example.com&emailaddress=b%40example.com'],
    ['an invalid address', 'emailaddress=not-an-address'],
    ['an empty value', 'emailaddress='],
    ['an address with a control character', 'emailaddress=a%07b%40example.com'],
    ['a domain that is no host name', 'emailaddress=a%40exa%20mple.com'],
  ])('%s → 400, empty body, nothing echoed', async (_label, query) => {
    const result = await get(query, 'autoconfig.example.com');
    expectEmpty(result, 400);
    expect(result.log.outcome).toBe('badRequest');
    expect(result.log.domain).toBeUndefined();
  });
});

describe('DynamoDB failure with no usable copy', () => {
  it.each([
    ['thrown', () => { throw new TenantStoreError('unreachable'); }],
    ['rejected', () => Promise.reject(new TenantStoreError('unreachable'))],
  ] as const)('a lookup failure (%s) → 503, empty body', async (_label, failingLookup) => {
    const failing = createResponder({ lookupTenant: failingLookup, log: (line) => lines.push(line), responderId: 1 });
    for (const query of ['emailaddress=a%40example.com', '']) {
      const result = await send({ method: 'GET', path: `/mail/config-v1.1.xml?${query}`, headers: { Host: 'autoconfig.example.com' } }, 'httpApiV2', failing);
      expectEmpty(result, 503);
      expect(result.log.outcome).toBe('storeFailure');
    }
  });
});
