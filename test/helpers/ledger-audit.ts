/** The ledger's invariant audit, for the tests: recomputes everything kept in step and checks it. */
import { parseAuthorizationCode } from '../../shared/codes/authorization-code.ts';
import type { InstanceRow, Ledger } from '../../electron/services/authority/ledger.ts';
import type { SqliteDb } from '../../electron/services/authority/sqlite-db.ts';

/** The SQLite connection behind a ledger, for reading it directly in the tests. */
export function rawDb(ledger: Ledger) {
  return (ledger.core.db as SqliteDb).raw;
}

/**
 * Recomputes everything kept in step and checks it: for every lot, blocked = holdings + transitions and
 * 0 <= blocked <= purchased (so blocked + available = purchased); every active instance's holdings are
 * exactly the entitlements of its latest authorization code. Returns the violations (none when sound).
 */
export function checkInvariants(ledger: Ledger): string[] {
  const db = rawDb(ledger);
  const c = {
    all: <T>(sql: string, ...p: (string | number)[]) => db.prepare(sql).all(...p) as T[],
    get: <T>(sql: string, ...p: (string | number)[]) => db.prepare(sql).get(...p) as T | undefined,
  };
  const problems: string[] = [];
  const rows = c.all<{ id: number; count: number; blocked: number; sum: number }>(`
    SELECT l.id, l.count, l.blocked,
      ifnull((SELECT sum(count) FROM holdings WHERE lot_id = l.id), 0) + ifnull((SELECT sum(count) FROM transitions WHERE lot_id = l.id), 0) AS sum
    FROM lots l`);
  for (const r of rows) {
    if (r.blocked !== r.sum) problems.push(`lot ${r.id}: blocked ${r.blocked} but holdings and transitions add up to ${r.sum}`);
    if (r.blocked < 0 || r.blocked > r.count) problems.push(`lot ${r.id}: blocked ${r.blocked} outside 0..${r.count}`);
  }
  const gone = c.get<{ n: number }>("SELECT count(*) AS n FROM holdings h JOIN instances i ON i.id = h.instance_id WHERE i.state <> 'active'")!.n;
  if (gone) problems.push(`${gone} holdings belong to removed or failed instances`);
  for (const inst of c.all<InstanceRow>("SELECT i.*, '' AS account FROM instances i WHERE state = 'active'")) {
    const last = c.get<{ code: string }>('SELECT code FROM codes WHERE instance_id = ? ORDER BY timestamp DESC LIMIT 1', inst.id);
    if (!last) {
      problems.push(`instance ${inst.id} has no authorization code`);
      continue;
    }
    const fromCode: Record<string, number> = {};
    for (const e of parseAuthorizationCode(last.code).entitlements) fromCode[e.tag] = (fromCode[e.tag] ?? 0) + e.count;
    const held: Record<string, number> = {};
    for (const r of c.all<{ tag: string; n: number }>(
      'SELECT l.tag, sum(h.count) AS n FROM holdings h JOIN lots l ON l.id = h.lot_id WHERE h.instance_id = ? GROUP BY l.tag',
      inst.id,
    ))
      held[r.tag] = r.n;
    if (JSON.stringify(Object.entries(fromCode).sort()) !== JSON.stringify(Object.entries(held).sort())) {
      problems.push(`instance ${inst.id}: holdings ${JSON.stringify(held)} differ from its latest code ${JSON.stringify(fromCode)}`);
    }
  }
  return problems;
}
