import { beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogLine } from '../../lib/observability/request-log';
import { createResponder } from '../../lib/responder';
import type { RawItem } from '../../lib/tenants/dynamodb';
import { lookupTenant } from '../../lib/tenants/resolve';
import { MOBILESYNC_SCHEMA, MOBILESYNC_REQUEST_NS, OUTLOOK_SCHEMA, escapeText, requestBody, requestFixture } from '../support/fixtures';
import { EVENT_SHAPES, buildEvent, readResult, type EventShape, type TestRequest, type TestResult } from '../support/lambda-events';
import { createTestTable } from '../support/tenant-table';
import { NS, at, elements, parseAnswer, readError, readSettings, textAt } from '../support/xml-answer';

// The whole POX endpoint through createResponder, against dynalite through
// the real SDK: every row of the README's POX table, the HTTP surface and
// the log lines.

const IMAP = { type: 'IMAP', server: 'imap.mail.example.net', port: 993, tls: 'implicit' };
const POP3 = { type: 'POP3', server: 'pop.mail.example.net', port: 995, tls: 'implicit' };
const SMTP = { type: 'SMTP', server: 'smtp.mail.example.net', port: 587, tls: 'starttls', smtpLast: false, usePopAuth: true };
const EAS = 'https://eas.mail.example.net/Microsoft-Server-ActiveSync';

const ITEMS: RawItem[] = [
  { id: 'example.com', provider: { name: 'Example Mail', shortName: 'Example' }, protocols: [IMAP, POP3, SMTP], activeSync: { url: EAS }, enabled: true },
  { id: 'alice@example.com', displayName: 'Alice Liddell', username: 'alice' },
  { id: 'bob@example.com', redirectAddr: 'bob@new-provider.example' },
  { id: 'carol@example.com', protocols: [{ ...POP3, server: 'old-pop.example.net' }] },
  { id: 'erin@example.com', protocols: [] },
  { id: 'eve@example.com', displayname: 'typo' },
  { id: 'alias.example', aliasOf: 'example.com', note: 'old brand' },
  { id: 'dave@alias.example', displayName: 'Dave' },
  { id: 'chain.example', aliasOf: 'alias.example' },
  { id: 'dangling.example', aliasOf: 'missing.example' },
  { id: 'self.example', aliasOf: 'self.example' },
  { id: 'off.example', protocols: [IMAP], enabled: false },
  { id: 'to-off.example', aliasOf: 'off.example' },
  { id: 'off-alias.example', aliasOf: 'example.com', enabled: false },
  { id: 'to-broken.example', aliasOf: 'broken.example' },
  { id: 'broken.example', protocols: [IMAP, { ...SMTP, usePopAuth: undefined, usePOPAuth: true }] },
  { id: 'badport.example', protocols: [{ ...IMAP, port: 70000 }] },
  { id: 'imapflags.example', protocols: [{ ...IMAP, smtpLast: true }] },
  { id: 'noprotocols.example' },
  { id: 'httpredirect.example', protocols: [IMAP], redirectUrl: 'http://autodiscover.other.example/autodiscover/autodiscover.xml' },
  { id: 'empty.example', protocols: [] },
  { id: 'redirect.example', protocols: [IMAP], redirectUrl: 'https://autodiscover.other.example/autodiscover/autodiscover.xml' },
  { id: 'nosync.example', protocols: [IMAP, SMTP] },
  { id: 'xn--bcher-kva.example', protocols: [IMAP] },
  { id: 'off-broken.example', protocols: [IMAP], enabled: false, colour: 'blue' },
];

const lines: RequestLogLine[] = [];
let handler: ReturnType<typeof createResponder>;
const NOW = new Date(Date.UTC(2026, 10, 27, 13, 14, 15, 167));

