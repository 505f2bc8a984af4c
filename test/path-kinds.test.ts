// Every file argument and every --out of both sides, given each kind of path a user can get wrong: a
// directory, a missing file, a missing parent directory, a FIFO, a device (and, when not root, an unreadable
// file). Each is exit 1 (or 2 for a malformed command line) with one clear message and no stack trace; an
// output target is checked before anything changes, so the same command then succeeds with a good target;
// a device node or FIFO is never replaced.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slr, type CliResult } from './helpers/cli.ts';
import { REGISTRATION } from '../shared/instance/state.ts';

const T = Date.UTC(2026, 5, 1, 9, 0, 0);
let minute = 0;
const at = () => T + ++minute * 60_000;
const root = mkdtempSync(join(tmpdir(), 'slr-paths-'));
const P = {
  dir: join(root, 'a-directory'),
  missing: join(root, 'missing.txt'),
  missingParent: join(root, 'no', 'such', 'dir', 'x.txt'),
  missingDir: join(root, 'no', 'such', 'dir') + '/',
  fifo: join(root, 'fifo'),
  device: '/dev/null',
  full: '/dev/full',
  unreadable: join(root, 'unreadable.txt'),
};
const isRoot = process.getuid?.() === 0;
const INPUTS = [P.dir, P.missing, P.missingParent, P.fifo, P.device, ...(isRoot ? [] : [P.unreadable])];
const OUTPUTS = [P.missingDir, P.missingParent, P.fifo, P.device, P.full];

function expectClearRefusal(r: CliResult, what: string): void {
  expect([1, 2], `${what}: exit ${r.status}\n${r.stderr}`).toContain(r.status);
  expect(r.stderr, what).not.toMatch(/\n\s+at |Internal error/);
  expect(r.stderr.trim(), what).not.toBe('');
  const json = r.stdout.trim() ? (JSON.parse(r.stdout) as { ok: boolean; error: { code: string } }) : null;
  if (json) expect(['file', 'usage', 'not-local'], what).toContain(json.error.code);
}

const auth = join(root, 'auth');
const dev = join(root, 'dev');
const a = (...args: string[]) => slr(auth, ['--json', 'authority', ...args], at());
const d = (...args: string[]) => slr(dev, ['--json', ...args], at());
const pass = join(root, 'pass.txt');
let request = '';
let sn = '';

beforeAll(() => {
  mkdirSync(P.dir);
  expect(spawnSync('mkfifo', [P.fifo]).status).toBe(0);
  writeFileSync(P.unreadable, 'x');
  chmodSync(P.unreadable, 0o000);
  writeFileSync(pass, 'a passphrase long enough\n');
  expect(a('init', '--account', 'Acme').status).toBe(0);
  expect(a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '9').status).toBe(0);
  expect(a('key', 'export', '--out', join(root, 'lc.pem')).status).toBe(0);
  expect(d('init', '--pid', 'UCM', '--trust', join(root, 'lc.pem')).status).toBe(0);
  expect(d('license', 'smart', 'reservation', 'enable').status).toBe(0);
});

