import { describe, expect, it } from 'vitest';
import { normaliseDomain, normaliseItemId, parseEmailAddress } from '../../lib/email-address';

describe('parseEmailAddress', () => {
  it('keeps the local part as sent and normalises the domain', () => {
    expect(parseEmailAddress('  Alice@Example.COM. ')).toEqual({
      localPart: 'Alice',
      domain: 'example.com',
      address: 'Alice@example.com',
      mailboxId: 'alice@example.com',
    });
  });

  it('trims XML white space only: a no-break space is not padding', () => {
    expect(parseEmailAddress('\t\r\n alice@example.com \n')?.address).toBe('alice@example.com');
    expect(parseEmailAddress('alice@example.com\u00a0')).toBeUndefined();
    expect(parseEmailAddress('\ufeffalice@example.com')).toBeUndefined();
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
    ['bidi override', 'ali\u202ece@example.com'],
    ['zero-width space', 'ali\u200bce@example.com'],
    ['line separator', 'ali\u2028ce@example.com'],
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

describe('address limits and characters (issue 2)', () => {
  const label63 = 'd'.repeat(63);
  // 4 × 63 + 3 dots = 255 > 253; 3 × 63 + 61 + 3 dots = 253.
  const domain253 = `${label63}.${label63}.${label63}.${'e'.repeat(61)}`;

  it('accepts a domain of exactly 253 octets and refuses 254', () => {
    expect(domain253.length).toBe(253);
    expect(normaliseDomain(domain253)).toBe(domain253);
    expect(normaliseDomain(`${domain253}e`)).toBeUndefined();
  });

  it('accepts a whole address of exactly 254 octets and refuses 255', () => {
    const domain = `${label63}.${label63}.${label63}.com`; // 195
    const local58 = 'a'.repeat(58); // 58 + 1 + 195 = 254
    expect(parseEmailAddress(`${local58}@${domain}`)?.address).toHaveLength(254);
    expect(parseEmailAddress(`a${local58}@${domain}`)).toBeUndefined();
  });

  it('counts the local part in UTF-8 octets', () => {
    expect(parseEmailAddress(`${'é'.repeat(32)}@example.com`)).toBeDefined(); // 64 octets
    expect(parseEmailAddress(`${'é'.repeat(32)}a@example.com`)).toBeUndefined(); // 65 octets
  });

  it('counts domain lengths on the punycode form', () => {
    // 60 "ü" become a label far longer than 63 octets in punycode.
    expect(normaliseDomain(`${'ü'.repeat(60)}.example`)).toBeUndefined();
    expect(normaliseDomain('Bücher.Example')).toBe('xn--bcher-kva.example');
  });

  it.each([
    ['NUL', 'ali\u0000ce@example.com'],
    ['tab', 'ali\tce@example.com'],
    ['DEL', 'ali\u007fce@example.com'],
    ['C1 control', 'ali\u0085ce@example.com'],
    ['control in the domain', 'alice@exam\u0001ple.com'],
    ['newline in the domain', 'alice@example\n.com'],
    ['space in the domain', 'alice@exam ple.com'],
    ['empty label', 'alice@example..com'],
    ['port', 'alice@example.com:25'],
    ['path', 'alice@example.com/x'],
    ['IP literal', 'alice@[192.0.2.1]'],
    ['underscore label', 'alice@ex_ample.com'],
  ])('rejects %s', (_label, raw) => {
    expect(parseEmailAddress(raw)).toBeUndefined();
  });

  it('keeps markup characters of the local part as sent (escaping is the renderer\'s job)', () => {
    expect(parseEmailAddress('o\'hara&<x>@example.com')?.localPart).toBe('o\'hara&<x>');
  });

  it('lower-cases only the mailbox id\'s local part, never the shown one', () => {
    const parsed = parseEmailAddress('ÄLICE@EXAMPLE.COM');
    expect(parsed?.address).toBe('ÄLICE@example.com');
    expect(parsed?.mailboxId).toBe('älice@example.com');
  });
});

describe('normaliseItemId: item ids as the handler looks them up', () => {
  it.each([
    ['Alice@Example.COM', 'alice@example.com'],
    ['Ärger@bücher.example', 'ärger@xn--bcher-kva.example'],
    ['Bücher.Example.', 'xn--bcher-kva.example'],
    ['example.com', 'example.com'],
  ])('%s → %s', (raw, id) => {
    expect(normaliseItemId(raw)).toBe(id);
  });

  it.each([
    ['a local part of 40 × ü (80 octets)', `${'ü'.repeat(40)}@example.com`],
    ['a space inside the local part', 'al ice@example.com'],
    ['a zero-width joiner', 'ali\u200dce@example.com'],
    ['no domain', 'alice@'],
  ])('refuses %s', (_label, raw) => {
    expect(normaliseItemId(raw)).toBeUndefined();
  });
});
