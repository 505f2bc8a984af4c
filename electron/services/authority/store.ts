/**
 * The ledger's storage: one SQLite connection (node:sqlite), prepared statements, transactions, the schema's
 * migrations, the event log and the ledger's clock. Every change goes through `write`: one IMMEDIATE
 * transaction, after checking the clock. This is the seam a second database engine implements.
 */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { assertSaneTime, formatInstant } from '../../../shared/codes/dates.ts';
import { endorsementMessage } from '../../../shared/codes/key-file.ts';
import { refuse } from '../../../shared/errors.ts';
import { signMessage } from '../crypto.ts';
import { LEDGER_VERSION, MIGRATIONS } from './schema.ts';

export const CLOCK_TOLERANCE_MS = 5 * 60_000;

export class LedgerStore {
  /** The SQLite connection: for the ledger's own modules and the audit in the tests. */
  readonly db: DatabaseSync;
  readonly actor: string;
  private readonly statements = new Map<string, ReturnType<DatabaseSync['prepare']>>();

  constructor(db: DatabaseSync, actor: string) {
    this.db = db;
    this.actor = actor;
    db.exec('PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;');
    this.migrate();
  }

  close(): void {
    this.db.close();
  }

  /** Runs `fn` as one IMMEDIATE transaction: all of it, or (on any error) none of it. */
  transaction<T>(fn: () => T): T {
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (e) {
      if (/locked|busy/i.test((e as Error).message)) {
        refuse('busy', 'The license authority ledger is in use by another SLR Desk process.', 'Try again when it has finished; nothing was changed.');
      }
      throw e;
    }
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  migrate(): void {
    const version = (this.db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    if (version > LEDGER_VERSION) {
      refuse(
        'state-newer',
        `The ledger was written by a newer SLR Desk (schema ${version}); this version reads schema ${LEDGER_VERSION} at most.`,
        'Use the newer version of SLR Desk.',
      );
    }
    if (version === LEDGER_VERSION) return;
    this.transaction(() => {
      for (let v = version; v < LEDGER_VERSION; v++) this.db.exec(MIGRATIONS[v]!);
      if (version < 2) this.endorseUnendorsedKeys();
      this.db.exec(`PRAGMA user_version = ${LEDGER_VERSION}`);
    });
  }

  /** Schema 2: every key after the first, made before endorsements existed, is endorsed by the key before it. */
  endorseUnendorsedKeys(): void {
    const keys = this.all<{ id: string; public_key: string; private_key: string }>(
      'SELECT id, public_key, private_key FROM signing_keys ORDER BY created_at, rowid',
    );
    keys.forEach((k, i) => {
      if (i === 0) return;
      const by = keys[i - 1]!;
      this.run(
        'INSERT INTO key_endorsements (key_id, endorser_id, signature) VALUES (?, ?, ?)',
        k.id,
        by.id,
        signMessage(by.private_key, endorsementMessage(k.public_key)),
      );
    });
  }

  /** Runs a write as one transaction, after checking the clock against the latest time the ledger has seen. */
  write<T>(now: number, fn: () => T): T {
    assertSaneTime(now, 'The time');
    return this.transaction(() => {
      this.observeClock(now);
      return fn();
    });
  }

  /**
   * The authority never signs or books with a clock behind the latest time its ledger has seen: codes it
   * issues must not look older than codes already out, and TERM licenses must not come back to life. A clock
   * that once ran ahead is put right with `clock accept` (logged), never silently.
   */
  observeClock(now: number): void {
    const seen = this.highWater();
    if (seen !== null && now < seen - CLOCK_TOLERANCE_MS) {
      refuse(
        'clock-behind',
        `This computer's clock (${formatInstant(now)}) is behind the latest time the license authority has seen (${formatInstant(seen)}); nothing was changed.`,
        'Set the clock right. If the time it has seen was itself wrong (the clock once ran ahead), accept the current time with `slr authority clock accept --reason "…"` (logged).',
      );
    }
    if (seen === null || now > seen)
      this.run("INSERT INTO meta (key, value) VALUES ('high_water', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", String(now));
  }

  /** The latest time the ledger has seen, or null before the first write. */
  highWater(): number | null {
    const row = this.get<{ value: string }>("SELECT value FROM meta WHERE key = 'high_water'");
    return row ? Number(row.value) : null;
  }

  log(now: number, type: string, message: string, where: { account?: string | null; instance?: string | null; code?: string | null } = {}): void {
    this.run(
      'INSERT INTO events (at, actor, account, instance, type, message, code) VALUES (?, ?, ?, ?, ?, ?, ?)',
      now,
      this.actor,
      where.account ?? null,
      where.instance ?? null,
      type,
      message,
      where.code ?? null,
    );
  }

  private sql(text: string) {
    let s = this.statements.get(text);
    if (!s) {
      s = this.db.prepare(text);
      this.statements.set(text, s);
    }
    return s;
  }

  all<T>(text: string, ...params: SQLInputValue[]): T[] {
    return this.sql(text).all(...params) as T[];
  }

  get<T>(text: string, ...params: SQLInputValue[]): T | undefined {
    return this.sql(text).get(...params) as T | undefined;
  }

  run(text: string, ...params: SQLInputValue[]): { lastInsertRowid: number | bigint; changes: number | bigint } {
    return this.sql(text).run(...params);
  }
}
