import { describe, expect, it } from 'vitest';
import { nameBasedUuid } from '../../lib/apple/identifiers';
import { compileAppleProfile, fillAppleProfile, profileServers, renderAppleProfile } from '../../lib/apple/render';
import { parseEmailAddress, type EmailAddress } from '../../lib/email-address';
import { decideHosted } from '../../lib/resolution/decision';
import { compileTemplate, fillTemplate, slot, valueSlot } from '../../lib/resolution/template';
import type { HostedDomainItem, MailboxItem, ProtocolEntry } from '../../lib/tenants/model';
import type { Tenant } from '../../lib/tenants/resolve';
import { validateTenantItem } from '../../lib/tenants/validate';
import { escapeXmlText } from '../../lib/xml/text';
import { UUID_V5, readProfile, type PlistDict } from '../support/profile';

// The profile renderer: every key checked by parsing the profile back with
// the `plist` package, for every item variant.

function address(raw: string): EmailAddress {
  const parsed = parseEmailAddress(raw);
  if (!parsed) throw new Error(`test address ${raw} is invalid`);
  return parsed;
}

/** A tenant built only from items that pass the contract, as the resolver hands it over. */
function tenant(domainItem: HostedDomainItem, mailbox?: MailboxItem, requested?: string): Tenant {
  for (const item of [domainItem, ...(mailbox ? [mailbox] : [])]) {
    const result = validateTenantItem(item);
    if (!result.valid) throw new Error(`test item ${item.id} is invalid: ${JSON.stringify(result.problems)}`);
  }
  return { domain: requested ?? domainItem.id, settings: domainItem, ...(requested ? { aliasOf: domainItem.id } : {}), ...(mailbox ? { mailbox } : {}) };
}

const IMAP: ProtocolEntry = { type: 'IMAP', server: 'imap.mail.example.net', port: 993, tls: 'implicit' };
const POP3: ProtocolEntry = { type: 'POP3', server: 'pop.mail.example.net', port: 995, tls: 'implicit' };
const SMTP: ProtocolEntry = { type: 'SMTP', server: 'smtp.mail.example.net', port: 587, tls: 'starttls' };
const ALICE = address('Alice@Example.COM');

const render = (t: Tenant, who: EmailAddress = ALICE) => renderAppleProfile(decideHosted(t), who);
const profile = (t: Tenant, who: EmailAddress = ALICE) => readProfile(render(t, who) ?? expect.fail('no profile'));

const mailKeys = (payload: PlistDict) =>
  Object.fromEntries(Object.entries(payload).filter(([key]) => !key.startsWith('Payload')));

describe('profile skeleton', () => {
  it('has the top-level keys Apple requires, named after the provider', () => {
    const { top } = profile(tenant({ id: 'example.com', provider: { name: 'Example Mail' }, protocols: [IMAP, SMTP] }));
    expect(top).toMatchObject({
      PayloadType: 'Configuration',
      PayloadVersion: 1,
      PayloadDisplayName: 'Example Mail',
      PayloadOrganization: 'Example Mail',
      PayloadRemovalDisallowed: false,
    });
    expect(top.PayloadIdentifier).toMatch(/^com\.example\.mobileconfig\.[0-9A-F-]{36}$/);
    expect(top.PayloadUUID).toMatch(UUID_V5);
  });

  it('writes IMAP + SMTP as one mail payload with every documented key, and never a password', () => {
    const text = render(tenant({ id: 'example.com', protocols: [IMAP, SMTP] }))!;
    const { payloads } = readProfile(text);
    expect(payloads).toHaveLength(1);
    expect(payloads[0]).toMatchObject({ PayloadType: 'com.apple.mail.managed', PayloadVersion: 1, PayloadDisplayName: 'example.com' });
    expect(mailKeys(payloads[0]!)).toEqual({
      EmailAccountType: 'EmailTypeIMAP',
      EmailAccountDescription: 'example.com',
      EmailAddress: 'Alice@example.com',
      IncomingMailServerHostName: 'imap.mail.example.net',
      IncomingMailServerPortNumber: 993,
      IncomingMailServerUseSSL: true,
      IncomingMailServerAuthentication: 'EmailAuthPassword',
      IncomingMailServerUsername: 'Alice@example.com',
      OutgoingMailServerHostName: 'smtp.mail.example.net',
      OutgoingMailServerPortNumber: 587,
      OutgoingMailServerUseSSL: true,
      OutgoingMailServerAuthentication: 'EmailAuthPassword',
      OutgoingMailServerUsername: 'Alice@example.com',
      OutgoingPasswordSameAsIncomingPassword: true,
    });
    const keys = [...text.matchAll(/<key>([^<]*)<\/key>/g)].map((m) => m[1]!);
    // The one password key is the flag that asks the user once for both servers.
    expect(keys.filter((key) => /Password$/.test(key))).toEqual(['OutgoingPasswordSameAsIncomingPassword']);
  });
});

