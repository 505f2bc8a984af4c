// Offline usage reports against whoever carries them (issue 30), as a model: three reserved devices make
// reports; a carrier brings any report to License Central and any acknowledgement to any device, in any order,
// any number of times, altered or not; an owner puts a device's state back to an earlier copy. After every
// step: License Central has recorded only reports a device made, each once (one row, one event, one number per
// reservation); a device takes only an acknowledgement of a report it made that License Central recorded; a
// device's acknowledged number never goes back while its state is its own.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger, type Ledger } from '../electron/authority/ledger.ts';
import { cryptoBasics } from '../electron/platform/crypto.ts';
import { fromBase64Url, toBase64Url, utf8 } from '../shared/bytes.ts';
import { isSlrError } from '../shared/errors.ts';
import { readUsageAck, reportHash } from '../shared/codes/usage-report.ts';
import type { InstanceState } from '../shared/instance/state.ts';
import { makeDevice, type Device } from './helpers/world.ts';

const T = Date.UTC(2026, 4, 1);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const op = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('report' as const), device: fc.nat(2), use: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('import' as const), i: fc.nat(), alter: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('acknowledge' as const), device: fc.nat(2), i: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('put-back' as const), device: fc.nat(2), i: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('time' as const), minutes: fc.integer({ min: 1, max: 600 }) }) },
);
type Op = typeof op extends fc.Arbitrary<infer O> ? O : never;

interface World {
  readonly ledger: Ledger;
  readonly devices: Device[];
  readonly history: InstanceState[][];
  readonly reports: string[];
  readonly acks: string[];
  /** Hashes of the reports each device made. */
  readonly made: Set<string>[];
  /** Devices whose state their owner put back: their own numbers may repeat (License Central must still count once). */
  readonly putBack: Set<number>;
  now: number;
}

async function newWorld(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'slr-usage-model-'));
  dirs.push(dir);
  const ledger = await openLedger({ dir, actor: 'model' }, true);
  await ledger.init('Model', T);
  await ledger.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 9 }, T);
  const key = await ledger.exportKey();
  const devices = [0, 1, 2].map(() => makeDevice('UCM', T, [{ id: key.id, publicKey: key.pem }]));
  for (const d of devices) {
    d.run({ type: 'enable' }, T);
    const request = d.run({ type: 'request' }, T).issued!.code;
    d.run({ type: 'install', code: (await ledger.reserve({ account: 'Default', request, licenses: { UCM_Basic: 3 } }, T)).code }, T + 1000);
  }
  return {
    ledger,
    devices,
    history: devices.map((d) => [d.state]),
    reports: [],
    acks: [],
    made: devices.map(() => new Set()),
    putBack: new Set(),
    now: T + 60_000,
  };
}

const pick = <A>(list: readonly A[], i: number) => (list.length ? list[i % list.length] : undefined);

/** The usage a report claims raised by one, its signature kept. */
function altered(report: string): string {
  const [prefix, payload, signature] = report.split('.') as [string, string, string];
  const body = JSON.parse(new TextDecoder().decode(fromBase64Url(payload)!)) as { usage: Record<string, number> };
  return `${prefix}.${toBase64Url(utf8(JSON.stringify({ ...body, usage: { ...body.usage, 'regid.x': 1 } })))}.${signature}`;
}

async function step(w: World, o: Op, log: string[]): Promise<void> {
  const d = 'device' in o ? w.devices[o.device]! : undefined;
  switch (o.kind) {
    case 'report': {
      d!.run({ type: 'usage', tag: 'UCM_Basic', count: o.use }, w.now);
      const report = d!.run({ type: 'usage-report' }, w.now).issued!.code;
      w.made[o.device]!.add(reportHash(cryptoBasics.sha256, report));
      w.reports.push(report);
      break;
    }
    case 'import': {
      const report = pick(w.reports, o.i);
      if (report) w.acks.push((await w.ledger.importUsageReport({ report: o.alter ? altered(report) : report }, w.now)).ack);
      break;
    }
    case 'acknowledge': {
      const ack = pick(w.acks, o.i);
      if (!ack) return;
      const before = d!.state.usageReports?.acked?.seq ?? 0;
      d!.run({ type: 'usage-acknowledge', ack }, w.now);
      const { report, seq } = readUsageAck(ack).body;
      if (!w.made[o.device]!.has(report)) log.push(`device ${o.device} took an acknowledgement of a report it did not make`);
      if (!(await w.ledger.store.get('SELECT 1 AS one FROM usage_reports WHERE hash = ?', report)))
        log.push('a device took an acknowledgement of a report not recorded');
      if (seq <= before) log.push(`device ${o.device} went back from acknowledged #${before} to #${seq}`);
      break;
    }
    case 'put-back': {
      const copy = pick(w.history[o.device]!, o.i);
      if (copy) {
        d!.state = copy;
        w.putBack.add(o.device);
      }
      break;
    }
    case 'time':
      w.now += o.minutes * 60_000;
      break;
  }
}

async function promises(w: World): Promise<string[]> {
  const problems: string[] = [];
  const rows = await w.ledger.store.all<{ instance_id: number; seq: number; hash: string }>('SELECT instance_id, seq, hash FROM usage_reports');
  const made = new Set(w.made.flatMap((s) => [...s]));
  for (const r of rows) if (!made.has(r.hash)) problems.push(`recorded a report no device made (#${r.seq})`);
  if (new Set(rows.map((r) => r.hash)).size !== rows.length) problems.push('recorded one report twice');
  const events = (await w.ledger.events()).filter((e) => e.type === 'usage-report').length;
  if (events !== rows.length) problems.push(`${rows.length} reports recorded, ${events} logged`);
  return problems;
}

describe('usage reports against whoever carries them', () => {
  it('count each report a device made once, and nothing else, after every step', async () => {
    const seen = { imported: 0, replayed: 0, refused: new Map<string, number>() };
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 60 }), async (ops) => {
        const w = await newWorld();
        try {
          for (const o of ops) {
            const log: string[] = [];
            try {
              await step(w, o, log);
              if (o.kind === 'import' && w.reports.length) seen.imported++;
            } catch (e) {
              if (!isSlrError(e)) throw e;
              seen.refused.set(`${o.kind}:${e.code}`, (seen.refused.get(`${o.kind}:${e.code}`) ?? 0) + 1);
            }
            for (const [i, d] of w.devices.entries()) if (w.history[i]!.at(-1) !== d.state) w.history[i]!.push(d.state);
            expect([...log, ...(await promises(w))], `after ${JSON.stringify(o)}`).toEqual([]);
          }
        } finally {
          await w.ledger.close();
        }
      }),
      { numRuns: 60, seed: 20261207 },
    );
    console.log('usage model:', seen.imported, 'imports;', JSON.stringify(Object.fromEntries(seen.refused)));
    // The model reached what it is for: imports, and each kind of refusal the carrier and the owner provoke.
    expect(seen.imported).toBeGreaterThan(100);
    for (const kind of ['import:untrusted', 'import:report-stale', 'import:report-conflict', 'acknowledge:ack-replayed'])
      expect(seen.refused.get(kind) ?? 0, kind).toBeGreaterThan(0);
  });
});
