import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the plain closing line CI reads: `vitest: N passed, N failed, N skipped`.
 * Vitest's own summary ("Tests 2 passed (2)") is not in that form.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
      // A file that failed to load has no tests but is a failure all the same.
      if (testModule.state() === 'failed' && ![...testModule.children.allTests()].some((t) => t.result().state === 'failed')) counts.failed++;
    }
    counts.failed += unhandledErrors.length;
    process.stdout.write(`\nvitest: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
