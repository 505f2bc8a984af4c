/**
 * Satellites in the app (issue 28), over the bridge as the main process serves it: a parent and a satellite,
 * each an app of its own, kept in step by sync files the operator saves and opens (or carries as QR parts);
 * every bad input is a refusal with a code and changes nothing; the satellite's tab is its own ledger's only;
 * and a connected satellite's rounds run by themselves while the app runs (clock and timers injected).
 */
import { describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, dispatch } from '../electron/app/api.ts';
import { saveSession } from '../electron/authority/remote/remote.ts';
import type { LinkFor } from '../electron/authority/satellite/connected.ts';
import type { Timers } from '../electron/authority/satellite/schedule.ts';
import { formatSyncFile, parseSyncFile } from '../shared/authority/sync-file.ts';
import { SlrError } from '../shared/errors.ts';
import { sqliteLedgerPort } from '../electron/authority/ledger-port.ts';
import { qrTexts } from '../shared/codes/qr-parts.ts';
import type { BridgeMethod, BridgeResults } from '../shared/bridge.ts';

const T = Date.UTC(2026, 5, 1);
const MIN = 60_000;
const FP = Array.from({ length: 32 }, () => 'AB').join(':');

function appAt(name: string, o: { linkFor?: LinkFor; clock?: { now: number } } = {}) {
  const root = mkdtempSync(join(tmpdir(), `slr-app-sat-${name}-`));
  const dir = join(root, name);
  const usb = join(root, 'usb');
  mkdirSync(usb);
  const opens: string[] = [];
  const clock = o.clock ?? { now: T };
  const app = createApp({
    dir,
    now: () => (clock.now += 1000),
    clipboard: { writeText: () => undefined },
    dialogs: { open: async () => opens.shift() ?? null, save: async ({ defaultName }) => join(usb, defaultName) },
    ...(o.linkFor ? { linkFor: o.linkFor } : {}),
  });
  const reply = async (method: string, ...args: unknown[]) => dispatch(app.api, method, args);
  /** The value, or the test fails with the refusal. */
  const ok = async <M extends BridgeMethod>(method: M, ...args: unknown[]): Promise<BridgeResults[M]> => {
    const r = await reply(method, ...args);
    if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
    return r.value as BridgeResults[M];
  };
  const refusal = async (method: string, ...args: unknown[]) => {
    const r = await reply(method, ...args);
    return r.ok ? 'ok' : r.error.code;
  };
  return { dir, usb, app, ok, refusal, reply, open: (p: string) => opens.push(p), clock };
}

/** The licenses a License Central has of UCM_Basic in "Lab": bought and available. */
async function basic(side: ReturnType<typeof appAt>) {
  const view = await side.ok('authorityView');
  const line = view.initialized ? view.licenses.find((l) => l.account === 'Lab' && l.short === 'UCM_Basic') : undefined;
  return { purchased: line?.purchased ?? 0, available: line?.available ?? 0 };
}

async function parentWithLicenses(o: Parameters<typeof appAt>[1] = {}) {
  const parent = appAt('parent', o);
  await parent.ok('authorityInit', 'Acme');
  await parent.ok('authorityAddAccount', 'Lab');
  await parent.ok('authorityAddLicenses', { account: 'Lab', tag: 'UCM_Basic', count: 10 });
  return parent;
}

