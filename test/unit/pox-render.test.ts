import { describe, expect, it } from 'vitest';
import { compileMobileSyncSettings, errorTime, renderPoxError, renderPoxSettings, renderRedirect } from '../../lib/pox/render';
import { decideHosted } from '../../lib/resolution/decision';
import { fillTemplate } from '../../lib/resolution/template';
import type { PoxErrorCode } from '../../lib/pox/vocabulary';
import type { ProtocolEntry } from '../../lib/tenants/model';
import { IMAP, POP3, SMTP, address, tenant } from '../support/tenant-fixtures';
import { NS, at, childrenNamed, elements, parseAnswer, readError, readSettings, textAt } from '../support/xml-answer';

// Renderers: every value checked by parsing the answer.

const ALICE = address('Alice@Example.COM');

describe('settings answer', () => {
  it('has the documented skeleton: User then Account, AccountType email, Action settings', () => {
    const doc = readSettings(renderPoxSettings(tenant({ id: 'example.com', protocols: [IMAP, SMTP] }), ALICE));
    expect(elements(doc.response).map((e) => e.localName)).toEqual(['User', 'Account']);
    expect(textAt(doc.account, 'AccountType')).toBe('email');
    expect(textAt(doc.account, 'Action')).toBe('settings');
    expect(elements(doc.user!).map((e) => e.localName)).toEqual(['AutoDiscoverSMTPAddress']);
    expect(textAt(doc.user!, 'AutoDiscoverSMTPAddress')).toBe('Alice@example.com');
  });

  it('renders one Protocol per entry, in tenant order, with the entry values', () => {
    const doc = readSettings(renderPoxSettings(tenant({ id: 'example.com', protocols: [SMTP, POP3, IMAP, { ...SMTP, server: 'smtp2.example.net', port: 465, tls: 'implicit' }] }), ALICE));
    expect(doc.protocols.map((p) => [p.Type, p.Server, p.Port])).toEqual([
      ['SMTP', 'smtp.mail.example.net', '587'],
      ['POP3', 'pop.mail.example.net', '995'],
      ['IMAP', 'imap.mail.example.net', '993'],
      ['SMTP', 'smtp2.example.net', '465'],
    ]);
  });

  it('keeps the POX element order inside Protocol', () => {
    const full: ProtocolEntry = { ...SMTP, ttl: 2, domainRequired: true, domainName: 'EXAMPLE', auth: 'spa', smtpLast: true, usePopAuth: false };
    const [block] = readSettings(renderPoxSettings(tenant({ id: 'example.com', protocols: [full] }), ALICE)).protocols;
    expect(block!.order).toEqual([
      'Type', 'TTL', 'Server', 'Port', 'LoginName', 'DomainRequired', 'DomainName', 'SPA', 'Encryption', 'SSL', 'AuthRequired', 'UsePOPAuth', 'SMTPLast',
    ]);
  });

  describe('TLS × auth truth table (README, "The tenant item format")', () => {
    const TLS = { implicit: ['SSL', 'on'], starttls: ['TLS', 'on'], none: ['None', 'off'] } as const;
    const AUTH = { password: ['off', 'on'], spa: ['on', 'on'], none: ['off', 'off'], default: ['off', 'on'] } as const;
    const cases = (['IMAP', 'POP3', 'SMTP'] as const).flatMap((type) =>
      (Object.keys(TLS) as (keyof typeof TLS)[]).flatMap((tls) => (Object.keys(AUTH) as (keyof typeof AUTH)[]).map((auth) => [type, tls, auth] as const)),
    );
    it.each(cases)('%s tls=%s auth=%s', (type, tls, auth) => {
      const entry: ProtocolEntry = { type, server: 'mail.example.net', port: 1000, tls, ...(auth === 'default' ? {} : { auth }) };
      const [block] = readSettings(renderPoxSettings(tenant({ id: 'example.com', protocols: [entry] }), ALICE)).protocols;
      expect([block!.Encryption, block!.SSL]).toEqual(TLS[tls]);
      expect([block!.SPA, block!.AuthRequired]).toEqual(AUTH[auth]);
    });
  });

  it('emits UsePOPAuth and SMTPLast in every SMTP block (defaults on / off) and never in IMAP or POP3 blocks', () => {
    const doc = readSettings(
      renderPoxSettings(tenant({ id: 'example.com', protocols: [IMAP, POP3, SMTP, { ...SMTP, smtpLast: true, usePopAuth: false }] }), ALICE),
    );
    const [imap, pop, smtpDefault, smtpSet] = doc.protocols;
    for (const block of [imap!, pop!]) {
      expect(block.order).not.toContain('UsePOPAuth');
      expect(block.order).not.toContain('SMTPLast');
    }
    expect([smtpDefault!.UsePOPAuth, smtpDefault!.SMTPLast]).toEqual(['on', 'off']);
    expect([smtpSet!.UsePOPAuth, smtpSet!.SMTPLast]).toEqual(['off', 'on']);
  });

  it('always carries DomainRequired, SPA, Encryption, SSL, AuthRequired; TTL and DomainName only when set', () => {
    const doc = readSettings(
      renderPoxSettings(tenant({ id: 'example.com', protocols: [IMAP, { ...IMAP, ttl: 0, domainRequired: true, domainName: 'CORP' }] }), ALICE),
    );
    const [plain, set] = doc.protocols;
    for (const block of [plain!, set!]) for (const name of ['DomainRequired', 'SPA', 'Encryption', 'SSL', 'AuthRequired']) expect(block.order).toContain(name);
    expect(plain!.order).not.toContain('TTL');
    expect(plain!.order).not.toContain('DomainName');
    expect(plain!.DomainRequired).toBe('off');
    expect([set!.TTL, set!.DomainRequired, set!.DomainName]).toEqual(['0', 'on', 'CORP']);
  });

  describe('LoginName templates', () => {
    it.each([
      [undefined, 'Alice@example.com'],
      ['%EMAILADDRESS%', 'Alice@example.com'],
      ['%EMAILLOCALPART%', 'Alice'],
      ['%EMAILDOMAIN%', 'example.com'],
      ['%EMAILDOMAIN%\\%EMAILLOCALPART%', 'example.com\\Alice'],
      ['mail-%EMAILLOCALPART%-%EMAILLOCALPART%', 'mail-Alice-Alice'],
      ['fixed-user', 'fixed-user'],
      ['%emailaddress%', '%emailaddress%'],
    ])('template %s → %s', (username, expected) => {
      const entry: ProtocolEntry = { ...IMAP, ...(username === undefined ? {} : { username }) };
      const [block] = readSettings(renderPoxSettings(tenant({ id: 'example.com', protocols: [entry] }), ALICE)).protocols;
      expect(block!.LoginName).toBe(expected);
    });

    it('a mailbox username replaces every protocol template', () => {
      const doc = readSettings(
        renderPoxSettings(
          tenant({ id: 'example.com', protocols: [{ ...IMAP, username: 'imap-%EMAILLOCALPART%' }, SMTP] }, { id: 'alice@example.com', username: 'u-%EMAILLOCALPART%' }),
          ALICE,
        ),
      );
      expect(doc.protocols.map((p) => p.LoginName)).toEqual(['u-Alice', 'u-Alice']);
    });
  });

  it('renders User/DisplayName from the mailbox item, before AutoDiscoverSMTPAddress', () => {
    const doc = readSettings(renderPoxSettings(tenant({ id: 'example.com', protocols: [IMAP] }, { id: 'alice@example.com', displayName: 'Alice Liddell' }), ALICE));
    expect(elements(doc.user!).map((e) => e.localName)).toEqual(['DisplayName', 'AutoDiscoverSMTPAddress']);
    expect(textAt(doc.user!, 'DisplayName')).toBe('Alice Liddell');
  });

  it('uses the mailbox protocol list instead of the domain list', () => {
    const doc = readSettings(renderPoxSettings(tenant({ id: 'example.com', protocols: [IMAP, SMTP] }, { id: 'alice@example.com', protocols: [POP3] }), ALICE));
    expect(doc.protocols.map((p) => p.Type)).toEqual(['POP3']);
  });

  it('domain-level answer (no address): no User, no LoginName, everything else present', () => {
    const doc = readSettings(renderPoxSettings(tenant({ id: 'example.com', protocols: [IMAP, SMTP] })));
    expect(doc.user).toBeUndefined();
    expect(elements(doc.response).map((e) => e.localName)).toEqual(['Account']);
    for (const block of doc.protocols) {
      expect(block.order).not.toContain('LoginName');
      expect(block.Server).toBeTruthy();
    }
  });
});

