// The README's walkthrough, run as written: every line of its shell block, in bash, with `slr` the real CLI,
// in an empty directory. If the README and the CLI part ways, this fails.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SLR } from './helpers/cli.ts';
import { scaled } from './helpers/time-scale.ts';

describe("the README's walkthrough", () => {
  it('runs, every command, from an empty directory, and ends as it says', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /## Walkthrough[^\n]*\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, 'the README has a walkthrough').toBeTruthy();
    const dir = mkdtempSync(join(tmpdir(), 'slr-walkthrough-'));
    const bin = mkdtempSync(join(tmpdir(), 'slr-bin-'));
    writeFileSync(join(bin, 'slr'), `#!/bin/sh\nexec "${process.execPath}" "${SLR}" "$@"\n`);
    chmodSync(join(bin, 'slr'), 0o755);
    // -e: the first command that fails stops it; -x: the log says which.
    const r = spawnSync('bash', ['-e', '-x', '-c', block!], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, SLR_NOW: '2026-08-03T10:00:00Z' },
      timeout: scaled(120_000),
    });
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    // It ends as the README says: 5 of 10 reserved (by the replacement), and the log intact.
    expect(r.stdout).toMatch(/Default\s+UCM_Basic\s+\S+\s+-\s+10\s+5\s+0\s+5/);
    expect(r.stdout).toMatch(/Event log intact/);
    // Every hand-off went through a file on the "USB stick".
    expect(r.stderr).toMatch(/written to usb\/[0-9a-f]{5}-request\.txt/);
    expect(r.stderr).toMatch(/written to usb\/[0-9a-f]{5}-confirmation\.txt/);
    expect(r.stderr).toMatch(/written to usb\/[0-9a-f]{5}-return\.txt/);
  });
});
