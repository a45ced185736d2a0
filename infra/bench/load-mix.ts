import { WORKLOAD, domainName, domainSize, isAliasRank, seededRandom, unhostedName, weighted, zipf } from './workload';

// `npm run load`'s traffic, as data: each row a kind of request, its share of
// the run, and the statuses it may get (README, "How requests are answered"). Pure, so the mix and
// the verdict are unit-tested (test/unit/load-mix.test.ts) without a server.

export interface LoadRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface LoadRow {
  readonly name: string;
  /** Share of the run's requests, before optional rows that are left out are shared among the others. */
  readonly share: number;
  /** Statuses this row may get; anything else fails the run. */
  readonly allowed: readonly number[];
  /** Sent only when a probe of it answers one of `allowed` (a route another change adds). */
  readonly optional?: boolean;
  readonly build: (draw: Draw) => LoadRequest;
}

/** The random choices a row makes, from one seeded stream. */
interface Draw {
  /** A hosted domain by mailbox count (so by its traffic), never an alias. */
  hostedRank(): number;
  /** A local part of an existing mailbox of that domain. */
  mailbox(rank: number): string;
  /** An unhosted name, Zipf-distributed (the same names come back). */
  unhosted(): string;
  /** A fresh token: a random local part or a domain label never asked before. */
  fresh(): string;
  pick<T>(items: readonly T[]): T;
}

const OUTLOOK_BODY = (address: string) =>
  `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>${address}</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>`;

const POX_PATH = '/autodiscover/autodiscover.xml';
const poxPost = (address: string): LoadRequest => ({ method: 'POST', path: POX_PATH, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: OUTLOOK_BODY(address) });
const poxGet = (domain: string): LoadRequest => ({ method: 'GET', path: POX_PATH, headers: { host: `autodiscover.${domain}` } });

/** A few addresses every instance keeps answering from memory. */
const CACHED_ADDRESSES = Array.from({ length: 20 }, (_, i) => `user${i % 5}@${domainName(i % 4)}`);
const ALIAS_RANKS = Array.from({ length: 10 }, (_, i) => i * WORKLOAD.aliasEvery + WORKLOAD.aliasEvery - 1);
const MALFORMED_BODIES = ['not xml at all', '<?xml version="1.0"?><Autodiscover><Request>', '<Autodiscover xmlns="urn:other"><Request/></Autodiscover>'];

export const LOAD_MIX: readonly LoadRow[] = [
  { name: 'cached POST', share: 0.4, allowed: [200], build: (d) => poxPost(d.pick(CACHED_ADDRESSES)) },
  { name: 'distinct address POST', share: 0.2, allowed: [200], build: (d) => { const rank = d.hostedRank(); return poxPost(`${d.mailbox(rank)}@${domainName(rank)}`); } },
  { name: 'random address POST (probe)', share: 0.03, allowed: [200], build: (d) => poxPost(`${d.fresh()}@${domainName(d.hostedRank())}`) },
  { name: 'unhosted POST', share: 0.08, allowed: [404], build: (d) => poxPost(`${d.fresh()}@${d.unhosted()}`) },
  { name: 'alias POST', share: 0.05, allowed: [200], build: (d) => poxPost(`${d.mailbox(0)}@${domainName(d.pick(ALIAS_RANKS))}`) },
  { name: 'malformed POST', share: 0.05, allowed: [200], build: (d) => ({ method: 'POST', path: POX_PATH, headers: { 'content-type': 'text/xml' }, body: d.pick(MALFORMED_BODIES) }) },
  { name: 'flood POST (never-seen domains)', share: 0.05, allowed: [404], build: (d) => poxPost(`${d.fresh()}@${d.fresh()}.flood.example`) },
  { name: 'GET hosted', share: 0.08, allowed: [200], build: (d) => poxGet(domainName(d.hostedRank())) },
  { name: 'GET unhosted', share: 0.03, allowed: [404], build: (d) => poxGet(d.unhosted()) },
  {
    name: 'GET autoconfig (Thunderbird)',
    share: 0.03,
    allowed: [200],
    optional: true,
    build: (d) => {
      const rank = d.hostedRank();
      return { method: 'GET', path: `/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(`${d.mailbox(rank)}@${domainName(rank)}`)}`, headers: { host: `autoconfig.${domainName(rank)}` } };
    },
  },
];

export interface PlannedRequest extends LoadRequest {
  /** Index into the rows the plan was made from. */
  readonly row: number;
}

function draws(seed: number): Draw {
  const random = seededRandom(seed);
  const sizes = Array.from({ length: WORKLOAD.hostedDomains }, (_, rank) => (isAliasRank(rank) ? 0 : domainSize(rank)));
  const hosted = weighted(sizes, random);
  const unhosted = zipf(WORKLOAD.unhostedNames, WORKLOAD.zipfExponent, random);
  let counter = 0;
  return {
    hostedRank: hosted,
    mailbox: (rank) => `user${Math.floor(random() * domainSize(rank))}`,
    unhosted: () => unhostedName(unhosted()),
    fresh: () => `x${(counter++).toString(36)}${Math.floor(random() * 2 ** 32).toString(36)}`,
    pick: (items) => items[Math.floor(random() * items.length)]!,
  };
}

/** `count` requests of `rows`, each row in proportion to its share, in a seeded random order. */
export function planRequests(rows: readonly LoadRow[], count: number, seed: number): PlannedRequest[] {
  const draw = draws(seed);
  const choose = weighted(rows.map((row) => row.share), seededRandom(seed ^ 0x5eed));
  return Array.from({ length: count }, () => {
    const row = choose();
    return { ...rows[row]!.build(draw), row };
  });
}

/** What a run observed, per row and as a whole. */
export interface LoadObservation {
  readonly statuses: ReadonlyArray<Readonly<Record<number, number>>>;
  readonly connectionErrors: number;
  readonly timeouts: number;
  readonly requests: number;
  /** GetItem and BatchGetItem requests that reached DynamoDB during the run. */
  readonly dynamoReads: number;
}

export const MAX_READS_PER_REQUEST = 0.25;

/** Every way the run broke its promises, in words; empty when it kept them all. */
export function loadVerdict(rows: readonly LoadRow[], observed: LoadObservation): string[] {
  const problems: string[] = [];
  rows.forEach((row, i) => {
    for (const [status, count] of Object.entries(observed.statuses[i] ?? {})) {
      if (!row.allowed.includes(Number(status))) problems.push(`${row.name}: ${count} × HTTP ${status} (allowed: ${row.allowed.join(', ')})`);
    }
  });
  if (observed.connectionErrors > 0) problems.push(`${observed.connectionErrors} connection errors`);
  if (observed.timeouts > 0) problems.push(`${observed.timeouts} timeouts`);
  const answered = observed.statuses.reduce((sum, byStatus) => sum + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
  if (answered !== observed.requests) problems.push(`${observed.requests} requests sent, ${answered} answered`);
  const readsPerRequest = observed.requests === 0 ? 0 : observed.dynamoReads / observed.requests;
  if (readsPerRequest > MAX_READS_PER_REQUEST) problems.push(`DynamoDB reads per request ${readsPerRequest.toFixed(3)} > ${MAX_READS_PER_REQUEST}`);
  return problems;
}
