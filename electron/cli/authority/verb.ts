/**
 * What an authority verb is (`slr authority <words>`), what its handler gets, and the context the CLI hands
 * over: the types the verb modules (*-verbs.ts) and their dispatcher (authority-cli.ts) share.
 */
import type { Ledger } from '../../authority/ledger.ts';
import type { LedgerPort } from '../../authority/ledger-port.ts';
import type { LedgerApi } from '../../authority/remote/remote-ledger.ts';
import type { RemoteSession } from '../../authority/remote/remote.ts';
import type { Option, Values } from './args.ts';
import type { OutputFile } from '../output-files.ts';
import type { Io } from '../output.ts';

export interface AuthorityContext {
  readonly io: Io;
  readonly json: boolean;
  readonly now: number;
  /** The clock, for a verb that runs on (the server). */
  readonly clock: () => number;
  readonly home: string;
  /** The home's own ledger, as the composition root hands it over. */
  readonly ledger: LedgerPort;
  /** After `slr authority login`: the server's ledger, which every verb that may uses instead. */
  readonly remote: { readonly ledger: LedgerApi; readonly session: RemoteSession } | null;
}

/** What a verb's handler gets: its options and positionals, and the ways to answer. */
export interface Call {
  readonly values: Values;
  readonly positionals: readonly string[];
  readonly ctx: AuthorityContext;
  say(text: string, json: object): void;
  /** Answers with an issued authorization code: to --out, or on stdout. */
  issued(what: string, r: { code: string; sn: string; udi: string; piid: string }): void;
  /** The ledger the verb works on: the server's after a login, else the home's own. */
  withLedger<T>(fn: (l: LedgerApi) => Promise<T>): Promise<T>;
  /** The home's own ledger, whole (a `local` verb: keys at rest, backups, users, the server itself). */
  withLocalLedger<T>(fn: (l: Ledger) => Promise<T>, create?: boolean): Promise<T>;
  /** --out, checked before the verb runs. */
  readonly out: OutputFile | null;
}

export interface Verb {
  /** The words after `slr authority`: `reserve`, `key export`, `show licenses`. */
  readonly words: string;
  /** Options and positionals as the usage line shows them. */
  readonly usage: string;
  readonly summary: string;
  readonly example: string;
  readonly options: readonly Option[];
  readonly required?: readonly Option[];
  /** Names of the positional arguments after the options (all required). */
  readonly positionals?: readonly string[];
  /**
   * Where it works: `either` (default) on the home's ledger or, after a login, on the server's; `local` only on
   * the home's own ledger (refused while logged in); `session` only on a server logged in to.
   */
  readonly where?: 'either' | 'local' | 'session' | 'anywhere';
  readonly run: (call: Call) => Promise<void>;
}