describe('item variants', () => {
  it('IMAP only: no mail payload (Apple requires an outgoing server), so no profile', () => {
    expect(render(tenant({ id: 'example.com', protocols: [IMAP] }))).toBeUndefined();
  });

  it('SMTP only, or no protocols: no profile unless CalDAV or CardDAV is there', () => {
    expect(render(tenant({ id: 'example.com', protocols: [SMTP] }))).toBeUndefined();
    expect(render(tenant({ id: 'example.com', protocols: [] }))).toBeUndefined();
    const { payloads } = profile(tenant({ id: 'example.com', protocols: [SMTP], calDav: { url: 'https://dav.example.net/' } }));
    expect(payloads.map((p) => p.PayloadType)).toEqual(['com.apple.caldav.account']);
    expect(payloads[0]!.CalDAVUsername).toBe('Alice@example.com');
  });

  it('POP3 + SMTP with smtpLast: a POP payload sending through the SMTP server', () => {
    const { payloads } = profile(tenant({ id: 'example.com', protocols: [POP3, { ...SMTP, smtpLast: true, usePopAuth: false }] }));
    expect(payloads.map((p) => [p.EmailAccountType, p.IncomingMailServerHostName, p.OutgoingMailServerHostName])).toEqual([
      ['EmailTypePOP', 'pop.mail.example.net', 'smtp.mail.example.net'],
    ]);
  });

  it('three servers: one payload per incoming server, IMAP before POP3, each with the first SMTP entry, told apart by name', () => {
    const second = { ...SMTP, server: 'smtp2.example.net', port: 465, tls: 'implicit' } as const;
    const { payloads } = profile(tenant({ id: 'example.com', provider: { name: 'Ex' }, protocols: [SMTP, POP3, second, IMAP] }));
    expect(payloads.map((p) => [p.EmailAccountType, p.IncomingMailServerHostName, p.OutgoingMailServerHostName, p.OutgoingMailServerPortNumber])).toEqual([
      ['EmailTypeIMAP', 'imap.mail.example.net', 'smtp.mail.example.net', 587],
      ['EmailTypePOP', 'pop.mail.example.net', 'smtp.mail.example.net', 587],
    ]);
    expect(payloads.map((p) => p.EmailAccountDescription)).toEqual(['Ex (IMAP imap.mail.example.net)', 'Ex (POP3 pop.mail.example.net)']);
    expect(new Set(payloads.map((p) => p.PayloadIdentifier)).size).toBe(2);
  });

  it('TLS modes: implicit and STARTTLS are both UseSSL true (one boolean in the profile); none is false', () => {
    const plainOnly = profile(tenant({ id: 'example.com', protocols: [{ ...IMAP, port: 143, tls: 'none' }, { ...SMTP, port: 25, tls: 'none' }] })).payloads[0]!;
    expect([plainOnly.IncomingMailServerUseSSL, plainOnly.OutgoingMailServerUseSSL, plainOnly.IncomingMailServerPortNumber]).toEqual([false, false, 143]);
    const mixed = profile(tenant({ id: 'example.com', protocols: [{ ...IMAP, port: 143, tls: 'starttls' }, { ...SMTP, port: 465, tls: 'implicit' }] })).payloads[0]!;
    expect([mixed.IncomingMailServerUseSSL, mixed.OutgoingMailServerUseSSL]).toEqual([true, true]);
  });

  it('authentication: password, SPA (NTLM to Apple) and none', () => {
    const { payloads } = profile(tenant({ id: 'example.com', protocols: [{ ...IMAP, auth: 'spa' }, { ...POP3, auth: 'password' }, { ...SMTP, auth: 'none' }] }));
    expect(payloads.map((p) => [p.IncomingMailServerAuthentication, p.OutgoingMailServerAuthentication])).toEqual([
      ['EmailAuthNTLM', 'EmailAuthNone'],
      ['EmailAuthPassword', 'EmailAuthNone'],
    ]);
  });

  it('login names: the entry templates, filled with the address parts', () => {
    const { payloads } = profile(
      tenant({ id: 'example.com', protocols: [{ ...IMAP, username: '%EMAILLOCALPART%' }, { ...SMTP, username: 'smtp-%EMAILLOCALPART%@%EMAILDOMAIN%' }] }),
    );
    expect([payloads[0]!.IncomingMailServerUsername, payloads[0]!.OutgoingMailServerUsername]).toEqual(['Alice', 'smtp-Alice@example.com']);
  });

  it('mailbox override: its protocols, username, display name and DAV URLs win', () => {
    const t = tenant(
      { id: 'example.com', protocols: [IMAP, SMTP], calDav: { url: 'https://dav.example.net/cal/' }, cardDav: { url: 'https://dav.example.net/card/' } },
      { id: 'alice@example.com', displayName: 'Alice Liddell', username: 'alice.l', protocols: [{ ...POP3, server: 'old-pop.example.net' }, SMTP], calDav: { url: 'https://cal.alice.example:8443/me/' } },
    );
    const { payloads, ofType } = profile(t);
    const [mail] = ofType('com.apple.mail.managed');
    expect([mail!.EmailAccountType, mail!.IncomingMailServerHostName, mail!.IncomingMailServerUsername, mail!.OutgoingMailServerUsername, mail!.EmailAccountName]).toEqual([
      'EmailTypePOP', 'old-pop.example.net', 'alice.l', 'alice.l', 'Alice Liddell',
    ]);
    expect(mailKeys(ofType('com.apple.caldav.account')[0]!)).toEqual({
      CalDAVAccountDescription: 'example.com Calendar',
      CalDAVHostName: 'cal.alice.example',
      CalDAVPort: 8443,
      CalDAVPrincipalURL: 'https://cal.alice.example:8443/me/',
      CalDAVUseSSL: true,
      CalDAVUsername: 'alice.l',
    });
    expect(mailKeys(ofType('com.apple.carddav.account')[0]!)).toEqual({
      CardDAVAccountDescription: 'example.com Contacts',
      CardDAVHostName: 'dav.example.net',
      CardDAVPort: 443,
      CardDAVPrincipalURL: 'https://dav.example.net/card/',
      CardDAVUseSSL: true,
      CardDAVUsername: 'alice.l',
    });
    expect(payloads.map((p) => p.PayloadType)).toEqual(['com.apple.mail.managed', 'com.apple.caldav.account', 'com.apple.carddav.account']);
  });

  it('alias: the alias domain names the profile, the target supplies the servers', () => {
    const dave = address('dave@alias.example');
    const { top, payloads } = profile(tenant({ id: 'example.com', protocols: [IMAP, SMTP] }, undefined, 'alias.example'), dave);
    expect(top.PayloadIdentifier).toMatch(/^example\.alias\.mobileconfig\./);
    expect(top.PayloadDisplayName).toBe('alias.example');
    expect([payloads[0]!.EmailAddress, payloads[0]!.IncomingMailServerHostName]).toEqual(['dave@alias.example', 'imap.mail.example.net']);
  });

  it('redirects: no profile', () => {
    expect(render(tenant({ id: 'example.com', protocols: [IMAP, SMTP], redirectUrl: 'https://autodiscover.other.example/autodiscover/autodiscover.xml' }))).toBeUndefined();
    expect(render(tenant({ id: 'example.com', protocols: [IMAP, SMTP] }, { id: 'alice@example.com', redirectAddr: 'alice@new.example' }))).toBeUndefined();
  });

  it('hostile text in every tenant text field survives as text (forbidden characters removed, CR kept)', () => {
    const hostile = '</string></dict>]]>"<&\r\u0007\uffff&amp;x';
    const expected = '</string></dict>]]>"<&\r&amp;x';
    const t = tenant(
      {
        id: 'example.com',
        provider: { name: hostile },
        // Server names are host names by contract; every free-text field gets the hostile text.
        protocols: [{ ...IMAP, username: `${hostile}%EMAILLOCALPART%` }, { ...SMTP, username: hostile }],
        calDav: { url: 'https://dav.example.net/a?b=<c>&d="e"' },
      },
      { id: 'alice@example.com', displayName: hostile },
    );
    const { top, payloads } = profile(t, address('"a<b>&c"@example.com'));
    expect(top.PayloadDisplayName).toBe(expected);
    const [mail, cal] = payloads;
    expect([mail!.OutgoingMailServerUsername, mail!.EmailAccountName, mail!.EmailAccountDescription]).toEqual([expected, expected, expected]);
    expect(mail!.IncomingMailServerUsername).toBe(`${expected}"a<b>&c"`);
    expect(mail!.EmailAddress).toBe('"a<b>&c"@example.com');
    expect(cal!.CalDAVPrincipalURL).toBe('https://dav.example.net/a?b=<c>&d="e"');
  });
});

