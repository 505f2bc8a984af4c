// What runs out soon (issue 30): one engine over the ledger's dates (TERM licenses, registration tokens,
// registered instances' authorization and registration), soonest first with the notice each has reached, through
// the ledger, the CLI (table, --csv, --json, --within, --account) and the server; with an injected clock only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger, type Ledger } from '../electron/authority/ledger.ts';
import { expiringWithin, expiryOf, NOTICE_DAYS } from '../shared/authority/expiring.ts';
import { lifetime } from '../shared/lifetime.ts';
import { DAY_MS } from '../shared/codes/dates.ts';
import { slr } from './helpers/cli.ts';
import { ok } from './helpers/cli-expect.ts';
import { registerInput } from './helpers/register.ts';
import { days, issue, lines, makeAuthorityKey, makeDevice, T0 } from './helpers/world.ts';
import { deviceExpiring } from '../shared/instance/expiring.ts';
import { deriveStatus } from '../shared/instance/status.ts';
import type { InstanceState } from '../shared/instance/state.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createAppApi, dispatch } from '../electron/app/api.ts';
import type { AuthorityView } from '../shared/bridge.ts';

const T = Date.UTC(2026, 0, 10); // the TERM lots end on calendar days after it
const FP = `${'AB:'.repeat(31)}AB`;

async function world(): Promise<{ dir: string; ledger: Ledger }> {
  const dir = mkdtempSync(join(tmpdir(), 'slr-expiring-'));
  const ledger = await openLedger({ dir, actor: 'test' }, true);
  await ledger.init('Acme', T);
  await ledger.addAccount('Lab', T);
  const term = (start: string, end: string) => ({ start: Date.parse(`${start}T00:00:00Z`), end: Date.parse(`${end}T00:00:00Z`) });
  await ledger.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 4, term: term('2026-01-01', '2026-01-15') }, T);
  await ledger.addLicenses({ account: 'Lab', tag: 'UCM_Enhanced', count: 2, term: term('2026-01-01', '2026-03-31') }, T);
  await ledger.addLicenses({ account: 'Lab', tag: 'UCM_Basic', count: 9 }, T); // PERPETUAL: never expires
  const token = (await ledger.createToken({ account: 'Lab', expiresDays: 20, server: 'https://lc.example:8443', fingerprint: FP, description: 'roll-out' }, T))
    .token;
  await ledger.createToken({ account: 'Default', expiresDays: 200, server: 'https://lc.example:8443', fingerprint: FP }, T);
  const key = await ledger.exportKey();
  const device = makeDevice('UCM', T, [{ id: key.id, publicKey: key.pem }]);
  await ledger.register(registerInput(device, token, { trustedKeyIds: [key.id] }), T);
  return { dir, ledger };
}

describe('what runs out soon', () => {
  it('gives the notices at 90, 60, 30, 14, 7, 3 and 1 days, and orders what falls within the window', () => {
    expect(NOTICE_DAYS).toEqual([90, 60, 30, 14, 7, 3, 1]);
    const inDays = (d: number) => expiryOf(T + d * DAY_MS, T);
    expect([200, 90.5, 90, 89.5, 45, 30, 29.2, 13, 6, 2, 0.1].map((d) => inDays(d).notice)).toEqual([null, null, 90, 90, 60, 30, 30, 14, 7, 3, 1]);
    // The same days left and the same notice as every other screen (shared/lifetime.ts): one rule.
    for (const d of [0.1, 1, 6.5, 29.9, 30, 89.99])
      expect(inDays(d)).toEqual({ daysLeft: lifetime(T + d * DAY_MS, T).daysLeft, notice: lifetime(T + d * DAY_MS, T).warning });
    const at = (d: number) => T + d * DAY_MS;
    const items = expiringWithin(
      [
        { kind: 'token', account: 'B', subject: 'b', at: at(10) },
        { kind: 'token', account: 'A', subject: 'a', at: at(10) },
        { kind: 'term-license', account: 'A', subject: 'past', at: at(-1) },
        { kind: 'registration', account: 'A', subject: 'far', at: at(31) },
      ],
      T,
      30,
    );
    expect(items.map((i) => [i.account, i.daysLeft, i.notice])).toEqual([
      ['A', 10, 14],
      ['B', 10, 14],
    ]);
  });

  it('lists the ledger’s dates in the CLI: the table, --within, --account, --csv and --json', async () => {
    const { dir, ledger } = await world();
    const items = await ledger.expiring(T, 30);
    expect(items.map((i) => [i.kind, i.account, i.daysLeft])).toEqual([
      ['term-license', 'Default', 6],
      ['token', 'Lab', 20],
    ]);
    expect(items[0]!.subject).toBe('4 x UCM_Basic (0 reserved)');
    // Within a year: the Lab's TERM licenses, the authorization (90 days) and the registration (a year), the other token.
    const year = (await ledger.expiring(T, 366)).map((i) => i.kind);
    expect(year).toEqual(['term-license', 'token', 'term-license', 'authorization', 'token', 'registration']);
    await ledger.close();
    const a = (...args: string[]) => slr(dir, ['authority', 'show', 'expiring', ...args], T);
    const table = ok(a()).stdout;
    expect(table.split('\n')[0]).toMatch(/^Expires\s+Days Left\s+Notice\s+What\s+Virtual Account\s+Subject/);
    expect(table).toMatch(/6\s+7 days\s+TERM licenses end\s+Default\s+4 x UCM_Basic/);
    expect(
      ok(a('--within', '90d', '--account', 'Lab', '--csv'))
        .stdout.split(/\r?\n/)
        .filter(Boolean),
    ).toHaveLength(4); // header + 3
    const json = JSON.parse(ok(slr(dir, ['--json', 'authority', 'show', 'expiring', '--within', '2'], T)).stdout) as { within: number; items: unknown[] };
    expect(json).toEqual({ ok: true, within: 2, items: [] });
    expect(ok(a('--within', '1')).stdout).toBe('Nothing runs out within 1 day.\n');
    for (const bad of ['0', '3651', 'soon', '-5', '30w']) expect(a('--within', bad).status, bad).toBe(2);
  });
});

