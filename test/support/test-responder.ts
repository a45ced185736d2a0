import type { LogSink } from '../../lib/observability/request-log';
import { createResponder } from '../../lib/responder';
import type { RawItem } from '../../lib/tenants/dynamodb';
import { DEFAULT_CACHE_SETTINGS, TenantCache } from '../../lib/tenants/cache';
import { createTestTable } from './tenant-table';

// The whole handler over a real dynalite table holding one tenant per kind of
// answer (settings, MobileSync, both redirects, empty list, broken item,
// alias, IDN, disabled), for tests that throw many requests at it.

const IMAP = { type: 'IMAP', server: 'imap.mail.example.net', port: 993, tls: 'implicit' };
const SMTP = { type: 'SMTP', server: 'smtp.mail.example.net', port: 587, tls: 'starttls' };

export const ANSWER_KIND_TENANTS: readonly RawItem[] = [
  { id: 'example.com', provider: { name: 'Example Mail' }, protocols: [IMAP, SMTP], activeSync: { url: 'https://eas.mail.example.net/Microsoft-Server-ActiveSync' } },
  { id: 'alice@example.com', displayName: 'Alice Liddell' },
  { id: 'bob@example.com', redirectAddr: 'bob@new.example' },
  { id: 'example.org', protocols: [{ ...IMAP, username: '%EMAILLOCALPART%' }] },
  { id: 'alias.example', aliasOf: 'example.com' },
  { id: 'xn--bcher-kva.example', protocols: [IMAP] },
  { id: 'redirect.example', protocols: [IMAP], redirectUrl: 'https://autodiscover.other.example/autodiscover/autodiscover.xml' },
  { id: 'empty.example', protocols: [] },
  { id: 'broken.example', protocols: [{ ...IMAP, port: 0 }] },
  { id: 'off.example', protocols: [IMAP], enabled: false },
];

/** The domains a generated request may name: each hosted kind, plus unhosted ones. */
export const ANSWER_KIND_DOMAINS = ['example.com', 'Example.COM.', 'example.org', 'alias.example', 'bücher.example', 'redirect.example', 'empty.example', 'broken.example', 'off.example', 'unhosted.example'];

export async function createTestResponder(label: string, log: LogSink, items: readonly RawItem[] = ANSWER_KIND_TENANTS) {
  // Through the per-instance cache, as in production: thousands of requests stay fast.
  const cache = new TenantCache(await createTestTable(label, items), DEFAULT_CACHE_SETTINGS);
  return createResponder({
    lookupTenant: (domain, mailboxId, report) => cache.lookup(domain, mailboxId, report),
    log,
    responderId: 1,
  });
}
