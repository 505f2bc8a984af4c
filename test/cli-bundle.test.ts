// The shipped CLI: `slr` runs the bundle the build makes (out/cli/), whose device side loads neither the
// ledger nor SQLite (the authority side is a chunk loaded by `slr authority …` alone), and behaves as the
// sources do.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SLR } from './helpers/cli.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const T = '2026-07-01T09:00:00Z';

function run(home: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, ['--trace-warnings', SLR, '--home', home, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SLR_NOW: T, ...env },
  });
}

describe('the bundled CLI', () => {
  it('keeps the authority side, SQLite and the ledger out of the device bundle', () => {
    const files = readdirSync(join(root, 'out/cli'));
    expect(files).toContain('slr.js');
    const device = readFileSync(join(root, 'out/cli/slr.js'), 'utf8');
    expect(device).not.toContain('node:sqlite');
    expect(device).not.toMatch(/from\s*["']ajv/);
    // Importing node:http or node:https loads Node's fetch (undici) with it, about 40 ms of every command: the
    // network modules are taken when a command uses them (process.getBuiltinModule, or a chunk of their own).
    expect(device).not.toMatch(/from\s*["']node:(http|https|tls)["']/);
    // The authority's chunks exist and are what `slr authority` loads.
    expect(files.filter((f) => f !== 'slr.js').join(' ')).toMatch(/authority-cli/);
  });

  it("carries no module of the authority's or the server's side in the device's bundle (out/cli/modules.json)", () => {
    const manifest = JSON.parse(readFileSync(join(root, 'out/cli/modules.json'), 'utf8')) as Record<string, { bytes: number; modules: string[] }>;
    const device = manifest['slr.js']!.modules;
    expect(device).toContain('electron/device/instance-service.ts');
    // The API contract (shared/authority/api.ts and its inputs) is the device's too: its online calls are in it.
    const authority = device.filter((m) =>
      /^electron\/(authority|server|app|main|documents)\/|^electron\/cli\/authority\/|^shared\/authority\/(?!api\.ts$|inputs\.ts$)/.test(m),
    );
    expect(authority).toEqual([]);
    expect(device.filter((m) => /^npm:(fastify|pg|node-forge|pdf-lib|qrcode)$/.test(m))).toEqual([]);
    // What `slr authority` loads is elsewhere.
    const rest = Object.entries(manifest).filter(([file]) => file !== 'slr.js');
    expect(rest.flatMap(([, c]) => c.modules)).toContain('electron/authority/ledger.ts');
  });

  it('runs both sides from the bundle as from the sources', () => {
    const out = (env: NodeJS.ProcessEnv) => {
      const home = mkdtempSync(join(tmpdir(), 'slr-bundle-'));
      const init = run(home, ['--json', 'init', '--pid', 'UCM'], env);
      expect(init.status, init.stderr).toBe(0);
      const status = run(home, ['--json', 'show', 'license', 'status'], env);
      const authority = run(home, ['--json', 'authority', 'init', '--account', 'Acme'], env);
      expect(authority.status, authority.stderr).toBe(0);
      return { status: JSON.parse(status.stdout) as Record<string, unknown>, help: run(home, ['authority', 'reserve', '--help'], env).stdout };
    };
    const bundled = out({});
    const sources = out({ SLR_FROM_SOURCE: '1' });
    expect({ ...bundled.status, udi: null }).toEqual({ ...sources.status, udi: null });
    expect(bundled.help).toBe(sources.help);
    expect(bundled.help).toMatch(/^Usage: slr authority reserve/);
  });
});
