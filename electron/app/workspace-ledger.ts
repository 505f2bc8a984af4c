/** The ledger the app's License Central workspace works on, as its bridge methods (authority.ts, tokens.ts) take it. */
import type { LedgerApi } from '../authority/remote/remote-ledger.ts';

/** Runs `fn` on the workspace's ledger: the home's own, or the server's after a login. */
export type WorkspaceLedger = <T>(fn: (l: LedgerApi) => Promise<T>) => Promise<T>;
