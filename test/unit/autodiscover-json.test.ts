import { describe, expect, it } from 'vitest';
import { renderAutodiscoverJson } from '../../lib/autodiscover-json/answer';
import { parseJsonRequest, requestHostName, type ParsedJsonRequest } from '../../lib/autodiscover-json/parse-request';
import { renderJsonError } from '../../lib/autodiscover-json/render';
import { JSON_ERRORS, UNSERVED_EXCHANGE_PROTOCOLS, type JsonErrorCode } from '../../lib/autodiscover-json/vocabulary';
import { decide, type Decision } from '../../lib/resolution/decision';
import type { HostedDomainItem, MailboxItem } from '../../lib/tenants/model';
import { validateTenantItem } from '../../lib/tenants/validate';

// Autodiscover v2 JSON without DynamoDB: request parsing (both forms, names
// and values case-insensitive, repeats), the host check, and every answer
// read back with JSON.parse.

const JSON_PATH = '/autodiscover/autodiscover.json';
/** `host: null` sends no Host header. */
const parse = (pathAndQuery: string, host: string | null = 'autodiscover.example.com'): ParsedJsonRequest => {
  const [path, query = ''] = pathAndQuery.split('?');
  const headers = new Map(host === null ? [] : [['host', host]]);
  return parseJsonRequest({ path: path!, query: new URLSearchParams(query), headers });
};
const errorOf = (parsed: ParsedJsonRequest) => (parsed.ok ? 'ok' : 'rejection' in parsed ? parsed.rejection : parsed.errorCode);

/** A hosted decision from items that pass the contract, as the resolver hands them over. */
function hosted(settings: HostedDomainItem, mailbox?: MailboxItem): Decision {
  for (const item of [settings, ...(mailbox ? [mailbox] : [])]) expect(validateTenantItem(item).valid, `test item ${item.id}`).toBe(true);
  return decide({ kind: 'hosted', tenant: { domain: settings.id, settings, ...(mailbox ? { mailbox } : {}) } });
}

const IMAP = { type: 'IMAP', server: 'imap.mail.example.net', port: 993, tls: 'implicit' } as const;
const EAS = 'https://eas.mail.example.net/Microsoft-Server-ActiveSync';

describe('parsing the query form', () => {
  it('reads Email and Protocol, names and values in any case, RedirectCount ignored', () => {
    for (const query of [
      'Email=alice@example.com&Protocol=AutodiscoverV1',
      'Email=alice%40example.com&Protocol=Autodiscoverv1&RedirectCount=1',
      'email=alice@example.com&protocol=AUTODISCOVERV1',
      'EMAIL=alice@example.com&PROTOCOL=autodiscoverv1&redirectcount=x%22%3C',
    ]) {
      const parsed = parse(`${JSON_PATH}?${query}`);
      expect(parsed, query).toMatchObject({ ok: true, request: { protocol: 'AutodiscoverV1', address: { address: 'alice@example.com' } } });
    }
    expect(parse(`${JSON_PATH}?Email=Bob@Example.COM&Protocol=activesync`)).toMatchObject({
      ok: true,
      request: { protocol: 'ActiveSync', address: { address: 'Bob@example.com', mailboxId: 'bob@example.com' } },
    });
  });

  it.each([
    ['no query at all', '', 'MandatoryParameterMissing'],
    ['no Email', 'Protocol=AutodiscoverV1', 'MandatoryParameterMissing'],
    ['an empty Email', 'Email=&Protocol=AutodiscoverV1', 'MandatoryParameterMissing'],
    ['an invalid Email', 'Email=alice@@example.com&Protocol=AutodiscoverV1', 'MandatoryParameterMissing'],
    ['an Email without a domain', 'Email=alice&Protocol=AutodiscoverV1', 'MandatoryParameterMissing'],
    ['an Email with a control character', 'Email=al%01ice@example.com&Protocol=AutodiscoverV1', 'MandatoryParameterMissing'],
    ['two different Emails', 'Email=alice@example.com&email=bob@example.com&Protocol=AutodiscoverV1', 'MandatoryParameterMissing'],
    ['no Email and no Protocol: the address is checked first', 'RedirectCount=1', 'MandatoryParameterMissing'],
    ['no Protocol', 'Email=alice@example.com', 'MissingProtocol'],
    ['an empty Protocol', 'Email=alice@example.com&Protocol=', 'MissingProtocol'],
    ['an unknown Protocol', 'Email=alice@example.com&Protocol=Imap', 'InvalidProtocol'],
    ['a hostile Protocol', 'Email=alice@example.com&Protocol=%22%7D%3C%2Fx%3E', 'InvalidProtocol'],
    ['two different Protocols', 'Email=alice@example.com&Protocol=AutodiscoverV1&Protocol=ActiveSync', 'InvalidProtocol'],
    ['Ews', 'Email=alice@example.com&Protocol=Ews', 'ProtocolNotSupported'],
    ['AutodiscoverV2', 'Email=alice@example.com&Protocol=autodiscoverv2', 'ProtocolNotSupported'],
    ['REST in capitals', 'Email=alice@example.com&Protocol=REST', 'ProtocolNotSupported'],
  ])('%s → %s', (_label, query, code) => {
    expect(errorOf(parse(`${JSON_PATH}?${query}`))).toBe(code);
  });

  it('every Exchange protocol we do not serve is ProtocolNotSupported, in any case', () => {
    // pox-protocol.md §6.2 lists 25 names (2 served) and AutodiscoverV2 is one more.
    expect(UNSERVED_EXCHANGE_PROTOCOLS.size).toBe(24);
    expect([...UNSERVED_EXCHANGE_PROTOCOLS]).toEqual(expect.arrayContaining(['ews', 'rest', 'autodiscoverv2', 'compliancepolicyservice']));
    for (const name of UNSERVED_EXCHANGE_PROTOCOLS) {
      expect(errorOf(parse(`${JSON_PATH}?Email=a@example.com&Protocol=${name.toUpperCase()}`)), name).toBe('ProtocolNotSupported');
    }
  });

  it('the same value repeated counts once (Protocol ignoring case)', () => {
    const parsed = parse(`${JSON_PATH}?Email=alice@example.com&Email=alice@example.com&Protocol=ActiveSync&protocol=ACTIVESYNC`);
    expect(parsed).toMatchObject({ ok: true, request: { protocol: 'ActiveSync', address: { address: 'alice@example.com' } } });
  });
});

