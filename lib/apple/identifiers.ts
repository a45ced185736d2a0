import { createHash } from 'node:crypto';
import type { EmailAddress } from '../email-address';

// Profile and payload identifiers derived from the address, never random:
// installing a profile for the same address again replaces the accounts it
// installed before instead of adding a second copy.

// This project's own name space for RFC 4122 name-based UUIDs (itself a
// random UUID). Changing it changes every identifier, and every device that
// installs a new profile would then keep the old accounts too.
const PROFILE_NAMESPACE = Buffer.from('91410321-8918-4cc3-9741-fddb945c0fe8'.replace(/-/g, ''), 'hex');

/** An RFC 4122 version 5 (SHA-1, name-based) UUID, upper case as Apple's `uuidgen` writes them. */
export function nameBasedUuid(name: string, namespace: Uint8Array = PROFILE_NAMESPACE): string {
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16).toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `example.com` → `com.example`: the reverse-DNS start Apple asks identifiers to have. */
const reverseDomain = (domain: string): string => domain.split('.').reverse().join('.');

/**
 * The profile's `PayloadIdentifier`: the domain reversed and a UUID named by
 * the mailbox (the local part compared case-insensitively, as the tenant
 * contract does), so the identifier names the account without spelling the
 * address.
 */
export const profileIdentifier = (address: EmailAddress): string =>
  `${reverseDomain(address.domain)}.mobileconfig.${nameBasedUuid(address.mailboxId)}`;

/** A payload's identifier: the profile's, one more component. */
export const payloadIdentifier = (profile: string, suffix: string): string => `${profile}.${suffix}`;
