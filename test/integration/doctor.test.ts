import { generateKeyPairSync } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsRecordsFor } from '../../infra/admin/dns';
import { runDoctorCommand, type DoctorResolver } from '../../infra/admin/doctor';
import { createProbeClient } from '../../infra/admin/probe-http';
import { localRequestListener } from '../../infra/local/http-server';
import type { HostedDomainItem } from '../../lib/tenants/model';
import { createResponder } from '../../lib/responder';
import { lookupTenant } from '../../lib/tenants/resolve';
import type { TenantTable } from '../../lib/tenants/dynamodb';
import { freeLoopbackPort } from '../support/ports';
import { createTestTable } from '../support/tenant-table';

// `doctor` offline: a fake resolver, and the real probe client talking to
// local HTTPS servers on 127.0.0.1 that present self-signed certificates made
// here with node-forge. The POX URLs are answered by the real responder
// reading a dynalite table; the customer's website is a small stand-in.

const RESPONDER = 'responder.provider.example';
const protocols = [
  { type: 'IMAP', server: 'imap.provider.example', port: 993, tls: 'implicit' },
  { type: 'SMTP', server: 'smtp.provider.example', port: 587, tls: 'starttls' },
] as const;
const DOMAINS = ['healthy.example', 'hijacked.example', 'locked.example', 'moved-cname.example', 'expired.example', 'nosrv.example', 'shared.example', 'stale.example', 'emptied.example'];
// Host names nothing answers on: root domains without a website, as most are, and autodiscover.<d> in SRV mode.
const UNSERVED = /^(?:(?!hijacked\.|locked\.)[\w-]+\.example|autodiscover\.shared\.example)$/;
const item = (id: string): HostedDomainItem => ({ id, protocols: [...protocols] });

const DAY = 86_400_000;
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

