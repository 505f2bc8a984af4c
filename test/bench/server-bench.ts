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

async function figures(
  ledger: Ledger,
  ops: number,
  clients: number,
  via: 'in-process' | 'server',
  call: (name: string, body: object) => Promise<unknown>,
  spread = false,
): Promise<Figures> {
  // Spread: each operation on another virtual account than its neighbours' (VA0 … VA9), not all on one pool.
  const accountOf = (i: number) => (spread ? `VA${i % SPREAD}` : 'Default');
  const key = await ledger.exportKey();
  const requests = Array.from({ length: ops }, () => {
    const d = makeDevice('UCM', T0, [{ id: key.id, publicKey: key.pem }]);
    d.run({ type: 'enable' }, T0);
    return { request: d.run({ type: 'request' }, T0).issued!.code, sn: d.udi.sn, udi: `P:UCM,S:${d.udi.sn},U:${d.udi.uuid}` };
  });
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

async function engineFigures(engine: 'sqlite' | 'postgres', instances: number, ops: number, pgUrl: () => Promise<string>) {
  const fresh = async () => {
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
  };
  const out: Record<string, Figures> = {};
  for (const { clients, spread, name } of RUNS) {
    const local = await fresh();
    try {
      out[`inProcess${name}`] = await figures(local, ops, clients, 'in-process', async () => undefined, spread);
    } finally {
      await local.close();
    }
    const ledger = await fresh();
    const home = mkdtempSync(join(tmpdir(), 'slr-bench-tls-'));
    const tls = serverTls(home, '127.0.0.1', T0);
    const app = await buildServer({ ledger, clock: () => T0 + 1000, tls });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const server = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const sessions = await Promise.all(
        Array.from({ length: clients }, () => login({ server, user: 'bench', password: PASSWORD, fingerprint: tls.fingerprint })),
      );
      let turn = 0;
      out[`server${name}`] = await figures(
        ledger,
        ops,
        clients,
        'server',
        (op, body) => callApi(sessions[turn++ % clients]!, op as 'licenses', body as never, { idempotencyKey: randomUUID() }),
        spread,
      );
    } finally {
      await app.close();
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
    results.writeTargets = writeTargets(results, line);
  } finally {
    await pg?.stop();
  }
  return results;
}

/** Issue 31's targets for writes (reserves through the server), each a ratio of two figures of this run. */
function writeTargets(results: Record<string, unknown>, line: (label: string, value: string) => void): Record<string, number> {
  const sqlite = results.sqlite as Record<string, Figures>;
  const pg = results.postgres as Record<string, Figures> | undefined;
  const ratios: [string, number | undefined, number][] = [
    ['SQLite server vs in-process, 1 client', sqlite.server1!.reserve / sqlite.inProcess1!.reserve, 0.7],
    ['PostgreSQL vs SQLite server, 1 client', pg && pg.server1!.reserve / sqlite.server1!.reserve, 0.5],
    ['PostgreSQL, 10 clients on 10 accounts vs 1 client', pg && pg.server10spread!.reserve / pg.server1!.reserve, 1.5],
    ['PostgreSQL, 10 clients on one pool vs 1 client', pg && pg.server10!.reserve / pg.server1!.reserve, 1.0],
  ];
  const out: Record<string, number> = {};
  for (const [what, ratio, target] of ratios) {
    if (ratio === undefined) continue;
    out[what] = ratio;
    line(`  reserves: ${what}`, `${ratio.toFixed(2)}x (target >= ${target}x)${ratio >= target ? '' : ': NOT MET'}`);
  }
  return out;
}

// Alone: `node test/bench/server-bench.ts [--quick]`.
if (process.argv[1]?.endsWith('server-bench.ts')) await serverBench(process.argv.includes('--quick'), (l, v) => console.log(`${l.padEnd(58)} ${v}`));
