// Prints the ten slowest tests (so that the next slow one is seen), then the plain closing line CI reads:
// "N passed, N failed, N skipped".
import type { Reporter, TestCase, TestModule } from 'vitest/node';

const SLOWEST = 10;

function slowest(modules: ReadonlyArray<TestModule>): string[] {
  const timed: { test: TestCase; ms: number }[] = [];
  for (const m of modules) for (const test of m.children.allTests()) timed.push({ test, ms: test.diagnostic()?.duration ?? 0 });
  return timed
    .sort((a, b) => b.ms - a.ms)
    .slice(0, SLOWEST)
    .map(
      ({ test, ms }) =>
        `${(ms / 1000).toFixed(1).padStart(6)} s  ${test.module.moduleId.replace(/^.*\/test\//, 'test/')} > ${test.fullName.replace(/\s+/g, ' ').slice(0, 140)}`,
    );
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    const count = { passed: 0, failed: 0, skipped: 0 };
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') count.passed++;
        else if (state === 'failed') count.failed++;
        else count.skipped++;
      }
      if (m.state() === 'failed' && ![...m.children.allTests()].some((t) => t.result().state === 'failed')) count.failed++;
    }
    if (errors.length) count.failed += errors.length;
    const slow = slowest(modules);
    if (slow.length) process.stdout.write(`\nSlowest ${slow.length} tests:\n${slow.join('\n')}\n`);
    process.stdout.write(`\n${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`);
  }
}