beforeAll(async () => {
  const table = await createTestTable('pox-handler', ITEMS);
  handler = createResponder({
    lookupTenant: (domain, mailboxId) => lookupTenant(table, domain, mailboxId),
    log: (line) => lines.push(line),
    responderId: 4130155072,
    now: () => NOW,
  });
});

const SECRET = 'QWxhZGRpbjpvcGVuIHNlc2FtZQ==';
const COOKIE = 'session=never-log-this';

/** Sends one request; returns the answer and the log lines it wrote (checked: exactly one, no secrets). */
async function send(request: TestRequest, shape: EventShape = 'httpApiV2'): Promise<TestResult & { log: RequestLogLine }> {
  const before = lines.length;
  const headers = { 'Content-Type': 'text/xml; charset=utf-8', Authorization: `Basic ${SECRET}`, Cookie: COOKIE, ...request.headers };
  const result = readResult(shape, await handler(buildEvent(shape, { ...request, headers })));
  const written = lines.slice(before);
  expect(written, 'one log line per request').toHaveLength(1);
  const text = JSON.stringify(written[0]);
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain('never-log-this');
  expect(text).not.toMatch(/Autodiscover|EMailAddress|<\?xml/);
  const sent = /<EMailAddress>\s*([^<@\s]+)@/.exec(typeof request.body === 'string' ? request.body : Buffer.from(request.body ?? []).toString('utf8'))?.[1];
  if (sent) expect(text.toLowerCase(), 'the local part never reaches the log').not.toContain(`${sent.toLowerCase()}@`);
  expect(result.status).not.toBe(401);
  expect(result.headers.has('www-authenticate')).toBe(false);
  return { ...result, log: written[0]! };
}

const post = (body: string | Uint8Array, extra: Partial<TestRequest> = {}, shape?: EventShape) =>
  send({ method: 'POST', path: '/autodiscover/autodiscover.xml', body, ...extra }, shape);

function expectXmlHeaders(result: TestResult, cacheControl = 'no-store'): void {
  expect(result.headers.get('content-type')).toBe('text/xml; charset=utf-8');
  expect(result.headers.get('cache-control')).toBe(cacheControl);
}

describe('accepted request variants × event shapes', () => {
  const FIXTURES = [
    ['thunderbird.xml', 'alice'],
    ['outlook.xml', 'alice'],
    ['ews-managed-api.xml', 'alice'],
    ['utf8-bom.xml', 'alice'],
    ['utf16le-bom.xml', 'jörg'],
    ['utf16be-bom.xml', 'jörg'],
    ['iso-8859-1.xml', 'jörg'],
    ['https-namespaces.xml', 'alice'],
    ['reversed-children.xml', 'alice'],
    ['no-namespace.xml', 'alice'],
    ['whitespace-padded.xml', 'alice'],
  ] as const;
  const cases = EVENT_SHAPES.flatMap((shape) => FIXTURES.map(([fixture, local]) => [shape, fixture, local] as const));

  it.each(cases)('%s: %s → settings for %s@example.com', async (shape, fixture, localPart) => {
    const result = await post(requestFixture(fixture), {}, shape);
    expect(result.status).toBe(200);
    expectXmlHeaders(result);
    const doc = readSettings(result.body);
    expect(textAt(doc.user!, 'AutoDiscoverSMTPAddress')).toBe(`${localPart}@example.com`);
    expect(doc.protocols.map((p) => p.Type)).toEqual(['IMAP', 'POP3', 'SMTP']);
    expect(result.log).toMatchObject({ route: 'pox', outcome: 'settings', status: 200, domain: 'example.com', method: 'POST' });
    expect(result.log.localPartHash).toMatch(/^[0-9a-f]{12}$/);
  });

  it.each(EVENT_SHAPES)('%s: a base64 text body is read like a plain one', async (shape) => {
    const result = await post(requestBody('alice@example.com'), { base64: true }, shape);
    expect(textAt(readSettings(result.body).user!, 'AutoDiscoverSMTPAddress')).toBe('alice@example.com');
  });
});

