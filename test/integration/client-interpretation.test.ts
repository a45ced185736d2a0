import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createResponder } from '../../lib/responder';
import type { RawItem } from '../../lib/tenants/dynamodb';
import { lookupTenant } from '../../lib/tenants/resolve';
import { deltaChatReads, thunderbirdReads } from '../support/clients';
import { requestBody } from '../support/fixtures';
import { buildEvent, readResult } from '../support/lambda-events';
import { createTestTable } from '../support/tenant-table';
import { readSettings } from '../support/xml-answer';

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
  const table = await createTestTable('clients', [...DEMO, plain]);
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
