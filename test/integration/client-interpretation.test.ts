import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createResponder } from '../../lib/responder';
import type { RawItem } from '../../lib/tenants/dynamodb';
import { lookupTenant } from '../../lib/tenants/resolve';
import { deltaChatReads, thunderbirdAndroidReadsAutoconfig, thunderbirdReads, thunderbirdReadsAutoconfig } from '../support/clients';
import { requestBody } from '../support/fixtures';
import { buildEvent, readResult } from '../support/lambda-events';
import { createTestTable } from '../support/tenant-table';
import { parseXmlAnswer, readSettings } from '../support/xml-answer';

// The "done when": a real mail client turns the answer for a demo
// tenant into exactly the tenant's servers, ports, TLS modes and login name.
// The demo tenants themselves (infra/local/demo-tenants.json) are the input.

const DEMO = JSON.parse(readFileSync(new URL('../../infra/local/demo-tenants.json', import.meta.url), 'utf8')) as RawItem[];

let handler: ReturnType<typeof createResponder>;
beforeAll(async () => {
  const plain: RawItem = {
    id: 'plain.example',
    protocols: [
      { type: 'IMAP', server: 'imap.plain.example', port: 143, tls: 'none' },
      { type: 'SMTP', server: 'smtp.plain.example', port: 25, tls: 'none', auth: 'none' },
    ],
  };
  const mixed: RawItem = {
    id: 'mixed.example',
    protocols: [
      { type: 'IMAP', server: 'imap.mixed.example', port: 143, tls: 'none' },
      { type: 'IMAP', server: 'imap.mixed.example', port: 993, tls: 'implicit' },
      { type: 'SMTP', server: 'smtp.mixed.example', port: 25, tls: 'none' },
      { type: 'SMTP', server: 'smtp.mixed.example', port: 465, tls: 'implicit' },
    ],
  };
  const imapOnly: RawItem = { id: 'imaponly.example', protocols: [{ type: 'IMAP', server: 'imap.imaponly.example', port: 993, tls: 'implicit' }] };
  const table = await createTestTable('clients', [...DEMO, plain, mixed, imapOnly]);
  handler = createResponder({ lookupTenant: (domain, mailboxId) => lookupTenant(table, domain, mailboxId), log: () => {}, responderId: 1 });
});

async function post(address: string) {
  const event = buildEvent('httpApiV2', { method: 'POST', path: '/autodiscover/autodiscover.xml', headers: { 'content-type': 'text/xml; charset=utf-8' }, body: requestBody(address) });
  return readSettings(readResult('httpApiV2', await handler(event)).body);
}

async function get(host: string) {
  const event = buildEvent('httpApiV2', { method: 'GET', path: '/autodiscover/autodiscover.xml', headers: { host } });
  return readSettings(readResult('httpApiV2', await handler(event)).body);
}

describe('Thunderbird', () => {
  it('configures example.com: IMAP over implicit TLS in, STARTTLS submission out, the address as login', async () => {
    expect(thunderbirdReads(await post('Someone@example.com'), 'Someone@example.com')).toEqual({
      incoming: { type: 'imap', host: 'imap.mail.example.net', port: 993, socket: 'SSL/TLS', username: 'Someone@example.com', auth: 'password-cleartext' },
      outgoing: { type: 'smtp', host: 'smtp.mail.example.net', port: 587, socket: 'STARTTLS', username: 'Someone@example.com', auth: 'password-cleartext' },
    });
  });

  it('configures example.org: POP3 and SMTP over implicit TLS, the local part as login', async () => {
    expect(thunderbirdReads(await post('bob@example.org'), 'bob@example.org')).toEqual({
      incoming: { type: 'pop3', host: 'pop.mail.example.net', port: 995, socket: 'SSL/TLS', username: 'bob', auth: 'password-cleartext' },
      outgoing: { type: 'smtp', host: 'smtp.mail.example.net', port: 465, socket: 'SSL/TLS', username: 'bob', auth: 'password-cleartext' },
    });
  });

  it('configures bücher.example: STARTTLS both ways, SPA only where the tenant asks for it', async () => {
    const { incoming, outgoing } = thunderbirdReads(await post('jörg@bücher.example'), 'jörg@bücher.example');
    expect(incoming).toMatchObject({ host: 'imap.xn--bcher-kva.example', port: 143, socket: 'STARTTLS', auth: 'password-cleartext', username: 'jörg@xn--bcher-kva.example' });
    expect(outgoing).toMatchObject({ host: 'smtp.xn--bcher-kva.example', port: 587, socket: 'STARTTLS', auth: 'secure' });
  });

  it('gets alice her own login name and carol her migration servers', async () => {
    expect(thunderbirdReads(await post('alice@example.com'), 'alice@example.com').incoming?.username).toBe('alice');
    const carol = thunderbirdReads(await post('carol@example.com'), 'carol@example.com');
    expect([carol.incoming?.host, carol.outgoing?.host]).toEqual(['legacy-imap.example.com', 'legacy-smtp.example.com']);
  });

  it('answers an alias domain with the target servers and the requester’s own address', async () => {
    const doc = await post('dana@example.net');
    expect(thunderbirdReads(doc, 'dana@example.net').incoming).toMatchObject({ host: 'imap.mail.example.net', username: 'dana@example.net' });
  });
});

