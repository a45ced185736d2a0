import { domainToUnicode } from 'node:url';
import { isAlias, isMailboxId, type DomainItem, type TenantItem } from '../../lib/tenants/model';

// `GET /` on the local server only (production keeps its empty 404): what to try.

/** The routes a developer can call, with an example query (demo address filled in). */
const ROUTES: readonly { readonly method: string; readonly path: string; readonly what: string }[] = [
  { method: 'POST', path: '/autodiscover/autodiscover.xml', what: 'Outlook POX (body: an Autodiscover request)' },
  { method: 'GET', path: '/autodiscover/autodiscover.xml', what: 'Delta Chat\'s bodiless POX; the domain comes from Host' },
  { method: 'GET', path: '/mail/config-v1.1.xml?emailaddress=ADDRESS', what: 'Mozilla autoconfig' },
  { method: 'GET', path: '/mail/config-v1.1.xml', what: 'Mozilla autoconfig as K-9 and KMail ask: the domain comes from Host (autoconfig.DOMAIN)' },
  { method: 'GET', path: '/autodiscover/autodiscover.json?Email=ADDRESS&Protocol=AutodiscoverV1', what: 'Autodiscover v2 JSON' },
  { method: 'GET', path: '/apple/mobileconfig?email=ADDRESS', what: 'Apple configuration profile (iPhone, iPad, Mac)' },
];

/** Addresses worth asking about: one per domain item, plus each mailbox item's own. */
export function demoAddresses(items: readonly TenantItem[]): string[] {
  return items.map((item) => {
    if (isMailboxId(item.id)) return `${item.id}  (mailbox item)`;
    const domain = item as DomainItem;
    const note = isAlias(domain) ? `alias of ${domain.aliasOf}` : domain.enabled === false ? 'disabled' : domain.redirectUrl ? 'redirectUrl' : 'domain';
    // IDN domains as people type them; the responder normalises either form.
    return `someone@${domainToUnicode(domain.id)}  (${note})`;
  });
}

export function indexPage(baseUrl: string, items: readonly TenantItem[]): string {
  const lines = ['Autodiscover responder, local run', '', 'Routes:'];
  for (const route of ROUTES) lines.push(`  ${route.method.padEnd(5)} ${baseUrl}${route.path}`, `        ${route.what}`);
  lines.push('', 'Demo addresses (infra/local/demo-tenants.json):', ...demoAddresses(items).map((address) => `  ${address}`));
  return `${lines.join('\n')}\n`;
}
