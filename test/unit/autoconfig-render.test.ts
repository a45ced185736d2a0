import { describe, expect, it } from 'vitest';
import { answerAutoconfig } from '../../lib/autoconfig/answer';
import { listedServers, renderAutoconfig } from '../../lib/autoconfig/render';
import type { EmailAddress } from '../../lib/email-address';
import { decideHosted } from '../../lib/resolution/decision';
import type { HostedDomainItem, MailboxItem, ProtocolEntry } from '../../lib/tenants/model';
import type { Tenant } from '../../lib/tenants/resolve';
import { readClientConfig, type ConfigBlock } from '../support/autoconfig-answer';
import { IMAP, POP3, SMTP, address, tenant } from '../support/tenant-fixtures';

// The autoconfig renderer for every item variant, read back with a parser
// independent of the writer (test/support/autoconfig-answer.ts).

const render = (t: Tenant, requester?: EmailAddress) => readClientConfig(renderAutoconfig(decideHosted(t), requester));
const summary = (blocks: readonly ConfigBlock[]) => blocks.map((b) => [b.element, b.type, b.values.hostname, b.values.port, b.values.socketType]);

const ALICE = address('Alice@Example.COM');

describe('the clientConfig document', () => {
  it('has one emailProvider: id and domain are the domain asked for, then the display names and the servers', () => {
    const doc = render(tenant({ id: 'example.com', provider: { name: 'Example Mail', shortName: 'Example' }, protocols: [IMAP, SMTP] }), ALICE);
    expect([doc.providerId, doc.domains, doc.displayName, doc.displayShortName]).toEqual(['example.com', ['example.com'], 'Example Mail', 'Example']);
    expect(doc.providerChildren).toEqual(['domain', 'displayName', 'displayShortName', 'incomingServer', 'outgoingServer']);
    expect(doc.services).toEqual([]);
  });

  it('falls back to the domain for displayName, and to displayName for displayShortName', () => {
    const bare = render(tenant({ id: 'example.com', protocols: [IMAP] }));
    expect([bare.displayName, bare.displayShortName]).toEqual(['example.com', 'example.com']);
    const named = render(tenant({ id: 'example.com', provider: { name: 'Example Mail' }, protocols: [IMAP] }));
    expect([named.displayName, named.displayShortName]).toEqual(['Example Mail', 'Example Mail']);
  });

  it('keeps the draft’s element order inside a server', () => {
    const [server] = render(tenant({ id: 'example.com', protocols: [IMAP] }), ALICE).servers;
    expect(server!.order).toEqual(['hostname', 'port', 'socketType', 'username', 'authentication']);
  });
});