describe('a tenant without TLS (tls: none)', () => {
  it('is configured as plain text by both clients, never upgraded by guesswork', async () => {
    const { incoming, outgoing } = thunderbirdReads(await post('x@plain.example'), 'x@plain.example');
    expect([incoming?.socket, outgoing?.socket]).toEqual(['plain', 'plain']);
    expect(deltaChatReads(await get('autodiscover.plain.example')).map((s) => s.socket)).toEqual(['plain', 'plain']);
  });
});

describe('Delta Chat (bodiless GET on autodiscover.<domain>)', () => {
  it('finds IMAP and SMTP with TLS for example.com and ignores POP3', async () => {
    expect(deltaChatReads(await get('autodiscover.example.com'))).toEqual([
      { type: 'imap', host: 'imap.mail.example.net', port: 993, socket: 'automatic' },
      { type: 'smtp', host: 'smtp.mail.example.net', port: 587, socket: 'automatic' },
    ]);
  });

  it('never sees SSL off for a TLS server (a plain connection would be the result)', async () => {
    for (const host of ['autodiscover.example.org', 'autodiscover.xn--bcher-kva.example']) {
      for (const server of deltaChatReads(await get(host))) expect(server.socket).toBe('automatic');
    }
  });
});

/** An autoconfig answer as a client fetches it: 200 and text/xml, else what the client sees is no file. */
async function autoconfig(query: string, host: string, path = '/mail/config-v1.1.xml') {
  const event = buildEvent('httpApiV2', { method: 'GET', path: query ? `${path}?${query}` : path, headers: { host } });
  const result = readResult('httpApiV2', await handler(event));
  expect(result.status).toBe(200);
  expect(result.headers.get('content-type')?.startsWith('text/xml')).toBe(true);
  return parseXmlAnswer(result.body);
}

