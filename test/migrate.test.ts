// `slr authority migrate` at more than a page of every large table: a ledger of 2,100 reservations in one lot
// (some updated, with licenses in transition) moves SQLite -> PostgreSQL -> SQLite with every row, id
// and `blocked` the same, the chain intact and the audit clean; on arrival the triggers that keep shared rows
// are back (set aside on PostgreSQL for the copy only): a new reserve keeps `blocked` and a change by hand is
// refused. A move refused on arrival leaves the target as it was, its triggers included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, openLedger } from '../electron/authority/ledger.ts';
import { PgDb } from '../electron/authority/db/postgres/pg-db.ts';
import { migrateLedger } from '../electron/authority/migrate.ts';
import { checkInvariants } from '../electron/authority/audit.ts';
import { SKIP_POSTGRES, sqlOnce, startPostgres, type Postgres } from './helpers/postgres.ts';
import { makeDevice } from './helpers/world.ts';
import { scaled } from './helpers/time-scale.ts';

const T = Date.UTC(2026, 0, 1);
const DEVICES = 2_100;
let postgres: Postgres | null = null;
const opened: Ledger[] = [];

const sqliteLedger = async () => {
  const l = await openLedger({ dir: mkdtempSync(join(tmpdir(), 'slr-migrate-')), actor: 'test' }, true);
  opened.push(l);
  return l;
};
const pgLedger = async (url?: string) => {
  const l = await Ledger.open(await PgDb.connect(url ?? (await postgres!.database()), 2), 'test');
  opened.push(l);
  return l;
};

/** What must arrive the same: every id, count and code of the large tables, `blocked`, the chain's head. */
async function contents(l: Ledger) {
  const q = (sql: string) =>
    l.store.db.all<Record<string, unknown>>(sql).then((rows) => JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
  return {
    lots: await q('SELECT id, account_id, tag, count, blocked FROM lots ORDER BY id'),
    instances: await q('SELECT id, uuid, state, last_timestamp FROM instances ORDER BY id'),
    holdings: await q('SELECT instance_id, lot_id, count FROM holdings ORDER BY instance_id, lot_id'),
    codes: await q('SELECT id, instance_id, timestamp, code FROM codes ORDER BY id'),
    events: await q('SELECT id, type, hash FROM events ORDER BY id'),
  };
}

describe.skipIf(SKIP_POSTGRES)('slr authority migrate, a ledger of more than a page', () => {
  let source: Ledger;
  beforeAll(async () => {
    postgres = await startPostgres();
    source = await sqliteLedger();
    await source.init('Moving', T);
    await source.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 5_000 }, T);
    const key = await source.exportKey();
    const requests = Array.from({ length: DEVICES }, () => {
      const d = makeDevice('UCM', T, [{ id: key.id, publicKey: key.pem }]);
      d.run({ type: 'enable' }, T);
      return d.run({ type: 'request' }, T).issued!.code;
    });
    const { entries } = await source.reserveBatch({ account: 'Default', requests, licenses: { UCM_Basic: 2 } }, T + 1000);
    // Some updated to fewer (a license each in transition, a second code): not every table's rows one per instance.
    for (const e of entries.slice(0, 30)) await source.update({ instance: e.udi, licenses: { UCM_Basic: 1 } }, T + 2000);
  }, scaled(180_000));
  afterAll(async () => {
    for (const l of opened.splice(0)) await l.close();
    await postgres?.stop();
  });

  it(
    'moves SQLite -> PostgreSQL -> SQLite with every row the same, and the triggers back on arrival',
    async () => {
      const before = await contents(source);
      expect(JSON.parse(before.holdings)).toHaveLength(DEVICES);
      const pg = await pgLedger();
      const there = await migrateLedger(source, pg, T + 3000, 'sqlite', 'postgres');
      expect(there.rows.instances).toBe(DEVICES);
      expect(there.rows.events).toBeGreaterThan(2000);
      const onPg = await contents(pg);
      // The arrival's own event follows; everything before it is the same.
      expect({ ...onPg, events: JSON.parse(onPg.events).slice(0, -1) }).toEqual({ ...before, events: JSON.parse(before.events) });
      expect(await checkInvariants(pg)).toEqual([]);
      expect((await pg.verifyEvents()).broken).toBeNull();
      // The keeping triggers are back: a new reserve keeps blocked, a change by hand is refused.
      const key = await pg.exportKey();
      const d = makeDevice('UCM', T, [{ id: key.id, publicKey: key.pem }]);
      d.run({ type: 'enable' }, T);
      await pg.reserve({ account: 'Default', request: d.run({ type: 'request' }, T).issued!.code, licenses: { UCM_Basic: 3 } }, T + 4000);
      expect(await checkInvariants(pg)).toEqual([]);
      const blocked = Number((await pg.store.db.get<{ blocked: number }>('SELECT blocked FROM lots'))!.blocked);
      // The 30 updated hold one each and one more in transition until their confirmation codes come back.
      expect(blocked).toBe(2 * DEVICES + 3);
      await expect(pg.store.db.transaction(() => pg.store.db.exec('UPDATE lots SET blocked = 0'))).rejects.toThrow(/conservation/);
      // And back to SQLite.
      const back = await sqliteLedger();
      const onPgNow = await contents(pg);
      await migrateLedger(pg, back, T + 5000, 'postgres', 'sqlite');
      const returned = await contents(back);
      expect({ ...returned, events: JSON.parse(returned.events).slice(0, -1) }).toEqual({ ...onPgNow, events: JSON.parse(onPgNow.events) });
      expect(await checkInvariants(back)).toEqual([]);
    },
    scaled(240_000),
  );

  it(
    'leaves a target it refuses on arrival as it was, its triggers enabled',
    async () => {
      const url = await postgres!.database();
      const target = await pgLedger(url);
      // A row the copy does not expect: the arrival's count of that table differs, and the move is refused.
      await target.store.db.exec("INSERT INTO sync_files (peer, kind, seq, digest, applied_at) VALUES ('x', 'y', 1, 'z', 1)");
      const fresh = await sqliteLedger();
      await fresh.init('Small', T);
      await fresh.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 5 }, T);
      await expect(migrateLedger(fresh, target, T + 1000, 'sqlite', 'postgres')).rejects.toThrow(/sync_files: 0 rows read, 1 arrived/);
      expect(await target.isInitialized()).toBe(false);
      expect((await sqlOnce(url, 'SELECT count(*)::int AS n FROM lots')).rows).toEqual([{ n: 0 }]);
      const disabled = await sqlOnce(url, "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'");
      expect(disabled.rows).toEqual([]);
    },
    scaled(60_000),
  );
});
