// Concurrent use: several CLIs on the same state at once. Each one either does its work or is refused
// with a clear message (exit 3); nothing is lost, nothing is half-written. A lock left by a killed process
// is taken over.
import { describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SLR, slr } from './helpers/cli.ts';
import { instanceService } from '../electron/device/instance-service.ts';
import { LOCK_NAME } from '../electron/platform/lock.ts';
import { findEntitlement, productById } from '../shared/catalog.ts';
import { scaled } from './helpers/time-scale.ts';

const NOW = '2026-02-01T00:00:00Z';

function run(home: string, args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SLR, '--home', home, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, SLR_NOW: NOW } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('exit', (status) => resolve({ status, stderr }));
  });
}

describe('concurrent use', () => {
  it('product instance: concurrent writers each succeed or are refused, and every success is kept', { timeout: scaled(120_000) }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'slr-conc-'));
    expect(slr(home, ['init', '--pid', 'UCM'], NOW).status).toBe(0);
    const tags = ['UCM_Essential', 'UCM_Basic', 'UCM_Enhanced', 'UCM_EnhancedPlus', 'UCM_CUWL', 'UCM_Access'];
    const results = await Promise.all(tags.map((tag, i) => run(home, ['license', 'usage', tag, String(i + 1)])));
    for (const r of results) {
      expect([0, 3], r.stderr).toContain(r.status);
      if (r.status === 3) expect(r.stderr).toContain('in use by another SLR Desk process');
    }
    const usage = instanceService({ dir: home }).load().usage;
    const kept = Object.keys(usage).length;
    expect(kept).toBe(results.filter((r) => r.status === 0).length);
    expect(kept).toBeGreaterThan(0);
    console.log(`concurrent product-instance writers: ${kept} of ${tags.length} done, the rest refused`);
  });

  it('authority: concurrent writers each succeed or are refused, and the ledger adds up', { timeout: scaled(120_000) }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'slr-conc-auth-'));
    expect(slr(home, ['authority', 'init', '--account', 'C'], NOW).status).toBe(0);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => run(home, ['authority', 'license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '1'])),
    );
    for (const r of results) expect([0, 3], r.stderr).toContain(r.status);
    const ok = results.filter((r) => r.status === 0).length;
    const lines = slr(home, ['--json', 'authority', 'show', 'licenses'], NOW).json<{ licenses: { purchased: number }[] }>().licenses;
    expect(lines[0]?.purchased ?? 0).toBe(ok);
    expect(ok).toBeGreaterThan(0);
  });

  it('takes over a lock left by a process that died', { timeout: scaled(60_000) }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'slr-conc-stale-'));
    expect(slr(home, ['init', '--pid', 'UCM'], NOW).status).toBe(0);
    // A lock directory as a killed process leaves it, last refreshed long ago.
    mkdirSync(join(home, LOCK_NAME));
    const { utimesSync } = await import('node:fs');
    utimesSync(join(home, LOCK_NAME), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const r = await run(home, ['license', 'smart', 'reservation', 'enable']);
    expect(r.status, r.stderr).toBe(0);
  });
});

describe('fenced writes', () => {
  it('a writer paused past the takeover of its lock writes nothing (exit 3), and no update is lost', { timeout: scaled(60_000) }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'slr-fence-'));
    expect(slr(home, ['init', '--pid', 'UCM'], NOW).status).toBe(0);
    const release = join(home, 'release-first-writer');
    // The first writer takes the lock and holds it (a test hook) until told to go on.
    const first = spawn(process.execPath, [SLR, '--home', home, 'license', 'usage', 'UCM_Basic', '7'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SLR_NOW: NOW, SLR_TEST_PAUSE_IN_LOCK: release },
    });
    let firstErr = '';
    first.stderr.on('data', (d: Buffer) => (firstErr += d.toString()));
    const firstExit = new Promise<number | null>((resolve) => first.on('exit', resolve));
    await vi.waitFor(() => expect(existsSync(`${release}.held`)).toBe(true), { timeout: scaled(20_000), interval: 50 });
    // Paused (SIGSTOP: its lock is no longer refreshed); after the stale time a second writer takes over.
    process.kill(first.pid!, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 6_000));
    const second = await run(home, ['license', 'usage', 'UCM_Enhanced', '3']);
    expect(second.status, second.stderr).toBe(0);
    // The first writer resumes and would now write its stale state over the second's: it must not.
    writeFileSync(release, 'go');
    process.kill(first.pid!, 'SIGCONT');
    expect(await firstExit).toBe(3);
    expect(firstErr).toMatch(/took over the product instance .* while this command was paused; this command wrote nothing/);
    const usage = instanceService({ dir: home }).load().usage;
    expect(usage).toEqual({ [findEntitlement(productById('UCM')!, 'UCM_Enhanced')!.tag]: 3 });
  });
});
