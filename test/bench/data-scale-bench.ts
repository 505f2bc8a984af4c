/**
 * `npm run bench`, scale of data on PostgreSQL (issue 31): the instances list's first page, a search by serial
 * number and an instance's view (found by its UDI, with its latest authorization code), with 10,000 instances
 * against 1,000,000 instances and 10,000,000 events (`--quick`: 100,000 and 1,000,000). Each figure is the
 * median of 21 calls, and the large ledger's against the small one's, measured in the same run.
 */
import { Ledger } from '../../electron/authority/ledger.ts';
import { PgDb } from '../../electron/authority/db/postgres/pg-db.ts';
import { populate } from '../helpers/populate.ts';
import { startPostgres } from '../helpers/postgres.ts';

const T0 = Date.UTC(2026, 0, 1);
const ACCOUNTS = ['Default', 'Lab', 'Plant 2'];

const OPS = ['list', 'search', 'view'] as const;
type Op = (typeof OPS)[number];

/** Medians of 21 calls of each of `fns`, called in turn (the two ledgers alike: warm-up, caches, the machine's noise). */
async function medians(fns: readonly (() => Promise<unknown>)[], rounds = 21): Promise<number[]> {
  for (const fn of fns) await fn();
  const times = fns.map(() => [] as number[]);
  for (let i = 0; i < rounds; i++)
    for (const [k, fn] of fns.entries()) {
      const start = process.hrtime.bigint();
      await fn();
      times[k]!.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  return times.map((t) => t.sort((a, b) => a - b)[rounds >> 1]!);
}

/** `count` events in the log, written by the database in one statement (their text like a reservation's). */
async function addEvents(db: PgDb, count: number): Promise<void> {
  await db.exec(`INSERT INTO events (at, actor, account, instance, type, message, code)
    SELECT ${T0} + g, 'bench', (ARRAY['Default', 'Lab', 'Plant 2'])[1 + g % 3], 'P:UCM,S:' || lpad(to_hex(g % 1048576), 5, '0') || ',U:' || md5(g::text),
      'reserve', 'Reserved 1 UCM_Enhanced for the device (a bench event ' || g || ').', NULL
    FROM generate_series(1, ${count}) AS g`);
  await db.exec('ANALYZE');
}

/** The list's first page, a search by serial number, an instance's view (by its UDI, with its latest code). */
async function operations(ledger: Ledger): Promise<Record<Op, () => Promise<unknown>>> {
  const middle = (await ledger.instancePage({ limit: 1, offset: 5000 })).rows[0]!;
  return {
    list: () => ledger.instancePage({ limit: 50 }),
    search: () => ledger.instancePage({ search: middle.sn, limit: 50 }),
    view: async () => {
      const found = (await ledger.instancePage({ search: middle.udi, limit: 1 })).rows[0]!;
      return ledger.latestCode(found.udi);
    },
  };
}

async function ledgerOf(url: string, instances: number, events: number): Promise<Ledger> {
  // Loading ten million events is one statement: longer than the default statement timeout allows.
  const ledger = await Ledger.open(await PgDb.connect(`${url}?statement_timeout=3600000`, 4), 'bench');
  await ledger.init('Bench', T0);
  await populate(ledger, instances, { accounts: ACCOUNTS, at: T0 });
  await addEvents(ledger.store.db as PgDb, events);
  return ledger;
}

export async function dataScaleBench(quick: boolean, line: (label: string, value: string) => void): Promise<Record<string, unknown>> {
  const sizes = [{ instances: 10_000, events: 100_000 }, quick ? { instances: 100_000, events: 1_000_000 } : { instances: 1_000_000, events: 10_000_000 }];
  const pg = await startPostgres();
  const ledgers: Ledger[] = [];
  try {
    for (const size of sizes) {
      const started = Date.now();
      ledgers.push(await ledgerOf(await pg.database(), size.instances, size.events));
      line(
        `  ${size.instances.toLocaleString('en')} instances, ${size.events.toLocaleString('en')} events`,
        `loaded in ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
    }
    const [small, large] = [await operations(ledgers[0]!), await operations(ledgers[1]!)];
    const ms: Record<string, { small: number; large: number; ratio: number }> = {};
    for (const op of OPS) {
      const [a, b] = await medians([small[op], large[op]]);
      ms[op] = { small: a!, large: b!, ratio: b! / a! };
      line(`  ${op}`, `${b!.toFixed(2)} ms vs ${a!.toFixed(2)} ms: ${(b! / a!).toFixed(2)}x the small ledger's (target <= 1.5x)`);
    }
    return { sizes, ms };
  } finally {
    for (const l of ledgers) await l.close();
    await pg.stop();
  }
}

if (process.argv[1]?.endsWith('data-scale-bench.ts')) await dataScaleBench(process.argv.includes('--quick'), (l, v) => console.log(`${l.padEnd(58)} ${v}`));
