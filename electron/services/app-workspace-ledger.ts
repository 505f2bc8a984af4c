/** The ledger the app's License Central workspace works on, as its bridge methods (app-authority.ts, app-tokens.ts) take it. */
import type { LedgerApi } from './authority/remote-ledger.ts';

/** Runs `fn` on the workspace's ledger: the home's own, or the server's after a login. */
export type WorkspaceLedger = <T>(fn: (l: LedgerApi) => Promise<T>) => Promise<T>;
