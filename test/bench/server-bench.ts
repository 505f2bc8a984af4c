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
): Promise<Figures> {
  const key = await ledger.exportKey();
  const requests = Array.from({ length: ops }, () => {
    const d = makeDevice('UCM', T0, [{ id: key.id, publicKey: key.pem }]);
    d.run({ type: 'enable' }, T0);
    return { request: d.run({ type: 'request' }, T0).issued!.code, sn: d.udi.sn, udi: `P:UCM,S:${d.udi.sn},U:${d.udi.uuid}` };
  });
  const now = T0 + 1000;
  const reserve = await rate(ops, clients, (i) =>
    via === 'server'
      ? call('reserve', { account: 'Default', request: requests[i]!.request, licenses: { UCM_Basic: 2 } })
      : ledger.reserve({ account: 'Default', request: requests[i]!.request, licenses: { UCM_Basic: 2 } }, now),
  );
  const update = await rate(ops, clients, (i) =>
    via === 'server'
      ? call('update', { instance: requests[i]!.udi, licenses: { UCM_Basic: 1 } })
      : ledger.update({ instance: requests[i]!.udi, licenses: { UCM_Basic: 1 } }, now),
  );
  const licenses = await rate(ops, clients, () => (via === 'server' ? call('licenses', { account: 'Default' }) : ledger.licenses(now, 'Default')));
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
    await populate(ledger, instances, { at: T0 });
    await ledger.addUser({ name: 'bench', role: 'smart-account-admin', password: PASSWORD }, T0);
    return ledger;
  };
  const out: Record<string, Figures> = {};
  for (const clients of [1, 10]) {
    const local = await fresh();
    try {
      out[`inProcess${clients}`] = await figures(local, ops, clients, 'in-process', async () => undefined);
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
      out[`server${clients}`] = await figures(ledger, ops, clients, 'server', (name, body) =>
        callApi(sessions[turn++ % clients]!, name as 'licenses', body as never, { idempotencyKey: randomUUID() }),
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
      for (const clients of [1, 10]) {
        const a = f[`server${clients}`]!;
        const b = f[`inProcess${clients}`]!;
        for (const op of ['reserve', 'update', 'licenses'] as const) {
          line(
            `  ${engine}, ${String(clients).padStart(2)} client${clients > 1 ? 's' : ' '}, ${op}`,
            `${a[op].toFixed(0)}/s through the server vs ${b[op].toFixed(0)}/s in-process: overhead ${(b[op] / a[op]).toFixed(2)}x`,
          );
        }
      }
    }
  } finally {
    await pg?.stop();
  }
  return results;
}
