/**
 * Where a home's ledger is: its own SQLite file, or, once `slr authority migrate` moved it to PostgreSQL, the
 * database it went to. The home keeps that as `authority-ledger.json` (0600: a database URL may carry a
 * password), so every `slr authority` command and `serve` of the home follow the move, and the SQLite file
 * left behind (read-only from then on) is never written by mistake.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { refuse } from '../../shared/errors.ts';
import { writeTextFile } from '../platform/files.ts';
import { describeDatabase, isPostgresUrl } from './db/database-url.ts';
import { AUTHORITY_DB } from '../platform/paths.ts';

export const LEDGER_POINTER = 'authority-ledger.json';

/** The database a home's ledger moved to; undefined: the home's own SQLite ledger. */
export function movedLedger(home: string): string | undefined {
  const path = join(home, LEDGER_POINTER);
  if (!existsSync(path)) return undefined;
  let database: unknown;
  try {
    database = (JSON.parse(readFileSync(path, 'utf8')) as { database?: unknown }).database;
  } catch {
    database = undefined;
  }
  if (typeof database !== 'string' || !isPostgresUrl(database))
    refuse(
      'state-corrupt',
      `${path} does not name a postgres:// database.`,
      'It is written by `slr authority migrate`: put it back from a backup, or give --database URL.',
    );
  return database;
}

/** After a move: the home's ledger is `database` (a postgres:// URL), or its own SQLite file again (undefined). */
export function pointHomeAt(home: string, database: string | undefined, now: number): void {
  const path = join(home, LEDGER_POINTER);
  if (database === undefined) rmSync(path, { force: true });
  else writeTextFile(path, JSON.stringify({ database, movedAt: new Date(now).toISOString() }), 0o600);
}

/** Points the home at the ledger it moved to (a PostgreSQL database, or its own SQLite file again); false: it cannot follow. */
export function followMove(home: string, to: string, now: number): boolean {
  const follows = isPostgresUrl(to) || resolve(dirname(to)) === resolve(home);
  if (follows) pointHomeAt(home, isPostgresUrl(to) ? to : undefined, now);
  return follows;
}

/**
 * Whether a new ledger may be made in `database` for this home (`init --database`): a postgres:// URL, and a home
 * with no ledger of its own (that one moves with `migrate`) nor one in another database.
 */
export function homeMayMoveTo(home: string, database: string): void {
  if (!isPostgresUrl(database)) refuse('bad-request', `--database takes a postgres:// URL, not "${database.slice(0, 80)}".`);
  if (existsSync(join(home, AUTHORITY_DB)))
    refuse(
      'bad-request',
      `${home} has a ledger of its own (${AUTHORITY_DB}): a second one in PostgreSQL would split its pool.`,
      'Move it there instead: `slr authority migrate --to postgres://…`.',
    );
  const moved = movedLedger(home);
  if (moved !== undefined && moved !== database)
    refuse(
      'bad-request',
      `${home} works on another PostgreSQL ledger already (${describeDatabase(moved)}).`,
      'Use another --home for another License Central.',
    );
}
