/**
 * The ledger's seal: the log's head (its last event's id and hash) and every lot's purchased and blocked
 * figures, hashed together and kept in meta at every write. `show events --verify` recomputes it: events
 * cut off the log's end (which leave the chain intact) and a count changed by SQL beside SLR Desk show. It has
 * no secret: someone who edits the database and recomputes it is not caught by it alone (as with the chain);
 * a verification kept elsewhere, or a backup, shows that.
 */
import type { SqlValue } from '../db/ledger-db.ts';
import { sha256hex } from '../../platform/event-chain.ts';

/** What the seal needs of the store. */
interface Sql {
  get<T>(sql: string, ...params: SqlValue[]): Promise<T | undefined>;
  all<T>(sql: string, ...params: SqlValue[]): Promise<T[]>;
  run(sql: string, ...params: SqlValue[]): Promise<unknown>;
}

export const SEAL_KEY = 'ledger_seal';

async function sealOf(db: Sql): Promise<string> {
  // The log's head and every lot in one statement (one round trip, under the chain's lock in a pooled write).
  const rows = await db.all<{ head: number; id: number; hash: string | null; count: number; blocked: number }>(
    `SELECT 1 AS head, id, hash, 0 AS count, 0 AS blocked FROM (SELECT id, hash FROM events ORDER BY id DESC LIMIT 1) last
     UNION ALL SELECT 0 AS head, id, NULL AS hash, count, blocked FROM lots`,
  );
  const head = rows.find((r) => Number(r.head) === 1);
  const lots = rows.filter((r) => Number(r.head) === 0).sort((a, b) => Number(a.id) - Number(b.id));
  return sha256hex(JSON.stringify([head ? [Number(head.id), head.hash] : null, lots.map((l) => [Number(l.id), Number(l.count), Number(l.blocked)])]));
}

/**
 * Seals the ledger as it is now (inside the write's transaction); with `highWater`, raises the ledger's clock to
 * it in the same statement (a pooled write's last step, under the chain's lock).
 */
export async function sealLedger(db: Sql, highWater?: number): Promise<void> {
  if (highWater === undefined)
    await db.run(`INSERT INTO meta (key, value) VALUES ('${SEAL_KEY}', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, await sealOf(db));
  else
    await db.run(
      `INSERT INTO meta (key, value) VALUES ('${SEAL_KEY}', ?), ('high_water', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value
       WHERE excluded.key <> 'high_water' OR CAST(meta.value AS BIGINT) < CAST(excluded.value AS BIGINT)`,
      await sealOf(db),
      String(highWater),
    );
}

/** Why the ledger does not match its seal, or null (also when it was never sealed: a ledger not written since seals). */
export async function ledgerSealProblem(db: Sql): Promise<string | null> {
  const kept = await db.get<{ value: string }>(`SELECT value FROM meta WHERE key = '${SEAL_KEY}'`);
  if (!kept || kept.value === (await sealOf(db))) return null;
  return "the ledger was changed outside SLR Desk after its last write: the end of its log, or a lot's purchased or blocked count, is not what SLR Desk left";
}