describe('paths and methods', () => {
  const PATHS = ['/autodiscover/autodiscover.xml', '/Autodiscover/Autodiscover.xml', '/AUTODISCOVER/AUTODISCOVER.XML', '/autodiscover/autodiscover.xml?Email=x%40other.example&Protocol=x'];
  const cases = EVENT_SHAPES.flatMap((shape) => PATHS.map((path) => [shape, path] as const));

  it.each(cases)('%s: POST %s is the POX route', async (shape, path) => {
    const result = await send({ method: 'POST', path, body: requestBody('alice@example.com') }, shape);
    expect(result.status).toBe(200);
    expect(textAt(readSettings(result.body).user!, 'AutoDiscoverSMTPAddress')).toBe('alice@example.com');
  });

  it.each(EVENT_SHAPES.flatMap((shape) => ['/', '/autodiscover/autodiscover.xml/', '/mail/config-v1.2.xml', '/autodiscover'].map((p) => [shape, p] as const)))(
    '%s: %s → 404 with an empty body, whatever the method',
    async (shape, path) => {
      for (const method of ['GET', 'POST', 'OPTIONS']) {
        const result = await send({ method, path, body: requestBody('alice@example.com'), headers: { Host: 'autodiscover.example.com' } }, shape);
        expect(result.status).toBe(404);
        expect(result.body).toBe('');
      }
    },
  );

  it.each(EVENT_SHAPES)('%s: OPTIONS → 204 with Allow, no body', async (shape) => {
    const result = await send({ method: 'OPTIONS', path: '/Autodiscover/Autodiscover.xml' }, shape);
    expect(result.status).toBe(204);
    expect(result.body).toBe('');
    expect(new Set(result.headers.get('allow')!.split(/,\s*/))).toEqual(new Set(['POST', 'GET', 'HEAD', 'OPTIONS']));
  });

  it.each(['PUT', 'DELETE', 'PATCH', 'TRACE'])('%s → 405 with Allow', async (method) => {
    const result = await send({ method, path: '/autodiscover/autodiscover.xml', body: requestBody('alice@example.com') });
    expect(result.status).toBe(405);
    expect(result.headers.get('allow')).toContain('POST');
    expect(result.body).toBe('');
  });

  it('the Host header plays no part in a POST', async () => {
    const result = await post(requestBody('alice@example.com'), { headers: { Host: 'autodiscover.unhosted.example:8443' } });
    expect(textAt(readSettings(result.body).user!, 'AutoDiscoverSMTPAddress')).toBe('alice@example.com');
  });
});