describe('Thunderbird reading autoconfig (readFromXML)', () => {
  it('configures example.com from the address: IMAP over TLS first, POP3 as the alternative, STARTTLS submission', async () => {
    const account = thunderbirdReadsAutoconfig(await autoconfig('emailaddress=Someone%40example.com', 'autoconfig.example.com'), 'Someone@example.com');
    expect(account).toMatchObject({ id: 'example.com', displayName: 'Example Mail', domains: ['example.com'] });
    expect(account.incoming).toEqual({ type: 'imap', host: 'imap.mail.example.net', port: 993, socket: 'SSL/TLS', auth: 'password-cleartext', username: 'Someone@example.com' });
    expect(account.incomingAlternatives.map((s) => [s.type, s.host, s.port])).toEqual([['pop3', 'pop.mail.example.net', 995]]);
    expect(account.outgoing).toEqual({ type: 'smtp', host: 'smtp.mail.example.net', port: 587, socket: 'STARTTLS', auth: 'password-cleartext', username: 'Someone@example.com' });
  });

  it('reads the domain-level answer (MX or Host lookup without an address) and fills the placeholders itself', async () => {
    const account = thunderbirdReadsAutoconfig(await autoconfig('', 'autoconfig.example.org', '/.well-known/mail-v1.xml'), 'bob@example.org');
    expect(account.incoming).toMatchObject({ type: 'pop3', host: 'pop.mail.example.net', port: 995, socket: 'SSL/TLS', username: 'bob' });
    expect(account.outgoing).toMatchObject({ host: 'smtp.mail.example.net', port: 465, socket: 'SSL/TLS', username: 'bob' });
  });

  it('gets alice her own login name, carol her migration servers, an alias its target’s servers', async () => {
    const read = async (email: string) => thunderbirdReadsAutoconfig(await autoconfig(`emailaddress=${encodeURIComponent(email)}`, 'autoconfig.provider.example'), email);
    expect((await read('alice@example.com')).incoming.username).toBe('alice');
    const carol = await read('carol@example.com');
    expect([carol.incoming.host, carol.outgoing.host]).toEqual(['legacy-imap.example.com', 'legacy-smtp.example.com']);
    expect(await read('dana@example.net')).toMatchObject({ id: 'example.net', incoming: { host: 'imap.mail.example.net', username: 'dana@example.net' } });
  });

  it('configures bücher.example with STARTTLS both ways and NTLM where the tenant asks for SPA', async () => {
    const account = thunderbirdReadsAutoconfig(await autoconfig('emailaddress=j%C3%B6rg%40b%C3%BCcher.example', 'autoconfig.xn--bcher-kva.example'), 'jörg@xn--bcher-kva.example');
    expect(account.incoming).toMatchObject({ host: 'imap.xn--bcher-kva.example', port: 143, socket: 'STARTTLS', auth: 'password-cleartext', username: 'jörg@xn--bcher-kva.example' });
    expect(account.outgoing).toMatchObject({ host: 'smtp.xn--bcher-kva.example', port: 587, socket: 'STARTTLS', auth: 'NTLM' });
  });

  it('is configured as plain text for a tenant without TLS, never upgraded by guesswork', async () => {
    const account = thunderbirdReadsAutoconfig(await autoconfig('emailaddress=x%40plain.example', 'x'), 'x@plain.example');
    expect([account.incoming.socket, account.outgoing.socket, account.outgoing.auth]).toEqual(['plain', 'plain', 'none']);
  });

  it('rejects the answer of a tenant without SMTP (it needs an outgoing server) and moves on', async () => {
    const root = await autoconfig('emailaddress=x%40imaponly.example', 'x');
    expect(() => thunderbirdReadsAutoconfig(root, 'x@imaponly.example')).toThrow(/outgoingServer/);
  });

  it('never sees the plain servers of a tenant that also offers TLS', async () => {
    const account = thunderbirdReadsAutoconfig(await autoconfig('emailaddress=x%40mixed.example', 'x'), 'x@mixed.example');
    expect([account.incoming.port, account.outgoing.port, account.incomingAlternatives, account.outgoingAlternatives]).toEqual([993, 465, [], []]);
  });
});

describe('Thunderbird for Android / K-9 reading autoconfig (RealAutoconfigParser, no emailaddress)', () => {
  it('accepts example.com from the Host alone: the IMAP and SMTP servers, POP3 skipped', async () => {
    const reading = thunderbirdAndroidReadsAutoconfig(await autoconfig('', 'autoconfig.example.com'), 'someone@example.com');
    expect(reading.incoming).toEqual([{ type: 'imap', host: 'imap.mail.example.net', port: 993, socket: 'SSL/TLS', auth: 'password-cleartext', username: 'someone@example.com' }]);
    expect(reading.outgoing).toEqual([{ type: 'smtp', host: 'smtp.mail.example.net', port: 587, socket: 'STARTTLS', auth: 'password-cleartext', username: 'someone@example.com' }]);
  });

  it('accepts the file of a tenant that also has plain servers, because they are left out', async () => {
    const reading = thunderbirdAndroidReadsAutoconfig(await autoconfig('', 'autoconfig.mixed.example'), 'x@mixed.example');
    expect([...reading.incoming, ...reading.outgoing].map((s) => s.socket)).toEqual(['SSL/TLS', 'SSL/TLS']);
  });

  it('rejects the plain-only tenant’s file (any socketType but SSL or STARTTLS rejects a whole file)', async () => {
    const root = await autoconfig('', 'autoconfig.plain.example');
    expect(() => thunderbirdAndroidReadsAutoconfig(root, 'x@plain.example')).toThrow(/socketType/);
  });

  it('finds no IMAP server for the POP3-only example.org (it reads IMAP only)', async () => {
    const root = await autoconfig('', 'autoconfig.example.org');
    expect(() => thunderbirdAndroidReadsAutoconfig(root, 'bob@example.org')).toThrow(/incomingServer/);
  });
});
