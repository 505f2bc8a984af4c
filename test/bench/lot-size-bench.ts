/**
 * A write on a lot that already holds many reservations vs one on a new lot, on SQLite and on PostgreSQL: the
 * database's conservation check must not grow with what the lot holds (until schema 18 it added up the whole
 * lot at every change of it: a reserve on a lot holding 100,000 cost about 18x one on a new lot on SQLite, 3-4x
 * on PostgreSQL). Reserves of one license by new devices, one client, in process; the two lots are in two
 * virtual accounts of the same ledger, reserved on in turn, ROUNDS times; the median ratio is given.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, openLedger } from '../../electron/authority/ledger.ts';
import { PgDb } from '../../electron/authority/db/postgres/pg-db.ts';
import { populate } from '../helpers/populate.ts';
import { startPostgres } from '../helpers/postgres.ts';
import { makeDevice } from '../helpers/world.ts';

const T0 = Date.UTC(2026, 0, 1);
const ROUNDS = 5;

/** Milliseconds a reserve of one UCM_Enhanced on `account`, over `ops` new devices. */
async function reserveMs(ledger: Ledger, account: string, ops: number): Promise<number> {
  const key = await ledger.exportKey();
  const requests = Array.from({ length: ops }, () => {
    const device = makeDevice('UCM', T0, [{ id: key.id, publicKey: key.pem }]);
    device.run({ type: 'enable' }, T0);
    return device.run({ type: 'request' }, T0).issued!.code;
  });
  const start = performance.now();
  for (const request of requests) await ledger.reserve({ account, request, licenses: { UCM_Enhanced: 1 } }, T0 + 1000);
  return (performance.now() - start) / ops;
}

/** The median ratio (a reserve on the full lot vs on the new one) on `ledger`, with the lowest and highest. */
async function ratioOn(ledger: Ledger, held: number, ops: number) {
  await ledger.init('Bench', T0);
  await ledger.addAccount('New', T0);
  await ledger.addLicenses({ account: 'New', tag: 'UCM_Enhanced', count: 100_000 }, T0);
  await populate(ledger, held, { accounts: ['Full'], at: T0 });
  const ratios: number[] = [];
  const ms = { full: 0, new: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const fresh = await reserveMs(ledger, 'New', ops);
    const full = await reserveMs(ledger, 'Full', ops);
    ratios.push(full / fresh);
    ms.full += full / ROUNDS;
    ms.new += fresh / ROUNDS;
  }
  const sorted = ratios.sort((a, b) => a - b);
  return { median: sorted[Math.floor(ROUNDS / 2)]!, low: sorted[0]!, high: sorted.at(-1)!, ms };
}

export async function lotSizeBench(quick: boolean, postgres: boolean, line: (label: string, value: string) => void) {
  const held = quick ? 20_000 : 100_000;
  const ops = quick ? 50 : 200;
  const out: Record<string, Awaited<ReturnType<typeof ratioOn>>> = {};
  const report = (engine: string, r: Awaited<ReturnType<typeof ratioOn>>) => {
    out[engine] = r;
    line(
      `  ${engine}: a reserve on a lot holding ${held.toLocaleString('en')} vs a new lot`,
      `${r.median.toFixed(2)}x, median of ${ROUNDS} (${r.low.toFixed(2)} to ${r.high.toFixed(2)}; ${r.ms.full.toFixed(2)} vs ${r.ms.new.toFixed(2)} ms; target <= 1.5x)${r.median <= 1.5 ? '' : ': NOT MET'}`,
    );
  };
  const sqlite = await openLedger({ dir: mkdtempSync(join(tmpdir(), 'slr-bench-lot-')), actor: 'bench' }, true);
  try {
    report('SQLite', await ratioOn(sqlite, held, ops));
  } finally {
    await sqlite.close();
  }
  if (!postgres) return out;
  const pg = await startPostgres();
  try {
    const ledger = await Ledger.open(await PgDb.connect(await pg.database(), 4), 'bench');
    try {
      report('PostgreSQL', await ratioOn(ledger, held, ops));
    } finally {
      await ledger.close();
    }
  } finally {
    await pg.stop();
  }
  return out;
}

// Alone: `node test/bench/lot-size-bench.ts [--quick]`.
if (process.argv[1]?.endsWith('lot-size-bench.ts'))
  await lotSizeBench(process.argv.includes('--quick'), process.env.SLR_SKIP_POSTGRES !== '1', (l, v) => console.log(`${l.padEnd(64)} ${v}`));
