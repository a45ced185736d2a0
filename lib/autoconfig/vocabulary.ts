// Mozilla autoconfig (clientConfig 1.1, draft-bucksch-autoconfig) as data:
// paths, element and attribute values, and the mappings from the tenant
// contract's words to autoconfig's. Renderers read these tables; nothing
// else spells autoconfig strings.

import type { HostedDecision, MailServer } from '../resolution/decision';
import type { AuthMode, MailProtocolType, TlsMode } from '../tenants/model';

/** Where clients ask (lower case; the router matches case-insensitively). */
export const AUTOCONFIG_PATHS = [
  // Thunderbird, K-9 / Thunderbird for Android, Evolution, KMail, Delta Chat on autoconfig.<domain>
  '/mail/config-v1.1.xml',
  // the same clients on the mail domain itself
  '/.well-known/autoconfig/mail/config-v1.1.xml',
  // the IETF draft's URL on autoconfig.<domain> (GNOME Online Accounts asks it first)
  '/.well-known/mail-v1.xml',
] as const;

/** The query parameter that carries the address (Thunderbird, Evolution, GNOME); matched exactly, as clients send it. */
export const ADDRESS_PARAMETER = 'emailaddress';

/** The label a `Host` may start with, removed to find the domain when no address is given. */
export const HOST_LABEL = 'autoconfig.';

export const CLIENT_CONFIG_VERSION = '1.1';

/** tenant `type` → `incomingServer` / `outgoingServer` `type` attribute. */
export const SERVER_TYPES: Readonly<Record<MailProtocolType, string>> = { IMAP: 'imap', POP3: 'pop3', SMTP: 'smtp' };

/** A server's direction → its element. */
export const SERVER_ELEMENTS: Readonly<Record<MailServer['direction'], string>> = {
  incoming: 'incomingServer',
  outgoing: 'outgoingServer',
};

/** tenant `tls` → `socketType`. */
export const SOCKET_TYPES: Readonly<Record<TlsMode, string>> = { implicit: 'SSL', starttls: 'STARTTLS', none: 'plain' };

/** tenant `auth` → `authentication`. */
export const AUTHENTICATION: Readonly<Record<AuthMode, string>> = { password: 'password-cleartext', spa: 'NTLM', none: 'none' };

/**
 * Calendar and contacts servers: the decision's URL → the draft's element
 * (a child of `clientConfig`, after `emailProvider`) and its `type`.
 */
export const DAV_SERVICES: ReadonlyArray<{ readonly url: keyof HostedDecision & `${string}DavUrl`; readonly element: string; readonly type: string }> = [
  { url: 'cardDavUrl', element: 'addressBook', type: 'carddav' },
  { url: 'calDavUrl', element: 'calendar', type: 'caldav' },
];

/** CalDAV and CardDAV servers take the mail password over HTTP Basic. */
export const DAV_AUTHENTICATION = 'http-basic';
