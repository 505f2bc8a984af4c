// slr authority backup: a consistent copy of the ledger, keys included, mode 0600; a ledger lost and restored
// from it goes on, and devices accept the codes it signs.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slr } from './helpers/cli.ts';
import { reservedSides } from './helpers/sides.ts';

const T = Date.UTC(2026, 2, 1, 9, 0, 0);
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `slr-${name}-`));

describe('slr authority backup', () => {
  it('writes a 0600 copy; after the ledger is lost and restored from it, devices accept its codes', () => {
    const { auth, a, d } = reservedSides('backup', T, { reserved: 4 });

    const vault = tmp('vault');
    const backup = join(vault, 'lc.sqlite');
    const r = a('--json', 'backup', '--out', backup);
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(backup).mode & 0o777).toBe(0o600);

    // The ledger is lost; it is restored from the backup.
    for (const f of ['authority.sqlite', 'authority.sqlite-wal', 'authority.sqlite-shm']) rmSync(join(auth, f), { force: true });
    copyFileSync(backup, join(auth, 'authority.sqlite'));
    expect(a('show', 'events', '--verify').status).toBe(0);
    expect(a('--json', 'show', 'licenses').json<{ licenses: { reserved: number }[] }>().licenses[0]!.reserved).toBe(4);
    // It goes on: an update it signs installs on the device, whose confirmation it accepts.
    const udi = d('show', 'license', 'udi').stdout.trim();
    const update = a('update', '--instance', udi, '--license', 'UCM_Basic=2').stdout.trim();
    const confirmation = d('license', 'smart', 'reservation', 'install', update);
    expect(confirmation.status, confirmation.stderr).toBe(0);
    expect(a('--json', 'confirm', '--instance', udi, confirmation.stdout.trim()).json<{ released: number }>().released).toBe(2);
  });

  it('refuses a target that is not a regular file, or in a missing directory, with one clear message', () => {
    const auth = tmp('backup-bad');
    expect(slr(auth, ['authority', 'init', '--account', 'Acme'], T).status).toBe(0);
    const dir = tmp('backup-dir');
    mkdirSync(join(dir, 'sub'));
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    for (const target of ['/dev/null', join(dir, 'sub'), fifo, join(dir, 'no', 'such', 'dir', 'b.sqlite')]) {
      const r = slr(auth, ['--json', 'authority', 'backup', '--out', target], T + 1000);
      expect(r.status, target).toBe(1);
      expect(r.json<{ error: { code: string } }>().error.code).toBe('file');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });
});
