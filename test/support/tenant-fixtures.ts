import { parseEmailAddress, type EmailAddress } from '../../lib/email-address';
import type { HostedDomainItem, MailboxItem, ProtocolEntry } from '../../lib/tenants/model';
import type { Tenant } from '../../lib/tenants/resolve';
import { validateTenantItem } from '../../lib/tenants/validate';

// Inputs for the renderers' unit tests, built as the request path builds
// them: addresses through the real parser, tenants from items that pass the contract.

/** The contract example's servers. */
export const IMAP: ProtocolEntry = { type: 'IMAP', server: 'imap.mail.example.net', port: 993, tls: 'implicit' };
export const POP3: ProtocolEntry = { type: 'POP3', server: 'pop.mail.example.net', port: 995, tls: 'implicit' };
export const SMTP: ProtocolEntry = { type: 'SMTP', server: 'smtp.mail.example.net', port: 587, tls: 'starttls' };

export function address(raw: string): EmailAddress {
  const parsed = parseEmailAddress(raw);
  if (!parsed) throw new Error(`test address ${raw} is invalid`);
  return parsed;
}

/** A tenant as the resolver hands it over; `requested` names an alias of `domainItem`. */
export function tenant(domainItem: HostedDomainItem, mailbox?: MailboxItem, requested = domainItem.id): Tenant {
  for (const item of [domainItem, ...(mailbox ? [mailbox] : [])]) {
    const result = validateTenantItem(item);
    if (!result.valid) throw new Error(`test item ${item.id} is invalid: ${JSON.stringify(result.problems)}`);
  }
  return {
    domain: requested,
    settings: domainItem,
    ...(requested !== domainItem.id ? { aliasOf: domainItem.id } : {}),
    ...(mailbox ? { mailbox } : {}),
  };
}
