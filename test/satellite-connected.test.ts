// Satellites in connected mode (issue 28): the same signed, numbered files as disconnected mode, carried over
// HTTPS to the parent's real server (pinned by the fingerprint its enrolment file carries), rounds by
// themselves under `serve` with back-off, and every fault of the network — the parent down, a request lost,
// an answer lost, another server's certificate, hostile bodies — changing nothing a device sees and losing
// nothing once the network is back.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger, type Ledger } from '../electron/authority/ledger.ts';
import { checkInvariants } from '../electron/authority/audit.ts';
import { httpsParentLink } from '../electron/authority/satellite/parent-link.ts';
import type { LinkFor, ParentLink } from '../electron/authority/satellite/connected.ts';
import { scheduleRounds, type Timers } from '../electron/authority/satellite/schedule.ts';
import { nextRoundAt } from '../shared/authority/satellite.ts';
import { SlrError } from '../shared/errors.ts';
import { makeDevice } from './helpers/world.ts';
import { postRaw, startServer, type TestServer } from './helpers/server.ts';

const T = Date.UTC(2026, 5, 1);
const MIN = 60_000;
const started: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.stop();
});

const held = async (l: Ledger, account = 'Lab') =>
  (await l.licenses(T))
    .filter((x) => x.account === account && x.short === 'UCM_Basic')
    .reduce((a, x) => ({ count: a.count + x.purchased, blocked: a.blocked + x.purchased - x.available }), { count: 0, blocked: 0 });

const eventCount = async (l: Ledger) => (await l.events()).length;

async function connectedPair(o: { fingerprint?: string } = {}) {
  const server: TestServer = await startServer('sqlite', T, null);
  const satLedger = await openLedger({ dir: mkdtempSync(join(tmpdir(), 'slr-sat-connected-')), actor: 's' }, true);
  started.push(server, { stop: () => satLedger.close() });
  await satLedger.init('Acme', T);
  const enrolment = await server.ledger.addSatellite(
    { name: 'Plant 4', mode: 'connected', intervalMinutes: 30, url: server.url, fingerprint: o.fingerprint ?? server.fingerprint },
    T,
  );
  let now = T;
  const at = () => {
    now += MIN;
    server.now = now;
    return now;
  };
  return { server, parent: server.ledger, sat: satLedger, enrolment, at };
}

/** A link that passes files to the real one, unless told to lose the request or the answer. */
function lossyLink(faults: ('request' | 'answer' | null)[]): LinkFor {
  return (role) => {
    const real = httpsParentLink(role);
    return {
      async send(operation, file) {
        const fault = faults.shift() ?? null;
        if (fault === 'request') throw new SlrError('server-unreachable', 'the request was lost');
        const answer = await real.send(operation, file);
        if (fault === 'answer') throw new SlrError('server-unreachable', 'the answer was lost');
        return answer;
      },
    } satisfies ParentLink;
  };
}