describe('identifiers', () => {
  const t = tenant({ id: 'example.com', protocols: [IMAP, POP3, SMTP], calDav: { url: 'https://dav.example.net/' }, cardDav: { url: 'https://dav.example.net/' } });
  const ids = (who: EmailAddress) => {
    const { top, payloads } = profile(t, who);
    return [top.PayloadIdentifier, top.PayloadUUID, ...payloads.flatMap((p) => [p.PayloadIdentifier, p.PayloadUUID])] as string[];
  };

  it('are the same on every request for one mailbox (the local part compared case-insensitively)', () => {
    const first = ids(ALICE);
    expect(ids(ALICE)).toEqual(first);
    expect(ids(address('alice@example.com'))).toEqual(first);
    // And from a fresh compile (another instance, or after the cache dropped the tenant).
    const decision = decideHosted(t);
    const again = readProfile(fillAppleProfile(compileAppleProfile(decision, profileServers(decision.mail)!)!, ALICE));
    expect(again.top.PayloadUUID).toBe(first[1]);
  });

  it('differ between addresses, and are unique within a profile; UUIDs are RFC 4122 version 5', () => {
    const alice = ids(ALICE);
    const bob = ids(address('bob@example.com'));
    expect(alice.filter((id) => bob.includes(id))).toEqual([]);
    expect(new Set(alice).size).toBe(alice.length);
    for (const uuid of alice.filter((_, i) => i % 2 === 1)) expect(uuid).toMatch(UUID_V5);
    // Payload identifiers extend the profile's.
    expect(alice.filter((_, i) => i % 2 === 0).slice(1).every((id) => id.startsWith(`${alice[0]}.`))).toBe(true);
  });

  it('nameBasedUuid is RFC 4122 version 5 (the DNS name space example)', () => {
    const dns = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex');
    expect(nameBasedUuid('www.example.com', dns)).toBe('2ED6657D-E927-568B-95E1-2665A8AEA6A2');
  });
});

describe('template value slots', () => {
  it('fills extra values next to address parts, escaped, and refuses a missing one', () => {
    const template = compileTemplate(`<a>${slot('localPart')}</a><b>${valueSlot(0)}|${valueSlot(11)}</b>`, escapeXmlText);
    const values = Array.from({ length: 12 }, (_, i) => `v${i}`);
    values[0] = 'x<y';
    expect(fillTemplate(template, ALICE, values)).toBe('<a>Alice</a><b>x&lt;y|v11</b>');
    expect(() => fillTemplate(template, ALICE, ['only one'])).toThrow(/value 11/);
    expect(() => fillTemplate(compileTemplate(`<a>${slot('address')}</a>`, escapeXmlText))).toThrow(/needs an address/);
  });
});
