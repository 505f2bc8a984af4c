// The authority's signing keys at rest: encrypted under a passphrase, never in plain text in the ledger or its
// backups; escrowed alone with `key backup`, brought back with `key restore` or `init --restore-keys`; a
// restored ledger backup says so in its chained log. Through the real CLI, with a device accepting the codes.
import { describe, expect, it } from 'vitest';
import { DatabaseSync } from 'node:sqlite';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slr, type CliResult } from './helpers/cli.ts';

const T = Date.UTC(2026, 3, 1, 9, 0, 0);
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `slr-${name}-`));
const errorCode = (r: CliResult) => r.json<{ error: { code: string } }>().error.code;

function world() {
  const auth = tmp('rest-auth');
  const vault = tmp('rest-vault');
  const pass = join(vault, 'passphrase.txt');
  writeFileSync(pass, 'correct horse battery staple\n', { mode: 0o600 });
  let minute = 0;
  const a = (...args: string[]) => slr(auth, ['authority', ...args], T + ++minute * 60_000);
  const device = (name: string) => {
    const home = tmp(`rest-${name}`);
    return (...args: string[]) => slr(home, args, T + ++minute * 60_000);
  };
  return { auth, vault, pass, a, device };
}

/** A device trusting `keyFile`, with reservation enabled, and its request code. */
function requestFrom(d: (...args: string[]) => CliResult, keyFile: string): string {
  expect(d('init', '--pid', 'UCM', '--trust', keyFile).status).toBe(0);
  expect(d('license', 'smart', 'reservation', 'enable').status).toBe(0);
  return d('license', 'smart', 'reservation', 'request').stdout.trim();
}

