// Device backups cannot oversell (issue 23, item 3). The rule: a backup carries no reservation and no
// registration; a restore (of a backup, or of a plain copy of the state file) comes up without reservation
// and with evaluation over, and gets its licenses back from License Central in one exchange: a new request,
// which License Central answers with the counts it holds now (`rehost` of the same device, logged
// `reconcile`). Every case is run through the real CLI on both sides.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slr } from './helpers/cli.ts';
import { reservedSides, type Sides } from './helpers/sides.ts';

const T = Date.UTC(2026, 3, 1, 9, 0, 0);
const STATE = 'product-instance.json';
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `slr-${name}-`));

type Status = { authorization: string; registration: string };
const status = (s: Sides) => s.d('--json', 'show', 'license', 'status').json<Status>();
const errorOf = (r: { stdout: string }) => (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;

/** 11 bought, 11 reserved and in use; a backup and a plain copy taken; then a confirmed decrease to 10. */
function decreasedAfterBackup(name: string) {
  const s = reservedSides(name, T, { purchased: 11, reserved: 11 });
  expect(s.d('license', 'usage', 'UCM_Basic', '11').status).toBe(0);
  const vault = tmp(`${name}-vault`);
  const backup = join(vault, 'device.json');
  const b = s.d('--json', 'backup', '--out', backup);
  expect(b.status, b.stderr).toBe(0);
  const copy = join(vault, 'copy.json');
  copyFileSync(join(s.dev, STATE), copy);
  const update = s.a('update', '--instance', s.sn, '--license', 'UCM_Basic=10');
  expect(update.status, update.stderr).toBe(0);
  const confirmation = s.d('license', 'smart', 'reservation', 'install', update.stdout.trim());
  expect(confirmation.status, confirmation.stderr).toBe(0);
  expect(s.a('confirm', '--instance', s.sn, confirmation.stdout.trim()).status).toBe(0);
  return { ...s, vault, backup, copy };
}

describe('device backups carry no reservation', () => {
  it('a backup is 0600, sealed, and holds neither the reservation nor its code; the live log records it', () => {
    const s = decreasedAfterBackup('bk-file');
    expect(statSync(s.backup).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(s.backup, 'utf8')) as Record<string, unknown>;
    expect(saved.installed).toBeNull();
    expect(saved.reservation).toBeNull();
    expect(saved.online).toBeNull();
    expect(saved.seal).toMatchObject({ v: 1 });
    expect(JSON.stringify(saved.closedReservations)).toContain('"restored"');
    const events = s.d('--json', 'show', 'license', 'events').json<{ events: { type: string }[] }>().events;
    expect(events.map((e) => e.type)).toContain('state-backup');
    // To a directory: a dated name.
    const dir = tmp('bk-dir');
    expect(s.d('backup', '--out', dir).status).toBe(0);
    expect(readdirSync(dir)).toEqual([expect.stringMatching(/^product-instance-backup-\d{8}T\d{6}Z\.json$/)]);
  });

  it("restoring from before a confirmed decrease never runs the old counts: 11 in use is not Authorized, and License Central's answer has 10", () => {
    const s = decreasedAfterBackup('bk-decrease');
    // The device's disk is lost.
    writeFileSync(join(s.dev, STATE), 'garbage');
    const r = s.d('restore', s.backup);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/set aside as .*\.replaced-/);
    expect(r.stdout).toContain('slr authority rehost');
    const after = status(s);
    expect(after.authorization).not.toMatch(/^Authorized/);
    expect(after.registration).toBe('Unregistered');
    expect(s.d('show', 'license', 'events', '--verify').status).toBe(0);

    // The licenses the decrease freed go to another device meanwhile: the pool is full.
    const other = tmp('bk-other');
    expect(slr(other, ['init', '--pid', 'UCM', '--trust', join(s.dev, 'lc.pem')], T + 9e6).status).toBe(0);
    expect(slr(other, ['license', 'smart', 'reservation', 'enable'], T + 9e6).status).toBe(0);
    const otherRequest = slr(other, ['license', 'smart', 'reservation', 'request'], T + 9e6).stdout.trim();
    expect(s.a('reserve', '--account', 'Default', '--request', otherRequest, '--license', 'UCM_Basic=1').status).toBe(0);

    // One exchange: a new request, answered with what License Central holds now. The old reservation's
    // latest code does not answer it: that reservation was left behind.
    expect(s.d('license', 'smart', 'reservation', 'enable').status).toBeLessThan(2);
    const request = s.d('license', 'smart', 'reservation', 'request').stdout.trim();
    const latest = s.a('code', '--instance', s.sn).stdout.trim();
    const stale = s.d('--json', 'license', 'smart', 'reservation', 'install', latest);
    expect(stale.status).toBe(1);
    expect(errorOf(stale).message).toContain('left behind by a backup');
    const moved = s.a('--json', 'rehost', '--instance', s.sn, '--request', request, '--reason', 'state restored from a backup');
    expect(moved.status, moved.stderr).toBe(0);
    const confirmation = s.d('license', 'smart', 'reservation', 'install', moved.json<{ code: string }>().code);
    expect(confirmation.status, confirmation.stderr).toBe(0);
    expect(s.d('--json', 'show', 'license', 'usage').stdout).toContain('"reserved":10');
    expect(status(s).authorization).toBe('Not Authorized - Reserved');
    const lc = s.a('--json', 'show', 'licenses').json<{ licenses: { purchased: number; reserved: number }[] }>().licenses[0]!;
    expect(lc).toMatchObject({ purchased: 11, reserved: 11 });
    const events = s.a('--json', 'show', 'events').json<{ events: { type: string; message: string }[] }>().events;
    expect(events.find((e) => e.type === 'reconcile')?.message).toContain('moved to its new request');
    expect(s.a('show', 'events', '--verify').status).toBe(0);
  });

  it('a plain copy of the state file restored with `slr restore` is held to the same rule; put back by hand, its return is refused and logged', () => {
    const s = decreasedAfterBackup('bk-copy');
    const live = readFileSync(join(s.dev, STATE));
    writeFileSync(join(s.dev, STATE), '{}');
    expect(s.d('restore', s.copy).status).toBe(0);
    expect(status(s).authorization).not.toMatch(/^Authorized/);
    const request = s.d('license', 'smart', 'reservation', 'request').stdout.trim();
    expect(s.a('rehost', '--instance', s.sn, '--request', request, '--reason', 'restored').status).toBe(0);

    // An owner who puts the plain copy back by hand runs a clone; its return code gives nothing back.
    writeFileSync(join(s.dev, STATE), live);
    const ret = s.d('license', 'smart', 'reservation', 'return');
    expect(ret.status, ret.stderr).toBe(0);
    const refused = s.a('--json', 'remove', '--instance', s.sn, '--return-code', ret.stdout.trim().split('\n').at(-1)!.trim());
    expect(refused.status).toBe(1);
    expect(errorOf(refused).message).toMatch(/moved to a new request of this device/);
  });

  it('refuses to replace a sound state without --force, and sets the replaced state aside with it', () => {
    const s = decreasedAfterBackup('bk-force');
    const before = readFileSync(join(s.dev, STATE), 'utf8');
    const r = s.d('--json', 'restore', s.backup);
    expect(r.status).toBe(1);
    expect(errorOf(r)).toMatchObject({ code: 'instance-exists' });
    expect(readFileSync(join(s.dev, STATE), 'utf8')).toBe(before);
    const forced = s.d('--json', 'restore', '--force', s.backup);
    expect(forced.status, forced.stderr).toBe(0);
    const aside = forced.json<{ replaced: string }>().replaced;
    expect(readFileSync(aside, 'utf8')).toBe(before);
    expect(existsSync(join(s.dev, STATE))).toBe(true);
  });

  it('refuses a changed, damaged, empty, wrapped or non-file backup with exit 1 and a clear message, and changes nothing', () => {
    const s = decreasedAfterBackup('bk-bad');
    writeFileSync(join(s.dev, STATE), 'lost');
    const saved = JSON.parse(readFileSync(s.backup, 'utf8')) as { trustedKeys: unknown[]; evaluation: { usedMs: number } };
    const dir = tmp('bk-bad-files');
    const file = (name: string, text: string | Buffer) => (writeFileSync(join(dir, name), text), join(dir, name));
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const cases: [string, string][] = [
      [file('trust.json', JSON.stringify({ ...saved, trustedKeys: [] })), 'state-tampered'],
      [file('eval.json', JSON.stringify({ ...saved, evaluation: { ...saved.evaluation, usedMs: 0 } })), 'state-tampered'],
      [file('empty.json', ''), 'state-corrupt'],
      [file('array.json', '[]'), 'state-corrupt'],
      [file('wrapped.json', JSON.stringify({ backup: saved })), 'state-corrupt'],
      [file('latin1.json', Buffer.from([0xff, 0xfe])), 'state-corrupt'],
      [fifo, 'file'],
      [dir, 'file'],
      [join(dir, 'missing.json'), 'file'],
    ];
    for (const [path, code] of cases) {
      const r = s.d('--json', 'restore', path);
      expect(r.status, path).toBe(1);
      expect(errorOf(r).code, path).toBe(code);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(readFileSync(join(s.dev, STATE), 'utf8')).toBe('lost');
    }
    expect(s.d('restore').status).toBe(2);
    expect(s.d('backup').status).toBe(2);
  });
});
