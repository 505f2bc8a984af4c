// Smart Licensing online, the faults, each with the real `slr` against License Central's server over
// loopback: the server down at register, renew and deregister; tokens expired, used up, revoked, tampered,
// naming another certificate; proxies that tunnel, want a password, or refuse; a clock two days off either
// way; a device whose identity License Central revoked; two devices racing for the last licenses of a pool.
// Each with a clear message, and nothing lost: the state file says what it said before, or what happened.
import { unusedPort } from './helpers/ports.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RemoteSession } from '../electron/authority/remote/remote.ts';
import { slrAsync, type CliResult } from './helpers/cli.ts';
import { startProxy } from './helpers/proxy.ts';
import { keyFileOf, startServer, type TestServer } from './helpers/server.ts';

const T = Date.UTC(2026, 9, 5, 8);
const DAY = 86_400_000;

let s: TestServer;
let admin: RemoteSession;
let keyFile: string;
/** A loopback port where nothing listens: License Central down. */
let closedPort: number;
beforeAll(async () => {
  s = await startServer('sqlite', T, null);
  admin = await s.login('admin');
  keyFile = await keyFileOf(s);
  closedPort = await unusedPort();
});
afterAll(async () => s?.stop());

async function device(offset = 0) {
  const home = mkdtempSync(join(tmpdir(), 'slr-faults-device-'));
  const run = (...args: string[]) => slrAsync(home, args, new Date(s.now + offset).toISOString());
  expect((await run('init', '--pid', 'UCM', '--trust', keyFile)).status).toBe(0);
  const state = () => readFileSync(join(home, 'product-instance.json'), 'utf8');
  return { home, run, state, status: async () => (await run('show', 'license', 'status', '--json')).json<Record<string, unknown>>() };
}
/** As License Central's administrator, logged in at the server's time (the clock moves in these tests). */
const asAdmin: TestServer['call'] = async (_session, name, body) => s.call(await s.login('admin'), name, body);
const token = async (account = 'Lab', extra: object = {}) =>
  ((await asAdmin(admin, 'token-create', { account, server: s.url, ...extra })) as { token: string }).token;
const registeredIn = async (account = 'Lab') =>
  (await asAdmin(admin, 'registered-instances', { account })) as { instance: string; usage: Record<string, number>; compliance: string }[];
const refusedWith = (r: CliResult, pattern: RegExp) => {
  expect(r.status, r.stdout + r.stderr).toBe(1);
  expect(r.stderr).toMatch(pattern);
};

