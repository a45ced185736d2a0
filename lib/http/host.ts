import { normaliseDomain } from '../email-address';

/** The `Host` header without its port (IPv6 literals keep their brackets). */
const hostWithoutPort = (host: string): string => host.replace(/:\d+$/, '');

/**
 * The domain a request without an address is for: `Host` without port and
 * one leading `label` (`autodiscover.`, `autoconfig.`), normalised; undefined
 * when that is no valid domain.
 */
export function domainFromHost(host: string | undefined, label: string): string | undefined {
  if (!host) return undefined;
  const withoutPort = hostWithoutPort(host).toLowerCase();
  const bare = withoutPort.startsWith(label) ? withoutPort.slice(label.length) : withoutPort;
  return normaliseDomain(bare);
}
