import { spawnSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../support/ports';
import { writeItems, writeOrder } from '../../infra/admin/items';
import { createTenantTable, TenantStoreError, type TenantTable } from '../../lib/tenants/dynamodb';
import { chooseTableTarget, describeError, describeTarget, hintFor } from '../../infra/admin/target';
import type { HostedDomainItem } from '../../lib/tenants/model';
import { admin, itemFile, temporaryFolder } from '../support/admin';

// The admin CLI in-process against dynalite, through the real SDK and the
// same TENANTS_TABLE / AWS_ENDPOINT_URL_DYNAMODB conventions as the handler.

const tableName = `admin-cli-${process.pid}`;
const dir = temporaryFolder('admin-cli');
const file = (name: string, content: unknown) => itemFile(dir, name, content);

const hosted: HostedDomainItem = {
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
    const flaky = { ...table, putItem: async (item: Record<string, unknown>) => (++calls === 2 ? Promise.reject(new Error('ProvisionedThroughputExceededException')) : table.putItem(item)) };
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

/** The table, failing its `failOn`-th write: DynamoDB has no all-or-nothing batch. */
function failingOnWrite(table: TenantTable, failOn: number): TenantTable {
  let calls = 0;
  return { ...table, putItem: async (item) => (++calls === failOn ? Promise.reject(new Error('ProvisionedThroughputExceededException')) : table.putItem(item)) };
}

describe('write order: a write failing halfway leaves no checked rule broken', () => {
  it('writes the target before the alias written before it in the file', async () => {
    const table = createTenantTable(tableName);
    const report = await writeItems(failingOnWrite(table, 2), [
      { id: 'order-alias.example', aliasOf: 'order-target.example' },
      { ...hosted, id: 'order-target.example' },
    ]);
    expect(report).toMatchObject({ written: ['order-target.example'], failed: { id: 'order-alias.example', error: 'ProvisionedThroughputExceededException' } });
    const stored = await table.getItems(['order-alias.example', 'order-target.example']);
    expect([...stored.keys()]).toEqual(['order-target.example']); // no alias without its target
  });

  it('re-points aliases before turning their old target into an alias or disabling it', async () => {
    const table = createTenantTable(tableName);
    await writeItems(table, [{ ...hosted, id: 'old-target.example' }, { id: 'follower.example', aliasOf: 'old-target.example' }]);
    const report = await writeItems(failingOnWrite(table, 3), [
      { id: 'old-target.example', aliasOf: 'new-target.example' },
      { id: 'follower.example', aliasOf: 'new-target.example' },
      { ...hosted, id: 'new-target.example' },
    ]);
    expect(report.written).toEqual(['new-target.example', 'follower.example']);
    expect(report.failed?.id).toBe('old-target.example');
    expect((await table.getItems(['follower.example'])).get('follower.example')).toMatchObject({ aliasOf: 'new-target.example' });
  });

  it('orders live domains, mailboxes, aliases, then retiring domains, stably', () => {
    const order = writeOrder(
      [
        { id: 'off.example', protocols: [], enabled: false },
        { id: 'al.example', aliasOf: 'live.example' },
        { id: 'converted.example', aliasOf: 'live.example' },
        { id: 'bob@live.example' },
        { id: 'live.example', protocols: [] },
      ],
      new Set(['converted.example']),
    );
    expect(order.map((item) => item.id)).toEqual(['live.example', 'bob@live.example', 'al.example', 'off.example', 'converted.example']);
  });
});

describe('a CLI that explains', () => {
  it('prints the table it works on first, on stderr (stdout stays the item)', async () => {
    const get = await admin('get', 'tenant.example');
    expect(get.err.split('\n')[0]).toBe(`target: table ${tableName} at ${process.env.AWS_ENDPOINT_URL_DYNAMODB} (from AWS_ENDPOINT_URL_DYNAMODB)`);
    expect(JSON.parse(get.out)).toMatchObject({ id: 'tenant.example' });
    expect((await admin('validate', file('nt.json', hosted))).err).not.toContain('target:');
  });

  it('normalises ids as the handler does: case lowered, IDN to punycode, and says so', async () => {
    const put = await admin('put', file('ids.json', [{ ...hosted, id: 'Bücher-Shop.Example' }, { id: 'Alice@Bücher-Shop.EXAMPLE', displayName: 'Alice' }]));
    expect(put.code).toBe(0);
    expect(put.out).toContain('Bücher-Shop.Example is stored as xn--bcher-shop-9db.example');
    expect(put.out).toContain('Alice@Bücher-Shop.EXAMPLE is stored as alice@xn--bcher-shop-9db.example');
    expect(put.out).toContain('written: alice@xn--bcher-shop-9db.example');
    const byDomain = await admin('get', 'bücher-shop.example');
    expect(byDomain.code).toBe(0);
    expect(JSON.parse(byDomain.out.slice(byDomain.out.indexOf('{'))).id).toBe('xn--bcher-shop-9db.example');
    const byAddress = await admin('get', 'ALICE@bücher-shop.example');
    expect(JSON.parse(byAddress.out.slice(byAddress.out.indexOf('{'))).displayName).toBe('Alice');
  });

  it('refuses mailbox ids no request could reach, and a mailbox redirecting to itself', async () => {
    const result = await admin('put', file('unreachable.json', [{ id: `${'ü'.repeat(40)}@tenant.example` }, { id: 'me@tenant.example', redirectAddr: 'Me@Tenant.example' }]));
    expect(result.code).toBe(1);
    expect(result.err).toContain(`${'ü'.repeat(40)}@tenant.example: id: no mailbox id the responder serves`);
    expect(result.err).toContain('me@tenant.example: redirectAddr: a mailbox cannot redirect to itself');
  });

  it('names the file, line and column of bad JSON, and says plainly when a file is empty or missing', async () => {
    const bad = join(dir, 'bad-syntax.json');
    writeFileSync(bad, '{\n  "id": "x.example",\n  "protocols": [,]\n}');
    expect(await admin('put', bad)).toMatchObject({ code: 1, err: expect.stringContaining(`${bad}:3:17: not valid JSON: unexpected ",".`) });
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '\n');
    expect((await admin('validate', empty)).err).toBe(`${empty} is empty; it should hold one item or an array of items.`);
    const missing = join(dir, 'missing.json');
    expect((await admin('put', missing)).err.split('\n').at(-1)).toBe(`${missing} does not exist.`);
  });

  it('validate says an alias target is not in the file, and never that nothing was written', async () => {
    const result = await admin('validate', file('alias-only.json', { id: 'lone-alias.example', aliasOf: 'tenant.example' }));
    expect(result.code).toBe(1);
    expect(result.err).toContain('lone-alias.example: aliasOf: alias target tenant.example is not in the file (the table was not read)');
    expect(result.err).not.toContain('written');
  });

  it('says so when deleting an id that does not exist', async () => {
    const result = await admin('delete', 'never-there.example');
    expect(result.code).toBe(1);
    expect(result.err).toContain(`never-there.example: not found in table ${tableName}; nothing was deleted`);
  });

  it('rejects an unknown option with the valid ones', async () => {
    const result = await admin('delete', 'tenant.example', '--forse');
    expect(result.code).toBe(2);
    expect(result.err).toBe("Unknown option '--forse' for delete. Its options: --force. See: npm run admin -- help");
    expect((await admin('list', '--all')).err).toContain('list takes no options');
    expect((await admin('get', 'tenant.example')).code).toBe(0);
  });

  it('names the target and the way to the local table when DynamoDB cannot be reached, never a bare Error', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${await freeLoopbackPort()}`;
    try {
      const list = await admin('list');
      expect(list.code).toBe(1);
      expect(list.err).toMatch(/^error: DynamoDB Scan failed: ECONNREFUSED$/m);
      expect(list.err).toContain(`\ntable ${tableName} at ${process.env.AWS_ENDPOINT_URL_DYNAMODB}\nhint:`);
      expect(list.err).toMatch(/hint: nothing answers at http:\/\/127\.0\.0\.1:\d+: is npm start running\?/);
      expect(list.err).not.toMatch(/: Error$/m);
    } finally {
      process.env.AWS_ENDPOINT_URL_DYNAMODB = saved;
    }
  });
});

describe('AWS settings in the shell', () => {
  it('says the target is real AWS and why, and how to reach the local table instead', () => {
    const saved = { ...process.env };
    try {
      delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
      process.env.AWS_REGION = 'eu-west-1';
      process.env.AWS_PROFILE = 'prod';
      process.env.LOCAL_DYNAMODB_DIR = temporaryFolder('no-start'); // no npm start running
      const target = chooseTableTarget();
      expect(target.endpoint).toBeUndefined();
      expect(describeTarget(target)).toBe(`target: table ${tableName} at AWS region eu-west-1, profile prod (real AWS, because AWS_REGION, AWS_PROFILE, AWS_ACCESS_KEY_ID are set)`);
      const failure = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
      expect(describeError(new TenantStoreError('DynamoDB PutItem failed: CredentialsProviderError', { cause: failure }))).toBe('DynamoDB PutItem failed: CredentialsProviderError');
      expect(hintFor(target, failure)).toBe('to manage the local table of npm start instead, run: AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 npm run admin -- …');
    } finally {
      process.env = saved;
    }
  });
});
