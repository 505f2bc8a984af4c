// Every example runs (issue 29): each `sh` block of README and of the operator guides, in order and as written,
// in bash with `slr` the real CLI (the built bundle) on PATH, in an empty directory of its own. If a page and the
// CLI part ways, this fails and its log says which line. Blocks that are not to run are `text` or `console`.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SLR } from './helpers/cli.ts';
import { unusedPort } from './helpers/ports.ts';
import { scaled } from './helpers/time-scale.ts';

/** The `sh` blocks of a page, in order. */
export function shellBlocks(page: string): string[] {
  const text = readFileSync(new URL(`../${page}`, import.meta.url), 'utf8');
  return [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

async function runPage(page: string): Promise<{ status: number | null; stdout: string; stderr: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'slr-docs-'));
  const bin = mkdtempSync(join(tmpdir(), 'slr-bin-'));
  writeFileSync(join(bin, 'slr'), `#!/bin/sh\nexec "${process.execPath}" "${SLR}" "$@"\n`);
  chmodSync(join(bin, 'slr'), 0o755);
  const script = shellBlocks(page).join('\n');
  // -e: the first command that fails stops it; -x: the log says which.
  const r = spawnSync('bash', ['-e', '-x', '-c', script], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, SLR_NOW: '2026-08-03T10:00:00Z', PORT: String(await unusedPort()) },
    timeout: scaled(240_000),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, dir };
}

describe('the examples of README and the operator guides, run as written', () => {
  it("README's walkthrough: both sides, every hand-off a file, ending as it says", async () => {
    expect(shellBlocks('README.md')).toHaveLength(1);
    const r = await runPage('README.md');
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    // It ends as the README says: 5 of 10 reserved (by the replacement), and the log intact.
    expect(r.stdout).toMatch(/Default\s+UCM_Basic\s+\S+\s+-\s+10\s+5\s+0\s+5/);
    expect(r.stdout).toMatch(/Event log intact/);
    expect(r.stderr).toMatch(/written to usb\/[0-9a-f]{5}-request\.txt/);
    expect(r.stderr).toMatch(/written to usb\/[0-9a-f]{5}-confirmation\.txt/);
    expect(r.stderr).toMatch(/written to usb\/[0-9a-f]{5}-return\.txt/);
  });

  it("the product instance's guide: evaluation, reserve, update, backup, restore, return", async () => {
    expect(shellBlocks('docs/device-guide.md').length).toBeGreaterThanOrEqual(5);
    const r = await runPage('docs/device-guide.md');
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toMatch(/Evaluation Mode/);
    expect(r.stdout).toMatch(/Registered - Specific License Reservation/);
    expect(r.stdout).toMatch(/Event log intact/);
    // It ends with the licenses back in the pool: 10 available of 10.
    expect(r.stdout).toMatch(/Default\s+UCM_Basic\s+\S+\s+-\s+10\s+0\s+0\s+10\s*$/m);
  });

  it("License Central's guide: set up, reserve, update, transfer, rotate and back up, take a return", async () => {
    expect(shellBlocks('docs/authority-guide.md').length).toBeGreaterThanOrEqual(5);
    const r = await runPage('docs/authority-guide.md');
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toMatch(/Event log intact/);
    expect(readFileSync(join(r.dir, 'backups', 'events.csv'), 'utf8')).toMatch(/^time,at,actor,account,instance,type,message,code,hash\r?\n/);
  });

  it("the server's guide: a server on loopback, an administrator logged in from a home of their own", async () => {
    expect(shellBlocks('docs/server.md').length).toBeGreaterThanOrEqual(1);
    const r = await runPage('docs/server.md');
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toMatch(/Logged in as alice at https:\/\/127\.0\.0\.1:\d+/);
    expect(r.stdout).toMatch(/Lab\s+UCM_Basic\s+\S+\s+-\s+10\s+0\s+0\s+10/);
  });
});
