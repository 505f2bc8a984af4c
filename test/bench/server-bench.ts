/**
 * `npm run bench`, License Central as a server: operations per second through the server (HTTPS on loopback,
 * the real client) with 1 and with 10 concurrent clients, on SQLite and on PostgreSQL, with a large ledger
 * (100,000 instances), beside the same operations called on the ledger in this process; the server's
 * overhead is the ratio of the two, measured in the same run.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Ledger, openLedger } from '../../electron/authority/ledger.ts';
import { PgDb } from '../../electron/authority/db/postgres/pg-db.ts';
import { buildServer } from '../../electron/server/app.ts';
import { serverTls } from '../../electron/server/tls.ts';
import { login } from '../../electron/authority/remote/remote.ts';
import { callApi } from '../../electron/net/server-client.ts';
import { populate } from '../helpers/populate.ts';
import { makeDevice } from '../helpers/world.ts';
import { startPostgres } from '../helpers/postgres.ts';

const T0 = Date.UTC(2026, 0, 1);
const SPREAD = 10;
/** One client; ten on one pool; ten on ten virtual accounts. */
const RUNS = [
  { clients: 1, spread: false, name: '1' },
  { clients: 10, spread: false, name: '10' },
  { clients: 10, spread: true, name: '10spread' },
] as const;
const PASSWORD = 'a bench password, long enough';

interface Figures {
  reserve: number;
  update: number;
  licenses: number;
}

/** Runs `ops` operations split over `clients` loops running at once; operations per second. */
async function rate(ops: number, clients: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < ops; i = next++) await op(i);
    }),
  );
  return ops / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** Each operation on another virtual account than its neighbours' (VA0 … VA9), or all on one pool. */
const accountOfSpread = (spread: boolean) => (i: number) => (spread ? `VA${i % SPREAD}` : 'Default');

/** `ops` request codes of new devices that trust the ledger's key. */
async function requestsFor(ledger: Ledger, ops: number) {
  const key = await ledger.exportKey();
  return Array.from({ length: ops }, () => {
    const d = makeDevice('UCM', T0, [{ id: key.id, publicKey: key.pem }]);
    d.run({ type: 'enable' }, T0);
    return { request: d.run({ type: 'request' }, T0).issued!.code, sn: d.udi.sn, udi: `P:UCM,S:${d.udi.sn},U:${d.udi.uuid}` };
  });
}

async function figures(
  ledger: Ledger,
  ops: number,
  clients: number,
  via: 'in-process' | 'server',
  call: (name: string, body: object) => Promise<unknown>,
  spread = false,
): Promise<Figures> {
  const accountOf = accountOfSpread(spread);
  const requests = await requestsFor(ledger, ops);
  const now = T0 + 1000;
  const reserve = await rate(ops, clients, (i) =>
    via === 'server'
      ? call('reserve', { account: accountOf(i), request: requests[i]!.request, licenses: { UCM_Basic: 2 } })
      : ledger.reserve({ account: accountOf(i), request: requests[i]!.request, licenses: { UCM_Basic: 2 } }, now),
  );
  const update = await rate(ops, clients, (i) =>
    via === 'server'
      ? call('update', { instance: requests[i]!.udi, licenses: { UCM_Basic: 1 } })
      : ledger.update({ instance: requests[i]!.udi, licenses: { UCM_Basic: 1 } }, now),
  );
  const licenses = await rate(ops, clients, (i) => (via === 'server' ? call('licenses', { account: accountOf(i) }) : ledger.licenses(now, accountOf(i))));
  return { reserve, update, licenses };
}

type Engine = 'sqlite' | 'postgres';

/** A new ledger of `instances` instances: a pool of 1,000,000 on Default, 100,000 on each of VA0 … VA9, and a user. */
async function freshLedger(engine: Engine, instances: number, pgUrl: () => Promise<string>): Promise<Ledger> {
  const ledger =
    engine === 'sqlite'
      ? await openLedger({ dir: mkdtempSync(join(tmpdir(), 'slr-bench-server-')), actor: 'bench' }, true)
      : await Ledger.open(await PgDb.connect(await pgUrl(), 10), 'bench');
  await ledger.init('Bench', T0);
  await ledger.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 1_000_000 }, T0);
  for (let a = 0; a < SPREAD; a++) {
    await ledger.addAccount(`VA${a}`, T0);
    await ledger.addLicenses({ account: `VA${a}`, tag: 'UCM_Basic', count: 100_000 }, T0);
  }
  await populate(ledger, instances, { at: T0 });
  await ledger.addUser({ name: 'bench', role: 'smart-account-admin', password: PASSWORD }, T0);
  return ledger;
}

/** `ledger` served over HTTPS on loopback, with `clients` sessions taken in turn by `call`. */
async function served(ledger: Ledger, clients: number) {
  const tls = serverTls(mkdtempSync(join(tmpdir(), 'slr-bench-tls-')), '127.0.0.1', T0);
  const app = await buildServer({ ledger, clock: () => T0 + 1000, tls });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const server = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const sessions = await Promise.all(Array.from({ length: clients }, () => login({ server, user: 'bench', password: PASSWORD, fingerprint: tls.fingerprint })));
  let turn = 0;
  const call = (op: string, body: object) => callApi(sessions[turn++ % clients]!, op as 'licenses', body as never, { idempotencyKey: randomUUID() });
  return { call, close: () => app.close() };
}

