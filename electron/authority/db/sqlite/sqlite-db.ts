/**
 * The ledger's database on SQLite (node:sqlite, embedded, the default), behind the one interface of
 * ../ledger-db.ts. Transactions are serialised per connection; a transaction begun inside another is a
 * savepoint of it (the server wraps an operation and its idempotency record in one transaction).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { backup, DatabaseSync } from 'node:sqlite';
import { chmodSync, closeSync, lstatSync, openSync, renameSync, rmSync } from 'node:fs';
import { refuse } from '../../../../shared/errors.ts';
import { MIGRATIONS } from './schema.ts';
import type { LedgerDb, LockKey, ObjectLockKey, Opening, SqlValue, WriteScope } from '../ledger-db.ts';

export class SqliteDb implements LedgerDb {
  readonly engine = 'sqlite' as const;
  readonly migrations = MIGRATIONS;
  /** The connection itself: for the audit in the tests and the benchmark's bulk loading. */
  readonly raw: DatabaseSync;
  private readonly statements = new Map<string, ReturnType<DatabaseSync['prepare']>>();
  private queue: Promise<unknown> = Promise.resolve();
  /** The depth of the transaction the current async context runs in (0 or absent: none). */
  private readonly depth = new AsyncLocalStorage<number>();

  constructor(path: string) {
    // The busy timeout comes first, so that even the first statements wait for another writer.
    this.raw = new DatabaseSync(path, { timeout: 10_000 });
    this.raw.exec('PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;');
  }

  private sql(text: string) {
    let s = this.statements.get(text);
    if (!s) {
      s = this.raw.prepare(text);
      this.statements.set(text, s);
    }
    return s;
  }

  async all<T>(text: string, ...params: SqlValue[]): Promise<T[]> {
    return this.sql(text).all(...params) as T[];
  }

  async get<T>(text: string, ...params: SqlValue[]): Promise<T | undefined> {
    return this.sql(text).get(...params) as T | undefined;
  }

  async run(text: string, ...params: SqlValue[]): Promise<{ changes: number; lastId: number }> {
    const r = this.sql(text).run(...params);
    return { changes: Number(r.changes), lastId: Number(r.lastInsertRowid) };
  }

  async soon(text: string, ...params: SqlValue[]): Promise<void> {
    await this.run(text, ...params);
  }

  async exec(text: string): Promise<void> {
    this.raw.exec(text);
  }

  /** One writer at a time (BEGIN IMMEDIATE): every write is alone, whatever its scope. */
  transaction<T, R = never>(fn: (opening: R[]) => Promise<T>, _scope?: WriteScope | null, opening?: Opening): Promise<T> {
    const depth = this.depth.getStore() ?? 0;
    if (depth > 0) return this.savepoint(depth, this.opened(fn, opening));
    return this.serialised('BEGIN IMMEDIATE', this.opened(fn, opening));
  }

  /** `fn` given the rows of its transaction's opening read. */
  private opened<T, R>(fn: (opening: R[]) => Promise<T>, opening: Opening | undefined): () => Promise<T> {
    return () => fn(opening ? (this.sql(opening.sql).all(...(opening.params ?? [])) as R[]) : []);
  }

  async lock(_key: LockKey): Promise<boolean> {
    return false;
  }

  lockAndRead<T>(_key: ObjectLockKey, sql: string, ...params: SqlValue[]): Promise<T[]> {
    return this.all<T>(sql, ...params);
  }

  /** An embedded database's statement costs no round trip: nothing is kept. */
  memo<T>(_key: string, read: () => Promise<T>): Promise<T> {
    return read();
  }

  read<T>(fn: () => Promise<T>): Promise<T> {
    // Inside a transaction the snapshot is that transaction's own; otherwise a read transaction of its own,
    // queued like the writes, so that it never sees a write of this connection half done.
    if ((this.depth.getStore() ?? 0) > 0) return fn();
    return this.serialised('BEGIN DEFERRED', fn);
  }

  readOne<T>(sql: string, ...params: SqlValue[]): Promise<T[]> {
    return this.read(() => this.all<T>(sql, ...params));
  }

  private serialised<T>(begin: string, fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      try {
        this.raw.exec(begin);
      } catch (e) {
        if (/locked|busy/i.test((e as Error).message)) {
          refuse('busy', 'The license authority ledger is in use by another SLR Desk process.', 'Try again when it has finished; nothing was changed.');
        }
        throw e;
      }
      try {
        const result = await this.depth.run(1, fn);
        this.raw.exec('COMMIT');
        return result;
      } catch (e) {
        this.raw.exec('ROLLBACK');
        throw e;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async savepoint<T>(depth: number, fn: () => Promise<T>): Promise<T> {
    const name = `sp${depth}`;
    this.raw.exec(`SAVEPOINT ${name}`);
    try {
      const result = await this.depth.run(depth + 1, fn);
      this.raw.exec(`RELEASE ${name}`);
      return result;
    } catch (e) {
      this.raw.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      throw e;
    }
  }

  async backupTo(path: string, mark: Readonly<Record<string, string>> = {}): Promise<{ path: string; pages: number }> {
    let existing: ReturnType<typeof lstatSync> | undefined;
    try {
      existing = lstatSync(path);
    } catch {
      existing = undefined;
    }
    if (existing && !existing.isFile())
      refuse('file', `Cannot write the backup to ${path}: it is not a regular file.`, 'Name a file (a new one, or a backup to replace).');
    // Made 0600 before anything is copied into it, then renamed over the target: never readable by others, never half.
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      closeSync(openSync(tmp, 'w', 0o600));
      chmodSync(tmp, 0o600);
      const pages = await backup(this.raw, tmp);
      const copy = new DatabaseSync(tmp);
      try {
        const set = copy.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
        for (const [key, value] of Object.entries(mark)) set.run(key, value);
      } finally {
        copy.close();
      }
      renameSync(tmp, path);
      return { path, pages };
    } catch (e) {
      rmSync(tmp, { force: true });
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EACCES') {
        refuse('file', `Cannot write the backup to ${path}: ${(e as Error).message}.`, 'Check that its directory exists and is writable.');
      }
      throw e;
    }
  }

  async schemaVersion(): Promise<number> {
    return (this.raw.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  }

  async setSchemaVersion(version: number): Promise<void> {
    this.raw.exec(`PRAGMA user_version = ${Math.trunc(version)}`);
  }

  async close(): Promise<void> {
    this.raw.close();
  }
}
