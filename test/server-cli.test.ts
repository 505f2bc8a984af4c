// License Central as a server through the real binaries: `slr authority serve` in its own process (on the
// home's SQLite ledger and on PostgreSQL), administrators' CLIs logged in to it, and an air-gapped device
// that never sees the server. What operators type, end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SLR, slr } from './helpers/cli.ts';
import { SKIP_POSTGRES, startPostgres, type Postgres } from './helpers/postgres.ts';
import { scaled } from './helpers/time-scale.ts';

const NOW = '2026-05-04T08:00:00Z';
const PASSWORD = 'a long enough password';

interface Served {
  readonly url: string;
  readonly fingerprint: string;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; stderr: string }>;
}

/** Starts `slr authority serve` on a free loopback port and waits for the lines it prints. */
function serve(home: string, extra: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [SLR, '--home', home, 'authority', 'serve', '--listen', '127.0.0.1:0', ...extra], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SLR_NOW: NOW },
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const url = /serving at (https:\/\/\S+) /.exec(stdout)?.[1];
      const fingerprint = /fingerprint: ([0-9A-F:]{95})/.exec(stdout)?.[1];
      if (url && fingerprint) resolve({ url, fingerprint, child, exited });
    });
    void exited.then(({ code }) => reject(new Error(`serve exited (${code}) before it listened: ${stderr}${stdout}`)));
  });
}

let postgres: Postgres | null = null;
beforeAll(async () => {
  if (!SKIP_POSTGRES) postgres = await startPostgres();
}, scaled(60_000));
afterAll(async () => postgres?.stop());

