/** The ledger's invariant audit (electron/authority/audit.ts), and raw access to a SQLite ledger, for the tests. */
import type { Ledger } from '../../electron/authority/ledger.ts';
import type { SqliteDb } from '../../electron/authority/db/sqlite/sqlite-db.ts';

export { checkInvariants } from '../../electron/authority/audit.ts';

/** The SQLite connection behind a ledger, for reading it directly in the tests. */
export function rawDb(ledger: Ledger) {
  return (ledger.store.db as SqliteDb).raw;
}
