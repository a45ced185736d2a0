import { describe, expect, it } from 'vitest';
import { parseEmailAddress } from '../../lib/email-address';
import { decide, decideHosted, perTenant, type MailServer } from '../../lib/resolution/decision';
import { fillLoginName, loginNameWithSlots, compileTemplate, fillTemplate } from '../../lib/resolution/template';
import type { HostedDomainItem, MailboxItem, ProtocolEntry } from '../../lib/tenants/model';
import type { Tenant } from '../../lib/tenants/resolve';
import { validateTenantItem } from '../../lib/tenants/validate';

// The format-neutral decision: what an address or a domain gets, before any
// format's vocabulary. Every format renders from this one value.

const IMAP: ProtocolEntry = { type: 'IMAP', server: 'imap.example.net', port: 993, tls: 'implicit' };
const SMTP: ProtocolEntry = { type: 'SMTP', server: 'smtp.example.net', port: 587, tls: 'starttls' };
const DOMAIN: HostedDomainItem = { id: 'example.com', protocols: [IMAP, SMTP] };

function tenant(settings: HostedDomainItem, extra: Partial<Tenant> = {}): Tenant {
  for (const item of [settings, ...(extra.mailbox ? [extra.mailbox] : [])]) {
    expect(validateTenantItem(item), `test item ${item.id} must pass the contract`).toMatchObject({ valid: true });
  }
  return { domain: settings.id, settings, ...extra };
}

const servers = (t: Tenant): readonly MailServer[] => {
  const { mail } = decideHosted(t);
  if (mail.kind !== 'servers') throw new Error(`expected servers, got ${mail.kind}`);
  return mail.servers;
};

describe('decideHosted', () => {
  it('applies the contract defaults to every server and keeps SMTP-only flags on SMTP only', () => {
    const [imap, smtp] = servers(tenant(DOMAIN));
    expect(imap).toEqual({
      type: 'IMAP', direction: 'incoming', server: 'imap.example.net', port: 993, tls: 'implicit',
      auth: 'password', username: '%EMAILADDRESS%', domainRequired: false,
    });
    expect(smtp).toMatchObject({ type: 'SMTP', direction: 'outgoing', smtp: { smtpLast: false, usePopAuth: true } });
  });

  it('keeps what the entry sets: auth, username, domainRequired, domainName, ttl, SMTP flags', () => {
    const entry: ProtocolEntry = { ...SMTP, auth: 'spa', username: '%EMAILLOCALPART%', domainRequired: true, domainName: 'CORP', ttl: 0, smtpLast: true, usePopAuth: false };
    expect(servers(tenant({ id: 'example.com', protocols: [entry] }))[0]).toMatchObject({
      auth: 'spa', username: '%EMAILLOCALPART%', domainRequired: true, domainName: 'CORP', ttl: 0, smtp: { smtpLast: true, usePopAuth: false },
    });
  });

  it('a mailbox username replaces every entry template; mailbox protocols replace the list', () => {
    const withUser = servers(tenant(DOMAIN, { mailbox: { id: 'alice@example.com', username: 'alice' } }));
    expect(withUser.map((s) => s.username)).toEqual(['alice', 'alice']);
    const migrated = servers(tenant(DOMAIN, { mailbox: { id: 'carol@example.com', protocols: [{ ...IMAP, server: 'old.example.net' }] } }));
    expect(migrated.map((s) => s.server)).toEqual(['old.example.net']);
  });

  it.each([
    ['mailbox redirectAddr wins over everything', { mailbox: { id: 'bob@example.com', redirectAddr: 'bob@other.example' } }, { ...DOMAIN, redirectUrl: 'https://x.example/a' }, { kind: 'redirectAddr', target: 'bob@other.example' }],
    ['domain redirectUrl wins over servers', {}, { ...DOMAIN, redirectUrl: 'https://x.example/a' }, { kind: 'redirectUrl', url: 'https://x.example/a' }],
    ['an empty list is noServers', {}, { id: 'example.com', protocols: [] }, { kind: 'noServers' }],
    ['an empty mailbox list is noServers too', { mailbox: { id: 'erin@example.com', protocols: [] } }, DOMAIN, { kind: 'noServers' }],
  ] as Array<[string, Partial<Tenant>, HostedDomainItem, unknown]>)('%s', (_name, extra, settings, expected) => {
    expect(decideHosted(tenant(settings, extra)).mail).toEqual(expected);
  });

  it('provider names fall back to the domain asked for (an alias its own name)', () => {
    expect(decideHosted(tenant(DOMAIN)).provider).toEqual({ name: 'example.com', shortName: 'example.com' });
    expect(decideHosted(tenant({ ...DOMAIN, provider: { name: 'Example Mail' } })).provider).toEqual({ name: 'Example Mail', shortName: 'Example Mail' });
    const alias = decideHosted({ domain: 'alias.example', settings: DOMAIN, aliasOf: 'example.com' });
    expect(alias.domain).toBe('alias.example');
    expect(alias.provider.name).toBe('alias.example');
  });

  it('says which item decided: the mailbox override, the alias target, or the domain', () => {
    expect(decideHosted(tenant(DOMAIN)).decidedBy).toBe('domain');
    expect(decideHosted({ domain: 'alias.example', settings: DOMAIN, aliasOf: 'example.com' })).toMatchObject({
      decidedBy: 'aliasTarget',
      items: { domain: 'alias.example', aliasTarget: 'example.com' },
    });
    const mailbox: MailboxItem = { id: 'alice@example.com', displayName: 'Alice' };
    expect(decideHosted(tenant(DOMAIN, { mailbox }))).toMatchObject({ decidedBy: 'mailbox', displayName: 'Alice', items: { mailbox: 'alice@example.com' } });
  });

  it('the calendar and contacts login: the first incoming server in tenant order, else the mailbox username, else the default', () => {
    const POP3: ProtocolEntry = { type: 'POP3', server: 'pop.example.net', port: 995, tls: 'implicit', username: '%EMAILLOCALPART%' };
    expect(decideHosted(tenant({ id: 'example.com', protocols: [SMTP, POP3, IMAP] })).serviceUsername).toBe('%EMAILLOCALPART%');
    expect(decideHosted(tenant({ id: 'example.com', protocols: [] }, { mailbox: { id: 'alice@example.com', username: 'alice' } })).serviceUsername).toBe('alice');
    expect(decideHosted(tenant({ id: 'example.com', protocols: [SMTP] })).serviceUsername).toBe('%EMAILADDRESS%');
  });

  it('service URLs: ActiveSync from the domain; CalDAV and CardDAV from the mailbox first', () => {
    const settings: HostedDomainItem = {
      ...DOMAIN,
      activeSync: { url: 'https://eas.example.net/' },
      calDav: { url: 'https://dav.example.net/cal' },
      cardDav: { url: 'https://dav.example.net/card' },
    };
    expect(decideHosted(tenant(settings))).toMatchObject({
      activeSyncUrl: 'https://eas.example.net/', calDavUrl: 'https://dav.example.net/cal', cardDavUrl: 'https://dav.example.net/card',
    });
    const own = decideHosted(tenant(settings, { mailbox: { id: 'alice@example.com', calDav: { url: 'https://own.example.net/cal' } } }));
    expect([own.calDavUrl, own.cardDavUrl]).toEqual(['https://own.example.net/cal', 'https://dav.example.net/card']);
    expect(decideHosted(tenant(DOMAIN))).not.toHaveProperty('calDavUrl');
  });
});

