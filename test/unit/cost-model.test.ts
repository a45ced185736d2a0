import { describe, expect, it } from 'vitest';
import { billedMsPerRequest, costPerMillion, PRICES, type CostInputs } from '../../infra/bench/cost-model';

// The cost table in docs/performance.md is generated from this model: its
// arithmetic, checked against the same sums done by hand.

const inputs: CostInputs = {
  memoryMb: 256,
  roundTripsPerRequest: 0.1,
  itemsPerRequest: 0.15,
  logLineBytes: 500,
  platformLogBytes: 0,
  accessLogBytes: 71,
  roundTripMs: 5,
  coldStartShare: 0.01,
  initMs: 400,
};

describe('cost per million requests', () => {
  it('adds up each service as priced, and says how', () => {
    const { lines, total } = costPerMillion(inputs);
    const byItem = Object.fromEntries(lines.map((line) => [line.item, line.dollarsPerMillion]));
    expect(byItem['API Gateway HTTP API']).toBeCloseTo(1.0, 10);
    expect(byItem['Lambda requests']).toBeCloseTo(0.2, 10);
    // 1 ms minimum + 0.1 × 5 ms = 1.5 ms of 0.25 GB per request.
    expect(billedMsPerRequest(inputs)).toBeCloseTo(1.5, 10);
    expect(byItem['Lambda duration (invoke)']).toBeCloseTo(1e6 * 0.0015 * 0.25 * 0.0000133334, 10);
    expect(byItem['Lambda duration (INIT, cold starts)']).toBeCloseTo(1e4 * 0.4 * 0.25 * 0.0000133334, 10);
    expect(byItem['DynamoDB on-demand reads']).toBeCloseTo(1e6 * 0.15 * 0.5 * 0.125e-6, 10);
    expect(byItem['CloudWatch Logs ingestion']).toBeCloseTo((1e6 * 571 * 0.5) / 1e9, 10);
    expect(total).toBeCloseTo(lines.reduce((sum, line) => sum + line.dollarsPerMillion, 0), 10);
    expect(lines.find((line) => line.item === 'CloudWatch Logs ingestion')!.formula).toContain('571 bytes');
  });

  it('prices log bytes and round trips, so shorter lines and fewer reads lower the total', () => {
    const base = costPerMillion(inputs).total;
    expect(costPerMillion({ ...inputs, logLineBytes: 400 }).total).toBeCloseTo(base - (1e6 * 100 * PRICES.logIngestionGb.dollars) / 1e9, 10);
    expect(costPerMillion({ ...inputs, roundTripsPerRequest: 0, itemsPerRequest: 0 }).total).toBeLessThan(base);
  });
});