describe('signing keys at rest', () => {
  it('are encrypted under the passphrase: the ledger file holds no private key, and signing needs the passphrase', () => {
    const { auth, vault, pass, a, device } = world();
    expect(a('init', '--account', 'Acme', '--passphrase-file', pass).status).toBe(0);
    expect(a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '5').status).toBe(0);
    expect(a('key', 'export', '--out', join(vault, 'lc.pem')).status).toBe(0);
    const ledgerBytes = ['authority.sqlite', 'authority.sqlite-wal']
      .filter((f) => existsSync(join(auth, f)))
      .map((f) => readFileSync(join(auth, f), 'latin1'))
      .join('');
    expect(ledgerBytes).not.toContain('PRIVATE KEY');
    const d = device('dev');
    const request = requestFrom(d, join(vault, 'lc.pem'));

    const locked = a('--json', 'reserve', '--account', 'Default', '--request', request, '--license', 'UCM_Basic=2');
    expect(locked.status).toBe(1);
    expect(errorCode(locked)).toBe('keys-locked');
    expect(locked.json<{ error: { hint: string } }>().error.hint).toMatch(/--passphrase-file/);
    const wrong = join(vault, 'wrong.txt');
    writeFileSync(wrong, 'not the passphrase at all\n');
    const refused = a('--json', 'reserve', '--account', 'Default', '--request', request, '--license', 'UCM_Basic=2', '--passphrase-file', wrong);
    expect(errorCode(refused)).toBe('wrong-passphrase');
    // Nothing was booked by either refusal: the request is still unused.
    const ok = a('reserve', '--account', 'Default', '--request', request, '--license', 'UCM_Basic=2', '--passphrase-file', pass);
    expect(ok.status, ok.stderr).toBe(0);
    expect(d('license', 'smart', 'reservation', 'install', ok.stdout.trim()).status).toBe(0);
    // Reading needs no passphrase.
    expect(a('show', 'licenses').status).toBe(0);
  });

  it('refuses a passphrase under 12 characters and an empty passphrase file, creating nothing', () => {
    const { vault, a } = world();
    writeFileSync(join(vault, 'short.txt'), 'short\n');
    writeFileSync(join(vault, 'empty.txt'), '');
    expect(errorCode(a('--json', 'init', '--account', 'Acme', '--passphrase-file', join(vault, 'short.txt')))).toBe('weak-passphrase');
    expect(errorCode(a('--json', 'init', '--account', 'Acme', '--passphrase-file', join(vault, 'empty.txt')))).toBe('file');
    expect(errorCode(a('--json', 'show', 'licenses'))).toBe('no-authority');
  });

  it('key protect encrypts the keys of a plain ledger, and changes the passphrase with the old one', () => {
    const { auth, vault, pass, a } = world();
    expect(a('init', '--account', 'Acme').status).toBe(0);
    expect(a('key', 'add').status).toBe(0);
    expect(a('key', 'protect', '--new-passphrase-file', pass).status).toBe(0);
    const db = new DatabaseSync(join(auth, 'authority.sqlite'));
    const stored = db.prepare('SELECT private_key FROM signing_keys').all() as { private_key: string }[];
    db.close();
    expect(stored).toHaveLength(2);
    for (const k of stored) expect(k.private_key).toMatch(/^sealed:v1:/);
    expect(errorCode(a('--json', 'key', 'add'))).toBe('keys-locked');
    const next = join(vault, 'next.txt');
    writeFileSync(next, 'a different long passphrase\n');
    expect(errorCode(a('--json', 'key', 'protect', '--new-passphrase-file', next))).toBe('keys-locked');
    expect(a('key', 'protect', '--new-passphrase-file', next, '--passphrase-file', pass).status).toBe(0);
    expect(errorCode(a('--json', 'key', 'add', '--passphrase-file', pass))).toBe('wrong-passphrase');
    expect(a('key', 'add', '--passphrase-file', next).status).toBe(0);
    expect(a('show', 'events', '--verify').status).toBe(0);
  });

  it('lost ledger: restored from its backup and the later keys from a key backup, devices accept its codes and the log says so', () => {
    const { auth, vault, pass, a, device } = world();
    const p = ['--passphrase-file', pass];
    expect(a('init', '--account', 'Acme', ...p).status).toBe(0);
    expect(a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '9').status).toBe(0);
    expect(a('key', 'export', '--out', join(vault, 'first.pem')).status).toBe(0);
    const d = device('dev');
    const code = a('reserve', '--account', 'Default', '--request', requestFrom(d, join(vault, 'first.pem')), '--license', 'UCM_Basic=4', ...p);
    expect(d('license', 'smart', 'reservation', 'install', code.stdout.trim()).status).toBe(0);
    const ledgerBackup = join(vault, 'ledger.sqlite');
    expect(a('backup', '--out', ledgerBackup).status).toBe(0);
    // A new key after the ledger backup: only the key backup has it.
    expect(a('key', 'add', ...p).status).toBe(0);
    const kb = a('--json', 'key', 'backup', '--out', `${vault}/`, ...p);
    expect(kb.status, kb.stderr).toBe(0);
    const keyBackup = kb.json<{ file: string; keyIds: string[] }>().file;
    expect(keyBackup).toMatch(/license-central-keys-2026-04-01\.json$/);
    expect(statSync(keyBackup).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyBackup, 'utf8')).not.toContain('PRIVATE KEY');
    expect(readFileSync(ledgerBackup, 'latin1')).not.toContain('PRIVATE KEY');

    // The ledger is lost.
    for (const f of ['authority.sqlite', 'authority.sqlite-wal', 'authority.sqlite-shm']) rmSync(join(auth, f), { force: true });
    copyFileSync(ledgerBackup, join(auth, 'authority.sqlite'));
    expect(a('--json', 'key', 'list').json<{ keys: unknown[] }>().keys).toHaveLength(1);
    const restored = a('--json', 'key', 'restore', keyBackup, ...p);
    expect(restored.status, restored.stderr).toBe(0);
    expect(restored.json<{ added: string[]; present: string[] }>().added).toHaveLength(1);
    // The restored newer key, exported with its endorsement by the first, is trusted by the device; an update
    // signed with it installs, and its confirmation is accepted.
    expect(a('key', 'export', '--out', join(vault, 'second.pem')).status).toBe(0);
    expect(d('license', 'trust', 'add', join(vault, 'second.pem')).status).toBe(0);
    const udi = d('show', 'license', 'udi').stdout.trim();
    const update = a('update', '--instance', udi, '--license', 'UCM_Basic=2', ...p);
    expect(update.status, update.stderr).toBe(0);
    const confirmation = d('license', 'smart', 'reservation', 'install', update.stdout.trim());
    expect(confirmation.status, confirmation.stderr).toBe(0);
    expect(a('--json', 'confirm', '--instance', udi, confirmation.stdout.trim(), ...p).json<{ released: number }>().released).toBe(2);
    // The chain is intact and says the ledger was restored from a backup.
    const events = a('--json', 'show', 'events').json<{ events: { type: string; message: string }[] }>().events;
    expect(events.map((e) => e.type)).toContain('restore');
    expect(events.find((e) => e.type === 'restore')!.message).toMatch(/restored from a backup made 2026-04-01/);
    expect(a('show', 'events', '--verify').status).toBe(0);
  });

  it('init --restore-keys makes a new ledger with the escrowed keys: a device trusting them installs its codes', () => {
    const { vault, pass, a, device } = world();
    const p = ['--passphrase-file', pass];
    expect(a('init', '--account', 'Acme', ...p).status).toBe(0);
    expect(a('key', 'export', '--out', join(vault, 'lc.pem')).status).toBe(0);
    const keyBackup = join(vault, 'keys.json');
    expect(a('key', 'backup', '--out', keyBackup, ...p).status).toBe(0);

    const fresh = world();
    const mismatch = fresh.a('--json', 'init', '--account', 'Other', '--restore-keys', keyBackup, ...p);
    expect(errorCode(mismatch)).toBe('key-mismatch');
    expect(fresh.a('init', '--account', 'Acme', '--restore-keys', keyBackup).status).toBe(2);
    expect(fresh.a('init', '--account', 'Acme', '--restore-keys', keyBackup, ...p).status).toBe(0);
    expect(fresh.a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '3').status).toBe(0);
    const d = device('dev2');
    const code = fresh.a('reserve', '--account', 'Default', '--request', requestFrom(d, join(vault, 'lc.pem')), '--license', 'UCM_Basic=3', ...p);
    expect(code.status, code.stderr).toBe(0);
    const install = d('license', 'smart', 'reservation', 'install', code.stdout.trim());
    expect(install.status, install.stderr).toBe(0);
  });

  it('refuses a key backup opened with the wrong passphrase, changed, or not a backup; repairs a damaged key', () => {
    const { auth, vault, pass, a } = world();
    const p = ['--passphrase-file', pass];
    expect(a('init', '--account', 'Acme', ...p).status).toBe(0);
    const keyBackup = join(vault, 'keys.json');
    expect(a('key', 'backup', '--out', keyBackup, ...p).status).toBe(0);
    const wrong = join(vault, 'wrong.txt');
    writeFileSync(wrong, 'not the passphrase at all\n');
    expect(errorCode(a('--json', 'key', 'restore', keyBackup, '--passphrase-file', wrong))).toBe('wrong-passphrase');
    const text = readFileSync(keyBackup, 'utf8');
    const sealed = /"keys": "([^"]+)"/.exec(text)![1]!;
    const flipped = sealed.slice(0, -6) + (sealed.at(-6) === 'A' ? 'B' : 'A') + sealed.slice(-5);
    writeFileSync(join(vault, 'changed.json'), text.replace(sealed, flipped));
    expect(errorCode(a('--json', 'key', 'restore', join(vault, 'changed.json'), ...p))).toBe('wrong-passphrase');
    for (const [name, body] of [
      ['not-json.json', 'hello'],
      ['other.json', '{"format":"something-else"}'],
      ['newer.json', text.replace('"version": 1', '"version": 2')],
      ['costly.json', text.replace('"N": 32768', '"N": 1073741824')],
    ] as const) {
      writeFileSync(join(vault, name), body);
      const r = a('--json', 'key', 'restore', join(vault, name), ...p);
      expect(errorCode(r), name).toBe('key-backup-invalid');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // A key damaged in the ledger is refused clearly, and repaired from the backup.
    const db = new DatabaseSync(join(auth, 'authority.sqlite'));
    db.prepare("UPDATE signing_keys SET private_key = 'sealed:v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAA==:AAAA'").run();
    db.close();
    expect(errorCode(a('--json', 'key', 'add', ...p))).toBe('key-damaged');
    expect(a('--json', 'key', 'restore', keyBackup, ...p).json<{ repaired: string[] }>().repaired).toHaveLength(1);
    expect(a('key', 'add', ...p).status).toBe(0);
  });
});
