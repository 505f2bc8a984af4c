/**
 * The ledger's invariant audit: recomputes everything the ledger keeps in step and checks it, through the
 * database interface (the same on SQLite and PostgreSQL). The tests run it after every step; `slr authority
 * migrate` runs it on the ledger it has moved, before it says the move is done.
 */
import { parseAuthorizationCode } from '../../shared/codes/authorization-code.ts';
import type { Ledger } from './ledger.ts';
import type { InstanceRow } from './ledger/lookups.ts';
import { blockedOfLot } from './db/lot-blocked.ts';

/**
 * Recomputes everything kept in step and checks it: for every lot, blocked = holdings + transitions + export grants and
 * 0 <= blocked <= purchased (so blocked + available = purchased); every active instance's holdings are
 * exactly the entitlements of its latest authorization code. Returns the violations (none when sound).
 */
export async function checkInvariants(ledger: Ledger): Promise<string[]> {
  // Through the ledger's database interface: the same audit on SQLite and on PostgreSQL.
  const c = ledger.store.db;
  const problems: string[] = [];
  const rows = await c.all<{ id: number; count: number; blocked: number; sum: number }>(`
    SELECT l.id, l.count, l.blocked, ${blockedOfLot('l')} AS sum FROM lots l`);
  for (const r of rows) {
    if (r.blocked !== r.sum)
      problems.push(`lot ${r.id}: blocked ${r.blocked} but holdings, transitions, export grants and satellite allocations add up to ${r.sum}`);
    if (r.blocked < 0 || r.blocked > r.count) problems.push(`lot ${r.id}: blocked ${r.blocked} outside 0..${r.count}`);
  }
  for (const r of await c.all<{ id: number; kept: number | null; n: number }>(
    "SELECT a.id, k.active AS kept, (SELECT count(*) FROM instances i WHERE i.account_id = a.id AND i.state = 'active') AS n FROM accounts a LEFT JOIN instance_counts k ON k.account_id = a.id",
  ))
    if (r.kept === null || Number(r.kept) !== Number(r.n))
      problems.push(`account ${r.id}: ${r.kept ?? 'no'} active instances kept in its count, ${r.n} counted`);
  const gone = (await c.get<{ n: number }>("SELECT count(*) AS n FROM holdings h JOIN instances i ON i.id = h.instance_id WHERE i.state <> 'active'"))!.n;
  if (gone) problems.push(`${gone} holdings belong to removed or failed instances`);
  const orphans = (await c.get<{ n: number }>(
    "SELECT count(*) AS n FROM export_grants g JOIN registered_instances r ON r.id = g.instance_id WHERE r.state <> 'registered'",
  ))!.n;
  if (orphans) problems.push(`${orphans} export grants belong to deregistered instances`);
  for (const inst of await c.all<InstanceRow>("SELECT i.*, '' AS account FROM instances i WHERE state = 'active'")) {
    const last = await c.get<{ code: string }>('SELECT code FROM codes WHERE instance_id = ? ORDER BY timestamp DESC LIMIT 1', inst.id);
    if (!last) {
      problems.push(`instance ${inst.id} has no authorization code`);
      continue;
    }
    const fromCode: Record<string, number> = {};
    for (const e of parseAuthorizationCode(last.code).entitlements) fromCode[e.tag] = (fromCode[e.tag] ?? 0) + e.count;
    const held: Record<string, number> = {};
    for (const r of await c.all<{ tag: string; n: number }>(
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
