// Dollars per million requests for the default configuration (serverless.yml:
// HTTP API, Lambda arm64 at 256 MB, on-demand table, CloudWatch Logs), from a
// benchmark run's measured inputs and the list prices below. Pure, so
// docs/performance.md's cost table is generated (write-docs.ts) and tested.

export interface Price {
  readonly dollars: number;
  /** The price as the source states it. */
  readonly listed: string;
  readonly source: string;
}

/** us-east-1 list prices, first tier, as published on 2026-11-30 (see each source). */
export const PRICES = {
  httpApiRequest: { dollars: 1.0 / 1e6, listed: '$1.00 per million HTTP API requests (first 300 million a month)', source: 'https://aws.amazon.com/api-gateway/pricing/' },
  lambdaRequest: { dollars: 0.2 / 1e6, listed: '$0.20 per million Lambda requests', source: 'https://aws.amazon.com/lambda/pricing/' },
  lambdaArmGbSecond: {
    dollars: 0.0000133334,
    listed: '$0.0000133334 per GB-second, arm64 (first 7.5 billion GB-s a month); the INIT phase is billed too since 2025-08-01',
    source: 'https://aws.amazon.com/lambda/pricing/ and the AWS Compute Blog, "AWS Lambda standardizes billing for INIT Phase"',
  },
  dynamoReadUnit: { dollars: 0.125 / 1e6, listed: '$0.125 per million on-demand read request units (since the 2024-11-01 price cut)', source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/' },
  logIngestionGb: {
    dollars: 0.5,
    listed: '$0.50 per GB ingested, Standard class (Lambda logs: the first tier of the volume pricing of 2025-05-01, up to 10 TB a month)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
} as const satisfies Record<string, Price>;

/** What the bill depends on, per request. */
export interface CostInputs {
  /** serverless.yml `memorySize`. */
  readonly memoryMb: number;
  /** Share of requests that wait for a DynamoDB round trip (measured: round trips per request). */
  readonly roundTripsPerRequest: number;
  /** Items asked of DynamoDB per request (measured); each is half a read unit (eventually consistent, under 4 KB). */
  readonly itemsPerRequest: number;
  /** The request's own log line (measured). */
  readonly logLineBytes: number;
  /** Lambda's START/END/REPORT lines: 0 with `systemLogLevel: WARN` (serverless.yml). */
  readonly platformLogBytes: number;
  /** The HTTP API access log line (serverless.yml `logs.httpApi.format`). */
  readonly accessLogBytes: number;
  /** Assumed: how long a DynamoDB round trip keeps the function billed, inside the region. */
  readonly roundTripMs: number;
  /** Assumed: cold starts per request, and the INIT phase each bills. */
  readonly coldStartShare: number;
  readonly initMs: number;
}

export interface CostLine {
  readonly item: string;
  /** The arithmetic, in words and numbers. */
  readonly formula: string;
  readonly dollarsPerMillion: number;
}

const GB = 1e9; // bytes; AWS bills 2^30, so 10^9 errs on the high side

/** Lambda bills whole milliseconds with a 1 ms minimum; a warm cached answer takes microseconds. */
export const billedMsPerRequest = (inputs: CostInputs): number => 1 + inputs.roundTripsPerRequest * inputs.roundTripMs;

export function costPerMillion(inputs: CostInputs): { lines: CostLine[]; total: number } {
  const million = 1e6;
  const gb = inputs.memoryMb / 1024;
  const billedMs = billedMsPerRequest(inputs);
  const logBytes = inputs.logLineBytes + inputs.platformLogBytes + inputs.accessLogBytes;
  const fix = (n: number, digits = 4) => n.toFixed(digits).replace(/\.?0+$/, '');
  const lines: CostLine[] = [
    { item: 'API Gateway HTTP API', formula: `1,000,000 × $${(PRICES.httpApiRequest.dollars * million).toFixed(2)}/M`, dollarsPerMillion: million * PRICES.httpApiRequest.dollars },
    { item: 'Lambda requests', formula: `1,000,000 × $${(PRICES.lambdaRequest.dollars * million).toFixed(2)}/M`, dollarsPerMillion: million * PRICES.lambdaRequest.dollars },
    {
      item: 'Lambda duration (invoke)',
      formula: `1,000,000 × ${fix(billedMs, 3)} ms (1 + ${fix(inputs.roundTripsPerRequest, 4)} round trips × ${inputs.roundTripMs} ms) × ${fix(gb, 3)} GB × $${PRICES.lambdaArmGbSecond.dollars}/GB-s`,
      dollarsPerMillion: (million * billedMs * gb * PRICES.lambdaArmGbSecond.dollars) / 1000,
    },
    {
      item: 'Lambda duration (INIT, cold starts)',
      formula: `1,000,000 × ${inputs.coldStartShare} cold starts × ${inputs.initMs} ms × ${fix(gb, 3)} GB × $${PRICES.lambdaArmGbSecond.dollars}/GB-s`,
      dollarsPerMillion: (million * inputs.coldStartShare * inputs.initMs * gb * PRICES.lambdaArmGbSecond.dollars) / 1000,
    },
    {
      item: 'DynamoDB on-demand reads',
      formula: `1,000,000 × ${fix(inputs.itemsPerRequest, 4)} items × 0.5 RRU × $${fix(PRICES.dynamoReadUnit.dollars * million, 3)}/M RRU`,
      dollarsPerMillion: million * inputs.itemsPerRequest * 0.5 * PRICES.dynamoReadUnit.dollars,
    },
    {
      item: 'CloudWatch Logs ingestion',
      formula: `1,000,000 × ${Math.round(logBytes)} bytes (line ${Math.round(inputs.logLineBytes)} + platform ${inputs.platformLogBytes} + access log ${inputs.accessLogBytes}) ÷ 10^9 × $${PRICES.logIngestionGb.dollars.toFixed(2)}/GB`,
      dollarsPerMillion: ((million * logBytes) / GB) * PRICES.logIngestionGb.dollars,
    },
  ];
  return { lines, total: lines.reduce((sum, line) => sum + line.dollarsPerMillion, 0) };
}
