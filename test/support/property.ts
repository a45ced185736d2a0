import fc from 'fast-check';

// How many cases a property test runs, and which seed it starts from.
// `npm test` runs each property's default count; PROPERTY_RUNS=200000 runs
// that many cases per property instead. A failure prints fast-check's
// counterexample with `seed` and `path`: PROPERTY_SEED and PROPERTY_PATH
// replay exactly that case.

export function propertyRuns(defaultRuns: number): number {
  const requested = Number(process.env.PROPERTY_RUNS);
  return Number.isInteger(requested) && requested > 0 ? requested : defaultRuns;
}

/** fast-check parameters for `runs` cases, honouring PROPERTY_SEED and PROPERTY_PATH. */
export function propertyParameters(runs: number): fc.Parameters<unknown> {
  const seed = Number(process.env.PROPERTY_SEED);
  const path = process.env.PROPERTY_PATH;
  return {
    numRuns: runs,
    ...(process.env.PROPERTY_SEED && Number.isInteger(seed) ? { seed } : {}),
    ...(path ? { path } : {}),
  };
}