describe('every file argument, every kind of bad path', () => {
  it('device: --out of request is checked before the request is made', () => {
    for (const p of OUTPUTS) {
      expectClearRefusal(d('license', 'smart', 'reservation', 'request', '--out', p), `request --out ${p}`);
      expect(d('show', 'license', 'status').json<{ registration: string }>().registration, p).toBe(REGISTRATION.unregistered);
    }
    const ok = d('license', 'smart', 'reservation', 'request', '--out', `${root}/`);
    expect(ok.status, ok.stderr).toBe(0);
    request = `@${ok.json<{ file: string }>().file}`;
    sn = /([0-9a-f]{5})-request\.txt$/.exec(request)![1]!;
    expect(d('show', 'license', 'udi').json<{ udi: string }>().udi).toContain(`S:${sn}`);
  });

  it('authority: --out of reserve is checked before anything is reserved; the request stays usable', () => {
    for (const p of OUTPUTS)
      expectClearRefusal(a('reserve', '--account', 'Default', '--request', request, '--license', 'UCM_Basic=3', '--out', p), `reserve --out ${p}`);
    expect(a('show', 'licenses').json<{ licenses: { reserved: number }[] }>().licenses[0]!.reserved).toBe(0);
    const ok = a('reserve', '--account', 'Default', '--request', request, '--license', 'UCM_Basic=3', '--out', `${root}/`);
    expect(ok.status, ok.stdout).toBe(0);
    expect(ok.json<{ file: string }>().file).toBe(join(root, `${sn}-authorization.txt`));
  });

  it('device: install-file, trust add and init --trust refuse each bad input path', () => {
    for (const p of INPUTS) {
      expectClearRefusal(d('license', 'smart', 'reservation', 'install-file', p), `install-file ${p}`);
      expectClearRefusal(d('license', 'trust', 'add', p), `trust add ${p}`);
      expectClearRefusal(slr(join(root, `fresh-${minute}`), ['--json', 'init', '--pid', 'UCM', '--trust', p], at()), `init --trust ${p}`);
      expectClearRefusal(d('license', 'smart', 'transport', 'proxy', 'proxy.example', '3128', '--user', 'u', '--password-file', p), `--password-file ${p}`);
    }
    // /dev/zero as the proxy's password file: refused at once, as every other file input, not read to exhaustion.
    const zero = d('--json', 'license', 'smart', 'transport', 'proxy', 'proxy.example', '3128', '--user', 'u', '--password-file', '/dev/zero');
    expect(zero.status).toBe(1);
    expect(zero.stderr + zero.stdout).toMatch(/not a regular file/);
    const installed = d('license', 'smart', 'reservation', 'install-file', join(root, `${sn}-authorization.txt`));
    expect(installed.status, installed.stdout).toBe(0);
  });

  it('authority: every code given as @FILE, the passphrase and backup files refuse each bad input path', () => {
    for (const p of INPUTS) {
      expectClearRefusal(a('reserve', '--account', 'Default', '--request', `@${p}`, '--license', 'UCM_Basic=1'), `reserve --request @${p}`);
      expectClearRefusal(a('confirm', '--instance', sn, `@${p}`), `confirm @${p}`);
      expectClearRefusal(a('remove', '--instance', sn, '--return-code', `@${p}`), `remove --return-code @${p}`);
      expectClearRefusal(a('rehost', '--instance', sn, '--request', `@${p}`, '--reason', 'x'), `rehost --request @${p}`);
      expectClearRefusal(a('key', 'add', '--passphrase-file', p), `--passphrase-file ${p}`);
      expectClearRefusal(a('key', 'protect', '--new-passphrase-file', p), `key protect --new-passphrase-file ${p}`);
      expectClearRefusal(a('key', 'restore', p, '--passphrase-file', pass), `key restore ${p}`);
      expectClearRefusal(
        slr(join(root, `fresh-auth-${minute}`), ['--json', 'authority', 'init', '--account', 'Acme', '--restore-keys', p, '--passphrase-file', pass], at()),
        `init --restore-keys ${p}`,
      );
    }
  });

  it('authority: update, code, key export, key backup and backup refuse each bad output path, changing nothing', () => {
    const before = a('show', 'events').json<{ events: unknown[] }>().events.length;
    for (const p of OUTPUTS) {
      expectClearRefusal(a('update', '--instance', sn, '--license', 'UCM_Basic=5', '--out', p), `update --out ${p}`);
      expectClearRefusal(a('code', '--instance', sn, '--out', p), `code --out ${p}`);
      expectClearRefusal(a('key', 'export', '--out', p), `key export --out ${p}`);
      expectClearRefusal(a('key', 'backup', '--out', p, '--passphrase-file', pass), `key backup --out ${p}`);
      expectClearRefusal(a('backup', '--out', p), `backup --out ${p}`);
    }
    expectClearRefusal(a('backup', '--out', P.dir), 'backup --out DIR');
    expect(a('show', 'events').json<{ events: unknown[] }>().events.length).toBe(before);
    expect(a('show', 'licenses').json<{ licenses: { reserved: number }[] }>().licenses[0]!.reserved).toBe(3);
    // key export --out DIR works like reserve --out DIR.
    const exported = a('key', 'export', '--out', P.dir);
    expect(exported.status).toBe(0);
    expect(exported.json<{ file: string }>().file).toMatch(/a-directory\/license-central-[0-9a-f]{16}\.pem$/);
  });

  it('device: return --out is checked before the return; --home of each kind is refused', () => {
    for (const p of OUTPUTS) {
      expectClearRefusal(d('license', 'smart', 'reservation', 'return', '--out', p), `return --out ${p}`);
      expect(d('show', 'license', 'status').json<{ registration: string }>().registration).toBe(REGISTRATION.registered);
    }
    expectClearRefusal(d('license', 'smart', 'reservation', 'enable', '--out', P.dir), 'enable --out');
    for (const p of [P.device, P.fifo, P.unreadable, join(root, `${sn}-authorization.txt`, 'x')]) {
      expectClearRefusal(slr(p, ['--json', 'show', 'license', 'status'], at()), `--home ${p}`);
      expectClearRefusal(slr(p, ['--json', 'authority', 'show', 'licenses'], at()), `authority --home ${p}`);
    }
  });

  it('never replaced a device node or a FIFO', () => {
    expect(statSync(P.device).isCharacterDevice()).toBe(true);
    expect(statSync(P.full).isCharacterDevice()).toBe(true);
    expect(statSync(P.fifo).isFIFO()).toBe(true);
  });
});