describe('decide', () => {
  it('passes not hosted and invalid through, and reuses one decision per cached tenant', () => {
    expect(decide({ kind: 'notHosted' })).toEqual({ kind: 'notHosted' });
    const problem = { id: 'x.example', path: 'aliasOf', reason: 'r' };
    expect(decide({ kind: 'invalid', problem })).toEqual({ kind: 'invalid', problem });
    const t = tenant(DOMAIN);
    const first = decide({ kind: 'hosted', tenant: t });
    // A later lookup of the same cached items builds a new Tenant object around them.
    expect(decide({ kind: 'hosted', tenant: { ...t } })).toBe(first);
    expect(decide({ kind: 'hosted', tenant: { ...t, settings: { ...DOMAIN } } })).not.toBe(first);
    expect(decide({ kind: 'hosted', tenant: { domain: 'alias.example', settings: DOMAIN, aliasOf: 'example.com' } })).not.toBe(first);
  });

  it('perTenant computes once per tenant and key', () => {
    const t = tenant(DOMAIN);
    let calls = 0;
    const compute = () => ++calls;
    expect([perTenant(t, 'k', compute), perTenant({ ...t }, 'k', compute), perTenant(t, 'other', compute)]).toEqual([1, 1, 2]);
  });
});

describe('login names', () => {
  const alice = parseEmailAddress('Alice.L@Example.COM')!;

  it('fills placeholders from the address, or keeps them without one', () => {
    expect(fillLoginName('%EMAILLOCALPART%+%EMAILDOMAIN%|%EMAILADDRESS%', alice)).toBe('Alice.L+example.com|Alice.L@example.com');
    expect(fillLoginName('%EMAILADDRESS%')).toBe('%EMAILADDRESS%');
  });

  it('as template holes, filled through the format escaping, gives the same text', () => {
    const template = compileTemplate(loginNameWithSlots('pre<%EMAILLOCALPART%>', (t) => t.toUpperCase()), (v) => `[${v}]`);
    expect(fillTemplate(template, alice)).toBe('PRE<[Alice.L]>');
  });
});