describe('satellites in the app', () => {
  it('keeps a parent and a disconnected satellite in step by files saved, opened and carried as QR parts', async () => {
    const parent = await parentWithLicenses();
    const sat = appAt('satellite');
    await sat.ok('authorityInit', 'Plant 4 LC');
    expect(await parent.ok('authoritySatellites')).toEqual({ role: 'parent', satellites: [] });

    const added = await parent.ok('authoritySatelliteAdd', { name: 'Plant 4', mode: 'disconnected', replace: false });
    expect(added.file.name).toBe('Plant 4-enrolment.json');
    const saved = await parent.ok('fileSaveSync', added.file);
    expect(readFileSync(saved!, 'utf8')).toBe(added.file.text);
    expect(statSync(saved!).mode & 0o777).toBe(0o600);

    sat.open(saved!);
    const opened = await sat.ok('fileOpenSync');
    const enrolled = await sat.ok('authoritySatelliteEnrol', opened!.text);
    expect(enrolled).toMatchObject({ satellite: 'Plant 4', parent: 'Acme', mode: 'disconnected', round: null });
    // The reply travels as QR parts, scanned in any order.
    const parts = qrTexts(enrolled.reply.text.trim());
    expect(parts.length).toBeGreaterThan(1);
    const taken = await parent.ok('authoritySyncImport', [...parts].reverse().join('\n'));
    expect(taken).toMatchObject({ kind: 'enrolment-reply', answer: { name: 'Plant 4-answer.json' } });
    expect((await sat.ok('authoritySyncImport', taken.answer!.text)).kind).toBe('down');

    const { lines } = await parent.ok('authoritySatelliteAllocate', { satellite: 'Plant 4', account: 'Lab', licenses: { UCM_Basic: 4 } });
    expect(lines).toEqual(['UCM_Basic 0 -> 4']);
    expect(await basic(parent)).toEqual({ purchased: 10, available: 6 });
    const up = await sat.ok('authoritySyncExport');
    expect(up).toMatchObject({ seq: 1, file: { name: 'sync-1.json' } });
    const answer = await parent.ok('authoritySyncImport', up.file.text);
    expect(answer.summary).toMatch(/^File 1 from satellite "Plant 4" applied/);
    expect((await sat.ok('authoritySyncImport', answer.answer!.text)).summary).toMatch(/UCM_Basic in "Lab" 0 -> 4/);
    expect(await basic(sat)).toEqual({ purchased: 4, available: 4 });

    const satView = await sat.ok('authoritySatellites');
    expect(satView.role === 'satellite' && satView.parent).toMatchObject({ name: 'Plant 4', smartAccount: 'Acme', downSeq: 2, upSeq: 1 });
    expect(satView.role === 'satellite' && satView.parent.targets.map((t) => t.target)).toEqual([4]);
    const parentView = await parent.ok('authoritySatellites');
    expect(parentView.role === 'parent' && parentView.satellites[0]).toMatchObject({ name: 'Plant 4', state: 'enrolled', filesApplied: 1 });

    // The same file again changes nothing; the satellite's tab offers nothing the parent owns.
    expect(await parent.refusal('authoritySyncImport', up.file.text)).toBe('sync-replayed');
    expect(await basic(parent)).toEqual({ purchased: 10, available: 6 });
    expect(await sat.refusal('authoritySatelliteAdd', { name: 'Sub', mode: 'disconnected', replace: false })).toMatch(/parent-owned|not-allowed/);
    expect(await sat.refusal('authoritySyncNow')).toBe('not-allowed');
  });

  it('refuses every bad sync file, file name and form, changing nothing', async () => {
    const parent = await parentWithLicenses();
    const sat = appAt('satellite');
    await sat.ok('authorityInit', 'Plant 4 LC');
    const added = await parent.ok('authoritySatelliteAdd', { name: 'Plant 4', mode: 'disconnected', replace: false });
    const enrolment = added.file.text;

    expect(await parent.refusal('authoritySyncImport', 'garbage')).toBe('bad-sync-file');
    expect(await parent.refusal('authoritySyncImport', '')).toBe('bad-call');
    const r = await parent.reply('authoritySyncImport', enrolment);
    expect(!r.ok && r.error).toMatchObject({ code: 'wrong-sync-file', hint: expect.stringMatching(/Enrol as a satellite of another License Central/) });
    const parts = qrTexts(enrolment.trim());
    expect(await sat.refusal('authoritySatelliteEnrol', parts.slice(1).join('\n'))).toBe('code-parts-missing');
    // An altered enrolment (another nonce, the parent's signature kept) is refused; the genuine one then enrols.
    const envelope = parseSyncFile(enrolment);
    const altered = formatSyncFile({ ...envelope, payload: envelope.payload.replace('"Plant 4"', '"Plant 5"') }, 'altered');
    expect(altered).toContain('Plant 5');
    expect(await sat.refusal('authoritySatelliteEnrol', altered)).toBe('sync-untrusted');
    expect((await sat.ok('authoritySatellites')).role).toBe('parent');
    // A License Central that holds licenses is no new one: it cannot enrol.
    expect(await parent.refusal('authoritySatelliteEnrol', enrolment)).not.toBe('ok');

    for (const name of ['../x.json', 'a/b.json', 'a\\b.json', '.hidden.json', 'x.txt', 'x'.repeat(130) + '.json'])
      expect(await parent.refusal('fileSaveSync', { name, text: enrolment }), name).toBe('bad-call');
    expect(await parent.refusal('authoritySatelliteAdd', { name: 'P5', mode: 'connected', replace: false })).toBe('bad-request');
    expect(await parent.refusal('authoritySatelliteAdd', { name: 'P5', mode: 'connected', server: 'https://lc.example:8443', replace: false })).toBe(
      'bad-request',
    );
    expect(await parent.refusal('authoritySatelliteAdd', { name: 'P5', mode: 'disconnected', server: 'https://lc.example:8443', replace: false })).toBe(
      'bad-request',
    );
    expect(
      await parent.refusal('authoritySatelliteAdd', { name: 'P5', mode: 'connected', server: 'https://lc.example:8443', fingerprint: 'AB:CD', replace: false }),
    ).toBe('bad-request');
    expect(await parent.refusal('authoritySatelliteAdd', { name: 'Plant 4', mode: 'disconnected', replace: false })).not.toBe('ok');
    expect(await parent.refusal('authoritySatelliteAllocate', { satellite: 'Nobody', account: 'Lab', licenses: { UCM_Basic: 1 } })).toBe('no-satellite');
    expect(await parent.refusal('authoritySatelliteAllocate', { satellite: 'Plant 4', account: 'Lab', licenses: { UCM_Basic: 11 } })).not.toBe('ok');
    expect(await basic(parent)).toEqual({ purchased: 10, available: 10 });
    expect(await parent.refusal('authoritySyncExport')).toBe('no-satellite');
    const after = await parent.ok('authoritySatellites');
    expect(after.role === 'parent' && after.satellites.map((s) => s.name)).toEqual(['Plant 4']);
  });

  it('works on the own ledger only: refused while the workspace works on a server', async () => {
    const parent = await parentWithLicenses();
    saveSession(parent.dir, { server: 'https://lc.example:8443', fingerprint: FP, certificate: 'x', user: 'ann', token: 'token-1234567890', expiresAt: null });
    for (const [method, args] of [
      ['authoritySatellites', []],
      ['authoritySatelliteAdd', [{ name: 'P5', mode: 'disconnected', replace: false }]],
      ['authoritySatelliteAllocate', [{ satellite: 'P5', account: 'Lab', licenses: { UCM_Basic: 1 } }]],
      ['authoritySyncExport', []],
      ['authoritySyncImport', ['garbage']],
      ['authoritySyncNow', []],
    ] as const)
      expect(await parent.refusal(method, ...args), method).toBe('local-only');
  });

  it('runs a connected satellite’s rounds by themselves while the app runs, and nothing where there is none', async () => {
    const clock = { now: T };
    let parentDir = '';
    let down = false;
    // The parent's server, in-process: the file goes to its ledger and the answer comes back (the HTTPS link is tested in satellite-connected).
    const linkFor: LinkFor = () => ({
      async send(_operation, file) {
        if (down) throw new SlrError('server-unreachable', 'The parent is down.');
        return (await sqliteLedgerPort(parentDir)((l) => l.syncImport(file, clock.now))).answer!.envelope;
      },
    });
    const parent = await parentWithLicenses({ clock });
    parentDir = parent.dir;
    const sat = appAt('satellite', { clock, linkFor });
    await sat.ok('authorityInit', 'Plant 4 LC');
    const added = await parent.ok('authoritySatelliteAdd', {
      name: 'Plant 4',
      mode: 'connected',
      server: 'https://lc.example:8443/',
      fingerprint: FP.toLowerCase(),
      intervalMinutes: 30,
      replace: false,
    });
    expect(JSON.parse(parseSyncFile(added.file.text).payload)).toMatchObject({ mode: 'connected', url: 'https://lc.example:8443', fingerprint: FP });
    const enrolled = await sat.ok('authoritySatelliteEnrol', added.file.text);
    expect(enrolled.round).toEqual({ ok: true, message: expect.stringMatching(/^The parent took the enrolment\. Synchronised: file 1 sent/) });
    await parent.ok('authoritySatelliteAllocate', { satellite: 'Plant 4', account: 'Lab', licenses: { UCM_Basic: 3 } });

    const timers: { fn: () => void; ms: number }[] = [];
    const fake: Timers = { set: (fn, ms) => (timers.push({ fn, ms }), { cancel: () => undefined }) };
    const rounds: { ok: boolean }[] = [];
    const schedule = sat.app.rounds({ timers: fake, onRound: (r) => rounds.push(r) });
    const next = async () => {
      timers.shift()!.fn();
      await vi.waitFor(() => expect(timers).toHaveLength(1));
    };
    await vi.waitFor(() => expect(timers).toHaveLength(1));
    expect(rounds).toEqual([]);
    expect(timers[0]!.ms).toBe(60_000);
    clock.now += 31 * MIN;
    await next();
    expect(rounds).toMatchObject([{ ok: true, changed: ['UCM_Basic in "Lab" 0 -> 3'] }]);
    expect(await basic(sat)).toEqual({ purchased: 3, available: 3 });

    // The parent down: the round fails, the satellite keeps what it holds and says so; the next works again.
    down = true;
    clock.now += 31 * MIN;
    await next();
    expect(rounds[1]).toMatchObject({ ok: false, failures: 1 });
    const failed = await sat.ok('authoritySatellites');
    expect(failed.role === 'satellite' && failed.parent).toMatchObject({ lastError: expect.stringMatching(/parent is down/), failures: 1 });
    expect(await basic(sat)).toEqual({ purchased: 3, available: 3 });
    const now = await sat.reply('authoritySyncNow');
    expect(!now.ok && now.error).toMatchObject({ code: 'server-unreachable', message: expect.stringMatching(/“Synchronise now” tries at once/) });
    down = false;
    expect((await sat.ok('authoritySyncNow')).message).toMatch(/^Synchronised: file \d+ sent/);
    await schedule.stop();

    // Where no License Central is, or one that is no connected satellite: nothing runs, nothing is made.
    for (const side of [appAt('empty'), parent]) {
      const quiet: { ms: number }[] = [];
      const reported: unknown[] = [];
      const s = side.app.rounds({ timers: { set: (_fn, ms) => (quiet.push({ ms }), { cancel: () => undefined }) }, onRound: (r) => reported.push(r) });
      await vi.waitFor(() => expect(quiet).toEqual([{ ms: 60_000 }]));
      expect(reported).toEqual([]);
      await s.stop();
    }
    expect(existsSync(join(appAt('empty').dir, 'authority.sqlite'))).toBe(false);
  });
});
