/**
 * How a composition root hands the ledger to the CLI and the app API: a function that opens it, runs an
 * operation on it and closes it (each command or bridge call is one short use, so the app and the CLI can
 * share the file). The CLI's and the app's roots make it for their data directory; tests make their own.
 */
import { withLedger, type Ledger } from './ledger.ts';
import type { KeySecret } from './keys/key-storage.ts';

/** One use of the ledger: `create` makes it if absent; `keySecret` unlocks (and at init protects) the signing keys. */
export interface LedgerUse {
  readonly create?: boolean;
  readonly keySecret?: KeySecret;
}

export type LedgerPort = <T>(fn: (ledger: Ledger) => Promise<T> | T, use?: LedgerUse) => Promise<T>;

/**
 * The embedded ledger (SQLite) in `dir`. `keySecret` gives the secret of every use that names none (the app:
 * its OS secret store's key, made when the authority is created).
 */
export function sqliteLedgerPort(dir: string, keySecret?: (create: boolean) => Promise<KeySecret | undefined>): LedgerPort {
  return async (fn, use = {}) => withLedger({ dir, keySecret: use.keySecret ?? (await keySecret?.(use.create ?? false)) }, fn, use.create ?? false);
}
