// The Apple configuration profile vocabulary as data (Apple's device
// management reference, payloads TopLevel, com.apple.mail.managed,
// com.apple.caldav.account and com.apple.carddav.account). Renderers read
// these tables; nothing else spells profile keys or values.

import type { AuthMode, MailProtocolType, TlsMode } from '../tenants/model';

export const PLIST_DOCTYPE = {
  name: 'plist',
  pubID: '-//Apple//DTD PLIST 1.0//EN',
  sysID: 'http://www.apple.com/DTDs/PropertyList-1.0.dtd',
} as const;

export const PROFILE_MEDIA_TYPE = 'application/x-apple-aspen-config';
export const PROFILE_FILE_EXTENSION = '.mobileconfig';

export const PAYLOAD_TYPES = {
  profile: 'Configuration',
  mail: 'com.apple.mail.managed',
  calDav: 'com.apple.caldav.account',
  cardDav: 'com.apple.carddav.account',
} as const;

/** The only version Apple defines, for the profile and every payload. */
export const PAYLOAD_VERSION = 1;

/** Incoming protocol types a mail payload can carry, in the order payloads are written (IMAP before POP3). */
export const EMAIL_ACCOUNT_TYPES: ReadonlyMap<MailProtocolType, string> = new Map([
  ['IMAP', 'EmailTypeIMAP'],
  ['POP3', 'EmailTypePOP'],
]);

/** tenant `auth` → `…MailServerAuthentication` (SPA is NTLM to Apple Mail). */
export const EMAIL_AUTH: Readonly<Record<AuthMode, string>> = {
  password: 'EmailAuthPassword',
  spa: 'EmailAuthNTLM',
  none: 'EmailAuthNone',
};

/**
 * tenant `tls` → `…MailServerUseSSL`. The profile has one boolean; Apple Mail
 * with it on speaks TLS, implicitly or by STARTTLS as the port answers, so
 * both TLS modes are true and only `none` is false.
 */
export const EMAIL_USE_SSL: Readonly<Record<TlsMode, boolean>> = {
  implicit: true,
  starttls: true,
  none: false,
};

/** The keys of a CalDAV or CardDAV account payload, which differ only by prefix. */
export const DAV_PAYLOADS = {
  calDav: { type: PAYLOAD_TYPES.calDav, prefix: 'CalDAV', label: 'Calendar' },
  cardDav: { type: PAYLOAD_TYPES.cardDav, prefix: 'CardDAV', label: 'Contacts' },
} as const;

/** The port of a DAV URL without one: the contract admits only https:// URLs. */
export const HTTPS_PORT = 443;