describe('servers', () => {
  it('IMAP only: one incomingServer and no outgoingServer', () => {
    const doc = render(tenant({ id: 'example.com', protocols: [IMAP] }), ALICE);
    expect(summary(doc.servers)).toEqual([['incomingServer', 'imap', 'imap.mail.example.net', '993', 'SSL']]);
  });

  it('POP3 + SMTP with smtpLast: pop3 in, smtp out (POP-before-SMTP has no clientConfig element)', () => {
    const smtpLast: ProtocolEntry = { ...SMTP, port: 465, tls: 'implicit', smtpLast: true, usePopAuth: true };
    const doc = render(tenant({ id: 'example.org', protocols: [POP3, smtpLast] }), address('bob@example.org'));
    expect(summary(doc.servers)).toEqual([
      ['incomingServer', 'pop3', 'pop.mail.example.net', '995', 'SSL'],
      ['outgoingServer', 'smtp', 'smtp.mail.example.net', '465', 'SSL'],
    ]);
    expect(doc.servers[1]!.order).toEqual(['hostname', 'port', 'socketType', 'username', 'authentication']);
  });

  it('one block per entry in the tenant’s order, three servers and a second SMTP', () => {
    const doc = render(tenant({ id: 'example.com', protocols: [IMAP, POP3, SMTP, { ...SMTP, server: 'smtp2.example.net', port: 465, tls: 'implicit' }] }), ALICE);
    expect(summary(doc.servers)).toEqual([
      ['incomingServer', 'imap', 'imap.mail.example.net', '993', 'SSL'],
      ['incomingServer', 'pop3', 'pop.mail.example.net', '995', 'SSL'],
      ['outgoingServer', 'smtp', 'smtp.mail.example.net', '587', 'STARTTLS'],
      ['outgoingServer', 'smtp', 'smtp2.example.net', '465', 'SSL'],
    ]);
  });

  it.each([
    ['implicit', 'SSL'],
    ['starttls', 'STARTTLS'],
    ['none', 'plain'],
  ] as const)('tls %s → socketType %s', (tls, socketType) => {
    const doc = render(tenant({ id: 'example.com', protocols: [{ ...IMAP, tls }, { ...SMTP, tls }] }));
    expect(doc.servers.map((s) => s.values.socketType)).toEqual([socketType, socketType]);
  });

  it.each([
    ['password', 'password-cleartext'],
    ['spa', 'NTLM'],
    ['none', 'none'],
  ] as const)('auth %s → authentication %s', (auth, authentication) => {
    const doc = render(tenant({ id: 'example.com', protocols: [{ ...IMAP, auth }, { ...SMTP, auth }] }));
    expect(doc.servers.map((s) => s.values.authentication)).toEqual([authentication, authentication]);
  });

  it('leaves a plain server out when a TLS server of the same direction exists, and only then', () => {
    const plainImap: ProtocolEntry = { ...IMAP, server: 'plain-imap.example.net', port: 143, tls: 'none' };
    const plainSmtp: ProtocolEntry = { ...SMTP, server: 'plain-smtp.example.net', port: 25, tls: 'none' };
    const mixed = render(tenant({ id: 'example.com', protocols: [plainImap, IMAP, plainSmtp] }));
    expect(summary(mixed.servers)).toEqual([
      ['incomingServer', 'imap', 'imap.mail.example.net', '993', 'SSL'],
      ['outgoingServer', 'smtp', 'plain-smtp.example.net', '25', 'plain'],
    ]);
    const plainOnly = render(tenant({ id: 'example.com', protocols: [plainImap, plainSmtp] }));
    expect(plainOnly.servers.map((s) => s.values.socketType)).toEqual(['plain', 'plain']);
  });

  it('listedServers keeps the order and every TLS server', () => {
    const decision = decideHosted(tenant({ id: 'x.example', protocols: [{ ...SMTP, tls: 'none' }, IMAP, SMTP, { ...POP3, tls: 'none' }, POP3] }));
    if (decision.mail.kind !== 'servers') throw new Error('servers expected');
    expect(listedServers(decision.mail.servers).map((s) => [s.type, s.tls])).toEqual([['IMAP', 'implicit'], ['SMTP', 'starttls'], ['POP3', 'implicit']]);
  });
});

describe('username', () => {
  it('is the requester’s address by default, with the domain normalised and the local part as sent', () => {
    const doc = render(tenant({ id: 'example.com', protocols: [IMAP, SMTP] }), ALICE);
    expect(doc.servers.map((s) => s.values.username)).toEqual(['Alice@example.com', 'Alice@example.com']);
  });

  it('fills every placeholder of an entry’s template', () => {
    const doc = render(tenant({ id: 'example.com', protocols: [{ ...IMAP, username: '%EMAILLOCALPART%' }, { ...SMTP, username: 'mail-%EMAILDOMAIN%\\%EMAILLOCALPART%' }] }), ALICE);
    expect(doc.servers.map((s) => s.values.username)).toEqual(['Alice', 'mail-example.com\\Alice']);
  });

  it('keeps the placeholders in the domain-level answer (no address), which clients replace themselves', () => {
    const body = renderAutoconfig(decideHosted(tenant({ id: 'example.com', protocols: [{ ...IMAP, username: '%EMAILLOCALPART%' }, SMTP] })));
    expect(readClientConfig(body).servers.map((s) => s.values.username)).toEqual(['%EMAILLOCALPART%', '%EMAILADDRESS%']);
  });

  it('takes a mailbox item’s username for every server', () => {
    const doc = render(tenant({ id: 'example.com', protocols: [IMAP, SMTP] }, { id: 'alice@example.com', username: 'a-%EMAILLOCALPART%' }), ALICE);
    expect(doc.servers.map((s) => s.values.username)).toEqual(['a-Alice', 'a-Alice']);
  });

  it('answers addresses without a mailbox item identically apart from the address', () => {
    const t = tenant({ id: 'example.com', protocols: [IMAP, SMTP] });
    const one = renderAutoconfig(decideHosted(t), address('frank@example.com'));
    const two = renderAutoconfig(decideHosted(t), address('grace@example.com'));
    expect(two.replace(/grace/g, 'frank')).toBe(one);
  });
});