describe('connected satellites', () => {
  it('enrol and synchronise over HTTPS with the pinned parent; quiet rounds add no events', async () => {
    const { parent, sat, enrolment, at } = await connectedPair();
    const { role } = await sat.enrol(enrolment.text, at());
    expect(role.pendingReply).not.toBeNull();
    const first = await sat.syncNow(at());
    expect(first).toMatchObject({ ok: true, enrolled: true, up: 1 });
    expect((await sat.parentOf())!.replyPending).toBe(false);
    expect((await parent.satellites())[0]).toMatchObject({ name: 'Plant 4', mode: 'connected', state: 'enrolled', filesApplied: 1 });

    await parent.allocate({ satellite: 'Plant 4', account: 'Lab', licenses: { UCM_Basic: 4 } }, at());
    const second = await sat.syncNow(at());
    expect(second.ok && second.changed).toEqual(['UCM_Basic in "Lab" 0 -> 4']);
    expect(await held(sat)).toEqual({ count: 4, blocked: 0 });
    expect(await held(parent)).toEqual({ count: 10, blocked: 4 });

    // The next round carries the satellite's event of that answer; after it, rounds that bring nothing log nothing.
    expect((await sat.syncNow(at())).ok).toBe(true);
    const [satEvents, parentEvents] = [await eventCount(sat), await eventCount(parent)];
    for (let i = 0; i < 3; i++) expect((await sat.syncNow(at())).ok).toBe(true);
    expect([await eventCount(sat), await eventCount(parent)]).toEqual([satEvents, parentEvents]);
    expect(await checkInvariants(parent)).toEqual([]);
  });

  it('keeps serving its devices while the parent is down, backs off, and catches up after', async () => {
    const { parent, sat, enrolment, at } = await connectedPair();
    await sat.enrol(enrolment.text, at());
    await parent.allocate({ satellite: 'Plant 4', account: 'Lab', licenses: { UCM_Basic: 5 } }, at());
    expect((await sat.syncNow(at())).ok).toBe(true);

    const down: LinkFor = () => ({
      send: () => Promise.reject(new SlrError('server-unreachable', 'License Central at https://parent cannot be reached (ECONNREFUSED).')),
    });
    const delays: number[] = [];
    for (let i = 1; i <= 8; i++) {
      const now = at();
      const r = await sat.syncNow(now, down);
      expect(r).toMatchObject({ ok: false, failures: i });
      delays.push((r.nextAt - now) / MIN);
    }
    expect(delays).toEqual([1, 2, 4, 8, 16, 30, 30, 30]);
    const failedEvents = (await sat.events()).filter((e) => e.type === 'sync-failed');
    expect(failedEvents).toHaveLength(1);
    expect((await sat.parentOf())!.lastError).toMatch(/ECONNREFUSED/);

    // Meanwhile a device reserves from what the satellite holds, and no more.
    const trust = [await sat.exportKey().then((k) => ({ id: k.id, publicKey: k.pem }))];
    const device = makeDevice('UCM', T, trust);
    device.run({ type: 'enable' }, T);
    await sat.reserve({ account: 'Lab', request: device.run({ type: 'request' }, at()).issued!.code, licenses: { UCM_Basic: 3 } }, at());
    const other = makeDevice('UCM', T, trust);
    other.run({ type: 'enable' }, T);
    await expect(sat.reserve({ account: 'Lab', request: other.run({ type: 'request' }, at()).issued!.code, licenses: { UCM_Basic: 3 } }, at())).rejects.toThrow(
      /shortfall|available/i,
    );

    const back = await sat.syncNow(at());
    expect(back.ok).toBe(true);
    expect((await sat.parentOf())!).toMatchObject({ failures: 0, lastError: null });
    expect((await sat.events()).filter((e) => e.type === 'sync-resumed')).toHaveLength(1);
    const line = (await parent.satellites())[0]!;
    expect(line.holdings).toEqual([expect.objectContaining({ account: 'Lab', count: 5, blocked: 3 })]);
    expect(line.problem).toBeNull();
  });

  it('loses no file and counts nothing twice when requests or answers are lost, the enrolment reply included', async () => {
    const { parent, sat, enrolment, at } = await connectedPair();
    await sat.enrol(enrolment.text, at());
    // The reply reaches the parent but its answer is lost: the next round sends it again, is told it is
    // enrolled already, and goes on.
    const faults: ('request' | 'answer' | null)[] = ['answer', null, null];
    expect((await sat.syncNow(at(), lossyLink(faults))).ok).toBe(false);
    expect((await parent.satellites())[0]!.state).toBe('enrolled');
    expect(await sat.syncNow(at(), lossyLink(faults))).toMatchObject({ ok: true, enrolled: true });

    await parent.allocate({ satellite: 'Plant 4', account: 'Lab', licenses: { UCM_Basic: 6 } }, at());
    for (const fault of ['request', 'answer', 'answer', 'request'] as const) {
      expect((await sat.syncNow(at(), lossyLink([fault]))).ok).toBe(false);
      expect(await checkInvariants(parent)).toEqual([]);
      const satHolds = (await held(sat)).count;
      expect(satHolds).toBeLessThanOrEqual((await held(parent)).blocked);
    }
    await parent.allocate({ satellite: 'Plant 4', account: 'Lab', licenses: { UCM_Basic: 2 } }, at());
    expect((await sat.syncNow(at(), lossyLink(['answer']))).ok).toBe(false);
    // The satellite never applied the decrease: the parent keeps all 6 blocked until a file says so.
    expect(await held(parent)).toEqual({ count: 10, blocked: 6 });
    expect((await sat.syncNow(at())).ok).toBe(true);
    expect((await sat.syncNow(at())).ok).toBe(true);
    expect(await held(sat)).toEqual({ count: 2, blocked: 0 });
    expect(await held(parent)).toEqual({ count: 10, blocked: 2 });
    const line = (await parent.satellites())[0]!;
    expect(line.problem).toBeNull();
    expect(line.events).toBe(Math.max(...(await sat.events()).map((e) => e.id)));
  });

  it('sends nothing to a server whose certificate is not the one the enrolment file pinned', async () => {
    const other = 'AB:'.repeat(31) + 'AB';
    const { parent, sat, enrolment, at } = await connectedPair({ fingerprint: other });
    await sat.enrol(enrolment.text, at());
    const r = await sat.syncNow(at());
    expect(r).toMatchObject({ ok: false, error: expect.objectContaining({ code: 'server-untrusted' }) });
    expect(!r.ok && r.error.message).toMatch(/nothing was sent/);
    expect((await parent.satellites())[0]!.state).toBe('invited');
  });

  it("refuses hostile requests on the parent's satellite operations, changing nothing", async () => {
    const { server, parent, sat, enrolment, at } = await connectedPair();
    await sat.enrol(enrolment.text, at());
    expect((await sat.syncNow(at())).ok).toBe(true);
    const before = await eventCount(parent);
    const up = await sat.syncExport(at());
    const post = async (operation: string, body: unknown) => {
      const r = await postRaw(server, `/v1/${operation}`, typeof body === 'string' ? body : JSON.stringify(body));
      return { status: r.status, code: (JSON.parse(r.text) as { error?: { code: string } }).error?.code };
    };
    expect(await post('satellite-sync', {})).toEqual({ status: 400, code: 'bad-request' });
    expect(await post('satellite-sync', { file: { ...up.envelope, format: 'other' } })).toEqual({ status: 400, code: 'bad-request' });
    expect((await post('satellite-sync', { file: enrolment.envelope })).code).toBe('wrong-sync-file');
    expect((await post('satellite-enrol', { file: up.envelope })).code).toBe('wrong-sync-file');
    const altered = { ...up.envelope, payload: up.envelope.payload.replace('"seq":', '"seq": ') };
    expect((await post('satellite-sync', { file: altered })).code).toBe('sync-untrusted');
    expect((await post('satellite-sync', { file: { ...up.envelope, from: 'Nobody' } })).code).toBe('no-satellite');
    expect(await eventCount(parent)).toBe(before);
    // The file itself applies once; the same again is a replay.
    expect((await post('satellite-sync', { file: up.envelope })).status).toBe(200);
    expect((await post('satellite-sync', { file: up.envelope })).code).toBe('sync-replayed');
    const huge = JSON.stringify({ file: { ...up.envelope, payload: 'x'.repeat(110 * 1024 * 1024) } });
    expect((await postRaw(server, '/v1/satellite-sync', huge)).status).toBe(413);
  });

  it('runs rounds by itself on its schedule (clock and timers injected), reading the record again every minute', async () => {
    const { sat, enrolment, at } = await connectedPair();
    await sat.enrol(enrolment.text, at());
    let now = at();
    // Every tick ends by setting its next timer: the test waits for that, then fires it when it chooses.
    const set: { fn: () => void; ms: number }[] = [];
    let timerSet: () => void = () => undefined;
    const nextTimer = () => new Promise<void>((resolve) => (timerSet = resolve));
    const timers: Timers = {
      set: (fn, ms) => {
        set.push({ fn, ms });
        timerSet();
        return { cancel: () => undefined };
      },
    };
    const rounds: boolean[] = [];
    let waiting = nextTimer();
    const schedule = scheduleRounds({
      due: async () => {
        const role = await sat.parentOf();
        return role?.mode === 'connected' ? role.retryAt : 'stop';
      },
      round: (t) => sat.syncNow(t),
      clock: () => now,
      timers,
      onRound: (r) => rounds.push(r.ok),
    });
    const fire = async () => {
      waiting = nextTimer();
      set[set.length - 1]!.fn();
      await waiting;
    };
    await waiting;
    expect(rounds).toEqual([true]);
    expect(set.map((t) => t.ms)).toEqual([60_000]);
    now += 10 * MIN;
    await fire();
    expect(rounds).toEqual([true]);
    now += 19 * MIN + 30_000;
    await fire();
    expect(rounds).toEqual([true]);
    expect(set[set.length - 1]!.ms).toBe(30_000);
    now += 30_000;
    await fire();
    expect(rounds).toEqual([true, true]);
    await schedule.stop();
  });

  it('backs off 1, 2, 4 … minutes, never later than the interval', () => {
    expect([0, 1, 2, 3, 4, 10, 100].map((f) => nextRoundAt(0, 10, f) / MIN)).toEqual([10, 1, 2, 4, 8, 10, 10]);
  });
});
