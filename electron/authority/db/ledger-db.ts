/**
 * The ledger's database interface, shaped for two engines: SQLite (sqlite/, embedded, the default) and
 * PostgreSQL (postgres/). Everything is async so that a networked engine implements it; SQL is written in the
 * subset both understand (`?` placeholders, which the PostgreSQL adapter numbers; `"end"` quoted; no
 * `IS NULL` test of a bare parameter). The ledger (../ledger/) knows only this interface.
 */
import type { SQLInputValue } from 'node:sqlite';

export type SqlValue = SQLInputValue;

export interface LedgerDb {
  readonly engine: 'sqlite' | 'postgres';
  /** This engine's schema, as migrations: the i-th takes version i to i+1 (the same versions on every engine). */
  readonly migrations: readonly string[];
  all<T>(sql: string, ...params: SqlValue[]): Promise<T[]>;
  get<T>(sql: string, ...params: SqlValue[]): Promise<T | undefined>;
  run(sql: string, ...params: SqlValue[]): Promise<{ changes: number; lastId: number }>;
  /** Statements without results (the schema's migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` as one write transaction: all of it, or (on any error) none of it. Called inside another
   * transaction, it is a savepoint of that one: undone alone on error, kept only if the outer one commits.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` over one consistent snapshot (reads only; no other writer's half-done change is seen). */
  read<T>(fn: () => Promise<T>): Promise<T>;
  /** A consistent copy in `path` (mode 0600), with `mark` set in the copy's meta table. */
  backupTo(path: string, mark?: Readonly<Record<string, string>>): Promise<{ path: string; pages: number }>;
  /** The schema version (SQLite: PRAGMA user_version). */
  schemaVersion(): Promise<number>;
  setSchemaVersion(version: number): Promise<void>;
  close(): Promise<void>;
}