describe('overrides and aliases', () => {
  it('a mailbox protocols list replaces the domain’s', () => {
    const doc = render(tenant({ id: 'example.com', protocols: [IMAP, SMTP] }, { id: 'carol@example.com', protocols: [{ ...POP3, server: 'old-pop.example.net' }] }), address('carol@example.com'));
    expect(summary(doc.servers)).toEqual([['incomingServer', 'pop3', 'old-pop.example.net', '995', 'SSL']]);
  });

  it('an alias is described under its own name with its target’s servers and display names', () => {
    const target: HostedDomainItem = { id: 'example.com', provider: { name: 'Example Mail' }, protocols: [IMAP, SMTP] };
    const doc = render(tenant(target, undefined, 'example.net'), address('dana@example.net'));
    expect([doc.providerId, doc.domains, doc.displayName]).toEqual(['example.net', ['example.net'], 'Example Mail']);
    expect(doc.servers.map((s) => [s.values.hostname, s.values.username])).toEqual([['imap.mail.example.net', 'dana@example.net'], ['smtp.mail.example.net', 'dana@example.net']]);
  });

  it('an alias without provider names falls back to its own name', () => {
    expect(render(tenant({ id: 'example.com', protocols: [IMAP] }, undefined, 'example.net')).displayName).toBe('example.net');
  });
});

describe('CalDAV and CardDAV', () => {
  const CAL = 'https://dav.example.net/calendars/';
  const CARD = 'https://dav.example.net/contacts/';

  it('renders addressBook then calendar after emailProvider, with the account login, http-basic and the URL', () => {
    const doc = render(tenant({ id: 'example.com', protocols: [{ ...IMAP, username: '%EMAILLOCALPART%' }, SMTP], calDav: { url: CAL }, cardDav: { url: CARD } }), ALICE);
    expect(doc.services.map((s) => [s.element, s.type, s.order, s.values.username, s.values.authentication, s.values.serverURL])).toEqual([
      ['addressBook', 'carddav', ['username', 'authentication', 'serverURL'], 'Alice', 'http-basic', CARD],
      ['calendar', 'caldav', ['username', 'authentication', 'serverURL'], 'Alice', 'http-basic', CAL],
    ]);
  });

  it('a mailbox’s own URL wins over the domain’s; only the services that are set appear', () => {
    const mailbox: MailboxItem = { id: 'alice@example.com', calDav: { url: 'https://own.example.net/cal/' } };
    const doc = render(tenant({ id: 'example.com', protocols: [IMAP], calDav: { url: CAL } }, mailbox), ALICE);
    expect(doc.services.map((s) => [s.element, s.values.serverURL])).toEqual([['calendar', 'https://own.example.net/cal/']]);
  });

  it('keeps the placeholder in the domain-level answer', () => {
    const doc = render(tenant({ id: 'example.com', protocols: [IMAP], cardDav: { url: CARD } }));
    expect(doc.services[0]!.values.username).toBe('%EMAILADDRESS%');
  });
});

