// `slr` installed like a tool (issue 29): `npm pack` packs the CLI's bundle with no TypeScript source (its
// prepack script builds the bundle first; here it is skipped, as `npm test` has just built it and other tests
// run the same bundle meanwhile); the tarball installed globally into a temporary prefix puts a working `slr`
// on PATH, which prints its version and runs README's whole walkthrough (both sides, the hand-offs as files).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaled } from './helpers/time-scale.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (cmd: string, args: string[], o: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: scaled(240_000), cwd: o.cwd ?? root, env: { ...process.env, ...o.env } });
  expect(r.status, `${cmd} ${args.join(' ')}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-3000)}`).toBe(0);
  return r;
};

describe('slr installed from the packed tarball', () => {
  it(
    'packs the built CLI, installs it on PATH, and runs the README walkthrough with it',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'slr-pack-'));
      const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      expect(pkg.scripts.prepack).toBe('node build/build.mjs cli');
      const packed = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir]);
      const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
      const files = info!.files.map((f) => f.path);
      expect(files).toEqual(expect.arrayContaining(['electron/cli/slr.mjs', 'electron/cli/node-check.mjs', 'out/cli/slr.js', 'README.md']));
      expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
      const prefix = join(dir, 'prefix');
      const installed = run('npm', ['install', '-g', '--prefix', prefix, join(dir, info!.filename), '--prefer-offline', '--no-audit', '--no-fund']);
      expect(installed.stderr).not.toMatch(/npm (warn|WARN)/);
      const bin = join(prefix, 'bin');
      expect(readdirSync(bin)).toEqual(['slr']);
      const env = { PATH: `${bin}:${process.env.PATH}`, SLR_FROM_SOURCE: '' };
      expect(run('slr', ['--version'], { env }).stdout).toMatch(/^slr \d+\.\d+\.\d+\n$/);

      const readme = readFileSync(join(root, 'README.md'), 'utf8');
      const block = /## Walkthrough[^\n]*\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!;
      const work = join(dir, 'work');
      run('mkdir', ['-p', work]);
      const r = run('bash', ['-e', '-c', block], { cwd: work, env: { ...env, HOME: work, SLR_NOW: '2026-08-03T10:00:00Z' } });
      expect(r.stdout).toMatch(/Event log intact/);
      expect(existsSync(join(work, 'lc', 'authority.sqlite'))).toBe(true);
    },
    scaled(480_000),
  );
});
