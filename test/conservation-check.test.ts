// Conservation enforced by the database at the cost of one row (schema 18): every trigger that keeps a lot's
// `blocked` (on holdings, transitions, export grants and satellite allocations; a row written, its count
// changed, moved to another lot, deleted) keeps it what the lot blocks, on both engines, and the check no longer
// adds up the lot; a change of `blocked` made otherwise is refused as before. SQLite writes each move down
// (lot_moves, empty at rest): a move written there by hand changes nothing a trigger then moves, and one used to
// forge `blocked` is found by the audit. PostgreSQL checks only what is not made by the keeping triggers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, openLedger } from '../electron/authority/ledger.ts';
import { PgDb } from '../electron/authority/db/postgres/pg-db.ts';
import { checkInvariants } from '../electron/authority/audit.ts';
import { SKIP_POSTGRES, startPostgres, type Postgres } from './helpers/postgres.ts';
import { scaled } from './helpers/time-scale.ts';

const T = Date.UTC(2026, 0, 1);
const OTHER = 9001;

/** Each table whose rows block licenses of a lot: how to write a row of it (on lot ?, count ?) and find it again. */
const KEPT = [
  { table: 'holdings', insert: `INSERT INTO holdings (instance_id, lot_id, count) VALUES (${OTHER}, ?, ?)`, where: `instance_id = ${OTHER}`, counts: [2, 3] },
  {
    table: 'transitions',
    insert: `INSERT INTO transitions (instance_id, lot_id, count, code_timestamp) VALUES (${OTHER}, ?, ?, 1)`,
    where: `instance_id = ${OTHER}`,
    counts: [2, 3],
  },
  {
    table: 'export_grants',
    insert: `INSERT INTO export_grants (instance_id, lot_id, feature, count, granted_at) VALUES (${OTHER}, ?, 'x', ?, 1)`,
    where: `instance_id = ${OTHER}`,
    counts: [1],
  },
  {
    table: 'satellite_allocations',
    insert: `INSERT INTO satellite_allocations (satellite_id, lot_id, count, target) VALUES (${OTHER}, ?, ?, 0)`,
    where: `satellite_id = ${OTHER}`,
    counts: [2, 3],
  },
] as const;

let postgres: Postgres | null = null;
const opened: Ledger[] = [];

/** A ledger with two lots of 10 (Default's, then B's), one reservation of 2 on the first. */
async function ledgerOn(engine: 'sqlite' | 'postgres'): Promise<{ ledger: Ledger; lots: [number, number] }> {
  const ledger =
    engine === 'sqlite'
      ? await openLedger({ dir: mkdtempSync(join(tmpdir(), 'slr-conservation-')), actor: 'test' }, true)
      : await Ledger.open(await PgDb.connect(await postgres!.database(), 2), 'test');
  opened.push(ledger);
  await ledger.init('Conservation', T);
  await ledger.addLicenses({ account: 'Default', tag: 'UCM_Basic', count: 10 }, T);
  await ledger.addAccount('B', T);
  await ledger.addLicenses({ account: 'B', tag: 'UCM_Basic', count: 10 }, T);
  const db = ledger.store.db;
  // The rows written here name no real instance or satellite: the references are set aside, not the triggers.
  if (engine === 'sqlite') await db.exec('PRAGMA foreign_keys = OFF');
  else
    await db.exec(`DO $$ DECLARE r record; BEGIN
      FOR r IN SELECT conrelid::regclass::text AS t, conname FROM pg_constraint
        WHERE contype = 'f' AND conrelid::regclass::text IN ('holdings', 'transitions', 'export_grants', 'satellite_allocations') LOOP
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', r.t, r.conname);
      END LOOP; END $$`);
  const ids = (await db.all<{ id: number }>('SELECT id FROM lots ORDER BY id')).map((r) => Number(r.id));
  return { ledger, lots: [ids[0]!, ids[1]!] };
}

const blockedOf = async (ledger: Ledger) =>
  (await ledger.store.db.all<{ blocked: number }>('SELECT blocked FROM lots ORDER BY id')).map((r) => Number(r.blocked));