describe('what runs out soon, on the server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer('sqlite', T, null);
  });
  afterAll(async () => s?.stop());

  it("answers a virtual account's user with its own account's dates only", async () => {
    await s.ledger.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 1, term: { start: T - DAY_MS, end: T + 10 * DAY_MS } }, T);
    await s.ledger.addLicenses({ account: 'Lab', tag: 'UCM_Basic', count: 1, term: { start: T - DAY_MS, end: T + 12 * DAY_MS } }, T);
    const admin = (await s.call(await s.login('admin'), 'expiring', {})) as { account: string }[];
    expect(admin.map((i) => i.account)).toEqual(['Default', 'Lab']);
    const lab = (await s.call(await s.login('lab-user'), 'expiring', { within: 60 })) as { account: string }[];
    expect(lab.map((i) => i.account)).toEqual(['Lab']);
  });
});

describe('the notices as events', () => {
  it('records each notice due once, the next one when it comes, through the ledger, the CLI and the app', async () => {
    const { dir, ledger } = await world();
    const events = async () => (await ledger.events()).filter((e) => e.type === 'expiry-notice');
    // Within 90 days of T: the lot ending 2026-01-15 (7-day notice), the token (30), the Lab lot (90), the renewals.
    const first = await ledger.recordNotices(T);
    expect(first.map((i) => [i.kind, i.notice])).toEqual(
      expect.arrayContaining([
        ['term-license', 7],
        ['token', 30],
      ]),
    );
    expect((await events()).map((e) => e.message)).toContainEqual(
      expect.stringMatching(/^TERM licenses end: 4 x UCM_Basic \(0 reserved\), 2026-01-16T00:00:00Z \(6 days left; the 7-day notice\)\.$/),
    );
    expect((await events()).find((e) => e.message.includes('UCM_Basic'))?.account).toBe('Default');
    // Once each: again at the same notice, nothing new, and nothing written.
    const count = (await events()).length;
    expect(await ledger.recordNotices(T + 3_600_000)).toEqual([]);
    expect((await events()).length).toBe(count);
    await ledger.close();
    // Three days on: the lot's 3-day notice, given once, by `slr authority notices`.
    const cli = slr(dir, ['authority', 'notices'], T + days(3) + 3_600_000);
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^TERM licenses end: 4 x UCM_Basic \(0 reserved\), .* \(3 days left; the 3-day notice\)\.$/m);
    expect(slr(dir, ['authority', 'notices'], T + days(3) + 7_200_000).stdout.trim()).toBe('No new notice is due.');
    // The app records them when it shows License Central.
    const appDir = mkdtempSync(join(tmpdir(), 'slr-notices-app-'));
    const api = createAppApi({
      dir: appDir,
      now: () => T,
      clipboard: { writeText: () => undefined },
      dialogs: { open: async () => null, save: async () => null },
    });
    expect((await dispatch(api, 'authorityInit', ['Acme'])).ok).toBe(true);
    expect(
      (await dispatch(api, 'authorityAddLicenses', [{ account: 'Default', tag: 'UCM_Basic', count: 1, term: { start: '2026-01-01', end: '2026-01-20' } }])).ok,
    ).toBe(true);
    const view = await dispatch(api, 'authorityView', []);
    const shown = (view.ok ? view.value : null) as AuthorityView | null;
    const logged = shown?.initialized ? shown.events.filter((e) => e.type === 'expiry-notice') : [];
    expect(logged.map((e) => e.message)).toEqual([expect.stringMatching(/^TERM licenses end: 1 x UCM_Basic \(0 reserved\), .*the 14-day notice\)\.$/)]);
  });
});