describe('POX decision table (POST)', () => {
  it('row 1: a body over 16 KiB → 413 with an Error 600 document', async () => {
    const result = await post(requestFixture('oversized.xml'));
    expect(result.status).toBe(413);
    expectXmlHeaders(result);
    const error = readError(result.body);
    expect([error.code, error.message, error.responseNamespace]).toEqual(['600', 'Invalid Request', NS.outer]);
  });

  it('row 1: the cap is exactly 16 KiB', async () => {
    const base = requestBody('alice@example.com');
    const pad = (size: number) => base.replace('<Request>', `<!--${'x'.repeat(size - Buffer.byteLength(base) - 7)}--><Request>`);
    expect(Buffer.byteLength(pad(16384))).toBe(16384);
    expect((await post(pad(16384))).status).toBe(200);
    expect((await post(pad(16385))).status).toBe(413);
  });

  it.each([
    'xxe.xml', 'billion-laughs.xml', 'internal-entity.xml', 'doctype-only.xml', 'unclosed-tag.xml', 'mismatched-tags.xml',
    'two-roots.xml', 'undeclared-entity.xml', 'not-xml.xml', 'empty.xml', 'invalid-utf8.xml', 'unknown-encoding.xml',
  ])('row 2: hostile/%s → 200 Error 600, nothing from the body echoed', async (fixture) => {
    const result = await post(requestFixture(`hostile/${fixture}`));
    expect(result.status).toBe(200);
    expectXmlHeaders(result);
    const error = readError(result.body);
    expect([error.code, error.message, error.responseNamespace, error.debugData]).toEqual(['600', 'Invalid Request', NS.outer, '']);
    expect(result.body).not.toMatch(/passwd|lol|example\.com/);
    expect(result.log).toMatchObject({ outcome: 'error', errorCode: 600 });
  });

  it('row 2: an invalid address → 600', async () => {
    expect(readError((await post(requestBody('alice@@example.com'))).body).code).toBe('600');
  });

  it.each([
    ['an unknown schema', 'urn:example:other'],
    ['the 2006 Outlook schema without a', 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006'],
  ])('row 3: %s → 200 Error 601 in the outer namespace', async (_label, schema) => {
    const result = await post(requestBody('alice@example.com', { schema }));
    expect(result.status).toBe(200);
    const error = readError(result.body);
    expect([error.code, error.message, error.responseNamespace]).toEqual(['601', 'Provider is not available', NS.outer]);
  });

  it.each(['unhosted.example', 'off.example', 'off-alias.example'])('row 5: %s → 404 Error 500 in the 2006a namespace', async (domain) => {
    const result = await post(requestBody(`alice@${domain}`));
    expect(result.status).toBe(404);
    expectXmlHeaders(result);
    const error = readError(result.body);
    expect([error.code, error.message, error.responseNamespace]).toEqual(['500', 'The e-mail address cannot be found.', NS.outlook]);
    expect(error.time).toBe('13:14:15.1670000');
    expect(error.id).toBe('4130155072');
  });

  // The table's first matching row wins: `enabled: false` (row 5) comes before
  // "the domain item breaks the contract" (row 6).
  it('row 5 before row 6: a disabled domain whose item also breaks the contract → 404 Error 500', async () => {
    const result = await post(requestBody('alice@off-broken.example'));
    expect(result.status).toBe(404);
    expect(readError(result.body).code).toBe('500');
  });

  describe('row 6: contract breaches → 200 Error 602 and one warn line naming the item and attribute', () => {
    it.each([
      ['broken.example', 'alice@broken.example', 'broken.example', 'protocols[1].usePOPAuth'],
      ['badport.example', 'alice@badport.example', 'badport.example', 'protocols[0].port'],
      ['imapflags.example', 'alice@imapflags.example', 'imapflags.example', 'protocols[0].smtpLast'],
      ['noprotocols.example', 'alice@noprotocols.example', 'noprotocols.example', 'protocols'],
      ['httpredirect.example', 'alice@httpredirect.example', 'httpredirect.example', 'redirectUrl'],
      ['chain.example (alias of an alias)', 'alice@chain.example', 'chain.example', 'aliasOf'],
      ['dangling.example (missing target)', 'alice@dangling.example', 'dangling.example', 'aliasOf'],
      ['self.example (alias of itself)', 'alice@self.example', 'self.example', 'aliasOf'],
      ['to-off.example (disabled target)', 'alice@to-off.example', 'to-off.example', 'aliasOf'],
      ['to-broken.example (invalid target)', 'alice@to-broken.example', 'broken.example', 'protocols[1].usePOPAuth'],
    ])('%s', async (_label, requester, item, path) => {
      const result = await post(requestBody(requester));
      expect(result.status).toBe(200);
      const error = readError(result.body);
      expect([error.code, error.message, error.responseNamespace]).toEqual(['602', 'Bad Address', NS.outlook]);
      expect(result.log.level).toBe('warn');
      expect(result.log.itemProblem).toMatchObject({ item, path });
      expect(result.log).toMatchObject({ outcome: 'error', errorCode: 602 });
    });

    it('an invalid mailbox item: the line names its domain and local-part hash, never the address', async () => {
      const result = await post(requestBody('Eve@Example.com'));
      expect(readError(result.body).code).toBe('602');
      expect(result.log.itemProblem?.path).toBe('displayname');
      expect(result.log.itemProblem?.item).toContain('example.com');
      expect(result.log.itemProblem?.item).toContain(result.log.localPartHash!);
      expect(JSON.stringify(result.log)).not.toMatch(/eve@/i);
    });

    it('a mailbox item of an address without one breaks nothing for the others', async () => {
      expect(readSettings((await post(requestBody('frank@example.com'))).body).protocols).toHaveLength(3);
    });
  });

  describe('row 7: MobileSync', () => {
    it('a domain with activeSync → MobileSync settings for the requester', async () => {
      const result = await post(requestFixture('mobilesync.xml'));
      expect(result.status).toBe(200);
      const root = parseAnswer(result.body);
      const response = at(root, 'Response');
      expect(response.namespaceURI).toBe(NS.mobileSync);
      expect(textAt(response, 'User/EMailAddress')).toBe('alice@example.com');
      expect(textAt(response, 'User/DisplayName')).toBe('Alice Liddell');
      expect(textAt(response, 'Action/Settings/Server/Url')).toBe(EAS);
      expect(textAt(response, 'Action/Settings/Server/Type')).toBe('MobileSync');
    });

    it('an alias of a domain with activeSync answers with the target\'s URL', async () => {
      const body = requestBody('zoe@alias.example', { ns: MOBILESYNC_REQUEST_NS, schema: MOBILESYNC_SCHEMA });
      const response = at(parseAnswer((await post(body)).body), 'Response');
      expect(textAt(response, 'User/EMailAddress')).toBe('zoe@alias.example');
      expect(textAt(response, 'Action/Settings/Server/Url')).toBe(EAS);
    });

    it('a domain without activeSync → Error 601', async () => {
      const result = await post(requestBody('alice@nosync.example', { ns: MOBILESYNC_REQUEST_NS, schema: MOBILESYNC_SCHEMA }));
      expect(result.status).toBe(200);
      const error = readError(result.body);
      expect([error.code, error.responseNamespace]).toEqual(['601', NS.outer]);
    });
  });

  it('row 8: a mailbox redirectAddr → Action redirectAddr, nothing else', async () => {
    const doc = readSettings((await post(requestBody('Bob@example.com'))).body);
    expect(doc.user).toBeUndefined();
    expect(textAt(doc.account, 'Action')).toBe('redirectAddr');
    expect(textAt(doc.account, 'RedirectAddr')).toBe('bob@new-provider.example');
    expect(doc.protocols).toHaveLength(0);
  });

  it('row 9: a domain redirectUrl → Action redirectUrl', async () => {
    const result = await post(requestBody('alice@redirect.example'));
    const doc = readSettings(result.body);
    expect(textAt(doc.account, 'Action')).toBe('redirectUrl');
    expect(textAt(doc.account, 'RedirectUrl')).toBe('https://autodiscover.other.example/autodiscover/autodiscover.xml');
    expect(doc.protocols).toHaveLength(0);
    expect(result.log.outcome).toBe('redirectUrl');
  });

  it.each([
    ['an empty domain list', 'alice@empty.example'],
    ['an empty mailbox list', 'erin@example.com'],
  ])('row 10: %s → 200 Error 501 in the 2006a namespace', async (_label, requester) => {
    const result = await post(requestBody(requester));
    expect(result.status).toBe(200);
    const error = readError(result.body);
    expect([error.code, error.message, error.responseNamespace]).toEqual(['501', 'Bad Address', NS.outlook]);
  });

  describe('row 11: settings', () => {
    it('AutoDiscoverSMTPAddress keeps the local part as sent and normalises the domain', async () => {
      const doc = readSettings((await post(requestBody('Frank.Smith@EXAMPLE.com.'))).body);
      expect(textAt(doc.user!, 'AutoDiscoverSMTPAddress')).toBe('Frank.Smith@example.com');
      expect(doc.protocols.every((p) => p.LoginName === 'Frank.Smith@example.com')).toBe(true);
    });

    it('an IDN domain is looked up and shown in punycode', async () => {
      const doc = readSettings((await post(requestBody('jörg@Bücher.example'))).body);
      expect(textAt(doc.user!, 'AutoDiscoverSMTPAddress')).toBe('jörg@xn--bcher-kva.example');
    });

    it('the contract example renders as documented (TLS, SPA, SMTP flags)', async () => {
      const doc = readSettings((await post(requestBody('frank@example.com'))).body);
      const [imap, pop, smtp] = doc.protocols;
      expect([imap!.Encryption, imap!.SSL, imap!.SPA, imap!.AuthRequired, imap!.DomainRequired]).toEqual(['SSL', 'on', 'off', 'on', 'off']);
      expect([pop!.Server, pop!.Port]).toEqual(['pop.mail.example.net', '995']);
      expect([smtp!.Encryption, smtp!.SSL, smtp!.UsePOPAuth, smtp!.SMTPLast]).toEqual(['TLS', 'on', 'on', 'off']);
    });

    it('mailbox overrides: displayName and username', async () => {
      const doc = readSettings((await post(requestBody('ALICE@example.com'))).body);
      expect(textAt(doc.user!, 'DisplayName')).toBe('Alice Liddell');
      expect(textAt(doc.user!, 'AutoDiscoverSMTPAddress')).toBe('ALICE@example.com');
      expect(doc.protocols.map((p) => p.LoginName)).toEqual(['alice', 'alice', 'alice']);
    });

    it('mailbox overrides: protocols replace the domain list', async () => {
      const doc = readSettings((await post(requestBody('carol@example.com'))).body);
      expect(doc.protocols.map((p) => [p.Type, p.Server])).toEqual([['POP3', 'old-pop.example.net']]);
      expect(doc.user && elements(doc.user).map((e) => e.localName)).toEqual(['AutoDiscoverSMTPAddress']);
    });

    it('addresses without a mailbox item get identical answers apart from the address', async () => {
      const one = (await post(requestBody('frank@example.com'))).body;
      const two = (await post(requestBody('grace@example.com'))).body;
      expect(two.replace(/grace/g, 'frank')).toBe(one);
    });

    it('an alias is rendered directly with the requester\'s own address', async () => {
      const doc = readSettings((await post(requestBody('Jane@Alias.example'))).body);
      expect(textAt(doc.account, 'Action')).toBe('settings');
      expect(textAt(doc.user!, 'AutoDiscoverSMTPAddress')).toBe('Jane@alias.example');
      expect(doc.protocols.map((p) => [p.Type, p.Server, p.LoginName])).toEqual([
        ['IMAP', 'imap.mail.example.net', 'Jane@alias.example'],
        ['POP3', 'pop.mail.example.net', 'Jane@alias.example'],
        ['SMTP', 'smtp.mail.example.net', 'Jane@alias.example'],
      ]);
    });

    it('an alias uses the mailbox item of the requested address, not the target\'s', async () => {
      expect(textAt(readSettings((await post(requestBody('dave@alias.example'))).body).user!, 'DisplayName')).toBe('Dave');
      expect(readSettings((await post(requestBody('alice@alias.example'))).body).user!.textContent).not.toContain('Liddell');
    });

    it('hostile characters in the address are escaped in the answer', async () => {
      const local = 'o\'hara"<x>&amp;]]>';
      const result = await post(requestBody(`${escapeText(local)}@example.com`));
      const doc = readSettings(result.body);
      expect(textAt(doc.user!, 'AutoDiscoverSMTPAddress')).toBe(`${local}@example.com`);
      expect(doc.protocols[0]!.LoginName).toBe(`${local}@example.com`);
    });
  });
});

describe('GET and HEAD (bodiless, domain from Host)', () => {
  it.each(EVENT_SHAPES.flatMap((shape) => ['autodiscover.example.com', 'Autodiscover.Example.COM:8443', 'example.com', 'example.com:443'].map((host) => [shape, host] as const)))(
    '%s: Host %s → domain-level settings, no User, no LoginName',
    async (shape, host) => {
      const result = await send({ method: 'GET', path: '/autodiscover/autodiscover.xml', headers: { Host: host } }, shape);
      expect(result.status).toBe(200);
      expect(result.headers.get('content-type')).toBe('text/xml; charset=utf-8');
      const doc = readSettings(result.body);
      expect(doc.user).toBeUndefined();
      expect(doc.protocols.map((p) => p.Type)).toEqual(['IMAP', 'POP3', 'SMTP']);
      for (const block of doc.protocols) expect(block.order).not.toContain('LoginName');
      expect(result.log).toMatchObject({ method: 'GET', domain: 'example.com', outcome: 'settings' });
    },
  );

  it('the query string is ignored', async () => {
    const result = await send({ method: 'GET', path: '/autodiscover/autodiscover.xml?Email=alice%40example.com', headers: { Host: 'autodiscover.example.com' } });
    expect(readSettings(result.body).user).toBeUndefined();
  });

  it('an alias domain gets its target\'s settings', async () => {
    const result = await send({ method: 'GET', path: '/autodiscover/autodiscover.xml', headers: { Host: 'autodiscover.alias.example' } });
    expect(readSettings(result.body).protocols).toHaveLength(3);
  });

  it.each(['autodiscover.unhosted.example', 'autodiscover.off.example', 'mail.shared-srv-target.example', 'not a host', ''])(
    'Host "%s" (not hosted) → 404 with an empty body',
    async (host) => {
      const result = await send({ method: 'GET', path: '/autodiscover/autodiscover.xml', headers: host ? { Host: host } : {} });
      expect(result.status).toBe(404);
      expect(result.body).toBe('');
    },
  );

  it.each([
    ['autodiscover.empty.example', 200, '501'],
    ['autodiscover.broken.example', 200, '602'],
  ])('%s → %i Error %s', async (host, status, code) => {
    const result = await send({ method: 'GET', path: '/autodiscover/autodiscover.xml', headers: { Host: host } });
    expect(result.status).toBe(status);
    expect(readError(result.body).code).toBe(code);
  });

  it('a domain with redirectUrl → Action redirectUrl', async () => {
    const result = await send({ method: 'GET', path: '/autodiscover/autodiscover.xml', headers: { Host: 'autodiscover.redirect.example' } });
    expect(textAt(readSettings(result.body).account, 'Action')).toBe('redirectUrl');
  });

  it.each(EVENT_SHAPES)('%s: HEAD is answered like GET without a body', async (shape) => {
    for (const [host, status] of [['autodiscover.example.com', 200], ['autodiscover.unhosted.example', 404]] as const) {
      const get = await send({ method: 'GET', path: '/autodiscover/autodiscover.xml', headers: { Host: host } }, shape);
      const head = await send({ method: 'HEAD', path: '/autodiscover/autodiscover.xml', headers: { Host: host } }, shape);
      expect([get.status, head.status]).toEqual([status, status]);
      expect(head.body).toBe('');
      // Exactly the GET's headers, Content-Length counting the body HEAD leaves out.
      expect(Object.fromEntries(head.headers)).toEqual({ ...Object.fromEntries(get.headers), 'content-length': String(Buffer.byteLength(get.body)) });
    }
  });
});

describe('schema in the request is case-sensitive but scheme-insensitive', () => {
  it('https schema → settings', async () => {
    const result = await post(requestBody('alice@example.com', { schema: OUTLOOK_SCHEMA.replace('http:', 'https:') }));
    expect(textAt(readSettings(result.body).account, 'Action')).toBe('settings');
  });
});
