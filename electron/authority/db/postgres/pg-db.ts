/**
 * The ledger's database on PostgreSQL (the `pg` driver), behind the same LedgerDb interface as SQLite, for
 * License Central as a server where one machine is not enough. The ledger's SQL is shared: `?` placeholders
 * are numbered here, and an INSERT returns its row so `lastId` is known. The schema is pg-schema.ts: the same
 * tables, versions and database-enforced conservation as SQLite's.
 *
 * Concurrency: a write alone (scope 'ledger', every write unless declared pooled) takes one transaction-scoped
 * advisory lock exclusively, so it runs as on SQLite (BEGIN IMMEDIATE), seeing all that committed before it.
 * A pooled write (reserve, update, a device's code, an online device's call, a registration) takes that lock
 * shared, then locks what it touches (ledger-db.ts, LockKey): so writes on different virtual accounts run side
 * by side under READ COMMITTED, each reading its pool after locking it, and the event log's chain is taken last
 * and held to the commit. A deadlock (two pools taken in opposite orders), a serialisation failure, a unique
 * key raced for or a prepared statement gone stale rolls the transaction back and runs it again, a few times:
 * nothing of an attempt rolled back ever left (a code signed in it is not returned). Reads run beside the writes
 * in REPEATABLE READ, READ ONLY snapshots. Each statement is prepared by name, so a connection parses and plans it
 * once. Conservation does not rest on the locks: the CHECK constraints and the triggers refuse any overbooking
 * whatever the isolation.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { refuse } from '../../../../shared/errors.ts';
import type { LedgerDb, LockKey, ObjectLockKey, Opening, SqlValue, WriteScope } from '../ledger-db.ts';
import { PG_MIGRATIONS } from './pg-schema.ts';
import { describeDatabase } from '../database-url.ts';
import { newTx, rollback, send, sendAfterWaiting, type Tx } from './pg-tx.ts';
import {
  ATTEMPTS,
  canInline,
  errorCode,
  inlinePlaceholders,
  numberPlaceholders,
  poolConfig,
  PREPARED_MAX,
  RETRIED,
  STALE_PLAN,
  toParam,
  types,
} from './pg-wire.ts';

export { poolConfig, STATEMENT_TIMEOUT_MS } from './pg-wire.ts';
import { objectLockSql, writeLockSql } from './pg-locks.ts';

/** An INSERT returns its row (so that `lastId` is known). */
const withReturning = (text: string) => (/^\s*INSERT\b/i.test(text) && !/\bRETURNING\b/i.test(text) ? `${text} RETURNING *` : text);

export class PgDb implements LedgerDb {
  readonly engine = 'postgres' as const;
  readonly migrations = PG_MIGRATIONS;
  readonly pool: pg.Pool;
  /** The client of the transaction the current async context runs in, and its savepoint depth. */
  private readonly current = new AsyncLocalStorage<Tx>();
  /** Each statement's text as sent, and the name it is prepared under on every connection. */
  private readonly texts = new Map<string, { text: string; name: string | undefined }>();
  /** Bumped when a prepared statement went stale: every statement is then prepared afresh, under a new name. */
  private epoch = 0;

  private constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  static async connect(url: string, max = 10): Promise<PgDb> {
    const config = poolConfig(url, max);
    const pool = new pg.Pool({ ...config, types, application_name: 'slr-desk' });
    pool.on('error', () => undefined);
    try {
      const c = await pool.connect();
      c.release();
    } catch (e) {
      await pool.end();
      refuse(
        'server-unreachable',
        `PostgreSQL at ${describeDatabase(url)} cannot be reached: ${(e as Error).message}.`,
        'Check the URL, that the server runs and that the user may log in.',
      );
    }
    return new PgDb(pool);
  }

  /**
   * A statement as PostgreSQL is sent it: placeholders numbered, an INSERT returning its row, and a name, so that
   * each connection parses and plans it once (the ledger's statements are a few hundred fixed texts; past
   * PREPARED_MAX distinct ones, the rest go unnamed).
   */
  private sql(text: string): { text: string; name: string | undefined } {
    let s = this.texts.get(text);
    if (s === undefined) {
      const sent = numberPlaceholders(withReturning(text));
      s = { text: sent, name: this.texts.size < PREPARED_MAX ? `slr${this.epoch}_${this.texts.size}` : undefined };
      this.texts.set(text, s);
    }
    return s;
  }

