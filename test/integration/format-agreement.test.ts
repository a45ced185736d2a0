import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LambdaHttpHandler } from '../../lib/http/lambda-handler';
import { createResponder } from '../../lib/responder';
import type { RawItem } from '../../lib/tenants/dynamodb';
import { lookupTenant } from '../../lib/tenants/resolve';
import { readClientConfig } from '../support/autoconfig-answer';
import { requestBody } from '../support/fixtures';
import { buildEvent, readResult, type TestRequest } from '../support/lambda-events';
import { readProfile } from '../support/profile';
import { createTestTable } from '../support/tenant-table';
import { readSettings } from '../support/xml-answer';

// One tenant record, three formats: for the same address, Outlook's POX
// answer, Mozilla autoconfig and the Apple profile name the same servers,
// ports, TLS modes and login names. Each answer is fetched through the real
// handler and read back with its own parser; TLS words are mapped here from
// each format's published vocabulary, not from the code under test.

const DEMO = JSON.parse(readFileSync(new URL('../../infra/local/demo-tenants.json', import.meta.url), 'utf8')) as RawItem[];
const IMAP = { type: 'IMAP', server: 'imap.mix.example', port: 993, tls: 'implicit' };
const EXTRA: RawItem[] = [
  {
    id: 'dav.example',
    hasMailboxes: false,
    protocols: [
      { type: 'POP3', server: 'pop.dav.example', port: 995, tls: 'implicit', username: '%EMAILLOCALPART%' },
      { type: 'IMAP', server: 'imap.dav.example', port: 993, tls: 'implicit' },
      { type: 'SMTP', server: 'smtp.dav.example', port: 587, tls: 'starttls' },
    ],
    calDav: { url: 'https://dav.example/cal/' },
    cardDav: { url: 'https://dav.example/card/' },
  },
  // Three servers, a plain fallback beside TLS ones, per-entry login templates and SPA.
  {
    id: 'mix.example',
    hasMailboxes: false,
    protocols: [
      { ...IMAP, username: '%EMAILLOCALPART%' },
      { type: 'IMAP', server: 'plain.mix.example', port: 143, tls: 'none' },
      { type: 'POP3', server: 'pop.mix.example', port: 110, tls: 'starttls', auth: 'spa', username: '%EMAILDOMAIN%\\%EMAILLOCALPART%' },
      { type: 'SMTP', server: 'smtp.mix.example', port: 465, tls: 'implicit', smtpLast: true },
      { type: 'SMTP', server: 'smtp2.mix.example', port: 587, tls: 'starttls' },
    ],
  },
];

/** `implicit` / `starttls` / `none` from each format's own words. */
const POX_TLS: Record<string, string> = { 'SSL on': 'implicit', 'TLS on': 'starttls', 'None off': 'none' };
const AUTOCONFIG_TLS: Record<string, string> = { SSL: 'implicit', STARTTLS: 'starttls', plain: 'none' };

interface Server {
  readonly type: string;
  readonly host: string;
  readonly port: number;
  readonly tls: string;
  readonly login: string;
}
const key = (s: Server) => `${s.type} ${s.host}:${s.port} ${s.tls} ${s.login}`;

let handler: LambdaHttpHandler;
beforeAll(async () => {
  const table = await createTestTable('format-agreement', [...DEMO, ...EXTRA]);
  handler = createResponder({ lookupTenant: (domain, mailbox) => lookupTenant(table, domain, mailbox), log: () => {}, responderId: 1 });
});

async function body(request: TestRequest): Promise<string> {
  const result = readResult('httpApiV2', await handler(buildEvent('httpApiV2', request)));
  expect(result.status, `${request.method} ${request.path}`).toBe(200);
  return result.body;
}

async function poxServers(address: string): Promise<Server[]> {
  const doc = readSettings(await body({ method: 'POST', path: '/autodiscover/autodiscover.xml', body: requestBody(address) }));
  return doc.protocols.map((p) => ({ type: p.Type!, host: p.Server!, port: Number(p.Port), tls: POX_TLS[`${p.Encryption} ${p.SSL}`]!, login: p.LoginName! }));
}

async function autoconfigServers(address: string): Promise<Server[]> {
  const doc = readClientConfig(await body({ method: 'GET', path: `/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(address)}` }));
  return doc.servers.map((s) => ({ type: s.type.toUpperCase(), host: s.values.hostname!, port: Number(s.values.port), tls: AUTOCONFIG_TLS[s.values.socketType!]!, login: s.values.username! }));
}