describe('hostile values never break the answer', () => {
  // Markup, CDATA and comment openers, quotes, controls, lone surrogates, U+FFFE/U+FFFF and a fake slot marker.
  const HOSTILE = 'x</Server><Server>evil</Server> & ]]> <![CDATA[ "\'|\u0000\u0001\u0008\u000b\u000c\u001f\ud800|\udfff|\uffff\ufffe|\uffff0\uffff|<!-- --> é 😀';
  const SHOWN = 'x</Server><Server>evil</Server> & ]]> <![CDATA[ "\'||||0|<!-- --> é 😀';

  it('escapes and strips hostile tenant data in every rendered text', () => {
    const doc = readSettings(
      renderPoxSettings(
        tenant(
          { id: 'example.com', protocols: [{ ...IMAP, domainName: HOSTILE, username: `${HOSTILE}%EMAILADDRESS%` }] },
          { id: 'alice@example.com', displayName: HOSTILE },
        ),
        ALICE,
      ),
    );
    const [block] = doc.protocols;
    expect(textAt(doc.user!, 'DisplayName')).toBe(SHOWN);
    expect(block!.DomainName).toBe(SHOWN);
    expect(block!.LoginName).toBe(`${SHOWN}Alice@example.com`);
    expect(block!.Server).toBe('imap.mail.example.net');
    expect(childrenNamed(doc.account, 'Protocol')).toHaveLength(1);
  });

  // xmlbuilder2 escapes "&" only when it does not already look like an entity
  // or character reference, so tenant text such as "R&D;" could become an
  // undeclared entity, "AT&amp;T" could reach clients as "AT&T", and "&#7;" a
  // reference to a forbidden character. Every "&" in tenant text must survive.
  describe.each([
    ['an undeclared entity', 'R&D; Team'],
    ['an escaped ampersand', 'AT&amp;T'],
    ['a character reference', 'A&#65;&#x42;'],
    ['a reference to a forbidden character', 'bell&#7;'],
  ])('tenant text holding %s', (_label, value) => {
    it('DisplayName, DomainName and LoginName show it literally', () => {
      const doc = readSettings(
        renderPoxSettings(
          tenant({ id: 'example.com', protocols: [{ ...IMAP, domainName: value, username: `${value}%EMAILLOCALPART%` }] }, { id: 'alice@example.com', displayName: value }),
          ALICE,
        ),
      );
      expect(textAt(doc.user!, 'DisplayName')).toBe(value);
      expect(doc.protocols[0]!.DomainName).toBe(value);
      expect(doc.protocols[0]!.LoginName).toBe(`${value}Alice`);
    });

    it('RedirectAddr and RedirectUrl show it literally', () => {
      const addr = `x${value.replace(/ /g, '')}@new.example`;
      expect(textAt(parseAnswer(renderRedirect('redirectAddr', addr)), 'Response/Account/RedirectAddr')).toBe(addr);
      const url = `https://new.example/?q=${value.replace(/ /g, '')}`;
      expect(textAt(parseAnswer(renderRedirect('redirectUrl', url)), 'Response/Account/RedirectUrl')).toBe(url);
    });
  });

  it('keeps a carriage return in tenant text (a raw CR would reach readers as a line feed)', () => {
    const value = 'one\r\ntwo\rthree';
    const xml = renderPoxSettings(tenant({ id: 'example.com', protocols: [{ ...IMAP, domainName: value }] }, { id: 'alice@example.com', displayName: value }), ALICE);
    expect(xml).not.toContain('\r');
    const doc = readSettings(xml);
    expect(textAt(doc.user!, 'DisplayName')).toBe(value);
    expect(doc.protocols[0]!.DomainName).toBe(value);
  });

  it('escapes hostile characters in the requester address (AutoDiscoverSMTPAddress, LoginName)', () => {
    const hostile = address('a</LoginName><x>&amp;]]>"\'@example.com');
    const doc = readSettings(renderPoxSettings(tenant({ id: 'example.com', protocols: [{ ...IMAP, username: '%EMAILLOCALPART%|%EMAILDOMAIN%' }] }), hostile));
    expect(textAt(doc.user!, 'AutoDiscoverSMTPAddress')).toBe('a</LoginName><x>&amp;]]>"\'@example.com');
    expect(doc.protocols[0]!.LoginName).toBe('a</LoginName><x>&amp;]]>"\'|example.com');
  });

  it('an address that looks like a template slot marker is just text', () => {
    // U+FFFF cannot come in through a request (the parser refuses it); the renderer must cope anyway.
    const doc = readSettings(renderPoxSettings(tenant({ id: 'example.com', protocols: [IMAP] }), { ...ALICE, localPart: '\uffff0\uffff', address: '\uffff1\uffff@example.com' }));
    expect(textAt(doc.user!, 'AutoDiscoverSMTPAddress')).toBe('1@example.com');
  });

  it('escapes redirect targets and MobileSync URLs', () => {
    const redirect = parseAnswer(renderRedirect('redirectUrl', 'https://x.example/a?b=1&c=<d>\u0000'));
    expect(textAt(redirect, 'Response/Account/RedirectUrl')).toBe('https://x.example/a?b=1&c=<d>');
    const mobile = parseAnswer(
      fillTemplate(compileMobileSyncSettings(decideHosted(tenant({ id: 'example.com', protocols: [] }, { id: 'alice@example.com', displayName: 'A&B\u0007' })), 'https://eas.example/?a=1&b=<2>'), ALICE),
    );
    expect(textAt(mobile, 'Response/Action/Settings/Server/Url')).toBe('https://eas.example/?a=1&b=<2>');
    expect(textAt(mobile, 'Response/User/DisplayName')).toBe('A&B');
  });
});

