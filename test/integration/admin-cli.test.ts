import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeItems } from '../../infra/admin/items';
import { createTenantTable } from '../../lib/tenants/dynamodb';
import { admin, itemFile, temporaryFolder } from '../support/admin';

// The admin CLI in-process against dynalite, through the real SDK and the
// same TENANTS_TABLE / AWS_ENDPOINT_URL_DYNAMODB conventions as the handler.

const tableName = `admin-cli-${process.pid}`;
const dir = temporaryFolder('admin-cli');
const file = (name: string, content: unknown) => itemFile(dir, name, content);

const hosted = {
  id: 'tenant.example',
  protocols: [
    { type: 'IMAP', server: 'imap.tenant.example', port: 993, tls: 'implicit' },
    { type: 'SMTP', server: 'smtp.tenant.example', port: 587, tls: 'starttls' },
  ],
};

beforeAll(async () => {
  process.env.TENANTS_TABLE = tableName;
  await createTenantTable(tableName).ensureTable();
});

describe('admin CLI', () => {
  it('puts an array of items and reads them back', async () => {
    const result = await admin('put', file('ok.json', [hosted, { id: 'alias.example', aliasOf: 'tenant.example' }]));
    expect(result.code).toBe(0);
    expect(result.out).toContain('written: tenant.example');
    expect(result.out).toContain('written: alias.example');

    const get = await admin('get', 'tenant.example');
    expect(get.code).toBe(0);
    expect(JSON.parse(get.out)).toEqual({ ...hosted, hasMailboxes: false }); // the CLI says it: no mailbox items under it

    const list = await admin('list');
    expect(list.out).toMatch(/tenant\.example\tdomain, IMAP\+SMTP, enabled/);
    expect(list.out).toMatch(/alias\.example\talias of tenant\.example, enabled/);
  });

  it('writes nothing when any item is invalid, naming id, attribute path and reason', async () => {
    const typo = { id: 'typo.example', protocols: [{ type: 'SMTP', server: 'smtp.typo.example', port: 587, tls: 'starttls', usePOPAuth: true }] };
    const good = { ...hosted, id: 'good.example' };
    const result = await admin('put', file('bad.json', [good, typo]));
    expect(result.code).toBe(1);
    expect(result.err).toContain('typo.example: protocols[0].usePOPAuth: attribute is not part of the tenant item contract');
    expect(result.err).toContain('nothing was written');
    expect((await admin('get', 'good.example')).code).toBe(1);
  });

  it('refuses an alias whose target is missing, an alias, or in the same file as an alias', async () => {
    const result = await admin(
      'put',
      file('alias.json', [
        { id: 'a.example', aliasOf: 'missing.example' },
        { id: 'b.example', aliasOf: 'alias.example' },
        { id: 'c.example', aliasOf: 'd.example' },
        { id: 'd.example', aliasOf: 'tenant.example' },
      ]),
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain('a.example: aliasOf: alias target missing.example does not exist');
    expect(result.err).toContain('b.example: aliasOf: alias target alias.example is itself an alias');
    expect(result.err).toContain('c.example: aliasOf: alias target d.example is itself an alias');
    expect(result.err).not.toContain('d.example: aliasOf');
  });

  it('refuses to make an alias target an alias itself, or to disable it, while aliases in the table point at it', async () => {
    const result = await admin(
      'put',
      file('targets.json', [
        { id: 'tenant.example', aliasOf: 'other.example' },
        { id: 'unrelated.example', aliasOf: 'tenant.example', enabled: false },
      ]),
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain('tenant.example: id: alias.example is an alias of this domain, which would become an alias (a chain)');
    const disable = await admin('put', file('disable.json', { ...hosted, enabled: false }));
    expect(disable.code).toBe(1);
    expect(disable.err).toContain('tenant.example: id: alias.example is an alias of this domain, which would be disabled');
    // Re-pointing the alias in the same file resolves it.
    const together = await admin('put', file('together.json', [{ ...hosted, id: 'second-target.example' }, { id: 'alias.example', aliasOf: 'second-target.example' }, { ...hosted, enabled: false }]));
    expect(together.code).toBe(0);
    await admin('put', file('restore.json', [hosted, { id: 'alias.example', aliasOf: 'tenant.example' }]));
  });

  it('validates a file without writing', async () => {
    const ok = await admin('validate', file('v.json', { ...hosted, id: 'validated.example' }));
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('1 item(s) valid');
    expect((await admin('get', 'validated.example')).code).toBe(1);
    const bad = await admin('validate', file('v2.json', { id: 'x.example', protocols: [{ type: 'IMAP', server: 'x', port: 70000, tls: 'implicit' }] }));
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('x.example: protocols[0].port: must be <= 65535');
  });

  it('refuses to delete a domain that aliases point at, unless forced', async () => {
    await admin('put', file('pair.json', [{ ...hosted, id: 'target-del.example' }, { id: 'alias-del.example', aliasOf: 'target-del.example' }]));
    const refused = await admin('delete', 'target-del.example');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('target-del.example: id: alias-del.example is an alias of this domain, which would be left without its target');
    expect((await admin('get', 'target-del.example')).code).toBe(0);
    expect((await admin('delete', 'target-del.example', '--force')).code).toBe(0);
    expect((await admin('get', 'target-del.example')).code).toBe(1);
  });

  it('deletes an item', async () => {
    await admin('put', file('del.json', { ...hosted, id: 'delete-me.example' }));
    expect((await admin('delete', 'delete-me.example')).code).toBe(0);
    expect((await admin('get', 'delete-me.example')).err).toContain('not found');
  });

  it('prints help, and rejects unknown commands', async () => {
    const help = await admin('--help');
    expect(help.code).toBe(0);
    for (const command of ['put', 'validate', 'get', 'delete', 'list', 'dns']) expect(help.out).toContain(`  ${command}`);
    for (const option of ['--force', '--host', '--mode', '--autoconfig-host', '--not-offered']) expect(help.out).toContain(option);
    expect((await admin('constructor')).code).toBe(2);
  });

  it('runs as a program from a checkout whose path has a space and a symlink in it', () => {
    const checkout = join(dir, 'my checkout');
    symlinkSync(process.cwd(), checkout);
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(checkout, 'infra/admin/cli.ts'), '--help'], { encoding: 'utf8', timeout: 15_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: npm run admin -- <command>');
  });

  it('says exactly which ids were written when a write fails halfway', async () => {
    const table = createTenantTable(tableName);
    let calls = 0;
    // DynamoDB has no all-or-nothing batch; simulate the store failing on the second write.
    const flaky = { putItem: async (item: Record<string, unknown>) => (++calls === 2 ? Promise.reject(new Error('ProvisionedThroughputExceededException')) : table.putItem(item)) };
    const report = await writeItems(flaky, [
      { ...hosted, id: 'first.example' },
      { ...hosted, id: 'second.example' },
      { ...hosted, id: 'third.example' },
    ]);
    expect(report.written).toEqual(['first.example']);
    expect(report.failed?.id).toBe('second.example');
    expect((await table.getItems(['first.example', 'third.example'])).size).toBe(1);
  });
});
