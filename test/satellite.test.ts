// Satellites (issue 28), both License Centrals in this process: enrolment, allocations and their rules of
// conservation, rounds of sync files, and every file refused as it should be (replayed, late, altered, for
// another satellite, from a satellite restored from an older copy), each changing nothing.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLedger, type Ledger } from '../electron/authority/ledger.ts';
import { checkInvariants } from '../electron/authority/audit.ts';
import { isSlrError } from '../shared/errors.ts';
import { makeDevice } from './helpers/world.ts';
import { registerInput, signedCall } from './helpers/register.ts';
import { scratchDirs } from './helpers/scratch.ts';

const scratch = scratchDirs('slr-satellite-');
const T = Date.UTC(2026, 5, 1);
const MIN = 60_000;

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isSlrError(e)) return e.code;
    throw e;
  }
  throw new Error('expected a refusal');
}

const lot = async (l: Ledger, tag = 'UCM_Basic', account = 'Default') =>
  (await l.licenses(T))
    .filter((x) => x.account === account && x.short === tag)
    .reduce((a, x) => ({ count: a.count + x.purchased, blocked: a.blocked + x.purchased - x.available }), { count: 0, blocked: 0 });

async function pair() {
  const dir = scratch();
  const parent = await openLedger({ dir: join(dir, 'parent'), actor: 'p' }, true);
  await parent.init('Org', T);
  await parent.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 10 }, T);
  const satDir = join(dir, 'sat');
  const sat = await openLedger({ dir: satDir, actor: 's' }, true);
  await sat.init('Org', T);
  const enrolment = await parent.addSatellite({ name: 'Lab', mode: 'disconnected', intervalMinutes: 60, url: null, fingerprint: null }, T);
  const { reply } = await sat.enrol(enrolment.text, T + MIN);
  const first = await parent.syncImport(reply.text, T + 2 * MIN);
  await sat.syncImport(first.answer!.text, T + 3 * MIN);
  let now = T + 4 * MIN;
  const round = async () => {
    const up = await sat.syncExport((now += MIN));
    const answer = (await parent.syncImport(up.text, (now += MIN))).answer!;
    await sat.syncImport(answer.text, (now += MIN));
    return { up, answer };
  };
  return { dir, parent, sat, satDir, enrolment, round, at: () => (now += MIN) };
}

