import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { RawItem } from '../../lib/tenants/dynamodb';

// The benchmark's synthetic hosting provider and its request stream, seeded
// so every run sees the same items and the same requests.

export const WORKLOAD = {
  hostedDomains: 5000,
  /** Every 20th hosted domain is an alias of a domain that is not. */
  aliasEvery: 20,
  /** Share of requests for domains that are not hosted, drawn from this many names. */
  unhostedShare: 0.05,
  unhostedNames: 2000,
  /** Addresses per domain; which one asks is Zipf-distributed too (a few people per domain ask most). */
  usersPerDomain: 5,
  /** Every 50th address has a mailbox item (a display name). */
  mailboxItemEvery: 50,
  /** Zipf exponent for domains and for users within a domain. */
  zipfExponent: 1,
} as const;

export const domainName = (rank: number): string => `d${rank}.bench.example`;
export const unhostedName = (rank: number): string => `u${rank}.nowhere.example`;
export const isAliasRank = (rank: number): boolean => rank % WORKLOAD.aliasEvery === WORKLOAD.aliasEvery - 1;
export const localPart = (user: number): string => `user${user}`;

const hasMailboxItem = (rank: number, user: number): boolean => (rank * WORKLOAD.usersPerDomain + user) % WORKLOAD.mailboxItemEvery === 0;

export function benchItems(): RawItem[] {
  const items: RawItem[] = [];
  for (let rank = 0; rank < WORKLOAD.hostedDomains; rank++) {
    const id = domainName(rank);
    // Domains announce whether they have mailbox items, as the admin CLI writes them.
    const hasMailboxes = Array.from({ length: WORKLOAD.usersPerDomain }, (_, user) => hasMailboxItem(rank, user)).includes(true);
    if (isAliasRank(rank)) items.push({ id, aliasOf: domainName(rank - 1), hasMailboxes });
    else {
      items.push({
        id,
        protocols: [
          { type: 'IMAP', server: `imap.${id}`, port: 993, tls: 'implicit' },
          { type: 'POP3', server: `pop.${id}`, port: 995, tls: 'implicit' },
          { type: 'SMTP', server: `smtp.${id}`, port: 587, tls: 'starttls' },
        ],
        hasMailboxes,
      });
    }
    for (let user = 0; user < WORKLOAD.usersPerDomain; user++) {
      if (hasMailboxItem(rank, user)) {
        items.push({ id: `${localPart(user)}@${id}`, displayName: `User ${user} of ${id}` });
      }
    }
  }
  return items;
}

/** mulberry32: a small seeded PRNG, so runs are repeatable. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws ranks 0..n-1 with probability proportional to 1/(rank+1)^s. */
export function zipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / (i + 1) ** s;
  return () => {
    const target = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** The request mix: an endless stream of addresses (hosted domains by Zipf rank, plus unhosted ones). */
export function addressStream(seed: number): () => string {
  const random = seededRandom(seed);
  const hosted = zipf(WORKLOAD.hostedDomains, WORKLOAD.zipfExponent, random);
  const unhosted = zipf(WORKLOAD.unhostedNames, WORKLOAD.zipfExponent, random);
  const user = zipf(WORKLOAD.usersPerDomain, WORKLOAD.zipfExponent, random);
  return () =>
    random() < WORKLOAD.unhostedShare ? `${localPart(user())}@${unhostedName(unhosted())}` : `${localPart(user())}@${domainName(hosted())}`;
}

const OUTLOOK_REQUEST = (address: string) =>
  `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>${address}</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>`;

/** An API Gateway HTTP API (payload 2.0) event as Outlook's POST arrives. */
export function postEvent(address: string): APIGatewayProxyEventV2 {
  const domain = address.slice(address.indexOf('@') + 1);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/autodiscover/autodiscover.xml',
    rawQueryString: '',
    headers: {
      host: `autodiscover.${domain}`,
      'content-type': 'text/xml',
      'user-agent': 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)',
      'content-length': String(OUTLOOK_REQUEST(address).length),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'bench',
      domainName: `autodiscover.${domain}`,
      domainPrefix: 'autodiscover',
      http: { method: 'POST', path: '/autodiscover/autodiscover.xml', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'Outlook' },
      requestId: 'bench',
      routeKey: '$default',
      stage: '$default',
      time: '27/Nov/2026:00:00:00 +0000',
      timeEpoch: 0,
    },
    body: OUTLOOK_REQUEST(address),
    isBase64Encoded: false,
  };
}