describe.each([
  { engine: 'SQLite', skip: false },
  { engine: 'PostgreSQL', skip: SKIP_POSTGRES },
])('slr authority serve ($engine) with administrators logged in from their own homes', ({ engine, skip }) => {
  it.skipIf(skip)(
    'serves the exchange, keeps roles, pins its certificate, and stops cleanly',
    async () => {
      const lc = mkdtempSync(join(tmpdir(), 'slr-serve-lc-'));
      const alice = mkdtempSync(join(tmpdir(), 'slr-serve-alice-'));
      const bob = mkdtempSync(join(tmpdir(), 'slr-serve-bob-'));
      const dev = mkdtempSync(join(tmpdir(), 'slr-serve-dev-'));
      const pw = join(lc, 'pw.txt');
      writeFileSync(pw, `${PASSWORD}\n`);
      const database = engine === 'PostgreSQL' ? ['--database', await postgres!.database()] : [];
      const local = (...args: string[]) => slr(lc, ['authority', ...args], NOW);
      if (database.length) {
        // A ledger on PostgreSQL is made by moving one there; users are added on the server's home as well.
        expect(local('init', '--account', 'Acme').status).toBe(0);
        const moved = local('migrate', '--to', database[1]!);
        expect(moved.status, moved.stderr).toBe(0);
        expect(moved.stdout).toMatch(/This home now works on it/);
        expect(statSync(join(lc, 'authority-ledger.json')).mode & 0o777).toBe(0o600);
        // The home follows its ledger: its commands work on PostgreSQL from now on ...
        expect(local('account', 'add', 'Moved').status).toBe(0);
        expect(local('show', 'events').stdout).toMatch(/Moved/);
        // ... and the SQLite ledger it left is read-only: two ledgers never spend the same pool.
        const stale = local('migrate', '--from', join(lc, 'authority.sqlite'), '--to', await postgres!.database());
        expect(stale.status).toBe(1);
        expect(stale.stderr).toMatch(/was moved to postgres.*read-only now/);
      } else expect(local('init', '--account', 'Acme').status).toBe(0);
      const on = (...args: string[]) => [...args, ...database];
      // No users yet: the server says what to do instead of starting where nobody could log in.
      const idle = await serve(lc, database).then(
        () => null,
        (e: Error) => e.message,
      );
      expect(idle).toMatch(/has no users yet/);
      expect(
        slr(lc, ['authority', 'user', 'add', 'alice', '--role', 'smart-account-admin', '--password-file', pw, ...database].filter(Boolean), NOW).status,
      ).toBe(0);
      const bobAdd = slr(lc, ['authority', ...on('user', 'add', 'bob', '--role', 'va-user', '--account', 'Default')], NOW);
      expect(bobAdd.status, bobAdd.stderr).toBe(0);
      const bobOneTime = bobAdd.stdout.trim();
      expect(bobOneTime.length).toBeGreaterThanOrEqual(16);
      const server = await serve(lc, database);
      try {
        const a = (...args: string[]) => slr(alice, ['authority', ...args], NOW);
        // Without a fingerprint nothing is sent: the one presented is shown, to compare.
        const blind = a('login', '--server', server.url, '--user', 'alice', '--password-file', pw);
        expect(blind.status).toBe(1);
        expect(blind.stderr).toContain(server.fingerprint);
        const wrongPin = a('login', '--server', server.url, '--user', 'alice', '--password-file', pw, '--fingerprint', 'ab'.repeat(32));
        expect(wrongPin.status).toBe(1);
        expect(wrongPin.stderr).toMatch(/nothing was sent to it/);
        const login = a(
          'login',
          '--server',
          server.url,
          '--user',
          'alice',
          '--password-file',
          pw,
          '--fingerprint',
          server.fingerprint.replaceAll(':', '').toLowerCase(),
        );
        expect(login.status, login.stderr).toBe(0);
        expect(statSync(join(alice, 'authority-session.json')).mode & 0o777).toBe(0o600);
        expect(readFileSync(join(alice, 'authority-session.json'), 'utf8')).not.toContain(PASSWORD);
        // The administrator's commands are the CLI's, unchanged; they run on the server.
        expect(a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '8').status).toBe(0);
        expect(a('key', 'export', '--out', join(dev, 'lc.pem')).status).toBe(0);
        const d = (...args: string[]) => slr(dev, args, NOW);
        expect(d('init', '--pid', 'UCM', '--trust', join(dev, 'lc.pem')).status).toBe(0);
        expect(d('license', 'smart', 'reservation', 'enable').status).toBe(0);
        expect(d('license', 'smart', 'reservation', 'request', '--out', join(dev, 'req.txt')).status).toBe(0);
        const reserved = a('reserve', '--account', 'Default', '--request', `@${join(dev, 'req.txt')}`, '--license', 'UCM_Basic=5', '--out', dev);
        expect(reserved.status, reserved.stderr).toBe(0);
        const sn = /S:([0-9a-f]{5})/.exec(d('show', 'license', 'udi').stdout)![1]!;
        expect(d('license', 'smart', 'reservation', 'install-file', join(dev, `${sn}-authorization.txt`)).status).toBe(0);
        const shortfall = a('update', '--instance', sn, '--license', 'UCM_Basic=9');
        expect(shortfall.status).toBe(1);
        expect(shortfall.stderr).toMatch(/UCM_Basic/);
        const update = a('update', '--instance', sn, '--license', 'UCM_Basic=2');
        expect(update.status, update.stderr).toBe(0);
        const confirmation = d('license', 'smart', 'reservation', 'install', update.stdout.trim());
        expect(confirmation.status).toBe(0);
        expect(a('confirm', '--instance', sn, confirmation.stdout.trim()).status).toBe(0);
        const licenses = a('--json', 'show', 'licenses').json<{ licenses: { reserved: number; available: number }[] }>().licenses[0]!;
        expect(licenses).toMatchObject({ reserved: 2, available: 6 });
        // A user of the virtual account, with a one-time password: set one first, then view but not administer.
        const b = (...args: string[]) => slr(bob, ['authority', ...args], NOW);
        writeFileSync(join(bob, 'old.txt'), bobOneTime);
        writeFileSync(join(bob, 'new.txt'), 'bob has a password now');
        const once = b('login', '--server', server.url, '--user', 'bob', '--password-file', join(bob, 'old.txt'), '--fingerprint', server.fingerprint);
        expect(once.status).toBe(0);
        // The login says the password was a one-time one, and what to do first.
        expect(once.stdout).toMatch(/That password was a one-time one: set your own first \(slr authority password --new-password-file FILE\)/);
        const first = b('show', 'licenses');
        expect(first.status).toBe(1);
        expect(first.stderr).toMatch(/one-time password/);
        expect(b('password', '--password-file', join(bob, 'old.txt'), '--new-password-file', join(bob, 'new.txt')).status).toBe(0);
        const again = b('login', '--server', server.url, '--user', 'bob', '--password-file', join(bob, 'new.txt'), '--fingerprint', server.fingerprint);
        expect([again.status, again.stdout]).toEqual([0, expect.stringMatching(/slr authority commands of this home now run there/)]);
        expect(b('show', 'instances').stdout).toContain(sn);
        const denied = b('unlock', '--instance', sn);
        expect(denied.status).toBe(1);
        expect(denied.stderr).toMatch(
          /^User "bob" \(Virtual Account User of "Default"\) may not add licenses, transfer, remove, rehost or unlock; nothing was changed\./,
        );
        // What only the server's own home does is refused through a login.
        const localOnly = a('user', 'list');
        expect(localOnly.status).toBe(1);
        expect(localOnly.stderr).toMatch(/works on a ledger of its own, not through a login/);
        // The device gives its licenses back; the return code is entered through the server.
        const ret = d('license', 'smart', 'reservation', 'return');
        expect(a('remove', '--instance', sn, '--return-code', ret.stdout.trim()).status).toBe(0);
        const events = a('show', 'events').stdout;
        expect(events).toMatch(/alice .*reserve /);
        expect(events).toMatch(/alice .*remove /);
        expect(a('show', 'events', '--verify').status).toBe(0);
        expect(a('logout').status).toBe(0);
        const after = a('show', 'licenses');
        expect(after.status).toBe(1);
        expect(after.stderr).toMatch(/No license authority in/);
      } finally {
        server.child.kill('SIGTERM');
      }
      const end = await server.exited;
      expect(end.code).toBe(0);
      expect(end.stderr).toMatch(/License Central stopped \(SIGTERM\)/);
    },
    120_000,
  );
});

