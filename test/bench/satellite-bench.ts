/**
 * The bench's satellite figures (issue 28): N reservations made on a satellite and carried to the parent in
 * one round (sync export, import at the parent with its answer, the answer imported back), against the same N
 * reservations made on the parent directly; and the sync file's size per event.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger, type Ledger } from '../../electron/authority/ledger.ts';
import { devices } from './bench-devices.ts';

const T0 = Date.UTC(2026, 0, 1);

/** N request codes of fresh devices trusting `ledger`'s key. */
const requests = async (ledger: Ledger, n: number) => (await devices(ledger, n)).map((d) => d.request);

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

export async function satelliteBench(quick: boolean, line: (label: string, value: string) => void): Promise<Record<string, unknown>> {
  const n = quick ? 1_000 : 10_000;
  const open = async (name: string) => {
    const l = await openLedger({ dir: mkdtempSync(join(tmpdir(), `slr-bench-${name}-`)), actor: 'bench' }, true);
    await l.init('Bench', T0);
    return l;
  };
  const parent = await open('parent');
  const sat = await open('satellite');
  const direct = await open('direct');
  try {
    await parent.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: n }, T0);
    await direct.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: n }, T0);
    const e = await parent.addSatellite({ name: 'Bench', mode: 'disconnected', intervalMinutes: 60, url: null, fingerprint: null }, T0);
    await parent.allocate({ satellite: 'Bench', account: 'Default', licenses: { UCM_Basic: n } }, T0);
    const r = await sat.enrol(e.text, T0);
    await sat.syncImport((await parent.syncImport(r.reply.text, T0)).answer!.text, T0);
    const onSat = await requests(sat, n);
    const onDirect = await requests(direct, n);

    let start = process.hrtime.bigint();
    for (const request of onDirect) await direct.reserve({ account: 'Default', request, licenses: { UCM_Basic: 1 } }, T0 + 1000);
    const directS = seconds(start);

    start = process.hrtime.bigint();
    for (const request of onSat) await sat.reserve({ account: 'Default', request, licenses: { UCM_Basic: 1 } }, T0 + 1000);
    const reserveS = seconds(start);
    start = process.hrtime.bigint();
    const up = await sat.syncExport(T0 + 2000);
    const answer = (await parent.syncImport(up.text, T0 + 3000)).answer!;
    await sat.syncImport(answer.text, T0 + 4000);
    const roundS = seconds(start);
    const bytesPerEvent = Buffer.byteLength(up.text) / up.events;
    const ratio = (reserveS + roundS) / directS;
    line(
      `  ${n.toLocaleString('en')} reservations via a satellite, one round`,
      `${(reserveS + roundS).toFixed(1)} s vs ${directS.toFixed(1)} s directly: ${ratio.toFixed(2)}x (target <= 2x)`,
    );
    line('  the round alone (export, import and answer, import)', `${roundS.toFixed(2)} s for ${up.events.toLocaleString('en')} events`);
    line('  sync file', `${(Buffer.byteLength(up.text) / 1024 / 1024).toFixed(1)} MiB, ${bytesPerEvent.toFixed(0)} bytes per event`);
    return {
      reservations: n,
      viaSatelliteS: reserveS + roundS,
      directS,
      roundS,
      ratio,
      events: up.events,
      fileBytes: Buffer.byteLength(up.text),
      bytesPerEvent,
    };
  } finally {
    for (const l of [parent, sat, direct]) await l.close();
  }
}
