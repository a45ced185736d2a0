import { describe, expect, it } from 'vitest';
import { checkItem, resolveTenant, type CheckedItem } from '../../lib/tenants/resolve';
import { validateTenantItem } from '../../lib/tenants/validate';

// The rules the schema's patterns cannot express: a mailbox id must be one a
// request can reach, and a mailbox must not redirect to itself.

const domain = { id: 'example.com', protocols: [{ type: 'IMAP', server: 'imap.example.com', port: 993, tls: 'implicit' }] };

describe('mailbox item rules beyond the schema', () => {
  it.each([
    ['an upper-case non-ASCII local part', 'Ärger@example.com', 'requests look this mailbox up as ärger@example.com'],
    ['a local part over 64 octets', `${'ü'.repeat(40)}@example.com`, 'no mailbox id the responder serves'],
    ['a space in the local part', 'al ice@example.com', 'no mailbox id the responder serves'],
    ['a format character', 'ali\u200bce@example.com', 'no mailbox id the responder serves'],
  ])('refuses %s', (_label, id, reason) => {
    const result = validateTenantItem({ id });
    expect(result.valid).toBe(false);
    if (!result.valid) expect(result.problems).toEqual([{ id, path: 'id', reason: expect.stringContaining(reason) }]);
  });

  it('accepts a lower-case non-ASCII local part and a redirect elsewhere', () => {
    expect(validateTenantItem({ id: 'ärger@example.com', redirectAddr: 'Someone@Example.org' }).valid).toBe(true);
  });

  it('refuses a redirect to the mailbox itself, in any spelling', () => {
    const result = validateTenantItem({ id: 'alice@example.com', redirectAddr: 'Alice@EXAMPLE.com' });
    expect(result.valid).toBe(false);
    if (!result.valid) expect(result.problems[0]).toMatchObject({ path: 'redirectAddr', reason: 'a mailbox cannot redirect to itself' });
  });

  it('the handler decides 602 (invalid) for a self-redirect found in the table', () => {
    const items = new Map<string, CheckedItem>([
      ['example.com', checkItem(domain)],
      ['alice@example.com', checkItem({ id: 'alice@example.com', redirectAddr: 'alice@example.com' })],
    ]);
    const lookup = resolveTenant((ids) => new Map(ids.flatMap((id) => (items.has(id) ? [[id, items.get(id)!] as const] : []))), 'example.com', 'alice@example.com');
    expect(lookup).toEqual({ kind: 'invalid', problem: { id: 'alice@example.com', path: 'redirectAddr', reason: 'a mailbox cannot redirect to itself' } });
  });
});