  /** Every statement is prepared afresh from now on, under new names (the old ones no longer fit the schema). */
  private forgetPrepared(): void {
    this.texts.clear();
    this.epoch++;
  }

  private async query<T>(text: string, params: readonly SqlValue[]): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
    const tx = this.current.getStore();
    if (tx?.waiting.length) {
      // What waits goes first: in this statement's message, its parameters written inline, where they can be.
      if (params.every(canInline)) return (await sendAfterWaiting(tx, withReturning(text), params)) as pg.QueryResult<T & pg.QueryResultRow>;
      await send(tx, []);
    }
    const sendIt = () => {
      const { text: sent, name } = this.sql(text);
      const config = { text: sent, name, values: params.map(toParam) };
      return tx ? tx.client.query<T & pg.QueryResultRow>(config) : this.checkedOut((client) => client.query<T & pg.QueryResultRow>(config));
    };
    try {
      return await sendIt();
    } catch (e) {
      // Outside a transaction a stale statement is prepared afresh here; inside one, the transaction runs again.
      if (errorCode(e) !== STALE_PLAN || this.current.getStore()) throw e;
      this.forgetPrepared();
      return sendIt();
    }
  }

  async all<T>(text: string, ...params: SqlValue[]): Promise<T[]> {
    return (await this.query<T>(text, params)).rows;
  }

  async get<T>(text: string, ...params: SqlValue[]): Promise<T | undefined> {
    return (await this.query<T>(text, params)).rows[0];
  }

  async run(text: string, ...params: SqlValue[]): Promise<{ changes: number; lastId: number }> {
    const r = await this.query<{ id?: number }>(text, params);
    return { changes: r.rowCount ?? 0, lastId: Number(r.rows[0]?.id ?? 0) };
  }

  async exec(text: string): Promise<void> {
    // A schema's migration may take long on a large ledger (an index over millions of events): no statement timeout.
    const tx = this.current.getStore();
    if (tx) await send(tx, ['SET LOCAL statement_timeout = 0', text]);
    else await this.checkedOut((client) => client.query(text));
  }

  async soon(text: string, ...params: SqlValue[]): Promise<void> {
    const tx = this.current.getStore();
    if (tx?.write) tx.waiting.push(inlinePlaceholders(text, params));
    else await this.run(text, ...params);
  }

  transaction<T, R = never>(fn: (opening: R[]) => Promise<T>, scope: WriteScope | null = 'ledger', opening?: Opening): Promise<T> {
    return this.inTransaction('BEGIN', scope, fn, opening);
  }

  read<T>(fn: () => Promise<T>): Promise<T> {
    return this.inTransaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', undefined, fn);
  }

  /** A statement alone sees one snapshot: no transaction is needed around it. */
  readOne<T>(sql: string, ...params: SqlValue[]): Promise<T[]> {
    return this.all<T>(sql, ...params);
  }

  async lock(key: LockKey): Promise<boolean> {
    const tx = this.current.getStore();
    // Nothing to take outside a write, or in a write alone (it excludes every other writer).
    if (!tx?.write || tx.held.has(key) || tx.held.has('ledger')) return false;
    await send(tx, [key === 'ledger' || key === 'ledger-shared' ? writeLockSql(key) : objectLockSql(key)]);
    tx.held.add(key);
    return key !== 'ledger' && key !== 'ledger-shared';
  }

  async lockAndRead<T>(key: ObjectLockKey, sql: string, ...params: SqlValue[]): Promise<T[]> {
    const tx = this.current.getStore();
    if (!tx?.write || tx.held.has(key) || tx.held.has('ledger')) return this.all<T>(sql, ...params);
    // Two statements in one message (the simple protocol: the parameters written inline): under READ COMMITTED each
    // takes its snapshot when it starts, so the read, after the lock's wait, sees what committed during it.
    const rows = await send(tx, [objectLockSql(key)], { sql, params });
    tx.held.add(key);
    return rows as T[];
  }

  memo<T>(key: string, read: () => Promise<T>): Promise<T> {
    const tx = this.current.getStore();
    if (!tx?.held.has('ledger-shared') || tx.held.has('ledger')) return read();
    let kept = tx.memos.get(key) as Promise<T> | undefined;
    if (!kept) tx.memos.set(key, (kept = read()));
    return kept;
  }

  /** `scope` undefined: a read transaction; null: a write that takes no lock on entry. */
  private async inTransaction<T, R>(begin: string, scope: WriteScope | null | undefined, fn: (opening: R[]) => Promise<T>, opening?: Opening): Promise<T> {
    const outer = this.current.getStore();
    if (outer)
      return scope === undefined ? fn(opening ? await this.all<R>(opening.sql, ...(opening.params ?? [])) : []) : this.savepoint(outer, scope, fn, opening);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(begin, scope, fn, opening);
      } catch (e) {
        const code = errorCode(e);
        if (attempt >= ATTEMPTS || code === undefined || !RETRIED.has(code)) throw e;
        if (code === STALE_PLAN) this.forgetPrepared();
        await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
      }
    }
  }

  private async savepoint<T, R>(outer: Tx, scope: WriteScope | null, fn: (opening: R[]) => Promise<T>, opening?: Opening): Promise<T> {
    const name = `sp${outer.depth}`;
    // Locks taken inside a savepoint rolled back are let go with it: they are the outer's only once it is released.
    const inner: Tx = { ...outer, depth: outer.depth + 1, write: true, held: new Set(outer.held) };
    const lock = scope && !outer.held.has(scope) && !outer.held.has('ledger') ? writeLockSql(scope) : null;
    const rows = await send(outer, [`SAVEPOINT ${name}`, ...(lock ? [lock] : [])], opening);
    if (lock) inner.held.add(scope!);
    try {
      const result = await this.current.run(inner, () => fn(rows as R[]));
      // Released with the next message (a savepoint made inside it goes with it), or by the commit.
      outer.waiting.push(`RELEASE SAVEPOINT ${name}`);
      for (const k of inner.held) outer.held.add(k);
      return result;
    } catch (e) {
      await rollback(outer, name);
      throw e;
    }
  }

  private once<T, R>(begin: string, scope: WriteScope | null | undefined, fn: (opening: R[]) => Promise<T>, opening?: Opening): Promise<T> {
    return this.checkedOut(async (client, broke) => {
      const lock = scope ? writeLockSql(scope) : null;
      const tx = newTx(client, scope !== undefined, scope ? [scope] : []);
      try {
        // The write lock and the opening read with BEGIN, in one round trip (they are plain statements); if any of
        // them fails (a lock waited for past the statement timeout), the transaction begun is rolled back too.
        const rows = await send(tx, [begin, ...(lock ? [lock] : [])], opening);
        const result = await this.current.run(tx, () => fn(rows as R[]));
        await send(tx, ['COMMIT']);
        return result;
      } catch (e) {
        await rollback(tx).catch(broke);
        throw e;
      }
    });
  }

  /**
   * Runs `run` on a connection checked out for it, and hears its errors meanwhile. A connection cut while it is
   * checked out (PostgreSQL restarted, a failover, pg_terminate_backend) is an 'error' event on the client: unheard,
   * it would end the process; heard, the connection is destroyed on release instead of going back to the pool.
   * Not `pool.query`: it hands its connection on to the next waiting caller from inside the reading of that
   * connection's socket, where an error already read after the answer (a connection cut just then) finds nobody.
   */
  private async checkedOut<T>(run: (client: pg.PoolClient, broke: (e: Error) => void) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const broke = (e: Error) => void (broken ??= e);
    client.on('error', broke);
    try {
      return await run(client, broke);
    } finally {
      client.off('error', broke);
      client.release(broken);
    }
  }

  async backupTo(): Promise<{ path: string; pages: number }> {
    refuse(
      'local-only',
      'A PostgreSQL ledger is backed up by PostgreSQL itself.',
      'Use `pg_dump --format=custom` (docs/backup-restore.md, "License Central on PostgreSQL").',
    );
  }

  async schemaVersion(): Promise<number> {
    // pg_tables read with this statement's snapshot, not to_regclass's catalog cache: a server that waited on the
    // write lock while another made the schema must see it (the cache may still be from before the wait).
    const exists = await this.get<{ t: string | null }>(
      "SELECT tablename AS t FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'slr_schema'",
    );
    if (!exists?.t) return 0;
    return (await this.get<{ version: number }>('SELECT version FROM slr_schema'))?.version ?? 0;
  }

  async setSchemaVersion(version: number): Promise<void> {
    await this.exec('CREATE TABLE IF NOT EXISTS slr_schema (version INTEGER NOT NULL)');
    await this.run('DELETE FROM slr_schema');
    await this.run('INSERT INTO slr_schema (version) VALUES (?)', Math.trunc(version));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
