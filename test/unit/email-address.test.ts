import { describe, expect, it } from 'vitest';
import { normaliseDomain, parseEmailAddress } from '../../lib/email-address';

describe('parseEmailAddress', () => {
  it('keeps the local part as sent and normalises the domain', () => {
    expect(parseEmailAddress('  Alice@Example.COM. ')).toEqual({
      localPart: 'Alice',
      domain: 'example.com',
      address: 'Alice@example.com',
      mailboxId: 'alice@example.com',
    });
  });

  it('converts an IDN domain to punycode', () => {
    expect(parseEmailAddress('jörg@Bücher.example')?.domain).toBe('xn--bcher-kva.example');
  });

  it.each([
    ['no at sign', 'alice.example.com'],
    ['two at signs', 'a@b@example.com'],
    ['empty local part', '@example.com'],
    ['empty domain', 'alice@'],
    ['control character', 'ali\u0001ce@example.com'],
    ['local part over 64 octets', `${'a'.repeat(65)}@example.com`],
    ['percent in domain', 'alice@ex%41mple.com'],
    ['label starting with a hyphen', 'alice@-example.com'],
    ['whole address over 254 octets', `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`],
  ])('rejects %s', (_label, raw) => {
    expect(parseEmailAddress(raw)).toBeUndefined();
  });

  it('accepts the longest legal local part', () => {
    expect(parseEmailAddress(`${'a'.repeat(64)}@example.com`)).toBeDefined();
  });
});

describe('normaliseDomain', () => {
  it('removes one trailing dot only', () => {
    expect(normaliseDomain('example.com.')).toBe('example.com');
    expect(normaliseDomain('example.com..')).toBeUndefined();
  });
});