async function engineFigures(engine: Engine, instances: number, ops: number, pgUrl: () => Promise<string>) {
  const out: Record<string, Figures> = {};
  for (const { clients, spread, name } of RUNS) {
    const local = await freshLedger(engine, instances, pgUrl);
    try {
      out[`inProcess${name}`] = await figures(local, ops, clients, 'in-process', async () => undefined, spread);
    } finally {
      await local.close();
    }
    const ledger = await freshLedger(engine, instances, pgUrl);
    const server = await served(ledger, clients);
    try {
      out[`server${name}`] = await figures(ledger, ops, clients, 'server', server.call, spread);
    } finally {
      await server.close();
      await ledger.close();
    }
  }
  return out;
}

export async function serverBench(quick: boolean, line: (label: string, value: string) => void): Promise<Record<string, unknown>> {
  const instances = quick ? 20_000 : 100_000;
  const ops = quick ? 100 : 300;
  const results: Record<string, unknown> = { instances, ops };
  const pg = process.env.SLR_SKIP_POSTGRES === '1' ? null : await startPostgres();
  try {
    for (const engine of ['sqlite', 'postgres'] as const) {
      if (engine === 'postgres' && !pg) {
        line(`  ${engine}`, 'skipped (SLR_SKIP_POSTGRES=1)');
        continue;
      }
      const f = await engineFigures(engine, instances, ops, () => pg!.database());
      results[engine] = f;
      for (const { clients, name } of RUNS) {
        const a = f[`server${name}`]!;
        const b = f[`inProcess${name}`]!;
        for (const op of ['reserve', 'update', 'licenses'] as const) {
          line(
            `  ${engine}, ${String(clients).padStart(2)} client${clients > 1 ? 's' : ' '}${name.endsWith('spread') ? ' on 10 accounts' : ''}, ${op}`,
            `${a[op].toFixed(0)}/s through the server vs ${b[op].toFixed(0)}/s in-process: overhead ${(b[op] / a[op]).toFixed(2)}x`,
          );
        }
      }
    }
    results.writeTargets = await writeTargets(instances, quick, pg && (() => pg.database()), line);
  } finally {
    await pg?.stop();
  }
  return results;
}

/** How many times each write target's two figures are measured, back to back; the median of the ratios is given. */
const ROUNDS = 5;

/**
 * Issue 31's targets for writes (reserves), each a ratio of two figures measured back to back on the same
 * ledgers, ROUNDS times over, so that a burst of load on the machine moves one round, not the answer: the
 * median ratio is given, with the lowest and highest. The SQLite ledger is reserved on in process and through
 * its server in turn; the PostgreSQL one through its server with 1 client, 10 on one pool and 10 on 10 accounts.
 */
async function writeTargets(instances: number, quick: boolean, pgUrl: (() => Promise<string>) | null, line: (label: string, value: string) => void) {
  const ops = quick ? 100 : 200;
  const rounds = quick ? 2 : ROUNDS;
  const sqlite = await freshLedger('sqlite', instances, async () => '');
  const postgres = pgUrl && (await freshLedger('postgres', instances, pgUrl));
  const servers = { sqlite: await served(sqlite, 1), postgres: postgres && (await served(postgres, 10)) };
  const ratios: Record<string, number[]> = {};
  const add = (what: string, ratio: number) => (ratios[what] ??= []).push(ratio);
  try {
    for (let round = 0; round < rounds; round++) {
      const reserves = async (ledger: Ledger, clients: number, call: ((op: string, body: object) => Promise<unknown>) | null, spread = false) => {
        const requests = await requestsFor(ledger, ops);
        const account = accountOfSpread(spread);
        return rate(ops, clients, (i) => {
          const body = { account: account(i), request: requests[i]!.request, licenses: { UCM_Basic: 2 } };
          return call ? call('reserve', body) : ledger.reserve(body, T0 + 1000);
        });
      };
      const sqliteInProcess = await reserves(sqlite, 1, null);
      const sqliteServer = await reserves(sqlite, 1, servers.sqlite.call);
      add('SQLite server vs in-process, 1 client', sqliteServer / sqliteInProcess);
      if (!postgres || !servers.postgres) continue;
      const pg1 = await reserves(postgres, 1, servers.postgres.call);
      add('PostgreSQL vs SQLite server, 1 client', pg1 / sqliteServer);
      add('PostgreSQL, 10 clients on 10 accounts vs 1 client', (await reserves(postgres, 10, servers.postgres.call, true)) / pg1);
      add('PostgreSQL, 10 clients on one pool vs 1 client', (await reserves(postgres, 10, servers.postgres.call)) / pg1);
    }
  } finally {
    await servers.sqlite.close();
    await servers.postgres?.close();
    await sqlite.close();
    await postgres?.close();
  }
  const targets: Record<string, number> = {
    'SQLite server vs in-process, 1 client': 0.7,
    'PostgreSQL vs SQLite server, 1 client': 0.5,
    'PostgreSQL, 10 clients on 10 accounts vs 1 client': 1.5,
    'PostgreSQL, 10 clients on one pool vs 1 client': 1.0,
  };
  const out: Record<string, { median: number; low: number; high: number }> = {};
  for (const [what, list] of Object.entries(ratios)) {
    const sorted = [...list].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    out[what] = { median, low: sorted[0]!, high: sorted.at(-1)! };
    const target = targets[what]!;
    line(
      `  reserves: ${what}`,
      `${median.toFixed(2)}x, median of ${list.length} (${sorted[0]!.toFixed(2)} to ${sorted.at(-1)!.toFixed(2)}; target >= ${target}x)${median >= target ? '' : ': NOT MET'}`,
    );
  }
  return out;
}

// Alone: `node test/bench/server-bench.ts [--quick]`.
if (process.argv[1]?.endsWith('server-bench.ts')) await serverBench(process.argv.includes('--quick'), (l, v) => console.log(`${l.padEnd(58)} ${v}`));
