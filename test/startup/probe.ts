/**
 * Runs the built main process (out/main/main.js) in plain Node against test/startup/fake-electron.mjs up to
 * its first window, and reads back what the start-up did: when it reached each step, which modules it
 * loaded, which files it read. The start-up budget's test and `npm run bench` both use it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface StartupReport {
  /** Milliseconds since the process started: main evaluated, app ready, window created, its page loading. */
  readonly marks: readonly { readonly name: string; readonly ms: number }[];
  readonly modules: readonly string[];
  readonly files: readonly { readonly op: string; readonly path: string }[];
  /** The whole run, process start to exit, as the parent saw it. */
  readonly wallMs: number;
}

export function probeStartup(home = mkdtempSync(join(tmpdir(), 'slr-startup-'))): StartupReport {
  const report = join(home, 'startup-report.json');
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--import', './test/startup/hooks.mjs', 'out/main/main.js'], {
    cwd: root,
    env: { ...process.env, SLR_HOME: home, SLR_STARTUP_REPORT: report },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const wallMs = performance.now() - started;
  if (run.status !== 0) throw new Error(`the main process did not reach its first window (exit ${run.status}): ${run.stderr}`);
  return { ...(JSON.parse(readFileSync(report, 'utf8')) as Omit<StartupReport, 'wallMs'>), wallMs };
}

/** The npm packages among loaded modules, each with how many of its modules were loaded. */
export function packagesOf(modules: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of modules) {
    const i = m.lastIndexOf('/node_modules/');
    if (i < 0) continue;
    const parts = m.slice(i + 14).split('/');
    const name = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** Where a mark fell (ms since process start). */
export const markOf = (r: StartupReport, name: string): number => r.marks.find((m) => m.name === name)?.ms ?? NaN;
