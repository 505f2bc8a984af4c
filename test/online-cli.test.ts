// Smart Licensing online end to end over loopback: License Central's server in this process, product
// instances driven by the real `slr` in processes of their own, each with its own clock. Token, register,
// usage, out of compliance and back, renewals when due at any command, deregister, reregister to another
// virtual account; registration and reservation excluding each other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RemoteSession } from '../electron/authority/remote/remote.ts';
import { slrAsync, type CliResult } from './helpers/cli.ts';
import { keyFileOf, startServer, type TestServer } from './helpers/server.ts';
import { refused as refusedCall } from './helpers/refused.ts';

const T = Date.UTC(2026, 8, 1, 8);
const DAY = 86_400_000;

let s: TestServer;
let admin: RemoteSession;
let keyFile: string;
beforeAll(async () => {
  s = await startServer('sqlite', T, null);
  admin = await s.login('admin');
  keyFile = await keyFileOf(s);
});
afterAll(async () => s?.stop());

/** A product instance (its own home), provisioned with License Central's key; commands at `s.now + offset`. */
async function device(offset = 0) {
  const home = mkdtempSync(join(tmpdir(), 'slr-online-device-'));
  const run = (...args: string[]) => slrAsync(home, args, new Date(s.now + offset).toISOString());
  const init = await run('init', '--pid', 'UCM', '--trust', keyFile);
  expect(init.status, init.stderr).toBe(0);
  return { home, run, status: async () => (await run('show', 'license', 'status', '--json')).json<Status>() };
}
interface Status {
  registration: string;
  authorization: string;
  evaluation: { running: boolean; daysLeft: number };
  online: { account: string; instance: string; authorizationExpires: number; registrationExpires: number; lastFailure: unknown } | null;
  exportControlled: { allowed: boolean };
}
const token = async (account: string, extra: object = {}) =>
  ((await s.call(admin, 'token-create', { account, server: s.url, ...extra })) as { token: string }).token;
const registered = async (account: string) =>
  (await s.call(admin, 'registered-instances', { account })) as {
    instance: string;
    udi: string;
    usage: Record<string, number>;
    compliance: string;
    lastContact: number;
  }[];
const ok = (r: CliResult) => {
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
};