describe("the device's own dates", () => {
  it('lists its evaluation, the TERM licenses it runs and, registered online, its renewals, within 90 days', () => {
    const key = makeAuthorityKey();
    const device = makeDevice('UCM', T0, [key]);
    const at = (t: number) => deviceExpiring(deriveStatus(device.state, t), device.state, t);
    expect(at(T0 + days(70)).map((e) => [e.what, e.daysLeft, e.notice])).toEqual([['Evaluation period ends', 20, 30]]);
    device.run({ type: 'enable' }, T0);
    device.run({ type: 'request' }, T0);
    const code = issue(key, device, [...lines('UCM', { UCM_Basic: 3 }, { start: T0 - days(1), end: T0 + days(40) }), ...lines('UCM', { UCM_CUWL: 1 })]).code;
    device.run({ type: 'install', code }, T0 + 60_000);
    expect(at(T0 + days(1)).map((e) => [e.what, e.daysLeft, e.notice])).toEqual([['TERM licenses end: 3 x UCM_Basic', 40, 60]]);
    expect(at(T0 + days(50))).toEqual([]); // ended: no longer reserved, nothing left to expire
    // Registered online: the authorization and the registration.
    const online = { ...device.state.online, authorizationExpires: T0 + days(10), registrationExpires: T0 + days(200) } as InstanceState['online'];
    const registered = { ...device.state, online };
    expect(deviceExpiring(deriveStatus(registered, T0), registered, T0).map((e) => e.what)).toContain('Authorization expires (renewed every 90 days)');
  });

  it('gives them to the app with the device view (its notices from 30 days: renderer/instance/TermNotices.tsx)', async () => {
    let now = T;
    const api = createAppApi({
      dir: mkdtempSync(join(tmpdir(), 'slr-expiring-app-')),
      now: () => now,
      clipboard: { writeText: () => undefined },
      dialogs: { open: async () => null, save: async () => null },
    });
    const view = async () => {
      const r = await dispatch(api, 'instanceView', []);
      if (!r.ok) throw new Error(r.error.message);
      return r.value as { expiring: { what: string; daysLeft: number; notice: number | null }[] };
    };
    expect((await dispatch(api, 'instanceInit', ['CUC'])).ok).toBe(true);
    expect((await dispatch(api, 'instanceCommand', [{ type: 'usage', tag: 'CUC_BasicMessaging', count: 1 }])).ok).toBe(true);
    now = T + days(85);
    expect((await view()).expiring).toEqual([expect.objectContaining({ kind: 'evaluation', what: 'Evaluation period ends', daysLeft: 5, notice: 7 })]);
  });

  it('logs each of its notices once as an event when it is next used or looked at (the evaluation from 30 days)', () => {
    const home = mkdtempSync(join(tmpdir(), 'slr-device-notices-'));
    const at = (d: number) => T + days(d);
    const notices = (d: number) =>
      slr(home, ['--json', 'show', 'license', 'events'], at(d))
        .json<{ events: { type: string; message: string }[] }>()
        .events.filter((e) => e.type === 'expiry-notice')
        .map((e) => e.message);
    expect(slr(home, ['init', '--pid', 'CUC'], at(0)).status).toBe(0);
    expect(slr(home, ['license', 'usage', 'CUC_BasicMessaging', '1'], at(0)).status).toBe(0);
    // Its start is no notice: the evaluation's first is at 30 days left.
    expect(notices(1)).toEqual([]);
    expect(slr(home, ['show', 'license', 'status'], at(61)).status).toBe(0);
    expect(notices(61)).toEqual([expect.stringMatching(/^Evaluation period ends .* \(29 days left; the 30-day notice\)\.$/)]);
    expect(notices(62)).toHaveLength(1);
    expect(slr(home, ['show', 'license', 'status'], at(84)).status).toBe(0);
    expect(notices(84)).toEqual([expect.stringMatching(/the 30-day notice/), expect.stringMatching(/\(6 days left; the 7-day notice\)\.$/)]);
  });

  it('shows them in show license status, and as expiring in --json', () => {
    const home = mkdtempSync(join(tmpdir(), 'slr-expiring-device-'));
    ok(slr(home, ['init', '--pid', 'CUC'], T));
    ok(slr(home, ['license', 'usage', 'CUC_BasicMessaging', '1'], T)); // Unity Connection's evaluation starts with the first license used
    expect(ok(slr(home, ['show', 'license', 'status'], T + days(85))).stdout).toMatch(
      /^Expiring: Evaluation period ends \S+ \(5 days left; the 7-day notice\)$/m,
    );
    const json = JSON.parse(ok(slr(home, ['--json', 'show', 'license', 'status'], T + days(89))).stdout) as {
      expiring: { daysLeft: number; notice: number }[];
    };
    expect(json.expiring).toEqual([expect.objectContaining({ daysLeft: 1, notice: 1 })]);
    // Its evaluation is 90 days: from the first license used, it is within the 90-day notice.
  });
});
