/**
 * How a composition root hands the ledger to the CLI and the app API: a function that opens it, runs an
 * operation on it and closes it (each command or bridge call is one short use, so the app and the CLI can
 * share the file). The CLI's and the app's roots make it for their data directory; tests make their own.
 */
import { withLedger, type Ledger } from './ledger.ts';

export type LedgerPort = <T>(fn: (ledger: Ledger) => Promise<T> | T, create?: boolean) => Promise<T>;

/** The embedded ledger (SQLite) in `dir`. */
export function sqliteLedgerPort(dir: string): LedgerPort {
  return (fn, create = false) => withLedger(dir, fn, create);
}