describe('redirect answers', () => {
  it.each([
    ['redirectAddr', 'RedirectAddr', 'bob@new-provider.example'],
    ['redirectUrl', 'RedirectUrl', 'https://autodiscover.mail.example.net/autodiscover/autodiscover.xml'],
  ] as const)('%s: Account with AccountType, Action and %s only, no Protocol, no User', (action, element, target) => {
    const doc = readSettings(renderRedirect(action, target));
    expect(doc.user).toBeUndefined();
    expect(elements(doc.account).map((e) => e.localName)).toEqual(['AccountType', 'Action', element]);
    expect(textAt(doc.account, 'Action')).toBe(action);
    expect(textAt(doc.account, element)).toBe(target);
  });
});

describe('MobileSync settings', () => {
  it('has Culture, User (DisplayName, EMailAddress) and one MobileSync Server, all in the MobileSync namespace', () => {
    const url = 'https://eas.mail.example.net/Microsoft-Server-ActiveSync';
    const root = parseAnswer(
      fillTemplate(compileMobileSyncSettings(decideHosted(tenant({ id: 'example.com', protocols: [IMAP], activeSync: { url } }, { id: 'alice@example.com', displayName: 'Alice' })), url), ALICE),
    );
    const response = at(root, 'Response');
    expect(response.namespaceURI).toBe(NS.mobileSync);
    expect(elements(response).map((e) => e.localName)).toEqual(['Culture', 'User', 'Action']);
    expect(textAt(response, 'User/EMailAddress')).toBe('Alice@example.com');
    expect(textAt(response, 'User/DisplayName')).toBe('Alice');
    const server = at(response, 'Action/Settings/Server');
    expect(server.namespaceURI).toBe(NS.mobileSync);
    expect([textAt(server, 'Type'), textAt(server, 'Url'), textAt(server, 'Name')]).toEqual(['MobileSync', url, url]);
    expect(childrenNamed(root, 'Protocol')).toHaveLength(0);
  });
});

