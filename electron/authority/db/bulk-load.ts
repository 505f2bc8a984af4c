/**
 * A bulk load in the caller's transaction (`slr authority migrate`, the tests' population of large ledgers).
 * On PostgreSQL the triggers that keep one shared row in step with many (a lot's `blocked`, an account's count
 * of active instances) are set aside for the load and what they keep is computed once after it: one transaction
 * updating one row N times walks a chain of that row's versions that grows with N (holdings written one by one
 * into one lot in one transaction, through the triggers: 5,000 in 1.2 s, 20,000 in 9.1 s). The caller must own
 * the tables (the role that made the ledger). ALTER TABLE is transactional there: set aside for this
 * transaction alone, and put back by its rollback too. Conservation is checked as ever: `blocked` set by a
 * statement queues the deferred check of each lot against its sum, at the commit. SQLite updates a row in
 * place: its triggers stay.
 */
import type { LedgerDb } from './ledger-db.ts';
import { blockedOfLot } from './lot-blocked.ts';

/** Each trigger set aside, with its table. */
const KEEPING = [
  ['holdings', 'holdings_blocked'],
  ['transitions', 'transitions_blocked'],
  ['export_grants', 'export_grants_blocked'],
  ['satellite_allocations', 'satellite_allocations_blocked'],
  ['instances', 'instances_counted'],
] as const;

export async function bulkLoad<T>(db: LedgerDb, load: () => Promise<T>): Promise<T> {
  if (db.engine !== 'postgres') return load();
  for (const [table, trigger] of KEEPING) await db.exec(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
  const loaded = await load();
  await db.exec(`UPDATE lots l SET blocked = ${blockedOfLot('l')}`);
  await db.exec(`UPDATE instance_counts k SET active = (SELECT count(*) FROM instances i WHERE i.account_id = k.account_id AND i.state = 'active')`);
  for (const [table, trigger] of KEEPING) await db.exec(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
  return loaded;
}
