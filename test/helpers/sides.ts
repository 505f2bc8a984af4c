/**
 * Both sides through the real CLI, each with its own home, and a clock that moves a minute per command: an
 * authority with UCM_Basic licenses and a device that trusts its key, with a reservation of `reserved`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { slr, type CliResult } from './cli.ts';

export interface Sides {
  readonly auth: string;
  readonly dev: string;
  a(...args: string[]): CliResult;
  d(...args: string[]): CliResult;
  /** The device's serial number. */
  readonly sn: string;
}

export function reservedSides(name: string, start: number, { purchased = 9, reserved = 2 } = {}): Sides {
  const auth = mkdtempSync(join(tmpdir(), `slr-${name}-auth-`));
  const dev = mkdtempSync(join(tmpdir(), `slr-${name}-dev-`));
  let t = start;
  const a = (...args: string[]) => slr(auth, ['authority', ...args], (t += 60_000));
  const d = (...args: string[]) => slr(dev, args, (t += 60_000));
  expect(a('init', '--account', 'Acme').status).toBe(0);
  expect(a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', String(purchased)).status).toBe(0);
  expect(a('key', 'export', '--out', join(dev, 'lc.pem')).status).toBe(0);
  expect(d('init', '--pid', 'UCM', '--trust', join(dev, 'lc.pem')).status).toBe(0);
  expect(d('license', 'smart', 'reservation', 'enable').status).toBe(0);
  const request = d('license', 'smart', 'reservation', 'request').stdout.trim();
  const code = a('reserve', '--account', 'Default', '--request', request, '--license', `UCM_Basic=${reserved}`);
  expect(code.status, code.stderr).toBe(0);
  expect(d('license', 'smart', 'reservation', 'install', code.stdout.trim()).status).toBe(0);
  const sn = /S:([0-9a-f]{5})/.exec(d('show', 'license', 'udi').stdout)![1]!;
  return { auth, dev, a, d, sn };
}