describe('satellites', () => {
  it('allocates within what was bought, and a decrease comes back only once the satellite let go', async () => {
    const { parent, sat, round, at } = await pair();
    await parent.allocate({ satellite: 'Lab', account: 'Default', licenses: { UCM_Basic: 6 } }, at());
    expect(await lot(parent)).toEqual({ count: 10, blocked: 6 });
    expect(await refusal(parent.allocate({ satellite: 'Lab', account: 'Default', licenses: { UCM_Basic: 11 } }, at()))).toBe('shortfall');
    await round();
    expect(await lot(sat)).toEqual({ count: 6, blocked: 0 });
    const trust = [await sat.exportKey().then((k) => ({ id: k.id, publicKey: k.pem }))];
    const device = makeDevice('UCM', T, trust);
    device.run({ type: 'enable' }, T);
    await sat.reserve({ account: 'Default', request: device.run({ type: 'request' }, at()).issued!.code, licenses: { UCM_Basic: 4 } }, at());
    const other = makeDevice('UCM', T, trust);
    other.run({ type: 'enable' }, T);
    expect(
      await refusal(sat.reserve({ account: 'Default', request: other.run({ type: 'request' }, at()).issued!.code, licenses: { UCM_Basic: 3 } }, at())),
    ).toBe('shortfall');
    // The parent asks for 5 back: the satellite keeps what its device holds (4), the parent blocks it until told.
    const lines = await parent.allocate({ satellite: 'Lab', account: 'Default', licenses: { UCM_Basic: 1 } }, at());
    expect(lines.lines[0]).toMatch(/6 -> 1 \(5 stay blocked/);
    expect(await lot(parent)).toEqual({ count: 10, blocked: 6 });
    await round();
    expect(await lot(sat)).toEqual({ count: 4, blocked: 4 });
    expect(await lot(parent)).toEqual({ count: 10, blocked: 6 });
    await round();
    expect(await lot(parent)).toEqual({ count: 10, blocked: 4 });
    const [line] = await parent.satellites();
    expect(line).toMatchObject({ name: 'Lab', state: 'enrolled', problem: null });
    expect(line!.holdings).toEqual([expect.objectContaining({ account: 'Default', count: 4, blocked: 4 })]);
    expect(line!.events).toBeGreaterThan(3);
    expect(await checkInvariants(parent)).toEqual([]);
    expect(await checkInvariants(sat)).toEqual([]);
  });

  it("refuses Unity Connection's export key through a satellite (the seeds: not supported), and grants Unified CM's", async () => {
    const { parent, sat, round, at } = await pair();
    await parent.addLicenses({ account: 'Default', tag: 'CUC_Export_Key', count: 1 }, at());
    await parent.addLicenses({ account: 'Default', tag: 'UCM_Export_Key', count: 1 }, at());
    await parent.allocate({ satellite: 'Lab', account: 'Default', licenses: { CUC_Export_Key: 1, UCM_Export_Key: 1 } }, at());
    await round();
    await sat.setExportControl(true, 'export permitted for this smart account', at());
    const key = await sat.exportKey();
    const token = (
      await sat.createToken(
        { account: 'Default', expiresDays: 30, server: 'https://sat.example:8443', fingerprint: 'AB:'.repeat(31) + 'AB', exportControlled: true },
        at(),
      )
    ).token;
    const ask = async (pid: 'CUC' | 'UCM', feature: string) => {
      const device = makeDevice(pid, T, [{ id: key.id, publicKey: key.pem }]);
      const { instance } = await sat.register(registerInput(device, token, { trustedKeyIds: [key.id] }), at());
      const body = { feature, trustedKeyIds: [key.id] };
      return sat.exportRequest(signedCall(device.privateKey, instance, 1, 'device-export-request', body), body, at());
    };
    expect(await refusal(ask('CUC', 'CUC_Export_Restricted_Authorization_Key'))).toBe('export-not-permitted');
    expect((await ask('UCM', 'UCM_Export_Restricted_Authorization_Key')).exportKeys).toHaveLength(1);
  });

  it('refuses on a satellite what the parent owns', async () => {
    const { sat, at } = await pair();
    expect(await refusal(sat.addAccount('Mine', at()))).toBe('parent-owned');
    expect(await refusal(sat.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 1 }, at()))).toBe('parent-owned');
    expect(await refusal(sat.addSatellite({ name: 'Sub', mode: 'disconnected', intervalMinutes: 60, url: null, fingerprint: null }, at()))).toBe(
      'parent-owned',
    );
  });

  it('refuses replayed, late, altered and misdirected files, changing nothing', async () => {
    const { parent, sat, round, at, enrolment } = await pair();
    await parent.allocate({ satellite: 'Lab', account: 'Default', licenses: { UCM_Basic: 3 } }, at());
    const first = await round();
    expect(await refusal(parent.syncImport(first.up.text, at()))).toBe('sync-replayed');
    expect(await refusal(sat.syncImport(first.answer.text, at()))).toBe('sync-replayed');
    const late = await sat.syncExport(at());
    const later = await sat.syncExport(at());
    await parent.syncImport(later.text, at());
    expect(await refusal(parent.syncImport(late.text, at()))).toBe('sync-out-of-order');
    // Two answers carried in the wrong order: the newer applies, the older is late.
    const answerA = (await parent.syncImport((await sat.syncExport(at())).text, at())).answer!;
    const answerB = (await parent.syncImport((await sat.syncExport(at())).text, at())).answer!;
    await sat.syncImport(answerB.text, at());
    expect(await refusal(sat.syncImport(answerA.text, at()))).toBe('sync-out-of-order');
    const honest = (await sat.syncExport(at())).text;
    const tampered = honest.replace(/"blocked\\":0/, '"blocked\\":1');
    expect(tampered).not.toBe(honest);
    expect(await refusal(parent.syncImport(tampered, at()))).toBe('sync-untrusted');
    expect(await refusal(sat.enrol(enrolment.text, at()))).toBe('sync-replayed');
    expect(await refusal(parent.syncImport(enrolment.text, at()))).toBe('wrong-sync-file');
    expect(await refusal(parent.syncImport('not a file', at()))).toBe('bad-sync-file');
    // Another satellite's answer is not this one's.
    const other = await openLedger({ dir: join(scratch(), 'other'), actor: 'o' }, true);
    await other.init('Org', T);
    const e2 = await parent.addSatellite({ name: 'Lab 2', mode: 'disconnected', intervalMinutes: 60, url: null, fingerprint: null }, at());
    const r2 = await other.enrol(e2.text, at());
    const a2 = await parent.syncImport(r2.reply.text, at());
    expect(await refusal(sat.syncImport(a2.answer!.text, at()))).toBe('wrong-sync-file');
    expect(await lot(sat)).toEqual({ count: 3, blocked: 0 });
    expect(await checkInvariants(parent)).toEqual([]);
  });

  it('detects a satellite restored from an older copy, and takes it back enrolled again', async () => {
    const { parent, sat, satDir, round, at, dir } = await pair();
    await parent.allocate({ satellite: 'Lab', account: 'Default', licenses: { UCM_Basic: 3 } }, at());
    await round();
    await sat.close();
    cpSync(satDir, join(dir, 'copy'), { recursive: true });
    let live = await openLedger({ dir: satDir, actor: 's' }, false);
    const up = await live.syncExport(at());
    await parent.syncImport(up.text, at());
    await live.close();
    live = await openLedger({ dir: join(dir, 'copy'), actor: 's' }, false);
    await live.addAccount('x', at()).catch(() => undefined);
    const forked = await live.syncExport(at());
    expect(await refusal(parent.syncImport(forked.text, at()))).toBe('sync-forked');
    expect((await parent.satellites())[0]!.problem).toMatch(/restored from an older backup/);
    const again = await parent.addSatellite({ name: 'Lab', mode: 'disconnected', intervalMinutes: 60, url: null, fingerprint: null, replace: true }, at());
    const { reply } = await live.enrol(again.text, at());
    const answer = await parent.syncImport(reply.text, at());
    await live.syncImport(answer.answer!.text, at());
    const next = await live.syncExport(at());
    await live.syncImport((await parent.syncImport(next.text, at())).answer!.text, at());
    expect(await lot(live)).toEqual({ count: 3, blocked: 0 });
    expect((await parent.satellites())[0]!.problem).toBeNull();
    expect(await refusal(parent.syncImport(up.text, at()))).toBe('no-satellite');
  });
});
