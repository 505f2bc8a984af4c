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

/** The log's last event, or null while it is empty. */
export type LogHead = { id: number; hash: string | null } | null;
type ChainRow = { head: number; id: number; hash: string | null; count: number; blocked: number };

/** The log's head alone, as a row of CHAIN_STATE's shape (no parameters: it may follow a lock in one message). */
export const HEAD_ONLY = 'SELECT 1 AS head, id, hash, 0 AS count, 0 AS blocked FROM events ORDER BY id DESC LIMIT 1';
/** The log's head and every lot, in one statement (no parameters). */
export const CHAIN_STATE = `SELECT 1 AS head, id, hash, 0 AS count, 0 AS blocked FROM (SELECT id, hash FROM events ORDER BY id DESC LIMIT 1) last
     UNION ALL SELECT 0 AS head, id, NULL AS hash, count, blocked FROM lots`;

/** What CHAIN_STATE (or HEAD_ONLY) read: the head, and each lot as [id, purchased, blocked] in id order. */
export function chainState(rows: readonly ChainRow[]): { head: LogHead; lots: [number, number, number][] } {
  const head = rows.find((r) => Number(r.head) === 1);
  const lots = rows.filter((r) => Number(r.head) === 0).map((l): [number, number, number] => [Number(l.id), Number(l.count), Number(l.blocked)]);
  return { head: head ? { id: Number(head.id), hash: head.hash } : null, lots: lots.sort((a, b) => a[0] - b[0]) };
}

/** The seal of a log ending at `head` with these lots. */
export function sealOf(head: LogHead, lots: readonly (readonly [number, number, number])[]): string {
  return sha256hex(JSON.stringify([head ? [head.id, head.hash] : null, lots]));
}

/**
 * Keeps `seal` (inside the write's transaction); with `highWater`, raises the ledger's clock to it in the same
 * statement (a pooled write's last step, under the chain's lock).
 */
export async function keepSeal(run: Sql['run'], seal: string, highWater?: number): Promise<void> {
  if (highWater === undefined)
    await run(`INSERT INTO meta (key, value) VALUES ('${SEAL_KEY}', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, seal);
  else
    await run(
      `INSERT INTO meta (key, value) VALUES ('${SEAL_KEY}', ?), ('high_water', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value
       WHERE excluded.key <> 'high_water' OR CAST(meta.value AS BIGINT) < CAST(excluded.value AS BIGINT)`,
      seal,
      String(highWater),
    );
}

/** Why the ledger does not match its seal, or null (also when it was never sealed: a ledger not written since seals). */
export async function ledgerSealProblem(db: Sql): Promise<string | null> {
  const kept = await db.get<{ value: string }>(`SELECT value FROM meta WHERE key = '${SEAL_KEY}'`);
  const now = chainState(await db.all<ChainRow>(CHAIN_STATE));
  if (!kept || kept.value === sealOf(now.head, now.lots)) return null;
  return "the ledger was changed outside SLR Desk after its last write: the end of its log, or a lot's purchased or blocked count, is not what SLR Desk left";
}
