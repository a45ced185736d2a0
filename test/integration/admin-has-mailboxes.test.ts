import { beforeAll, describe, expect, it } from 'vitest';
import type { RawItem, TenantTable } from '../../lib/tenants/dynamodb';
import { admin, itemFile, temporaryFolder } from '../support/admin';
import { createTestTable } from '../support/tenant-table';

// How the admin CLI keeps domain items' hasMailboxes right, against dynalite:
// put fills it in, a mailbox put sets it, list flags mailbox items that would
// never be read, migrate sets it on a table written by other means.

const dir = temporaryFolder('admin-has-mailboxes');
const file = (name: string, content: unknown) => itemFile(dir, name, content);

const domain = (id: string, extra: RawItem = {}): RawItem => ({
  id,
  protocols: [{ type: 'IMAP', server: `imap.${id}`, port: 993, tls: 'implicit' }],
  ...extra,
});

let table: TenantTable;
const hasMailboxes = async (id: string) => (await table.getItems([id])).get(id)?.hasMailboxes;

beforeAll(async () => {
  table = await createTestTable('admin-has-mailboxes');
  process.env.TENANTS_TABLE = table.tableName;
});

describe('hasMailboxes in the admin CLI', () => {
  it('put writes an explicit value: false without mailbox items, true once the file or the table holds one', async () => {
    const first = await admin('put', file('plain.json', [domain('plain.put.example'), domain('withbox.put.example'), { id: 'ann@withbox.put.example', displayName: 'Ann' }]));
    expect(first.code).toBe(0);
    expect(await hasMailboxes('plain.put.example')).toBe(false);
    expect(await hasMailboxes('withbox.put.example')).toBe(true);

    // Rewriting the domain later, without the attribute or with false, keeps it true: the table holds Ann.
    const again = await admin('put', file('again.json', domain('withbox.put.example', { hasMailboxes: false })));
    expect(again.code).toBe(0);
    expect(again.out).toContain('withbox.put.example: hasMailboxes true (mailbox items exist under it)');
    expect(await hasMailboxes('withbox.put.example')).toBe(true);
  });

  it('a mailbox put sets it on an existing domain, and a later domain put finds the mailbox', async () => {
    await admin('put', file('d.json', domain('later.put.example')));
    expect(await hasMailboxes('later.put.example')).toBe(false);
    const box = await admin('put', file('box.json', { id: 'bo@later.put.example', displayName: 'Bo' }));
    expect(box.code).toBe(0);
    expect(box.out).toContain('later.put.example: hasMailboxes true');
    expect(await hasMailboxes('later.put.example')).toBe(true);

    // A mailbox before its domain: no domain item is created (it would break the contract)...
    const orphan = await admin('put', file('orphan.json', { id: 'cy@first-box.put.example' }));
    expect(orphan.out).toContain('first-box.put.example: no domain item yet');
    expect((await table.getItems(['first-box.put.example'])).size).toBe(0);
    // ...and the domain's own put sets it from the table.
    await admin('put', file('d2.json', domain('first-box.put.example')));
    expect(await hasMailboxes('first-box.put.example')).toBe(true);
  });

  it('deleting the last mailbox item leaves it set; migrate clears it', async () => {
    await admin('put', file('del.json', [domain('del.put.example'), { id: 'dee@del.put.example' }]));
    expect((await admin('delete', 'dee@del.put.example')).code).toBe(0);
    expect(await hasMailboxes('del.put.example')).toBe(true);
    const migrate = await admin('migrate');
    expect(migrate.out).toContain('del.put.example: hasMailboxes true -> false');
    expect(await hasMailboxes('del.put.example')).toBe(false);
  });

  it('migrate sets it on items written by other means, says what it changed, and changes nothing the second time', async () => {
    await table.putItem(domain('old.migrate.example'));
    await table.putItem({ id: 'al@old.migrate.example', displayName: 'Al' });
    await table.putItem(domain('bare.migrate.example'));
    await table.putItem({ id: 'alias.migrate.example', aliasOf: 'bare.migrate.example' });
    await table.putItem({ id: 'al@alias.migrate.example', displayName: 'Al at the alias' });

    const first = await admin('migrate');
    expect(first.code).toBe(0);
    expect(first.out).toContain('old.migrate.example: hasMailboxes (unset) -> true');
    expect(first.out).toContain('bare.migrate.example: hasMailboxes (unset) -> false');
    expect(first.out).toContain('alias.migrate.example: hasMailboxes (unset) -> true');
    expect(await hasMailboxes('old.migrate.example')).toBe(true);
    expect(await hasMailboxes('bare.migrate.example')).toBe(false);
    expect(await hasMailboxes('alias.migrate.example')).toBe(true);
    expect((await table.getItems(['al@old.migrate.example'])).get('al@old.migrate.example')).toEqual({ id: 'al@old.migrate.example', displayName: 'Al' });

    const second = await admin('migrate');
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/^0 domain item\(s\) changed, \d+ already right, in /m);
    expect(second.out.split('\n')).toHaveLength(1);
  });

  it('list flags a mailbox item that would never be read, and a domain that does not say', async () => {
    await table.putItem(domain('quiet.list.example', { hasMailboxes: false }));
    await table.putItem({ id: 'hidden@quiet.list.example', displayName: 'Hidden' });
    await table.putItem({ id: 'lost@nodomain.list.example', displayName: 'Lost' });
    await table.putItem(domain('loud.list.example', { hasMailboxes: true }));
    await table.putItem({ id: 'seen@loud.list.example', displayName: 'Seen' });

    const list = await admin('list');
    const line = (id: string) => list.out.split('\n').find((l) => l.startsWith(`${id}\t`));
    expect(line('hidden@quiet.list.example')).toBe('hidden@quiet.list.example\tmailbox, NEVER READ: quiet.list.example says hasMailboxes false (run migrate)');
    expect(line('lost@nodomain.list.example')).toBe('lost@nodomain.list.example\tmailbox, NEVER READ: no domain item nodomain.list.example');
    expect(line('seen@loud.list.example')).toBe('seen@loud.list.example\tmailbox');
    expect(line('loud.list.example')).toBe('loud.list.example\tdomain, IMAP, enabled');

    await table.putItem(domain('unsaid.list.example'));
    expect((await admin('list')).out).toContain('unsaid.list.example\tdomain, IMAP, enabled, hasMailboxes unset (run migrate)');
  });

  it('is in the help', async () => {
    expect((await admin('--help')).out).toContain('  migrate');
  });
});