describe('Smart Licensing online: faults', () => {
  it('server down: register refused and nothing kept; renew fails, the device works on and says until when; deregister is local, with a warning', async () => {
    const d = await device();
    const down = (await s.ledger.createToken({ account: 'Lab', server: `https://127.0.0.1:${closedPort}`, fingerprint: s.fingerprint }, s.now)).token;
    refusedWith(await d.run('license', 'smart', 'register', 'idtoken', down), /cannot be reached \(ECONNREFUSED\); nothing was sent/);
    expect((await d.status()).registration).toBe('Unregistered');

    expect((await d.run('license', 'smart', 'register', 'idtoken', await token())).status).toBe(0);
    expect((await d.run('license', 'smart', 'transport', 'gateway', `https://127.0.0.1:${closedPort}`)).status).toBe(0);
    refusedWith(await d.run('license', 'smart', 'renew', 'auth'), /cannot be reached[\s\S]*keeps working until its authorization expires on 2027-01-03/);
    const st = await d.run('show', 'license', 'status');
    expect(st.stdout).toMatch(/Last Communication Attempt: FAILED .*renew auth/);
    expect(st.stdout).toContain('Registration Status: Registered');
    // Due calls at any command, the server still down: the command works, warns, and does not try again within the hour.
    s.now += 31 * DAY;
    const due = await d.run('show', 'license', 'status');
    expect(due.status).toBe(0);
    expect(due.stderr).toMatch(/WARNING: Smart Licensing: .*cannot be reached/);
    expect((await d.run('show', 'license', 'udi')).stderr).toBe('');
    // Back to the server: the failure is cleared by the next call that gets through.
    expect((await d.run('license', 'smart', 'transport', 'direct')).status).toBe(0);
    expect((await d.run('license', 'smart', 'renew', 'auth')).status).toBe(0);
    expect((await d.status()).online).toMatchObject({ lastFailure: null, authorizationExpires: s.now + 90 * DAY });

    // Deregister with the server down: deregistered here, warned that License Central must remove it.
    expect((await d.run('license', 'smart', 'transport', 'gateway', `https://127.0.0.1:${closedPort}`)).status).toBe(0);
    const instance = (await d.status()).online as { instance: string };
    const dereg = await d.run('license', 'smart', 'deregister');
    expect(dereg.status).toBe(0);
    expect(dereg.stderr).toContain(`remove it at License Central (slr authority registered remove ${instance.instance}) to free its licenses`);
    expect((await d.status()).registration).toBe('Unregistered');
    expect((await registeredIn()).map((r) => r.instance)).toContain(instance.instance);
    await asAdmin(admin, 'registered-remove', { instance: instance.instance });
    expect((await registeredIn()).map((r) => r.instance)).not.toContain(instance.instance);
  });

  it('never shows usage License Central has not acknowledged as Authorized; a device restored from a backup calls on at once', async () => {
    const d = await device();
    expect((await d.run('license', 'usage', 'UCM_Basic', '2')).status).toBe(0);
    expect((await d.run('license', 'smart', 'register', 'idtoken', await token())).status).toBe(0);
    expect(await d.status()).toMatchObject({ authorization: 'Authorized' });
    const backup = d.state();
    // License Central unreachable, usage far beyond the pool: not Authorized, at once, and said why.
    expect((await d.run('license', 'smart', 'transport', 'gateway', `https://127.0.0.1:${closedPort}`)).status).toBe(0);
    await d.run('license', 'usage', 'UCM_Basic', '9999999');
    const st = await d.run('show', 'license', 'status');
    expect(st.stdout).toContain('Authorization Status: Out of Compliance');
    expect(st.stdout).toMatch(/Not Yet Acknowledged: UCM_Basic/);
    expect(st.stdout).toMatch(/Compliance As Of: 20\d\d-/);
    // Back online, the report is answered: over the pool, Out of Compliance by License Central's word.
    expect((await d.run('license', 'smart', 'transport', 'direct')).status).toBe(0);
    expect((await d.run('license', 'smart', 'usage', 'report')).status).toBe(0);
    expect((await registeredIn()).find((r) => r.usage.UCM_Basic === 9999999)?.compliance).toBe('Out of Compliance');
    for (let i = 0; i < 3; i++) expect((await d.run('license', 'smart', 'renew', 'auth')).status).toBe(0);
    // The state put back from before those calls: its counter is behind License Central's; the next call
    // learns the last number from License Central (its signed refusal) and goes through at once.
    writeFileSync(join(d.home, 'product-instance.json'), backup, { mode: 0o600 });
    const renewed = await d.run('license', 'smart', 'renew', 'auth');
    expect(renewed.status, renewed.stderr).toBe(0);
    expect((await d.run('license', 'smart', 'usage', 'report')).status).toBe(0);
    expect((await d.status()).online).toMatchObject({ lastFailure: null });
  });

  it('refuses tokens expired, used up, revoked, tampered or naming another certificate, and keeps the device as it was', async () => {
    const d = await device();
    const before = d.state();
    const once = await token('Lab', { maxUses: 1 });
    expect((await (await device()).run('license', 'smart', 'register', 'idtoken', once)).status).toBe(0);
    refusedWith(await d.run('license', 'smart', 'register', 'idtoken', once), /used once, all it allows/);
    const revoked = await token();
    const id = JSON.parse(Buffer.from(revoked.split('.')[1]!, 'base64url').toString()) as { id: string };
    await asAdmin(admin, 'token-revoke', { id: id.id });
    refusedWith(await d.run('license', 'smart', 'register', 'idtoken', revoked), /was revoked on/);
    const short = await token('Lab', { expiresDays: 1 });
    s.now += 2 * DAY;
    refusedWith(await d.run('license', 'smart', 'register', 'idtoken', short), /expired on/);
    const [p, body, sig] = (await token()).split('.') as [string, string, string];
    const altered = `${p}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), account: 'Default' })).toString('base64url')}.${sig}`;
    refusedWith(await d.run('license', 'smart', 'register', 'idtoken', altered), /changed after License Central signed it/);
    refusedWith(await d.run('license', 'smart', 'register', 'idtoken', 'SLRT1.abc'), /not a registration token/);
    refusedWith(await d.run('license', 'smart', 'register', 'idtoken', 'x'.repeat(5000)), /5000 characters/);
    const elsewhere = (await s.ledger.createToken({ account: 'Lab', server: s.url, fingerprint: 'AB:'.repeat(31) + 'AB' }, s.now)).token;
    refusedWith(await d.run('license', 'smart', 'register', 'idtoken', elsewhere), /not the one the token names[\s\S]*nothing was sent/);
    const after = JSON.parse(d.state()) as { online: unknown; events: unknown[] };
    expect(after.online).toBeNull();
    expect(after.events.length).toBe((JSON.parse(before) as { events: unknown[] }).events.length);
  });

  it('goes through a proxy with a password kept out of sight; a proxy that wants another password or refuses is named', async () => {
    const proxy = await startProxy({ user: 'ops', password: 's3cret pass' });
    const refusing = await startProxy({ refuse: 403 });
    try {
      const d = await device();
      const pw = join(d.home, 'proxy-password');
      writeFileSync(pw, 'wrong\n');
      expect((await d.run('license', 'smart', 'transport', 'proxy', '127.0.0.1', String(proxy.port), '--user', 'ops', '--password-file', pw)).status).toBe(0);
      refusedWith(await d.run('license', 'smart', 'register', 'idtoken', await token()), /proxy 127\.0\.0\.1:\d+ refused .*407.*nothing was sent/);
      writeFileSync(pw, 's3cret pass\n');
      const set = await d.run('license', 'smart', 'transport', 'proxy', '127.0.0.1', String(proxy.port), '--user', 'ops', '--password-file', pw);
      expect(set.stdout).toContain('(user ops, password set)');
      expect((await d.run('license', 'smart', 'register', 'idtoken', await token())).status).toBe(0);
      expect(proxy.asked.length).toBeGreaterThanOrEqual(2);
      expect(proxy.asked.every((a) => a === new URL(s.url).host)).toBe(true);
      const shown = (await d.run('show', 'license', 'status')).stdout + (await d.run('show', 'license', 'events')).stdout;
      expect(shown).toContain('HTTP/HTTPS proxy 127.0.0.1');
      expect(shown).not.toContain('s3cret');
      expect((await d.run('license', 'smart', 'transport', 'proxy', '127.0.0.1', String(refusing.port))).status).toBe(0);
      refusedWith(await d.run('license', 'smart', 'usage', 'report'), /refused to connect .*403.*forbids/);
      refusedWith(await d.run('license', 'smart', 'transport', 'proxy', 'a b', '80'), /not a proxy host/);
      writeFileSync(pw, '\n');
      refusedWith(await d.run('license', 'smart', 'transport', 'proxy', 'h', '80', '--user', 'ops', '--password-file', pw), /is empty/);
      refusedWith(await d.run('license', 'smart', 'transport', 'gateway', 'http://plain.example'), /HTTPS only/);
    } finally {
      await proxy.stop();
      await refusing.stop();
    }
  });

  it('registers and renews with a device clock two days off either way, and says so', async () => {
    for (const [offset, word] of [
      [2 * DAY, 'ahead of'],
      [-2 * DAY, 'behind'],
    ] as const) {
      const d = await device(offset);
      const reg = await d.run('license', 'smart', 'register', 'idtoken', await token('Lab', { expiresDays: 1 }));
      expect(reg.status, reg.stderr).toBe(0);
      expect(reg.stderr).toContain(`48 hours ${word} License Central's`);
      expect((await d.status()).registration).toBe('Registered');
      expect((await d.run('license', 'smart', 'renew', 'auth')).status).toBe(0);
      expect((await d.status()).authorization).toBe('No Licenses in Use');
    }
  });

  it('a device whose identity License Central revoked learns it at its next call, and is back in evaluation', async () => {
    const d = await device();
    expect((await d.run('license', 'smart', 'register', 'idtoken', await token())).status).toBe(0);
    const { instance } = (await d.status()).online as { instance: string };
    await asAdmin(admin, 'registered-remove', { instance });
    refusedWith(await d.run('license', 'smart', 'renew', 'auth'), /no longer knows this registration[\s\S]*unregistered, 90 days of evaluation left/);
    expect(await d.status()).toMatchObject({ registration: 'Unregistered', authorization: 'Evaluation Mode', online: null });
  });

  it('two devices racing for the last licenses of a pool: one is authorized, the other out of compliance, and the pool counts both', async () => {
    await asAdmin(admin, 'account-add', { name: 'Race' });
    await asAdmin(admin, 'license-add', { account: 'Race', tag: 'UCM_Basic', count: 10 });
    const [a, b] = [await device(), await device()];
    for (const d of [a, b]) expect((await d.run('license', 'smart', 'register', 'idtoken', await token('Race'))).status).toBe(0);
    const raced = await Promise.all([a.run('license', 'usage', 'UCM_Basic', '6'), b.run('license', 'usage', 'UCM_Basic', '6')]);
    const said = raced.map((r) => /Usage reported: (Authorized|Out of Compliance)/.exec(r.stderr)?.[1]).sort();
    expect(said).toEqual(['Authorized', 'Out of Compliance']);
    expect((await registeredIn('Race')).map((r) => [r.usage, r.compliance])).toEqual([
      [{ UCM_Basic: 6 }, 'Out of Compliance'],
      [{ UCM_Basic: 6 }, 'Out of Compliance'],
    ]);
    // The first learns it at its next report.
    for (const d of [a, b]) expect((await d.run('license', 'smart', 'usage', 'report')).stdout).toContain('Out of Compliance');
  });
});
