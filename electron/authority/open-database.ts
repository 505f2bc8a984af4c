/**
 * Opens the ledger a server or a migration names: the home's embedded SQLite ledger, or a PostgreSQL
 * database by its postgres:// URL (the driver is loaded only then).
 */
import { basename, dirname, join } from 'node:path';
import { refuse } from '../../shared/errors.ts';
import { AUTHORITY_DB } from '../platform/paths.ts';
import { describeDatabase, isPostgresUrl } from './db/database-url.ts';
import type { KeySecret } from './keys/key-storage.ts';
import { Ledger, openLedger } from './ledger.ts';

export async function openLedgerAt(
  home: string,
  database: string | undefined,
  actor: string,
  keySecret?: KeySecret,
  create = false,
): Promise<{ ledger: Ledger; where: string }> {
  if (database === undefined || !isPostgresUrl(database)) {
    if (database !== undefined && basename(database) !== AUTHORITY_DB)
      refuse('bad-request', `A ledger is a postgres:// URL or a SQLite file named ${AUTHORITY_DB}, not "${database.slice(0, 80)}".`);
    const dir = database === undefined ? home : dirname(database);
    return { ledger: await openLedger({ dir, actor, keySecret }, create), where: join(dir, AUTHORITY_DB) };
  }
  const { PgDb } = await import('./db/postgres/pg-db.ts');
  const db = await PgDb.connect(database);
  return { ledger: await Ledger.open(db, actor, keySecret), where: describeDatabase(database) };
}
