import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatPreview, previewTarget, type Preview } from '../../infra/admin/preview';
import type { RequestLogLine } from '../../lib/observability/request-log';
import { createResponder } from '../../lib/responder';
import type { RawItem, TenantTable } from '../../lib/tenants/dynamodb';
import { lookupTenant } from '../../lib/tenants/resolve';
import { admin } from '../support/admin';
import { requestBody } from '../support/fixtures';
import { buildEvent, readResult } from '../support/lambda-events';
import { createTestTable } from '../support/tenant-table';

// `admin preview` against the demo tenants in dynalite: what each format
// really sends (read back from the rendered answers), which item decided,
// and a contract problem exactly as the handler logs it.

const DEMO = JSON.parse(readFileSync(new URL('../../infra/local/demo-tenants.json', import.meta.url), 'utf8')) as RawItem[];
const BROKEN: RawItem = { id: 'broken.example', protocols: [{ type: 'IMAP', server: 'imap.broken.example', port: 70000, tls: 'implicit' }] };

let table: TenantTable;

beforeAll(async () => {
  table = await createTestTable('admin-preview', [...DEMO, BROKEN]);
  process.env.TENANTS_TABLE = table.tableName;
});

const rowsOf = (preview: Preview, format: string) => preview.formats.find((f) => f.format === format)!.rows;
const servers = (preview: Preview, format: string) => rowsOf(preview, format).map((r) => `${r.type} ${r.server}:${r.port} ${r.login}`);

describe('admin preview', () => {
  it('shows every format for a mailbox override, with the item that decided it', async () => {
    const preview = (await previewTarget(table, 'Alice@Example.COM'))!;
    expect(preview).toMatchObject({ target: 'Alice@example.com', decision: 'hosted' });
    expect(preview.decidedBy).toBe('the mailbox override (alice@example.com → example.com)');
    const expected = ['IMAP imap.mail.example.net:993 alice', 'POP3 pop.mail.example.net:995 alice', 'SMTP smtp.mail.example.net:587 alice'];
    expect(servers(preview, 'pox')).toEqual(expected);
    expect(servers(preview, 'autoconfig')).toEqual(expected);
    // One mail payload per incoming server, each sending through the first SMTP entry.
    expect(servers(preview, 'mobileconfig')).toEqual([expected[0], expected[2], expected[1], expected[2]]);
    expect(rowsOf(preview, 'pox').map((r) => [r.tls, r.auth])).toEqual([['implicit', 'password'], ['implicit', 'password'], ['starttls', 'password']]);
    expect(preview.formats.find((f) => f.format === 'json')!.note).toBe('AutodiscoverV1 → https://autodiscover.example.com/autodiscover/autodiscover.xml');
  });

  it('names the alias target, keeps placeholders for a domain, and marks formats asked with an address only', async () => {
    expect((await previewTarget(table, 'someone@example.net'))!.decidedBy).toBe('the alias target (example.net → example.com)');
    const domain = (await previewTarget(table, 'example.org'))!;
    expect(domain.decidedBy).toBe('the domain item (example.org)');
    expect(rowsOf(domain, 'autoconfig').map((r) => r.login)).toEqual(['%EMAILLOCALPART%', '%EMAILLOCALPART%']);
    expect(rowsOf(domain, 'pox').map((r) => r.login)).toEqual(['(not sent)', '(not sent)']);
    expect(domain.formats.find((f) => f.format === 'json')).toMatchObject({ status: 0, note: 'asked with an address only' });
  });

  it('prints a contract problem exactly as the handler logs it', async () => {
    const lines: RequestLogLine[] = [];
    const handler = createResponder({ lookupTenant: (d, m) => lookupTenant(table, d, m), log: (line) => lines.push(line), responderId: 1 });
    await handler(buildEvent('httpApiV2', { method: 'POST', path: '/autodiscover/autodiscover.xml', body: requestBody('x@broken.example') }));
    const preview = (await previewTarget(table, 'x@broken.example'))!;
    expect(preview.decision).toBe('invalid');
    expect(preview.problem).toEqual(lines[0]!.itemProblem);
    expect(formatPreview(preview)[1]).toBe(`contract problem (as the handler logs it): ${JSON.stringify(lines[0]!.itemProblem)}`);
  });

  it('--format prints the raw answer the handler sends; --json the whole preview', async () => {
    const handler = createResponder({ lookupTenant: (d, m) => lookupTenant(table, d, m), log: () => {}, responderId: 1 });
    const served = readResult('httpApiV2', await handler(buildEvent('httpApiV2', { method: 'GET', path: '/mail/config-v1.1.xml?emailaddress=alice@example.com' })));
    const raw = await admin('preview', 'alice@example.com', '--format', 'autoconfig');
    expect(raw.code).toBe(0);
    expect(raw.out).toBe(served.body);
    const json = await admin('preview', 'alice@example.com', '--json');
    expect((JSON.parse(json.out) as Preview).formats.map((f) => f.format)).toEqual(['pox', 'autoconfig', 'json', 'mobileconfig']);
    const printed = await admin('preview', 'bob@example.com');
    expect(printed.out).toMatch(/^pox +200 +redirectAddr → bob@example.org$/m);
    expect(printed.err).toMatch(/^target: table /);
  });

  it('refuses what it cannot preview, with exit status 2', async () => {
    expect(await admin('preview', 'alice@example.com', '--format', 'vcard')).toMatchObject({ code: 2, err: expect.stringContaining('unknown format vcard; one of pox, autoconfig, json, mobileconfig') });
    expect(await admin('preview', 'not an address@')).toMatchObject({ code: 2 });
    expect(await admin('preview', 'example.org', '--format', 'json')).toMatchObject({ code: 2, err: expect.stringContaining('json is only asked with an address') });
    expect(await admin('preview', 'alice@example.com', '--colour')).toMatchObject({ code: 2, err: expect.stringContaining('--format, --json') });
  });
});