describe.each(['sqlite', 'postgres'] as const)('conservation kept row by row on %s', (engine) => {
  const skip = engine === 'postgres' && SKIP_POSTGRES;
  beforeAll(async () => {
    if (engine === 'postgres' && !skip) postgres = await startPostgres();
  }, scaled(60_000));
  afterAll(async () => {
    for (const l of opened.splice(0)) await l.close();
    if (engine === 'postgres') await postgres?.stop();
  });

  it.skipIf(skip).each(KEPT)('keeps blocked through $table: written, counted again, moved to another lot, deleted', async (kept) => {
    const { ledger, lots } = await ledgerOn(engine);
    const db = ledger.store.db;
    const step = async (sql: string, ...params: number[]) => {
      await db.transaction(() => db.run(sql, ...params));
      if (engine === 'sqlite') expect(await db.all('SELECT * FROM lot_moves'), sql).toEqual([]);
      expect(await checkInvariants(ledger), sql).toEqual([]);
    };
    await step(kept.insert, lots[0], kept.counts[0]);
    expect(await blockedOf(ledger)).toEqual([kept.counts[0], 0]);
    const last = kept.counts.at(-1)!;
    if (kept.counts.length > 1) await step(`UPDATE ${kept.table} SET count = ? WHERE ${kept.where}`, last);
    expect(await blockedOf(ledger)).toEqual([last, 0]);
    await step(`UPDATE ${kept.table} SET lot_id = ? WHERE ${kept.where}`, lots[1]);
    expect(await blockedOf(ledger)).toEqual([0, last]);
    // Moved and counted again in one change.
    if (kept.counts.length > 1) {
      await step(`UPDATE ${kept.table} SET lot_id = ?, count = ? WHERE ${kept.where}`, lots[0], kept.counts[0]);
      expect(await blockedOf(ledger)).toEqual([kept.counts[0], 0]);
    }
    await step(`DELETE FROM ${kept.table} WHERE ${kept.where}`);
    expect(await blockedOf(ledger)).toEqual([0, 0]);
  });

  it.skipIf(skip)('refuses a change of blocked made otherwise, and one beyond the lot', async () => {
    const { ledger, lots } = await ledgerOn(engine);
    const db = ledger.store.db;
    await db.transaction(() => db.run(KEPT[0].insert, lots[0], 4));
    for (const set of ['blocked - 1', 'blocked + 1', '0']) {
      const tamper = `UPDATE lots SET blocked = ${set} WHERE id = ${lots[0]}`;
      await expect(
        db.transaction(() => db.exec(tamper)),
        tamper,
      ).rejects.toThrow(/conservation/);
    }
    await expect(db.transaction(() => db.run(KEPT[0].insert.replace(String(OTHER), '9002'), lots[0], 7))).rejects.toThrow(/check constraint/i);
    expect(await blockedOf(ledger)).toEqual([4, 0]);
    expect(await checkInvariants(ledger)).toEqual([]);
  });

  it.skipIf(engine !== 'sqlite')(
    'SQLite: a move written down by hand changes nothing a trigger moves; one used to forge blocked is found by the audit',
    async () => {
      const { ledger, lots } = await ledgerOn(engine);
      const db = ledger.store.db;
      await db.exec(`INSERT INTO lot_moves (lot_id, delta) VALUES (${lots[0]}, 5)`);
      await db.transaction(() => db.run(KEPT[0].insert, lots[0], 2));
      expect(await blockedOf(ledger)).toEqual([2, 0]);
      expect(await db.all('SELECT * FROM lot_moves')).toEqual([]);
      // Deliberate: the move and the change of blocked written together, by hand. The database takes it; the audit does not.
      await db.exec(`INSERT INTO lot_moves (lot_id, delta) VALUES (${lots[0]}, -2); UPDATE lots SET blocked = blocked - 2 WHERE id = ${lots[0]}`);
      expect((await checkInvariants(ledger)).join()).toMatch(/blocked 0 but holdings, transitions, export grants and satellite allocations add up to 2/);
    },
  );

  it.skipIf(engine !== 'postgres' || skip)('PostgreSQL: the keeping triggers own changes are not checked by a sum; a client statement is', async () => {
    const { ledger, lots } = await ledgerOn(engine);
    const db = ledger.store.db;
    // The deferred check made to fail whenever it runs, and run at once: only a change that queues it fails.
    const failing = `CREATE OR REPLACE FUNCTION slr_blocked_is_derived() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'checked by a sum'; END $$`;
    const undo = new Error('undone');
    await expect(
      db.transaction(async () => {
        await db.exec(failing);
        await db.exec('SET CONSTRAINTS ALL IMMEDIATE');
        await db.run(KEPT[0].insert, lots[0], 2);
        await db.run(`UPDATE holdings SET lot_id = ? WHERE instance_id = ${OTHER}`, lots[1]);
        await db.run(`DELETE FROM holdings WHERE instance_id = ${OTHER}`);
        throw undo;
      }),
    ).rejects.toBe(undo);
    await expect(
      db.transaction(async () => {
        await db.exec(failing);
        await db.exec('SET CONSTRAINTS ALL IMMEDIATE');
        await db.exec('UPDATE lots SET blocked = blocked');
      }),
    ).rejects.toThrow(/checked by a sum/);
    expect(await blockedOf(ledger)).toEqual([0, 0]);
  });
});