describe('slr authority serve and its signing keys', () => {
  it('refuses to start with signing keys it cannot unlock, and says how', async () => {
    const lc = mkdtempSync(join(tmpdir(), 'slr-serve-locked-'));
    const secret = join(lc, 'passphrase.txt');
    writeFileSync(secret, 'a passphrase of some length\n');
    writeFileSync(join(lc, 'pw.txt'), `${PASSWORD}\n`);
    expect(slr(lc, ['authority', 'init', '--account', 'Acme', '--passphrase-file', secret], NOW).status).toBe(0);
    expect(slr(lc, ['authority', 'user', 'add', 'alice', '--role', 'smart-account-admin', '--password-file', join(lc, 'pw.txt')], NOW).status).toBe(0);
    const refused = await serve(lc).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(refused).toMatch(/signing keys of this license authority are encrypted/);
    const started = await serve(lc, ['--passphrase-file', secret]);
    started.child.kill('SIGTERM');
    expect((await started.exited).code).toBe(0);
  });
});

describe('slr authority migrate under a live server', () => {
  it.skipIf(SKIP_POSTGRES)(
    'a server still on the old ledger refuses every change until restarted, then serves the new one',
    async () => {
      const lc = mkdtempSync(join(tmpdir(), 'slr-live-lc-'));
      const alice = mkdtempSync(join(tmpdir(), 'slr-live-alice-'));
      const pw = join(lc, 'pw.txt');
      writeFileSync(pw, `${PASSWORD}\n`);
      const local = (...args: string[]) => slr(lc, ['authority', ...args], NOW);
      const a = (...args: string[]) => slr(alice, ['authority', ...args], NOW);
      expect(local('init', '--account', 'Acme').status).toBe(0);
      expect(local('user', 'add', 'alice', '--role', 'smart-account-admin', '--password-file', pw).status).toBe(0);
      let server = await serve(lc);
      const login = () => a('login', '--server', server.url, '--user', 'alice', '--password-file', pw, '--fingerprint', server.fingerprint);
      try {
        expect(login().status).toBe(0);
        expect(a('account', 'add', 'Before').status).toBe(0);
        const database = await postgres!.database();
        expect(local('migrate', '--to', database).status).toBe(0);
        // The running server reads the old ledger: it refuses every change, and says why and what to do.
        const refused = a('account', 'add', 'During');
        expect(refused.status).toBe(1);
        expect(refused.stderr).toMatch(/was moved to postgres.*read-only now/);
        expect(refused.stderr).toMatch(/a server running on this one must be restarted/);
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
      }
      // Restarted on the same home, without --database: it serves the ledger the home moved to.
      server = await serve(lc);
      try {
        expect(login().status).toBe(0);
        expect(a('account', 'add', 'After').status).toBe(0);
        const accounts = local('show', 'events').stdout;
        expect(accounts).toMatch(/Before/);
        expect(accounts).toMatch(/After/);
        expect(accounts).not.toMatch(/"During"/);
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    },
    scaled(120_000),
  );
});

describe.skipIf(SKIP_POSTGRES)('slr authority init --database: a License Central made directly on PostgreSQL', () => {
  it(
    'creates the ledger there and points the home at it; refuses a database that holds one, a home that has one, and a URL that is none',
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'slr-init-pg-'));
      const database = await postgres!.database();
      const a = (...args: string[]) => slr(home, ['authority', ...args], NOW);
      const made = a('init', '--account', 'Acme', '--database', database);
      expect(made.status, made.stderr).toBe(0);
      expect(made.stdout).toMatch(/License authority "Acme" created in .* \(this home works on it\), with virtual account "Default"/);
      expect(statSync(join(home, 'authority-ledger.json')).mode & 0o777).toBe(0o600);
      expect(existsSync(join(home, 'authority.sqlite'))).toBe(false);
      // The home's commands work on it from now on.
      expect(a('account', 'add', 'Lab').status).toBe(0);
      expect(a('show', 'events').stdout).toMatch(/Lab/);
      // Another home on the same database: it holds a License Central already.
      const other = mkdtempSync(join(tmpdir(), 'slr-init-pg-'));
      const again = slr(other, ['authority', 'init', '--account', 'Other', '--database', database], NOW);
      expect(again.status).toBe(1);
      expect(existsSync(join(other, 'authority-ledger.json'))).toBe(false);
      // A home with a ledger of its own moves it (migrate), never gets a second one; a URL that is not postgres://.
      const own = mkdtempSync(join(tmpdir(), 'slr-init-pg-'));
      expect(slr(own, ['authority', 'init', '--account', 'Own'], NOW).status).toBe(0);
      const split = slr(own, ['authority', 'init', '--account', 'Own', '--database', await postgres!.database()], NOW);
      expect([split.status, split.stderr]).toEqual([1, expect.stringMatching(/has a ledger of its own[\s\S]*slr authority migrate --to/)]);
      const notUrl = slr(other, ['authority', 'init', '--account', 'X', '--database', 'mysql://x/y'], NOW);
      expect([notUrl.status, notUrl.stderr]).toEqual([1, expect.stringMatching(/takes a postgres:\/\/ URL/)]);
    },
    scaled(60_000),
  );
});
