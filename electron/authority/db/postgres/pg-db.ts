/**
 * The ledger's database on PostgreSQL (the `pg` driver), behind the same LedgerDb interface as SQLite, for
 * License Central as a server where one machine is not enough. The ledger's SQL is shared: `?` placeholders
 * are numbered here, and an INSERT returns its row so `lastId` is known. The schema is pg-schema.ts: the same
 * tables, versions and database-enforced conservation as SQLite's.
 *
 * Concurrency: every write transaction takes one transaction-scoped advisory lock first, so writes are
 * serialised as on SQLite (BEGIN IMMEDIATE), each seeing all that committed before it, under READ COMMITTED.
 * Why not SERIALIZABLE with retries: every write already touches the ledger's clock row (meta `high_water`)
 * and usually the same few lots, so they would conflict and retry anyway, and a retried operation would sign
 * a second code; one writer at a time is simple, correct and, at a few milliseconds a write, fast enough.
 * Reads run beside the writes in REPEATABLE READ, READ ONLY snapshots. Conservation does not rest on the lock:
 * the CHECK constraints and the triggers refuse any overbooking whatever the isolation.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { refuse } from '../../../../shared/errors.ts';
import type { LedgerDb, SqlValue } from '../ledger-db.ts';
import { PG_MIGRATIONS } from './pg-schema.ts';
import { describeDatabase } from '../database-url.ts';

/** A statement that runs longer than this is cancelled (its transaction rolled back), unless the URL says otherwise. */
export const STATEMENT_TIMEOUT_MS = 30_000;

/**
 * The pool a database URL asks for: `?pool=N` connections (1 to 100; `max` unless given) and
 * `?statement_timeout=MS` (STATEMENT_TIMEOUT_MS unless given), both taken out of the URL the driver sees.
 */
export function poolConfig(url: string, max: number): { connectionString: string; max: number; statement_timeout: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { connectionString: url, max, statement_timeout: STATEMENT_TIMEOUT_MS };
  }
  const number = (name: string, lo: number, hi: number, fallback: number) => {
    const text = u.searchParams.get(name);
    u.searchParams.delete(name);
    if (text === null) return fallback;
    const n = /^[0-9]{1,9}$/.test(text) ? Number(text) : NaN;
    if (!(n >= lo && n <= hi)) refuse('bad-request', `The database URL's ${name} must be a whole number from ${lo} to ${hi}, not "${text.slice(0, 20)}".`);
    return n;
  };
  const size = number('pool', 1, 100, max);
  const timeout = number('statement_timeout', 100, 3_600_000, STATEMENT_TIMEOUT_MS);
  return { connectionString: u.toString(), max: size, statement_timeout: timeout };
}

/** The advisory lock every write transaction holds (an arbitrary constant: "SLR" in ASCII). */
const WRITE_LOCK = 0x534c52;

/** `?` placeholders numbered `$1…`, outside quoted strings and identifiers. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let out = '';
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else out += ch === '?' ? `$${++n}` : ch;
  }
  return out;
}

// int8 (count(*), sums of integers, ids, times) and numeric (sum of bigint) as JavaScript numbers: every value
// of the ledger is far below 2^53.
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 || oid === 1700 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text'),
};

const toParam = (v: SqlValue) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v);

type Client = pg.Pool | pg.PoolClient;

export class PgDb implements LedgerDb {
  readonly engine = 'postgres' as const;
  readonly migrations = PG_MIGRATIONS;
  readonly pool: pg.Pool;
  /** The client of the transaction the current async context runs in, and its savepoint depth. */
  private readonly current = new AsyncLocalStorage<{ client: pg.PoolClient; depth: number }>();
  private readonly texts = new Map<string, string>();

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

  private sql(text: string): string {
    let s = this.texts.get(text);
    if (s === undefined) {
      s = numberPlaceholders(text);
      if (/^\s*INSERT\b/i.test(s) && !/\bRETURNING\b/i.test(s)) s += ' RETURNING *';
      this.texts.set(text, s);
    }
    return s;
  }

  private client(): Client {
    return this.current.getStore()?.client ?? this.pool;
  }

  private async query<T>(text: string, params: readonly SqlValue[]): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
    return this.client().query<T & pg.QueryResultRow>(this.sql(text), params.map(toParam));
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
    if (this.current.getStore()) await this.client().query('SET LOCAL statement_timeout = 0');
    await this.client().query(text);
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.inTransaction('BEGIN', true, fn);
  }

  read<T>(fn: () => Promise<T>): Promise<T> {
    return this.inTransaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', false, fn);
  }

  private async inTransaction<T>(begin: string, write: boolean, fn: () => Promise<T>): Promise<T> {
    const outer = this.current.getStore();
    if (outer) {
      if (!write) return fn();
      const name = `sp${outer.depth}`;
      await outer.client.query(`SAVEPOINT ${name}`);
      try {
        const result = await this.current.run({ client: outer.client, depth: outer.depth + 1 }, fn);
        await outer.client.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (e) {
        await outer.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
        await outer.client.query(`RELEASE SAVEPOINT ${name}`);
        throw e;
      }
    }
    const client = await this.pool.connect();
    // A connection cut while it is checked out (PostgreSQL restarted, a failover, pg_terminate_backend) is an
    // 'error' event on the client: unheard, it would end the process. Heard, the transaction fails, and the
    // connection is destroyed on release instead of going back to the pool.
    let broken: Error | undefined;
    const onError = (e: Error) => (broken ??= e);
    client.on('error', onError);
    try {
      await client.query(begin);
      try {
        if (write) await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
        const result = await this.current.run({ client, depth: 1 }, fn);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch((r: Error) => (broken ??= r));
        throw e;
      }
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async backupTo(): Promise<{ path: string; pages: number }> {
    refuse('local-only', 'A PostgreSQL ledger is backed up by PostgreSQL itself.', 'Use `pg_dump --format=custom` (see the README, "Back up and restore").');
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
