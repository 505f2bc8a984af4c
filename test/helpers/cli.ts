/** Runs the real `slr` CLI as a subprocess, with its own --home and an injected clock. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SLR = fileURLToPath(new URL('../../electron/cli/slr.mjs', import.meta.url));

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  json<T = Record<string, unknown>>(): T;
}

export function slr(home: string, args: readonly string[], now: number | string = '2026-01-15T12:00:00Z', env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [SLR, '--home', home, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SLR_NOW: String(now), ...env },
    timeout: 60_000,
  });
  return {
    status: r.status ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    json: <T>() => JSON.parse(r.stdout) as T,
  };
}
