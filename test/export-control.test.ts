// Export control online (issue 27), end to end over loopback: License Central's server in this process,
// product instances driven by the real `slr`. `license smart export request local <feature>` grants one export
// key license of the virtual account as a signed export authorization key; return frees it; a call that does
// not reach License Central is pending, retried automatically and stopped by `license smart export cancel`;
// deregistering returns the keys; feature names are the seeds' exactly (anything else: exit 2, naming them);
// and License Central never grants online what it reserved, or the reverse.
import { unusedPort } from './helpers/ports.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RemoteSession } from '../electron/authority/remote/remote.ts';
import { checkInvariants } from '../electron/authority/audit.ts';
import { slrAsync, type CliResult } from './helpers/cli.ts';
import { keyFileOf, startServer, type TestServer } from './helpers/server.ts';
import { startLossyGateway } from './helpers/lossy-gateway.ts';

const T = Date.UTC(2026, 9, 1, 8);
const CUC_KEY = 'CUC_Export_Restricted_Authorization_Key';
const UCM_KEY = 'UCM_Export_Restricted_Authorization_Key';
const MIN = 60_000;

let s: TestServer;
let admin: RemoteSession;
let keyFile: string;
let closedPort: number;
beforeAll(async () => {
  s = await startServer('sqlite', T, null);
  admin = await s.login('admin');
  keyFile = await keyFileOf(s);
  await s.call(admin, 'export-control', { allowed: true, reason: 'export licence EL-7 on file' });
  await s.call(admin, 'license-add', { account: 'Lab', tag: 'CUC_Export_Key', count: 1 });
  await s.call(admin, 'license-add', { account: 'Lab', tag: 'UCM_Export_Key', count: 2 });
  closedPort = await unusedPort();
});
afterAll(async () => s?.stop());

async function device(pid = 'CUC') {
  const home = mkdtempSync(join(tmpdir(), 'slr-export-device-'));
  const run = (...args: string[]) => slrAsync(home, args, new Date(s.now).toISOString());
  expect((await run('init', '--pid', pid, '--trust', keyFile)).status).toBe(0);
  const status = async () =>
    (await run('show', 'license', 'status', '--json')).json<{
      online: { exportKeys?: { feature: string; grant: string }[]; exportPending?: { op: string; feature: string } | null } | null;
    }>();
  return { home, run, status, state: () => readFileSync(join(home, 'product-instance.json'), 'utf8') };
}
const token = async (exportControlled: boolean, server = s.url) =>
  ((await s.call(admin, 'token-create', { account: 'Lab', server, exportControlled })) as { token: string }).token;
const ok = (r: CliResult) => {
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
};
const held = async (tag: string) => {
  const lines = (await s.call(admin, 'licenses', { account: 'Lab' })) as {
    tag: string;
    short?: string;
    inUse?: number;
    reserved?: number;
    available: number;
  }[];
  return lines.find((l) => l.tag === tag || l.short === tag)!;
};
const grantsAt = async () =>
  ((await s.call(admin, 'registered-instances', { account: 'Lab' })) as { udi: string; exportKeys: string[] }[]).flatMap((r) => r.exportKeys);

