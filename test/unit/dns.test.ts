import { beforeAll, describe, expect, it } from 'vitest';
import { dnsRecordsFor, formatZone, runDnsCommand, type DnsRecord } from '../../infra/admin/dns';
import type { AliasDomainItem, HostedDomainItem } from '../../lib/tenants/model';
import type { TenantTable } from '../../lib/tenants/dynamodb';
import { createTestTable } from '../support/tenant-table';

const hosted: HostedDomainItem = {
  id: 'example.com',
  protocols: [
    { type: 'IMAP', server: 'imap.mail.example.net', port: 993, tls: 'implicit' },
    { type: 'IMAP', server: 'imap2.mail.example.net', port: 143, tls: 'starttls' },
    { type: 'POP3', server: 'pop.mail.example.net', port: 995, tls: 'implicit' },
    { type: 'SMTP', server: 'smtp.mail.example.net', port: 465, tls: 'implicit' },
    { type: 'SMTP', server: 'smtp.mail.example.net', port: 587, tls: 'starttls', usePopAuth: true },
  ],
};
const alias: AliasDomainItem = { id: 'example.org', aliasOf: 'example.com' };

const byName = (records: readonly DnsRecord[]) => new Map(records.map((r) => [r.name, r]));

describe('dnsRecordsFor', () => {
  it('points _autodiscover._tcp at the shared host on port 443 in srv mode', () => {
    const records = byName(dnsRecordsFor(hosted, { host: 'autodiscover.provider.example', mode: 'srv' }));
    expect(records.get('_autodiscover._tcp.example.com.')).toMatchObject({ type: 'SRV', port: 443, target: 'autodiscover.provider.example.' });
    expect(records.has('autodiscover.example.com.')).toBe(false);
    expect(records.get('autoconfig.example.com.')).toMatchObject({ type: 'CNAME', target: 'autodiscover.provider.example.' });
  });

  it('uses an autodiscover CNAME instead of the SRV record in cname mode', () => {
    const records = byName(dnsRecordsFor(hosted, { host: 'd-abc123.execute-api.eu-west-1.amazonaws.com', mode: 'cname' }));
    expect(records.get('autodiscover.example.com.')).toMatchObject({ type: 'CNAME', target: 'd-abc123.execute-api.eu-west-1.amazonaws.com.' });
    expect(records.has('_autodiscover._tcp.example.com.')).toBe(false);
  });

  it('points the autoconfig CNAME at its own target when given (each API custom domain has one)', () => {
    const records = byName(dnsRecordsFor(hosted, { host: 'd-abc123.example', autoconfigHost: 'd-def456.example', mode: 'cname' }));
    expect(records.get('autodiscover.example.com.')).toMatchObject({ target: 'd-abc123.example.' });
    expect(records.get('autoconfig.example.com.')).toMatchObject({ target: 'd-def456.example.' });
  });

  it('publishes each protocol entry under its RFC 6186 / RFC 8314 label, priority by list order within the type', () => {
    const srv = dnsRecordsFor(hosted, { host: 'h.example', mode: 'srv' }).filter((r) => r.type === 'SRV' && !r.name.startsWith('_autodiscover'));
    expect(srv.map((r) => r.type === 'SRV' && [r.name, r.priority, r.port, r.target])).toEqual([
      ['_imaps._tcp.example.com.', 0, 993, 'imap.mail.example.net.'],
      ['_imap._tcp.example.com.', 1, 143, 'imap2.mail.example.net.'],
      ['_pop3s._tcp.example.com.', 0, 995, 'pop.mail.example.net.'],
      ['_submissions._tcp.example.com.', 0, 465, 'smtp.mail.example.net.'],
      ['_submission._tcp.example.com.', 1, 587, 'smtp.mail.example.net.'],
    ]);
  });

  it('takes an alias domain’s server records from its target, under the alias’s own name', () => {
    const records = dnsRecordsFor(alias, { host: 'h.example', mode: 'srv', aliasTarget: hosted });
    expect(records.every((r) => r.name.endsWith('.example.org.'))).toBe(true);
    expect(byName(records).get('_imaps._tcp.example.org.')).toMatchObject({ target: 'imap.mail.example.net.', port: 993 });
  });

  it('refuses an alias without its target', () => {
    expect(() => dnsRecordsFor(alias, { host: 'h.example', mode: 'srv' })).toThrow(/alias of example\.com/);
  });

  it('adds "not offered" records only for services the domain lacks, when asked', () => {
    const imapOnly: HostedDomainItem = { id: 'imap.example', protocols: [hosted.protocols[0]!] };
    const records = byName(dnsRecordsFor(imapOnly, { host: 'h.example', mode: 'srv', notOffered: true }));
    expect(records.get('_imaps._tcp.imap.example.')).toMatchObject({ port: 993 });
    expect(records.get('_pop3._tcp.imap.example.')).toMatchObject({ priority: 0, weight: 0, port: 0, target: '.' });
    expect(records.get('_submission._tcp.imap.example.')).toMatchObject({ target: '.' });
    expect(byName(dnsRecordsFor(imapOnly, { host: 'h.example', mode: 'srv' })).has('_pop3._tcp.imap.example.')).toBe(false);
  });

  it('publishes nothing for servers of a domain with an empty protocol list', () => {
    const empty: HostedDomainItem = { id: 'empty.example', protocols: [] };
    expect(dnsRecordsFor(empty, { host: 'h.example', mode: 'cname' }).map((r) => r.name)).toEqual(['autodiscover.empty.example.', 'autoconfig.empty.example.']);
  });
});

