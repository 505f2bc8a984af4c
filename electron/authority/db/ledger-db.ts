/**
 * The ledger's database interface, shaped for two engines: SQLite (sqlite/, embedded, the default) and
 * PostgreSQL (postgres/). Everything is async so that a networked engine implements it; SQL is written in the
 * subset both understand (`?` placeholders, which the PostgreSQL adapter numbers; `"end"` quoted; no
 * `IS NULL` test of a bare parameter). The ledger (../ledger/) knows only this interface.
 */
import type { SQLInputValue } from 'node:sqlite';

export type SqlValue = SQLInputValue;

/**
 * What a write transaction locks where writers run side by side (PostgreSQL; SQLite has one writer at a time and
 * ignores them). 'ledger': alone, no other write beside it (every write unless it is declared pooled);
 * 'ledger-shared': a pooled write, beside other pooled writes but never beside a 'ledger' one. A pooled write
 * then locks what it touches, in this order: a device (its UUID), a registration token, a virtual account (its
 * pool of licenses and its instances), and last the event log's chain, held to the commit.
 */
export type WriteScope = 'ledger' | 'ledger-shared';
/**
 * What a pooled write locks inside its scope. `account-named:K` is the lock of each account whose name's key is K
 * (`account:ID`'s, found by the lock's own statement: no round trip to find the account first).
 */
export type ObjectLockKey = `device:${string}` | `token:${string}` | `account:${number}` | `account-named:${string}` | 'chain';
export type LockKey = WriteScope | ObjectLockKey;

/** A read a transaction begins with (LedgerDb.transaction). */
export interface Opening {
  readonly sql: string;
  readonly params?: readonly SqlValue[];
}

export interface LedgerDb {
  readonly engine: 'sqlite' | 'postgres';
  /** This engine's schema, as migrations: the i-th takes version i to i+1 (the same versions on every engine). */
  readonly migrations: readonly string[];
  all<T>(sql: string, ...params: SqlValue[]): Promise<T[]>;
  get<T>(sql: string, ...params: SqlValue[]): Promise<T | undefined>;
  run(sql: string, ...params: SqlValue[]): Promise<{ changes: number; lastId: number }>;
  /**
   * Runs the write `sql` soon: before the transaction's next statement, in that statement's round trip where the
   * engine can (PostgreSQL inside a write: sent ahead of its next message, the parameters, numbers, strings and
   * nulls, written inline); on SQLite, and outside a write, now. Its result is not seen; if it fails, the
   * transaction fails at that next statement (or its commit), as it would have here.
   */
  soon(sql: string, ...params: SqlValue[]): Promise<void>;
  /** Statements without results (the schema's migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` as one write transaction: all of it, or (on any error) none of it. Called inside another
   * transaction, it is a savepoint of that one: undone alone on error, kept only if the outer one commits.
   * `scope` (default 'ledger': alone) is taken on entry; null takes nothing (a transaction whose own rows
   * need no lock, around a write that takes its own: the server's idempotency record). `opening`, a read, runs
   * first (after the scope's lock) and its rows are given to `fn`: on PostgreSQL in the same round trip as the
   * transaction's start (its parameters, numbers and strings, written inline).
   */
  transaction<T, R = never>(fn: (opening: R[]) => Promise<T>, scope?: WriteScope | null, opening?: Opening): Promise<T>;
  /**
   * Takes `key` for the rest of the current write transaction (waiting for whoever holds it). True only when a
   * pooled write took it just now: what the transaction read of that object before may have changed meanwhile,
   * so it reads it again. False where nothing was taken: SQLite, a read, a key held already, a write alone.
   */
  lock(key: LockKey): Promise<boolean>;
  /**
   * Takes `key` as lock() does and then runs the read `sql`, in one round trip on PostgreSQL (its parameters, numbers
   * and strings, written inline): the read sees all that committed before the lock was granted. Where lock() takes
   * nothing: `all(sql, ...params)`.
   */
  lockAndRead<T>(key: ObjectLockKey, sql: string, ...params: SqlValue[]): Promise<T[]>;
  /**
   * `read()`, once per pooled write (PostgreSQL): what no pooled write changes (the signing keys; a lot's license,
   * type and dates), read again by several steps of one operation, costs one round trip. Anywhere else: `read()`.
   */
  memo<T>(key: string, read: () => Promise<T>): Promise<T>;
  /** Runs `fn` over one consistent snapshot (reads only; no other writer's half-done change is seen). */
  read<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * One read statement over a snapshot of its own, as `read` would run it (inside a transaction: that one's);
   * on PostgreSQL a statement alone, with no transaction around it (one round trip).
   */
  readOne<T>(sql: string, ...params: SqlValue[]): Promise<T[]>;
  /** A consistent copy in `path` (mode 0600), with `mark` set in the copy's meta table. */
  backupTo(path: string, mark?: Readonly<Record<string, string>>): Promise<{ path: string; pages: number }>;
  /** The schema version (SQLite: PRAGMA user_version). */
  schemaVersion(): Promise<number>;
  setSchemaVersion(version: number): Promise<void>;
  close(): Promise<void>;
}
