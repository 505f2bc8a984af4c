/** What a test expects of a finished `slr` run: done (exit 0, the output given back), or refused (exit 1) saying why. */
import { expect } from 'vitest';
import type { CliResult } from './cli.ts';

export function ok(r: CliResult): CliResult {
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

export function refusedWith(r: CliResult, pattern: RegExp): void {
  expect(r.status, r.stdout + r.stderr).toBe(1);
  expect(r.stderr).toMatch(pattern);
}