describe('export control online', () => {
  it('grants one export key license as a signed key, answers a second request with the same key, and frees it on return', async () => {
    const d = await device('CUC');
    ok(await d.run('license', 'smart', 'register', 'idtoken', await token(true)));
    const before = (await held('CUC_Export_Key')).available;
    const granted = ok(await d.run('license', 'smart', 'export', 'request', 'local', CUC_KEY));
    expect(granted.stdout).toMatch(/Export authorization key for CUC_Export_Restricted_Authorization_Key: \d+-[A-Za-z0-9]{16}/);
    expect((await held('CUC_Export_Key')).available).toBe(before - 1);
    expect((await d.status()).online?.exportKeys?.map((k) => k.feature)).toEqual([CUC_KEY]);
    expect(ok(await d.run('show', 'license', 'status')).stdout).toMatch(/Export Authorization Key: CUC_Export_Restricted_Authorization_Key/);
    // License Central's administrator sees it beside the registration (the CLI on the server's home).
    const shown = ok(await slrAsync(s.home, ['authority', 'show', 'registered', '--csv'], new Date(s.now).toISOString())).stdout;
    expect(shown.split(/\r?\n/)[0]).toMatch(/,Status,Export Keys,Cluster Nodes$/);
    expect(shown).toContain(`,${CUC_KEY}`);
    // Asked again: the key it holds, no second license.
    expect(ok(await d.run('license', 'smart', 'export', 'request', 'local', CUC_KEY)).stdout).toMatch(/already installed/);
    expect(await grantsAt()).toEqual([CUC_KEY]);
    // None left for another device of the account: refused naming the cause.
    const other = await device('CUC');
    ok(await other.run('license', 'smart', 'register', 'idtoken', await token(true)));
    const none = await other.run('license', 'smart', 'export', 'request', 'local', CUC_KEY);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/No CUC Export Restricted Authorization Key is left in virtual account "Lab"/);
    ok(await d.run('license', 'smart', 'export', 'return', 'local', CUC_KEY));
    expect((await d.status()).online?.exportKeys ?? []).toEqual([]);
    expect((await held('CUC_Export_Key')).available).toBe(before);
    ok(await other.run('license', 'smart', 'export', 'request', 'local', CUC_KEY));
    // Deregistering returns the keys it holds.
    ok(await other.run('license', 'smart', 'deregister'));
    expect((await held('CUC_Export_Key')).available).toBe(before);
    expect(await checkInvariants(s.ledger)).toEqual([]);
  });

  it('refuses with the cause: not registered, a token without export-controlled functionality, a name not of the seeds (exit 2, naming them)', async () => {
    const d = await device('UCM');
    const unregistered = await d.run('license', 'smart', 'export', 'request', 'local', UCM_KEY);
    expect(unregistered.status).toBe(1);
    expect(unregistered.stderr).toMatch(/not registered online/);
    ok(await d.run('license', 'smart', 'register', 'idtoken', await token(false)));
    const plain = await d.run('license', 'smart', 'export', 'request', 'local', UCM_KEY);
    expect(plain.status).toBe(1);
    expect(plain.stderr).toMatch(/token that does not allow export-controlled functionality/);
    for (const wrong of ['ucm_export_restricted_authorization_key', CUC_KEY, 'UCM_Export_Key', 'x'.repeat(500)]) {
      const r = await d.run('license', 'smart', 'export', 'request', 'local', wrong);
      expect(r.status, wrong).toBe(2);
      expect(r.stderr).toContain(`use ${UCM_KEY} (case as written)`);
    }
    expect((await d.run('license', 'smart', 'export', 'request', UCM_KEY)).status).toBe(2);
    const nothing = await d.run('license', 'smart', 'export', 'cancel');
    expect(nothing.status).toBe(1);
    expect(nothing.stderr).toMatch(/nothing to cancel/);
  });

  it('keeps a request that did not reach License Central pending, retries it after the back-off, and cancel stops the retry', async () => {
    const d = await device('UCM');
    ok(await d.run('license', 'smart', 'register', 'idtoken', await token(true)));
    ok(await d.run('license', 'smart', 'transport', 'gateway', `https://127.0.0.1:${closedPort}`));
    const down = await d.run('license', 'smart', 'export', 'request', 'local', UCM_KEY);
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/pending: it is retried automatically/);
    expect((await d.status()).online?.exportPending).toMatchObject({ op: 'request', feature: UCM_KEY });
    expect(ok(await d.run('show', 'license', 'status')).stdout).toMatch(/Export request for UCM_Export_Restricted_Authorization_Key: PENDING/);
    // Cancelled: nothing is retried, nothing was granted.
    expect(ok(await d.run('license', 'smart', 'export', 'cancel')).stdout).toMatch(/automatic retry of the export request .* is cancelled/);
    expect((await d.status()).online?.exportPending ?? null).toBeNull();
    const grantsBefore = (await grantsAt()).filter((f) => f === UCM_KEY).length;
    // Pending again; License Central reachable again; after the back-off any command makes the call.
    expect((await d.run('license', 'smart', 'export', 'request', 'local', UCM_KEY)).status).toBe(1);
    ok(await d.run('license', 'smart', 'transport', 'direct'));
    s.now += 90 * MIN;
    ok(await d.run('show', 'license', 'status'));
    const after = await d.status();
    expect(after.online?.exportPending ?? null).toBeNull();
    expect(after.online?.exportKeys?.map((k) => k.feature)).toEqual([UCM_KEY]);
    expect((await grantsAt()).filter((f) => f === UCM_KEY).length).toBe(grantsBefore + 1);
    expect(await checkInvariants(s.ledger)).toEqual([]);
  });

  it('never grants online what is reserved, nor reserves what is granted (one pool, conservation enforced by the database)', async () => {
    const d = await device('UCM');
    ok(await d.run('license', 'smart', 'register', 'idtoken', await token(true)));
    const free = (await held('UCM_Export_Key')).available;
    for (let i = 0; i < free; i++) {
      const other = await device('UCM');
      ok(await other.run('license', 'smart', 'register', 'idtoken', await token(true)));
      ok(await other.run('license', 'smart', 'export', 'request', 'local', UCM_KEY));
    }
    expect((await held('UCM_Export_Key')).available).toBe(0);
    const none = await d.run('license', 'smart', 'export', 'request', 'local', UCM_KEY);
    expect(none.status).toBe(1);
    // A reservation of the export key by Specific License Reservation finds none either.
    const slr = await device('UCM');
    ok(await slr.run('license', 'smart', 'reservation', 'enable'));
    const request = ok(await slr.run('license', 'smart', 'reservation', 'request'))
      .stdout.trim()
      .split('\n')
      .pop()!
      .trim();
    const reserve = await s.ledger.reserve({ account: 'Lab', request, licenses: { UCM_Export_Key: 1 } }, s.now).then(
      () => null,
      (e: { code: string }) => e.code,
    );
    expect(reserve).toBe('shortfall');
    expect(await checkInvariants(s.ledger)).toEqual([]);
  });

  it('agrees with License Central after a lost answer and a cancel: the next usage report brings the key granted, or takes the key returned', async () => {
    const gateway = await startLossyGateway(s.url);
    try {
      const d = await device('CUC');
      ok(await d.run('license', 'smart', 'register', 'idtoken', await token(true)));
      ok(await d.run('license', 'smart', 'transport', 'gateway', gateway.url));
      const udi = ok(await d.run('show', 'license', 'udi')).stdout.trim();
      const mine = async () =>
        ((await s.call(admin, 'registered-instances', { account: 'Lab' })) as { udi: string; exportKeys: string[] }[]).find((r) => r.udi === udi)!.exportKeys;
      // The request reaches License Central, its answer is lost: granted there, pending here; cancelled.
      gateway.mode = 'lose-answer';
      expect((await d.run('license', 'smart', 'export', 'request', 'local', CUC_KEY)).status).toBe(1);
      await expect.poll(mine).toEqual([CUC_KEY]);
      gateway.mode = 'pass';
      ok(await d.run('license', 'smart', 'export', 'cancel'));
      expect((await d.status()).online?.exportKeys ?? []).toEqual([]);
      ok(await d.run('license', 'smart', 'usage', 'report'));
      expect((await d.status()).online?.exportKeys?.map((k) => k.feature)).toEqual([CUC_KEY]);
      // The return reaches it, its answer is lost, cancelled: the key stays here until the next report takes it.
      gateway.mode = 'lose-answer';
      expect((await d.run('license', 'smart', 'export', 'return', 'local', CUC_KEY)).status).toBe(1);
      await expect.poll(mine).toEqual([]);
      gateway.mode = 'pass';
      ok(await d.run('license', 'smart', 'export', 'cancel'));
      expect((await d.status()).online?.exportKeys?.map((k) => k.feature)).toEqual([CUC_KEY]);
      ok(await d.run('license', 'smart', 'usage', 'report'));
      expect((await d.status()).online?.exportKeys ?? []).toEqual([]);
      expect(ok(await d.run('show', 'license', 'events')).stdout).toMatch(
        /Export authorization key for CUC_Export_Restricted_Authorization_Key removed: License Central holds it no more/,
      );
      expect(await checkInvariants(s.ledger)).toEqual([]);
    } finally {
      await gateway.stop();
    }
  });
});