describe('parsing the path form', () => {
  it.each([
    `${JSON_PATH}/v1.0/alice@example.com?Protocol=AutodiscoverV1`,
    `${JSON_PATH}/v1.0/alice%40example.com?Protocol=AutodiscoverV1`,
    `/Autodiscover/Autodiscover.json/V1.0/alice%40Example.com?protocol=autodiscoverv1`,
    `${JSON_PATH}/v1.0/alice@example.com?Protocol=AutodiscoverV1&Email=alice@example.com`,
  ])('%s', (path) => {
    expect(parse(path)).toMatchObject({ ok: true, request: { protocol: 'AutodiscoverV1', address: { address: 'alice@example.com' } } });
  });

  it('decodes the address once, keeping a plus sign', () => {
    expect(parse(`${JSON_PATH}/v1.0/alice%2Btag%40example.com?Protocol=ActiveSync`)).toMatchObject({ ok: true, request: { address: { localPart: 'alice+tag' } } });
    expect(parse(`${JSON_PATH}/v1.0/alice+tag@example.com?Protocol=ActiveSync`)).toMatchObject({ ok: true, request: { address: { localPart: 'alice+tag' } } });
  });

  it.each([
    ['an undecodable segment', `${JSON_PATH}/v1.0/alice%E0%A4%A@example.com?Protocol=AutodiscoverV1`],
    ['an encoded second @', `${JSON_PATH}/v1.0/alice%40x@example.com?Protocol=AutodiscoverV1`],
    ['an encoded slash in the domain', `${JSON_PATH}/v1.0/alice@example.com%2Fx?Protocol=AutodiscoverV1`],
    ['an encoded control character', `${JSON_PATH}/v1.0/alice%0D%0A@example.com?Protocol=AutodiscoverV1`],
    ['a path address and a different Email', `${JSON_PATH}/v1.0/alice@example.com?Email=bob@example.com&Protocol=AutodiscoverV1`],
  ])('%s → MandatoryParameterMissing', (_label, path) => {
    expect(errorOf(parse(path))).toBe('MandatoryParameterMissing');
  });

  it.each([`${JSON_PATH}/`, `${JSON_PATH}/v1.0`, `${JSON_PATH}/v1.0/`, `${JSON_PATH}/v2.0/alice@example.com`, `${JSON_PATH}/v1.0/alice@example.com/x`, `${JSON_PATH}/x`])(
    '%s is no resource → not found',
    (path) => {
      expect(errorOf(parse(`${path}?Protocol=AutodiscoverV1&Email=alice@example.com`))).toBe('notFound');
    },
  );
});