/** Each mail payload: its incoming server and the SMTP server it sends through; the profile has one TLS flag. */
async function profileAccounts(address: string): Promise<Array<{ incoming: Omit<Server, 'tls'> & { ssl: boolean }; outgoing: Omit<Server, 'tls'> & { ssl: boolean } }>> {
  const profile = readProfile(await body({ method: 'GET', path: `/apple/mobileconfig?email=${encodeURIComponent(address)}` }));
  return profile.ofType('com.apple.mail.managed').map((p) => ({
    incoming: {
      type: p.EmailAccountType === 'EmailTypePOP' ? 'POP3' : 'IMAP',
      host: String(p.IncomingMailServerHostName),
      port: Number(p.IncomingMailServerPortNumber),
      ssl: p.IncomingMailServerUseSSL === true,
      login: String(p.IncomingMailServerUsername),
    },
    outgoing: {
      type: 'SMTP',
      host: String(p.OutgoingMailServerHostName),
      port: Number(p.OutgoingMailServerPortNumber),
      ssl: p.OutgoingMailServerUseSSL === true,
      login: String(p.OutgoingMailServerUsername),
    },
  }));
}

const ADDRESSES = [
  'alice@example.com', // mailbox override: login name
  'Carol@Example.COM', // mailbox override: its own servers
  'someone@example.net', // alias of example.com
  'x@example.org', // POP3 + SMTP with SMTPLast, local-part logins
  'jörg@bücher.example', // IDN, STARTTLS everywhere, SPA
  'Dana.Q@mix.example', // three kinds of server, a plain fallback, templates
];

describe('POX, autoconfig and the Apple profile agree for the same address', () => {
  it.each(ADDRESSES)('%s', async (address) => {
    const pox = await poxServers(address);
    expect(pox.length).toBeGreaterThan(0);

    // autoconfig: the same servers in the same order, less a plain server where a TLS one of its direction exists.
    const incoming = (s: Server) => s.type !== 'SMTP';
    const tlsIn = (direction: (s: Server) => boolean) => pox.some((s) => direction(s) === true && s.tls !== 'none');
    const expectedAutoconfig = pox.filter((s) => !(s.tls === 'none' && tlsIn((t) => incoming(t) === incoming(s))));
    expect((await autoconfigServers(address)).map(key)).toEqual(expectedAutoconfig.map(key));

    // Profile: one account per POX incoming server (IMAP first, then POP3), each sending through the first SMTP entry.
    const smtp = pox.find((s) => s.type === 'SMTP')!;
    const byType = (type: string) => pox.filter((s) => s.type === type);
    const accounts = await profileAccounts(address);
    const asProfile = ({ type, host, port, login, tls }: Server) => ({ type, host, port, login, ssl: tls !== 'none' });
    expect(accounts).toEqual([...byType('IMAP'), ...byType('POP3')].map((s) => ({ incoming: asProfile(s), outgoing: asProfile(smtp) })));
  });

  it('the calendar and contacts accounts log in with the same name in autoconfig and the profile', async () => {
    // POP3 listed before IMAP, each with its own login template: the first incoming entry decides, in both formats.
    const address = 'Dana.Q@dav.example';
    const config = readClientConfig(await body({ method: 'GET', path: `/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(address)}` }));
    const profile = readProfile(await body({ method: 'GET', path: `/apple/mobileconfig?email=${encodeURIComponent(address)}` }));
    const fromConfig = config.services.map((service) => service.values.username);
    const fromProfile = [...profile.ofType('com.apple.caldav.account').map((p) => p.CalDAVUsername), ...profile.ofType('com.apple.carddav.account').map((p) => p.CardDAVUsername)];
    expect(fromConfig).toEqual(['Dana.Q', 'Dana.Q']);
    expect(fromProfile).toEqual(['Dana.Q', 'Dana.Q']);
  });

  it('the answers really differ between addresses: a mailbox override shows in every format', async () => {
    const [alice, other] = await Promise.all(['alice@example.com', 'zed@example.com'].map(autoconfigServers));
    expect(alice!.map((s) => s.login)).toEqual(['alice', 'alice', 'alice']);
    expect(other!.map((s) => s.login)).toEqual(['zed@example.com', 'zed@example.com', 'zed@example.com']);
    expect((await profileAccounts('alice@example.com'))[0]!.incoming.login).toBe('alice');
  });
});