/** A self-signed server certificate for `names`, valid from `from` to `to`. */
function certificate(names: readonly string[], from: Date, to: Date): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = String(Math.floor(Math.random() * 1e9) + 1);
  cert.validity.notBefore = from;
  cert.validity.notAfter = to;
  const subject = [{ name: 'commonName', value: names[0]! }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

const now = new Date();
const validCert = certificate([RESPONDER, ...DOMAINS.flatMap((d) => [d, `autodiscover.${d}`, `autoconfig.${d}`])], new Date(now.getTime() - 30 * DAY), new Date(now.getTime() + 60 * DAY));
const expiredCert = certificate(['autodiscover.expired.example'], new Date(now.getTime() - 400 * DAY), new Date(now.getTime() - 3 * DAY));

/** What DNS says for each domain: what `dns` recommends, with one thing wrong per broken domain. */
function zone(): DoctorResolver {
  const cname = new Map<string, string[]>();
  const srv = new Map<string, { name: string; port: number; priority: number; weight: number }[]>();
  for (const domain of DOMAINS) {
    for (const record of dnsRecordsFor(item(domain), { host: RESPONDER, mode: 'cname' })) {
      const name = record.name.replace(/\.$/, '');
      if (record.type === 'CNAME') cname.set(name, [record.target.replace(/\.$/, '')]);
      else srv.set(name, [{ name: record.target.replace(/\.$/, ''), port: record.port, priority: record.priority, weight: record.weight }]);
    }
  }
  cname.set('autodiscover.moved-cname.example', ['old-server.example']);
  // shared.example reaches the responder through the shared host (SRV mode) instead.
  cname.delete('autodiscover.shared.example');
  srv.set('_autodiscover._tcp.shared.example', [{ name: RESPONDER, port: 443, priority: 0, weight: 0 }]);
  srv.delete('_imaps._tcp.nosrv.example');
  const notFound = () => Promise.reject(Object.assign(new Error('no such record'), { code: 'ENOTFOUND' }));
  return {
    resolveCname: async (name) => cname.get(name) ?? notFound(),
    resolveSrv: async (name) => srv.get(name) ?? notFound(),
    resolveMx: async (name) => (DOMAINS.includes(name) ? [{ exchange: `mx.${name}`, priority: 10 }] : notFound()),
  };
}

describe('admin doctor', () => {
  let table: TenantTable;
  let https: HttpsServer;
  let http: HttpServer;
  let closedPort: number;

  const doctor = async (domain: string) => {
    const lines: string[] = [];
    const ports = { https: (https.address() as AddressInfo).port, http: (http.address() as AddressInfo).port };
    const client = createProbeClient({
      ca: [validCert, expiredCert],
      // Root domains without a website refuse the connection, as most do.
      connectTo: (url) => ({ host: '127.0.0.1', port: url.protocol === 'http:' ? ports.http : UNSERVED.test(url.hostname) ? closedPort : ports.https }),
    });
    const code = await runDoctorCommand([domain, '--host', RESPONDER], { table, resolver: zone(), http: client, now: () => now }, (line) => lines.push(line));
    return { code, output: lines.join('\n') };
  };

  beforeAll(async () => {
    table = await createTestTable('doctor', DOMAINS.map(item) as unknown as Record<string, unknown>[]);
    const responder = localRequestListener(createResponder({ lookupTenant: (domain, mailboxId) => lookupTenant(table, domain, mailboxId), log: () => {}, responderId: 1 }));
    // A responder that reads another table, where stale.example still has its old servers and emptied.example none.
    const oldTable = await createTestTable('doctor-old', [
      { id: 'stale.example', protocols: [{ type: 'POP3', server: 'pop.old.example', port: 995, tls: 'implicit' }] },
      { id: 'emptied.example', protocols: [] },
    ]);
    const staleResponder = localRequestListener(createResponder({ lookupTenant: (domain, mailboxId) => lookupTenant(oldTable, domain, mailboxId), log: () => {}, responderId: 2 }));
    const valid = createSecureContext({ key: privateKey, cert: validCert });
    const expired = createSecureContext({ key: privateKey, cert: expiredCert });
    https = createHttpsServer({ key: privateKey, cert: validCert, SNICallback: (name, done) => done(null, name === 'autodiscover.expired.example' ? expired : valid) }, (request, response) => {
      const host = request.headers.host ?? '';
      const path = new URL(request.url ?? '/', 'https://x').pathname;
      if (host === 'hijacked.example') return void response.writeHead(200, { 'Content-Type': 'text/html' }).end('<!DOCTYPE html><html><body>Welcome to our shop</body></html>');
      if (host === 'locked.example') return void response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="shop"' }).end();
      // The autoconfig and JSON routes are answered here as the responder's will be (they are built elsewhere).
      if (path === '/mail/config-v1.1.xml') return void response.writeHead(200, { 'Content-Type': 'text/xml' }).end('<?xml version="1.0"?><clientConfig version="1.1"/>');
      if (path === '/autodiscover/autodiscover.json') return void response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Protocol: 'AutodiscoverV1', Url: `https://${host}/autodiscover/autodiscover.xml` }));
      return void (/^autodiscover\.(stale|emptied)\.example$/.test(host) ? staleResponder : responder)(request, response);
    });
    http = createHttpServer((request, response) => response.writeHead(301, { Location: `https://${request.headers.host}/autodiscover/autodiscover.xml` }).end());
    closedPort = await freeLoopbackPort();
    await Promise.all([https, http].map((server) => new Promise<void>((ready) => server.listen(0, '127.0.0.1', () => ready()))));
  });

  afterAll(() => {
    https?.close();
    http?.close();
  });

  it('passes a healthy domain, naming each thing it checked', async () => {
    const { code, output } = await doctor('healthy.example');
    expect(output).not.toContain('✗');
    expect(code).toBe(0);
    expect(output).toContain('✓ autodiscover.healthy.example CNAME responder.provider.example');
    expect(output).toContain('✓ _imaps._tcp.healthy.example SRV 993 imap.provider.example');
    expect(output).toContain('✓ https://healthy.example/autodiscover/autodiscover.xml: no answer (ECONNREFUSED); Outlook moves on');
    expect(output).toMatch(/✓ https:\/\/autodiscover\.healthy\.example\/autodiscover\/autodiscover\.xml: an Autodiscover answer; certificate valid for autodiscover\.healthy\.example, 59 day\(s\) left/);
    expect(output).toContain('✓ http://autodiscover.healthy.example/autodiscover/autodiscover.xml: 301 to https://autodiscover.healthy.example/autodiscover/autodiscover.xml');
    expect(output).toContain('– SRV target: no _autodiscover._tcp.healthy.example record');
    expect(output).toMatch(/✓ autoconfig: https:\/\/autoconfig\.healthy\.example\/mail\/config-v1\.1\.xml\?emailaddress=\S+: 200/);
    expect(output).toContain('agrees with the table: IMAP imap.provider.example:993 SSL, SMTP smtp.provider.example:587 TLS');
    expect(output.split('\n').at(-1)).toBe('All checks passed.');
  });

  it('names a customer website answering the root-domain URL with HTML, and with a 401', async () => {
    const html = await doctor('hijacked.example');
    expect(html.code).toBe(1);
    expect(html.output).toContain("✗ https://hijacked.example/autodiscover/autodiscover.xml: answers with an HTML page (200), most likely the customer's website");
    expect(html.output).toContain('fix: make the website answer /autodiscover/autodiscover.xml with 404');
    const locked = await doctor('locked.example');
    expect(locked.code).toBe(1);
    expect(locked.output).toContain('✗ https://locked.example/autodiscover/autodiscover.xml: answers 401: Outlook asks the user for the mailbox password');
    expect(locked.output.split('\n').at(-1)).toBe('1 problem(s).');
  });

  // One thing wrong per domain: the ✗ line that names it, the fix, and how many checks it fails
  // (the expired certificate also serves the JSON route).
  it.each([
    ['a CNAME pointing elsewhere', 'moved-cname.example', '✗ autodiscover.moved-cname.example CNAME old-server.example: not the responder responder.provider.example', 'autodiscover.moved-cname.example. 3600 IN CNAME responder.provider.example. ;', 1],
    ['an expired certificate', 'expired.example', '✗ https://autodiscover.expired.example/autodiscover/autodiscover.xml: certificate expired 3 day(s) ago', 'fix: renew the certificate for autodiscover.expired.example', 2],
    ['a missing RFC 6186 SRV record', 'nosrv.example', '✗ _imaps._tcp.nosrv.example SRV is missing (IMAP, implicit TLS (RFC 8314))', '_imaps._tcp.nosrv.example. 3600 IN SRV 0 0 993 imap.provider.example. ;', 1],
    ['a live answer that disagrees with the table', 'stale.example', '✗ the live answer (https://autodiscover.stale.example/autodiscover/autodiscover.xml) differs from the table:\n      live:  POP3 pop.old.example:995 SSL\n      table: IMAP imap.provider.example:993 SSL, SMTP smtp.provider.example:587 TLS', 'fix: wait for the cache TTL', 1],
    ['a live answer that is an error document', 'emptied.example', '✗ the live answer (https://autodiscover.emptied.example/autodiscover/autodiscover.xml) is error 501 (Bad Address)', 'fix: check that this host reaches the responder that reads this table', 1],
  ] as const)('finds %s and says how to fix it', async (_label, domain, problem, fix, problems) => {
    const { code, output } = await doctor(domain);
    expect(code).toBe(1);
    expect(output).toContain(problem);
    expect(output).toContain(fix);
    expect(output.split('\n').at(-1)).toBe(`${problems} problem(s).`);
  });

  it('asks the SRV target last, and passes a domain reached through the shared host', async () => {
    const { code, output } = await doctor('shared.example');
    expect(output).toContain('✓ _autodiscover._tcp.shared.example SRV 443 responder.provider.example');
    expect(output).toContain('✓ https://autodiscover.shared.example/autodiscover/autodiscover.xml: no answer (ECONNREFUSED); Outlook moves on');
    const outlook = output.slice(output.indexOf('Outlook, in its order'), output.indexOf('Other routes')).split('\n').filter((line) => /^ {2}[✓✗–]/.test(line));
    expect(outlook.map((line) => /(https?:\/\/[^/]+)/.exec(line)?.[1])).toEqual([
      'https://shared.example',
      'https://autodiscover.shared.example',
      'http://autodiscover.shared.example',
      'https://responder.provider.example',
    ]);
    expect(outlook[3]).toContain('✓ https://responder.provider.example/autodiscover/autodiscover.xml: an Autodiscover answer; certificate valid for responder.provider.example');
    expect(output).toContain('– Autodiscover JSON: https://autodiscover.shared.example/');
    expect(output).toContain('agrees with the table');
    expect(code).toBe(0);
  });

  it('fails a domain that is not in the table, and refuses bad arguments', async () => {
    const { code, output } = await doctor('unknown.example');
    expect(code).toBe(1);
    expect(output).toContain('✗ unknown.example is not in the table');
    const lines: string[] = [];
    expect(await runDoctorCommand(['alice@healthy.example'], { table }, (line) => lines.push(line))).toBe(2);
    expect(await runDoctorCommand(['healthy.example', '--hots', 'x'], { table }, (line) => lines.push(line))).toBe(2);
    expect(lines.join('\n')).toContain("Unknown option '--hots'");
  });
});
