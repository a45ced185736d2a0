import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { RawItem } from '../../lib/tenants/dynamodb';
import { GENERATION_ID } from '../../lib/tenants/model';

// The benchmark's synthetic hosting provider and its request stream, seeded
// so every run sees the same items and the same requests.
//
// Domain sizes are heavy-tailed (one customer with 20,000 mailboxes, thousands
// with one or two); a request is a mailbox set up on some client, drawn
// uniformly over all mailboxes, so a domain's traffic follows its size and
// addresses rarely repeat within a cache's lifetime, as account set-ups across
// a provider's customers do. Per-address overrides are rare and belong to a
// few customers that use them for half their users.

export const WORKLOAD = {
  hostedDomains: 5000,
  /** Mailboxes of the domain at rank r: round(largestDomain / (r + 1)^sizeExponent), at least 1. */
  largestDomain: 20_000,
  sizeExponent: 1.2,
  /** Every 20th hosted domain is an alias of a domain that is not. */
  aliasEvery: 20,
  /** The domains whose mailboxes have override items, every `overrideEvery`th of them (about 2 % of all mailboxes). */
  overrideRanks: [5, 14, 33, 62, 101, 160, 256] as readonly number[],
  overrideEvery: 2,
  /** Share of requests for domains that are not hosted, drawn by Zipf rank from this many names. */
  unhostedShare: 0.05,
  unhostedNames: 2000,
  /** Share of requests for a random local part at a hosted domain (probes, typos). */
  probeShare: 0.01,
  zipfExponent: 1,
} as const;

export const domainName = (rank: number): string => `d${rank}.bench.example`;
export const unhostedName = (rank: number): string => `u${rank}.nowhere.example`;
export const isAliasRank = (rank: number): boolean => rank % WORKLOAD.aliasEvery === WORKLOAD.aliasEvery - 1;
export const localPart = (user: number): string => `user${user}`;
export const domainSize = (rank: number): number => Math.max(1, Math.round(WORKLOAD.largestDomain / (rank + 1) ** WORKLOAD.sizeExponent));
const hasOverrides = (rank: number): boolean => WORKLOAD.overrideRanks.includes(rank);

export function benchItems(): RawItem[] {
  // The table has a generation item, as the admin CLI leaves it: caches keep items up to their long TTL.
  const items: RawItem[] = [{ id: GENERATION_ID, generation: 1 }];
  for (let rank = 0; rank < WORKLOAD.hostedDomains; rank++) {
    const id = domainName(rank);
    // Domains say whether they have mailbox items, as the admin CLI writes them.
    const flag = { hasMailboxes: hasOverrides(rank) };
    if (isAliasRank(rank)) items.push({ id, aliasOf: domainName(rank - 1), ...flag });
    else {
      items.push({
        id,
        protocols: [
          { type: 'IMAP', server: `imap.${id}`, port: 993, tls: 'implicit' },
          { type: 'POP3', server: `pop.${id}`, port: 995, tls: 'implicit' },
          { type: 'SMTP', server: `smtp.${id}`, port: 587, tls: 'starttls' },
        ],
        ...flag,
      });
    }
    if (!hasOverrides(rank)) continue;
    for (let user = 0; user < domainSize(rank); user += WORKLOAD.overrideEvery) {
      items.push({ id: `${localPart(user)}@${id}`, displayName: `User ${user} of ${id}` });
    }
  }
  return items;
}

/** Mailbox and override counts of the workload, for the benchmark's report. */
export function workloadShape(): { mailboxes: number; overrideItems: number; overrideShare: number; largestDomains: number[] } {
  let mailboxes = 0;
  let overrideItems = 0;
  for (let rank = 0; rank < WORKLOAD.hostedDomains; rank++) {
    mailboxes += domainSize(rank);
    if (hasOverrides(rank)) overrideItems += Math.ceil(domainSize(rank) / WORKLOAD.overrideEvery);
  }
  return {
    mailboxes,
    overrideItems,
    overrideShare: overrideItems / mailboxes,
    largestDomains: [0, 1, 2, 10, 100, 1000].map(domainSize),
  };
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

/** Draws indexes 0..weights.length-1 with probability proportional to their weight. */
export function weighted(weights: ArrayLike<number>, random: () => number): () => number {
  const cdf = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) cdf[i] = total += weights[i]!;
  return () => {
    const target = random() * total;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Draws ranks 0..n-1 with probability proportional to 1/(rank+1)^s. */
export const zipf = (n: number, s: number, random: () => number): (() => number) =>
  weighted(Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s), random);

/**
 * The request mix, an endless stream of addresses: a mailbox drawn uniformly
 * over all hosted mailboxes (so a domain by its size), a random local part at
 * such a domain (`probeShare`), or any address at an unhosted domain (Zipf).
 */
export function addressStream(seed: number): () => string {
  const random = seededRandom(seed);
  const sizes = Array.from({ length: WORKLOAD.hostedDomains }, (_, rank) => domainSize(rank));
  const hosted = weighted(sizes, random);
  const unhosted = zipf(WORKLOAD.unhostedNames, WORKLOAD.zipfExponent, random);
  const randomLocalPart = () => `x${Math.floor(random() * 2 ** 32).toString(36)}`;
  return () => {
    const kind = random();
    if (kind < WORKLOAD.unhostedShare) return `${randomLocalPart()}@${unhostedName(unhosted())}`;
    const rank = hosted();
    if (kind < WORKLOAD.unhostedShare + WORKLOAD.probeShare) return `${randomLocalPart()}@${domainName(rank)}`;
    return `${localPart(Math.floor(random() * sizes[rank]!))}@${domainName(rank)}`;
  };
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