describe('Smart Licensing online, product instance and License Central over loopback', () => {
  it('registers, reports usage against the pool, goes out of compliance and back, renews when due, deregisters and moves', async () => {
    const lab = await token('Lab', { maxUses: 5, description: 'lab phones' });
    const a = await device();
    ok(await a.run('license', 'usage', 'UCM_Basic', '4'));
    const reg = ok(await a.run('license', 'smart', 'register', 'idtoken', lab));
    expect(reg.stdout).toContain('virtual account "Lab"');
    expect(reg.stdout).toMatch(/Registration Status: Registered\nAuthorization Status: Authorized/);
    let st = await a.status();
    expect(st).toMatchObject({ registration: 'Registered', authorization: 'Authorized', online: { account: 'Lab', authorizationExpires: T + 90 * DAY } });
    expect(st.evaluation.running).toBe(false);
    expect(st.exportControlled.allowed).toBe(false);
    expect((await registered('Lab')).map((r) => r.usage)).toEqual([{ UCM_Basic: 4 }]);
    // Registration and reservation exclude each other.
    const enable = await a.run('license', 'smart', 'reservation', 'enable');
    expect(enable.status).toBe(1);
    expect(enable.stderr).toMatch(/registered with License Central online .*exclude each other/);
    expect(enable.stderr).toContain('license smart deregister');

    // Another device takes the pool over its 10: both out of compliance; more licenses, and back.
    const b = await device();
    ok(await b.run('license', 'usage', 'UCM_Basic', '7'));
    expect(ok(await b.run('license', 'smart', 'register', 'idtoken', lab)).stdout).toContain('Authorization Status: Out of Compliance');
    expect((await b.run('show', 'license', 'usage')).stdout).toMatch(/UCM_Basic\s+7\s+0\s+-\s+Out of Compliance/);
    await s.call(admin, 'license-add', { account: 'Lab', tag: 'UCM_Basic', count: 5 });
    expect(ok(await b.run('license', 'smart', 'usage', 'report')).stdout).toContain('Authorization Status: Authorized');
    // Usage changed on the device: reported at the next command, whatever it is.
    ok(await b.run('license', 'usage', 'UCM_Basic', '6'));
    expect((await registered('Lab')).map((r) => r.usage)).toEqual([{ UCM_Basic: 4 }, { UCM_Basic: 6 }]);

    // 31 days on: the authorization is due for renewal, and is renewed by whatever command runs.
    s.now = T + 31 * DAY;
    admin = await s.login('admin');
    const shown = ok(await a.run('show', 'license', 'status'));
    expect(shown.stderr).toContain('Smart Licensing: Authorization renewed: valid until');
    expect(shown.stdout).toContain(`Authorization Expires: ${new Date(T + 121 * DAY).toISOString().replace('.000', '')}`);
    // The answers carried License Central's log: the device keeps it as its witness (issue 30).
    const log = (await s.ledger.events()).length;
    expect(shown.stdout).toMatch(new RegExp(`License Central checkpoint: ${log} events in its log`));
    // Nothing due again at once: no call.
    const contact = (await registered('Lab'))[0]!.lastContact;
    s.now += 60_000;
    expect(ok(await a.run('show', 'license', 'status')).stderr).not.toContain('Smart Licensing:');
    expect((await registered('Lab'))[0]!.lastContact).toBe(contact);
    // 181 days on: the registration renewed too, and the authorization, expired meanwhile, back.
    s.now = T + 181 * DAY;
    admin = await s.login('admin');
    const late = ok(await a.run('show', 'license', 'summary'));
    expect(late.stderr).toContain('Registration renewed: valid until');
    expect(late.stdout).toContain('Authorization Status: Authorized');
    st = await a.status();
    expect(st.online).toMatchObject({ registrationExpires: s.now + 365 * DAY, authorizationExpires: s.now + 90 * DAY });

    // Deregistered: its usage leaves the pool, the device is back in evaluation (with the days it had left).
    const dereg = ok(await b.run('license', 'smart', 'deregister'));
    expect(dereg.stdout).toMatch(/Deregistered: .*released to the pool of "Lab"/);
    expect(dereg.stdout).toContain('Registration Status: Unregistered');
    expect((await b.status()).authorization).toBe('Evaluation Mode');
    expect((await registered('Lab')).length).toBe(1);
    expect((await b.run('license', 'smart', 'renew', 'auth')).stderr).toContain('not registered online');

    // Reregistered with a token of another virtual account: refused without force, moved with it.
    const other = await token('Default');
    const again = await a.run('license', 'smart', 'register', 'idtoken', other);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already registered (virtual account "Lab"');
    const moved = ok(await a.run('license', 'smart', 'register', 'idtoken', other, 'force'));
    expect(moved.stderr).toContain('Moved from virtual account "Lab", without its licenses.');
    expect((await a.status()).online?.account).toBe('Default');
    expect(await registered('Lab')).toEqual([]);
    expect((await registered('Default')).map((r) => r.usage)).toEqual([{ UCM_Basic: 4 }]);
    const events = ok(await a.run('show', 'license', 'events')).stdout;
    for (const type of ['register', 'usage-report', 'renew-auth', 'renew-id']) expect(events).toContain(type);
  });

  it('allows export-controlled functionality only with a token that allows it, where the smart account is permitted it', async () => {
    admin = await s.login('admin');
    expect((await refusedCall(s.call(admin, 'token-create', { account: 'Lab', server: s.url, exportControlled: true }))).code).toBe('export-not-permitted');
    await s.call(admin, 'export-control', { allowed: true, reason: 'export licence EL-7 on file' });
    const d = await device();
    ok(await d.run('license', 'smart', 'register', 'idtoken', await token('Lab', { exportControlled: true })));
    expect((await d.status()).exportControlled.allowed).toBe(true);
    const plain = await device();
    ok(await plain.run('license', 'smart', 'register', 'idtoken', await token('Lab')));
    expect((await plain.status()).exportControlled.allowed).toBe(false);
  });

  it('refuses to register while reservation is on, with what to do', async () => {
    const d = await device();
    ok(await d.run('license', 'smart', 'reservation', 'enable'));
    const r = await d.run('license', 'smart', 'register', 'idtoken', await token('Lab'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/License reservation is enabled: registration and reservation exclude each other[\s\S]*reservation disable/);
    ok(await d.run('license', 'smart', 'reservation', 'disable'));
    ok(await d.run('license', 'smart', 'register', 'idtoken', await token('Lab')));
  });

  it('keeps the command line as written: bad forms exit 2 with the usage', async () => {
    const d = await device();
    const help = ok(await d.run('license', 'smart', 'transport', '--help')).stdout;
    expect(help).toContain('slr license smart transport direct | gateway <url> | proxy <host> <port> [--user U --password-file F]');
    expect(help).toContain('Exit codes:');
    expect(ok(await d.run('help', 'license', 'smart', 'renew')).stdout).toContain('renew auth | renew id');
    for (const args of [
      ['register', 'idtoken'],
      ['register', 'token', 'x'],
      ['register', 'idtoken', 'x', 'forced'],
      ['renew', 'all'],
      ['usage'],
      ['transport', 'proxy', 'host'],
      ['transport', 'proxy', 'host', 'port'],
      ['transport', 'proxy', 'h', '8080', '--password-file', 'f'],
      ['transport', 'gateway'],
      ['privacy', 'hostname', 'maybe'],
    ]) {
      const r = await d.run('license', 'smart', ...args);
      expect(r.status, args.join(' ')).toBe(2);
    }
  });
});