describe('formatZone', () => {
  it('writes one zone-file line per record with TTL, class, type and data', () => {
    const lines = formatZone(dnsRecordsFor(hosted, { host: 'h.example', mode: 'srv' }), 600).split('\n');
    expect(lines[0]).toMatch(/^_autodiscover\._tcp\.example\.com\. 600 IN SRV 0 0 443 h\.example\. ; /);
    expect(lines[1]).toMatch(/^autoconfig\.example\.com\. 600 IN CNAME h\.example\. ; /);
    expect(lines).toContain(lines.find((l) => l.startsWith('_submission._tcp.example.com. 600 IN SRV 1 0 587 smtp.mail.example.net. ;')));
    expect(lines).toHaveLength(7);
  });
});

describe('runDnsCommand against the tenant table', () => {
  let table: TenantTable;
  const output: string[] = [];
  const print = (line: string) => output.push(...line.split('\n'));
  const run = async (...args: string[]) => {
    output.length = 0;
    return runDnsCommand(args, table, print);
  };

  beforeAll(async () => {
    delete process.env.AUTODISCOVER_HOST; // the tests set it themselves where they need it
    table = await createTestTable('dns', [
      hosted,
      alias,
      { id: 'chain.example', aliasOf: 'example.org' },
      { id: 'off.example', protocols: hosted.protocols, enabled: false },
      { id: 'alias-of-off.example', aliasOf: 'off.example' },
      { id: 'broken.example', protocols: [{ type: 'IMAP', server: 'imap.example', port: 993, tls: 'implicit', usePOPAuth: true }] },
    ] as unknown as Record<string, unknown>[]);
  });

  it('prints the zone lines for a hosted domain, host from --host', async () => {
    expect(await run('Example.COM', '--host', 'autodiscover.provider.example', '--mode', 'cname')).toBe(0);
    expect(output).toContain('autodiscover.example.com. 3600 IN CNAME autodiscover.provider.example. ; Outlook Autodiscover (needs a certificate covering this name on the API)');
    expect(output.some((l) => l.startsWith('_imaps._tcp.example.com. 3600 IN SRV 0 0 993 imap.mail.example.net.'))).toBe(true);
  });

  it('names the clients that use the autoconfig record and prints the hoster-mode alternative', async () => {
    expect(await run('example.com', '--host', 'h.example')).toBe(0);
    const autoconfig = output.find((l) => l.startsWith('autoconfig.example.com. 3600 IN CNAME h.example. ;'));
    for (const client of ['Thunderbird', 'Thunderbird for Android / K-9', 'Evolution', 'GNOME Online Accounts', 'KMail', 'Delta Chat']) expect(autoconfig).toContain(client);
    const hoster = output.slice(output.findIndex((l) => l.startsWith('; hoster mode')));
    expect(hoster.length).toBeGreaterThan(1);
    expect(hoster.every((l) => l.startsWith(';'))).toBe(true);
    expect(hoster.join(' ')).toMatch(/autoconfig\.<base domain of your MX host>.*MX record.*emailaddress/);
  });

  it('takes the autoconfig target from --autoconfig-host', async () => {
    expect(await run('example.com', '--mode=cname', '--host', 'd-1.example', '--autoconfig-host', 'D-2.example.')).toBe(0);
    expect(output.some((l) => l.startsWith('autoconfig.example.com. 3600 IN CNAME d-2.example. ;'))).toBe(true);
    expect(output.some((l) => l.startsWith('autodiscover.example.com. 3600 IN CNAME d-1.example. ;'))).toBe(true);
  });

  it('takes the host from AUTODISCOVER_HOST and defaults to srv mode', async () => {
    process.env.AUTODISCOVER_HOST = 'shared.provider.example';
    try {
      expect(await run('example.com')).toBe(0);
    } finally {
      delete process.env.AUTODISCOVER_HOST;
    }
    expect(output.some((l) => l.startsWith('_autodiscover._tcp.example.com. 3600 IN SRV 0 0 443 shared.provider.example.'))).toBe(true);
  });

  it('follows an alias to its target for the server records', async () => {
    expect(await run('example.org', '--host=h.example')).toBe(0);
    expect(output.some((l) => l.startsWith('_pop3s._tcp.example.org. 3600 IN SRV 0 0 995 pop.mail.example.net.'))).toBe(true);
  });

  it('says what the responder does with a disabled domain and with an alias of one', async () => {
    expect(await run('off.example', '--host', 'h.example')).toBe(0);
    expect(output[0]).toBe('; note: off.example is disabled in the table; the responder answers it as not hosted');
    expect(await run('alias-of-off.example', '--host', 'h.example')).toBe(0);
    expect(output[0]).toBe('; note: alias-of-off.example is an alias of the disabled off.example; the responder answers it with error 602 (a configuration error)');
  });

  it('fails clearly for a missing host, an unknown domain, an invalid item and an alias chain', async () => {
    expect(await run('example.com')).toBe(2);
    expect(output.join('\n')).toMatch(/--host <name> or AUTODISCOVER_HOST/);
    expect(await run('nothere.example', '--host', 'h.example')).toBe(1);
    expect(output.join('\n')).toMatch(/nothere\.example is not in the table/);
    expect(await run('broken.example', '--host', 'h.example')).toBe(1);
    expect(output.join('\n')).toMatch(/protocols\[0\]\.usePOPAuth/);
    expect(await run('chain.example', '--host', 'h.example')).toBe(1);
    expect(output.join('\n')).toMatch(/itself an alias/);
  });

  it('rejects bad arguments with usage and exit code 2', async () => {
    expect(await run('example.com', '--host', 'h.example', '--mode', 'mx')).toBe(2);
    expect(await run('alice@example.com', '--host', 'h.example')).toBe(2);
    expect(await run('example.com', '--host', 'not a host')).toBe(2);
    expect(await run('--host', 'h.example')).toBe(2);
    expect(output.join('\n')).toMatch(/usage: dns <domain>/);
  });
});
