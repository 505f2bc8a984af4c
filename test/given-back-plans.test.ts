// A return code for a reservation already given back (removed, rehosted, moved to a new request) is explained
// from the device's earlier reservations, found by its UUID or serial number whatever their state: by an index
// on both engines (schema 19), not by reading every instance of the ledger (as before it, on each such code).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, openLedger } from '../electron/authority/ledger.ts';
import { PgDb } from '../electron/authority/db/postgres/pg-db.ts';
import { givenBackSql, LATER_OF_DEVICE } from '../electron/authority/ledger/device-codes.ts';
import { SKIP_POSTGRES, startPostgres, type Postgres } from './helpers/postgres.ts';
import { scaled } from './helpers/time-scale.ts';

const T = Date.UTC(2026, 0, 1);
const QUERIES = { 'by UUID': givenBackSql('uuid'), 'by serial number': givenBackSql('sn'), 'a later reservation': LATER_OF_DEVICE };
const params = (sql: string) =>
  sql
    .split('?')
    .slice(1)
    .map(() => 1);

let postgres: Postgres | null = null;
const opened: Ledger[] = [];
beforeAll(async () => {
  if (!SKIP_POSTGRES) postgres = await startPostgres();
}, scaled(60_000));
afterAll(async () => {
  for (const l of opened.splice(0)) await l.close();
  await postgres?.stop();
});

describe("a device's reservations given back, found by an index", () => {
  it.each(Object.entries(QUERIES))('on SQLite: %s', async (_what, sql) => {
    const ledger = await openLedger({ dir: mkdtempSync(join(tmpdir(), 'slr-given-back-')), actor: 'test' }, true);
    opened.push(ledger);
    await ledger.init('Plans', T);
    const plan = await ledger.store.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, ...params(sql));
    const instances = plan.map((r) => r.detail).find((d) => /\binstances\b|\bi\b/.test(d))!;
    expect(instances).toMatch(/^SEARCH (instances|i) USING (COVERING )?INDEX instances_(uuid|sn_all) \((uuid|sn)=\?/);
  });

  it.skipIf(SKIP_POSTGRES).each(Object.entries(QUERIES))('on PostgreSQL: %s', async (_what, sql) => {
    const ledger = await Ledger.open(await PgDb.connect(await postgres!.database(), 1), 'test');
    opened.push(ledger);
    await ledger.init('Plans', T);
    const db = ledger.store.db;
    // An empty table is read whole whatever its indexes: reading whole is priced out, so the plan shows whether an index serves.
    const plan = await db.transaction(async () => {
      await db.exec('SET LOCAL enable_seqscan = off');
      return db.all<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, ...params(sql));
    });
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index (Only )?Scan (Backward )?using instances_(uuid|sn_all) on instances/);
    expect(text).not.toMatch(/Seq Scan on instances/);
  });
});
