/**
 * The bench's batch figures (issue 30): N devices reserved in one step (`reserve --requests`, one transaction,
 * one bundle) against the same N reserved one by one; and each device installing its own entry from the
 * N-device bundle against installing a single code file.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { productById } from '../../shared/catalog.ts';
import { entryFor, makeBundle } from '../../shared/codes/authorization-bundle.ts';
import { formatUdi, makeUdi } from '../../shared/udi.ts';
import { openLedger, type Ledger } from '../../electron/authority/ledger.ts';
import { devices, type BenchDevice } from './bench-devices.ts';
import { execute } from '../../shared/instance/commands.ts';

const T0 = Date.UTC(2026, 0, 1);
const ucm = productById('UCM')!;

async function ledgerWith(n: number): Promise<Ledger> {
  const ledger = await openLedger({ dir: mkdtempSync(join(tmpdir(), 'slr-bench-batch-')), actor: 'bench' }, true);
  await ledger.init('Bench', T0);
  await ledger.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 2 * n }, T0);
  return ledger;
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

export async function batchBench(quick: boolean, line: (what: string, figure: string) => void): Promise<Record<string, number>> {
  const n = quick ? 200 : 1000;
  const [batchLedger, singleLedger] = [await ledgerWith(n), await ledgerWith(n)];
  const [batch, single] = [await devices(batchLedger, n), await devices(singleLedger, n)];
  let start = process.hrtime.bigint();
  const { entries } = await batchLedger.reserveBatch({ account: 'Default', requests: batch.map((d) => d.request), licenses: { UCM_Basic: 1 } }, T0 + 60_000);
  const bundle = makeBundle(
    'Default',
    new Date(T0).toISOString(),
    entries.map((e) => ({ udi: e.udi, sn: e.sn, code: e.code })),
  );
  const batchS = seconds(start);
  start = process.hrtime.bigint();
  const codes: string[] = [];
  for (const d of single) codes.push((await singleLedger.reserve({ account: 'Default', request: d.request, licenses: { UCM_Basic: 1 } }, T0 + 60_000)).code);
  const singleS = seconds(start);
  line(
    `  ${n} devices reserved in one batch vs one by one`,
    `${batchS.toFixed(2)} s vs ${singleS.toFixed(2)} s (${(batchS / singleS).toFixed(2)}x); the bundle ${(bundle.length / 1048576).toFixed(2)} MiB`,
  );
  // Each device takes its entry from the whole bundle (found by its UDI), against installing its single code.
  const install = (d: BenchDevice, code: string) => execute(d.state, { type: 'install', code }, { now: T0 + 120_000, crypto: d.crypto });
  start = process.hrtime.bigint();
  for (const d of batch) {
    const udi = makeUdi(ucm, d.state.uuid);
    install(d, entryFor(bundle, formatUdi(udi), udi.sn));
  }
  const fromBundle = (seconds(start) * 1000) / n;
  start = process.hrtime.bigint();
  single.forEach((d, i) => install(d, codes[i]!));
  const fromCode = (seconds(start) * 1000) / n;
  line(
    `  a device installs its entry of the ${n}-device bundle vs its single code`,
    `${fromBundle.toFixed(1)} ms vs ${fromCode.toFixed(1)} ms (${(fromBundle / fromCode).toFixed(2)}x)`,
  );
  await batchLedger.close();
  await singleLedger.close();
  return { devices: n, batchSeconds: batchS, singleSeconds: singleS, bundleBytes: bundle.length, installFromBundleMs: fromBundle, installSingleMs: fromCode };
}