describe('the Host as a host name', () => {
  it('is part of the parsed request, and a bad one is refused before anything else is read', () => {
    expect(parse(`${JSON_PATH}?Email=alice@example.com&Protocol=AutodiscoverV1`, 'Autodiscover.Example.com:443')).toMatchObject({
      ok: true,
      request: { host: 'autodiscover.example.com' },
    });
    for (const path of [`${JSON_PATH}?Email=alice@example.com&Protocol=AutodiscoverV1`, JSON_PATH, `${JSON_PATH}/v2.0/x`]) {
      expect(errorOf(parse(path, null)), path).toBe('badHost');
      expect(errorOf(parse(path, 'evil.example/"')), path).toBe('badHost');
    }
  });

  it.each([
    ['autodiscover.example.com', 'autodiscover.example.com'],
    ['Autodiscover.Example.COM:443', 'autodiscover.example.com'],
    ['127.0.0.1:3000', '127.0.0.1'],
    ['example.com.', 'example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
  ])('%s → %s', (host, name) => {
    expect(requestHostName(host)).toBe(name);
  });

  it.each([
    undefined, '', ':443', 'evil.example/x', 'evil.example?x', 'evil.example#x', 'a"b.example', 'a\\b.example', 'user@evil.example',
    'a b.example', 'evil.example\r\nX-Injected: 1', 'example.com, other.example', '[::1]:3000', 'evil.example:443:1', '<x>.example', '%65vil.example',
  ])('%j → none', (host) => {
    expect(requestHostName(host)).toBeUndefined();
  });
});

describe('answers', () => {
  const domain = hosted({ id: 'example.com', protocols: [IMAP], activeSync: { url: EAS } });

  it('AutodiscoverV1 → our POX URL on the requested host', () => {
    const answer = renderAutodiscoverJson(domain, 'AutodiscoverV1', 'autodiscover.example.com');
    expect(answer).toMatchObject({ status: 200, outcome: 'AutodiscoverV1' });
    expect(JSON.parse(answer.body)).toEqual({ Protocol: 'AutodiscoverV1', Url: 'https://autodiscover.example.com/autodiscover/autodiscover.xml' });
    expect(Object.keys(JSON.parse(answer.body))).toEqual(['Protocol', 'Url']);
    expect(JSON.parse(renderAutodiscoverJson(domain, 'AutodiscoverV1', 'mail.provider.example').body).Url).toBe('https://mail.provider.example/autodiscover/autodiscover.xml');
  });

  it('ActiveSync → the tenant URL, or ProtocolNotSupported without one', () => {
    const answer = renderAutodiscoverJson(domain, 'ActiveSync', 'autodiscover.example.com');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ Protocol: 'ActiveSync', Url: EAS });
    const without = renderAutodiscoverJson(hosted({ id: 'example.org', protocols: [IMAP] }), 'ActiveSync', 'autodiscover.example.org');
    expect(without).toMatchObject({ status: 400, outcome: 'ProtocolNotSupported' });
    expect(JSON.parse(without.body)).toEqual({ ErrorCode: 'ProtocolNotSupported', ErrorMessage: JSON_ERRORS.ProtocolNotSupported });
  });

  it('AutodiscoverV1 still points at POX for redirects and empty lists (POX answers those)', () => {
    const cases = [
      hosted({ id: 'example.com', protocols: [IMAP], redirectUrl: 'https://autodiscover.other.example/autodiscover/autodiscover.xml' }),
      hosted({ id: 'example.com', protocols: [IMAP] }, { id: 'bob@example.com', redirectAddr: 'bob@other.example' }),
      hosted({ id: 'example.com', protocols: [] }),
    ];
    for (const decision of cases) {
      expect(JSON.parse(renderAutodiscoverJson(decision, 'AutodiscoverV1', 'example.com').body).Url).toBe('https://example.com/autodiscover/autodiscover.xml');
    }
  });

  it('every item variant gets the same two answers: JSON carries no mail settings, and no tenant text but the ActiveSync URL', () => {
    const HOSTILE = '</x>]]>"<&\r\uffff\u0001zq';
    const POP3 = { type: 'POP3', server: 'pop.mail.example.net', port: 995, tls: 'implicit' } as const;
    const SMTP = { type: 'SMTP', server: 'smtp.mail.example.net', port: 587, tls: 'starttls', smtpLast: true } as const;
    const variants: Array<[HostedDomainItem, MailboxItem?]> = [
      [{ id: 'example.com', protocols: [IMAP] }],
      [{ id: 'example.com', protocols: [POP3, SMTP] }],
      [{ id: 'example.com', protocols: [IMAP, POP3, SMTP] }],
      [{ id: 'example.com', protocols: [{ ...IMAP, port: 143, tls: 'none' }, { ...SMTP, port: 25, tls: 'none' }] }],
      [{ id: 'example.com', protocols: [IMAP], calDav: { url: 'https://dav.example.net/cal' }, cardDav: { url: 'https://dav.example.net/card' } }],
      [{ id: 'example.com', protocols: [IMAP] }, { id: 'alice@example.com', displayName: 'Alice', username: 'alice', protocols: [POP3] }],
      [
        { id: 'example.com', provider: { name: HOSTILE, shortName: HOSTILE }, protocols: [{ ...IMAP, username: `${HOSTILE}%EMAILADDRESS%`, domainName: HOSTILE }] },
        { id: 'alice@example.com', displayName: HOSTILE, username: HOSTILE },
      ],
    ];
    for (const [settings, mailbox] of variants) {
      const decision = hosted({ ...settings, activeSync: { url: EAS } }, mailbox);
      const v1 = renderAutodiscoverJson(decision, 'AutodiscoverV1', 'example.com').body;
      const activeSync = renderAutodiscoverJson(decision, 'ActiveSync', 'example.com').body;
      expect(JSON.parse(v1)).toEqual({ Protocol: 'AutodiscoverV1', Url: 'https://example.com/autodiscover/autodiscover.xml' });
      expect(JSON.parse(activeSync)).toEqual({ Protocol: 'ActiveSync', Url: EAS });
      expect(v1 + activeSync).not.toContain('zq');
    }
  });

  it('no hosted tenant → empty bodies: 404, 500, 503', () => {
    const invalid: Decision = { kind: 'invalid', problem: { id: 'example.com', path: 'protocols', reason: 'missing' } };
    for (const protocol of ['AutodiscoverV1', 'ActiveSync'] as const) {
      expect(renderAutodiscoverJson({ kind: 'notHosted' }, protocol, 'example.com')).toEqual({ status: 404, body: '', outcome: 'notHosted' });
      expect(renderAutodiscoverJson(invalid, protocol, 'example.com')).toEqual({ status: 500, body: '', outcome: 'invalidItem' });
      expect(renderAutodiscoverJson({ kind: 'storeFailure' }, protocol, 'example.com')).toEqual({ status: 503, body: '', outcome: 'storeFailure' });
    }
  });

  it('a hostile ActiveSync URL comes back intact through JSON.parse', () => {
    // No white space: the contract's URL pattern refuses it.
    const hostile = 'https://eas.example.net/"}]</x>]]>&<\\u0022\u0001\u007f\uffff\ud800?x="y"';
    const answer = renderAutodiscoverJson(hosted({ id: 'example.com', protocols: [IMAP], activeSync: { url: hostile } }), 'ActiveSync', 'example.com');
    expect(JSON.parse(answer.body)).toEqual({ Protocol: 'ActiveSync', Url: hostile });
    // Raw control characters never reach the body: JSON.stringify escapes them.
    expect(answer.body).not.toMatch(/[\u0000-\u001f]/);
  });

  it('the ActiveSync answer is written once per cached tenant and follows a changed item', () => {
    const settings: HostedDomainItem = { id: 'example.com', protocols: [IMAP], activeSync: { url: EAS } };
    const first = renderAutodiscoverJson(hosted(settings), 'ActiveSync', 'example.com').body;
    expect(renderAutodiscoverJson(hosted(settings), 'ActiveSync', 'example.com').body).toBe(first);
    const changed = renderAutodiscoverJson(hosted({ ...settings, activeSync: { url: `${EAS}2` } }), 'ActiveSync', 'example.com').body;
    expect(JSON.parse(changed).Url).toBe(`${EAS}2`);
  });

  it('every error code: fixed text, valid JSON, exactly two members', () => {
    for (const code of Object.keys(JSON_ERRORS) as JsonErrorCode[]) {
      const body = JSON.parse(renderJsonError(code));
      expect(body).toEqual({ ErrorCode: code, ErrorMessage: JSON_ERRORS[code] });
      expect(JSON_ERRORS[code]).toMatch(/^[\x20-\x7e]+$/);
    }
  });
});