describe('error documents', () => {
  const AT = new Date(Date.UTC(2026, 10, 27, 8, 5, 9, 42));
  it.each([
    [500, 'The e-mail address cannot be found.', NS.outlook],
    [501, 'Bad Address', NS.outlook],
    [600, 'Invalid Request', NS.outer],
    [601, 'Provider is not available', NS.outer],
    [602, 'Bad Address', NS.outlook],
    [603, 'Server Error', NS.outer],
  ] as const)('%i: "%s", Response in %s', (code, message, namespace) => {
    const error = readError(renderPoxError(code as PoxErrorCode, AT, 0xdeadbeef));
    expect(error.responseNamespace).toBe(namespace);
    expect(error.code).toBe(String(code));
    expect(error.message).toBe(message);
    expect(error.debugData).toBe('');
    expect(error.errorChildren).toEqual(['ErrorCode', 'Message', 'DebugData']);
    expect(error.time).toBe('08:05:09.0420000');
    expect(error.id).toBe(String(0xdeadbeef));
  });

  it('Time is HH:MM:SS.fffffff at the edges of the day', () => {
    expect(errorTime(new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 0)))).toBe('00:00:00.0000000');
    expect(errorTime(new Date(Date.UTC(2026, 0, 1, 23, 59, 59, 999)))).toBe('23:59:59.9990000');
    expect(errorTime(new Date())).toMatch(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{7}$/);
  });

  it.each([0, 1, 0xffffffff, -1, 2 ** 32 + 5])('Id %d is rendered as an unsigned 32-bit number', (id) => {
    const rendered = Number(readError(renderPoxError(600, AT, id)).id);
    expect(Number.isInteger(rendered) && rendered >= 0 && rendered <= 0xffffffff).toBe(true);
    expect(rendered).toBe(id >>> 0);
  });
});