describe('hostile text', () => {
  const HOSTILE = 'a</x>]]>"<&amp;\r\n\uffff\u0007z';
  const CLEAN = 'a</x>]]>"<&amp;\r\nz';

  it('in every tenant field is escaped, forbidden characters removed, CR kept', () => {
    // Past the schema on purpose: whatever reaches the renderer must come out well-formed.
    const hostileTenant: Tenant = {
      domain: 'example.com',
      settings: {
        id: 'example.com',
        provider: { name: HOSTILE, shortName: HOSTILE },
        protocols: [{ ...IMAP, server: HOSTILE, username: `${HOSTILE}%EMAILADDRESS%` }, { ...SMTP, server: HOSTILE }],
        calDav: { url: `https://x/${HOSTILE}` },
      },
      mailbox: { id: 'alice@example.com', displayName: HOSTILE },
    };
    for (const requester of [ALICE, undefined]) {
      const doc = render(hostileTenant, requester);
      expect([doc.displayName, doc.displayShortName]).toEqual([CLEAN, CLEAN]);
      expect(doc.servers.map((s) => s.values.hostname)).toEqual([CLEAN, CLEAN]);
      expect(doc.servers[0]!.values.username).toBe(`${CLEAN}${requester ? 'Alice@example.com' : '%EMAILADDRESS%'}`);
      expect(doc.services[0]!.values.serverURL).toBe(`https://x/${CLEAN}`);
    }
  });

  it('in the address is escaped where it is filled in', () => {
    const local = 'o\'hara"<x>&amp;]]>';
    const doc = render(tenant({ id: 'example.com', protocols: [IMAP], cardDav: { url: 'https://dav.example.net/' } }), address(`${local}@example.com`));
    expect(doc.servers[0]!.values.username).toBe(`${local}@example.com`);
    expect(doc.services[0]!.values.username).toBe(`${local}@example.com`);
  });
});

describe('answerAutoconfig: the decision in autoconfig’s terms', () => {
  const hosted = (domainItem: HostedDomainItem, mailbox?: MailboxItem) => decideHosted(tenant(domainItem, mailbox));

  it.each([
    ['not hosted', { kind: 'notHosted' } as const, 404, 'notHosted'],
    ['an invalid item', { kind: 'invalid', problem: { id: 'x.example', path: 'protocols', reason: 'missing' } } as const, 500, 'invalidItem'],
    ['a store failure', { kind: 'storeFailure' } as const, 503, 'storeFailure'],
  ])('%s → %i, empty', (_label, decision, status, outcome) => {
    expect(answerAutoconfig(decision, ALICE)).toEqual({ status, body: '', outcome });
  });

  it.each([
    ['a domain redirectUrl', hosted({ id: 'example.com', protocols: [IMAP], redirectUrl: 'https://autodiscover.other.example/autodiscover/autodiscover.xml' }), 'redirectUrl'],
    ['a mailbox redirectAddr', hosted({ id: 'example.com', protocols: [IMAP] }, { id: 'alice@example.com', redirectAddr: 'alice@other.example' }), 'redirectAddr'],
    ['an empty protocol list', hosted({ id: 'example.com', protocols: [] }), 'noServers'],
    ['SMTP only', hosted({ id: 'example.com', protocols: [SMTP] }), 'noServers'],
  ])('%s → 404, empty', (_label, decision, outcome) => {
    for (const requester of [ALICE, undefined]) expect(answerAutoconfig(decision, requester)).toEqual({ status: 404, body: '', outcome });
  });

  it('a configuration from the per-tenant compiled answer has the same bytes as one rendered afresh', () => {
    const decision = hosted({ id: 'example.com', protocols: [IMAP, { ...SMTP, tls: 'none' }, SMTP], cardDav: { url: 'https://dav.example.net/' } });
    for (const requester of [ALICE, address('bob@example.com'), undefined]) {
      const answer = answerAutoconfig(decision, requester);
      expect(answer).toEqual({ status: 200, body: renderAutoconfig(decision, requester), outcome: 'settings' });
    }
  });
});
