/**
 * The ledger's storage: a database behind the LedgerDb interface (../db/ledger-db.ts), the schema's migrations,
 * the event log and the ledger's clock. Every change goes through `write` (alone) or `writePooled` (beside
 * other pooled writes on PostgreSQL): one transaction, after checking the clock. Everything is async, so that
 * another engine can stand behind the same interface.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { assertSaneTime, formatInstant } from '../../../shared/codes/dates.ts';
import { refuse } from '../../../shared/errors.ts';
import { LEDGER_VERSION } from '../db/sqlite/schema.ts';
import type { LedgerDb, SqlValue } from '../db/ledger-db.ts';
import type { LedgerEvent } from '../../../shared/authority/views.ts';
import { firstBrokenLink, ledgerEventFields, type ChainBreak } from '../../../shared/event-chain.ts';
import { sha256hex } from '../../platform/event-chain.ts';
import { ledgerSealProblem } from './ledger-seal.ts';
import { appendEvents, type NewEvent } from './event-log.ts';
import { chainEvents, endorseUnendorsedKeys, keyAccountNames } from './schema-steps.ts';
import { unlock, type KeySecret, type KeyStorage, type ProtectionRecord } from '../keys/key-storage.ts';

/**
 * The write the current async context runs in: its log() need not seal (the write does, last); a pooled write's
 * events wait in `pending` and are appended at its end, so that it holds the chain's lock only for its last steps.
 */
const sealing = new AsyncLocalStorage<{ db: LedgerDb; pending?: NewEvent[] }>();

export const CLOCK_TOLERANCE_MS = 5 * 60_000;
/** The meta key a backup copy carries: the time the backup was made. */
export const BACKUP_MARK = 'backup_made_at';
/** Meta key of a ledger moved elsewhere by `migrate`: where it went. */
export const MIGRATED_MARK = 'migrated_to';

type MetaRow = { key: string; value: string };
/** What every write reads of meta as it begins (LedgerStore's checkBeforeWrite). */
const WRITE_CHECKS = `SELECT key, value FROM meta WHERE key IN ('${MIGRATED_MARK}', 'high_water', '${BACKUP_MARK}')`;

/**
 * Whether the caller may touch a virtual account: called with the account's name by every look-up of an
 * account or an instance, inside the operation's transaction (so the answer holds for what the operation
 * does). It refuses (throws) what the caller may not touch. The CLI and the app on their own ledger may
 * touch everything; the server gives each request its user's guard (shared/authority/roles.ts).
 */
export type AccountGuard = (account: string) => void;
export const everyAccount: AccountGuard = () => undefined;

export class LedgerStore {
  readonly db: LedgerDb;
  /** Who acts: the event log names them. */
  readonly actor: string;
  /** What unlocks the signing keys, when they are protected (key-storage.ts). */
  readonly keySecret: KeySecret | undefined;
  readonly guard: AccountGuard;
  private storage: KeyStorage | undefined;

  constructor(db: LedgerDb, actor: string, keySecret?: KeySecret, guard: AccountGuard = everyAccount) {
    this.db = db;
    this.actor = actor;
    this.keySecret = keySecret;
    this.guard = guard;
  }

  /** Uses the key storage another store of the same ledger has unlocked (no second passphrase derivation). */
  shareKeysOf(other: LedgerStore): void {
    this.storage = other.storage;
  }

  close(): Promise<void> {
    return this.db.close();
  }

  /** How the signing keys are protected (meta `key_protection`), or null: in plain text. */
  async protection(): Promise<ProtectionRecord | null> {
    const row = await this.get<{ value: string }>("SELECT value FROM meta WHERE key = 'key_protection'");
    return row ? (JSON.parse(row.value) as ProtectionRecord) : null;
  }

  /** The storage of the signing keys, unlocked with the secret the ledger was opened with (once per opening). */
  async keyStorage(): Promise<KeyStorage> {
    this.storage ??= unlock(await this.protection(), this.keySecret);
    return this.storage;
  }

  /** Protects the signing keys from now on as `record` says, under `storage` (after resealing them). */
  async setProtection(record: ProtectionRecord | null, storage: KeyStorage): Promise<void> {
    if (record)
      await this.run(
        "INSERT INTO meta (key, value) VALUES ('key_protection', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        JSON.stringify(record),
      );
    else await this.run("DELETE FROM meta WHERE key = 'key_protection'");
    this.storage = storage;
  }

  all<T>(text: string, ...params: SqlValue[]): Promise<T[]> {
    return this.db.all<T>(text, ...params);
  }

  get<T>(text: string, ...params: SqlValue[]): Promise<T | undefined> {
    return this.db.get<T>(text, ...params);
  }

  run(text: string, ...params: SqlValue[]): Promise<{ changes: number; lastId: number }> {
    return this.db.run(text, ...params);
  }

  /** Runs `fn` as one transaction: all of it, or (on any error) none of it. */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /** Brings the schema to this version's, in one transaction; refuses a ledger of a newer version. */
  async migrate(): Promise<void> {
    const version = await this.db.schemaVersion();
    if (version > LEDGER_VERSION) {
      refuse(
        'state-newer',
        `The ledger was written by a newer SLR Desk (schema ${version}); this version reads schema ${LEDGER_VERSION} at most.`,
        'Use the newer version of SLR Desk.',
      );
    }
    if (version === LEDGER_VERSION) return;
    await this.transaction(async () => {
      // Read again under the write lock: another server starting on the same database may have migrated it meanwhile.
      const from = await this.db.schemaVersion();
      if (from >= LEDGER_VERSION) return;
      for (let v = from; v < LEDGER_VERSION; v++) await this.db.exec(this.db.migrations[v]!);
      if (from < 2) await endorseUnendorsedKeys(this.db);
      if (from < 4) await chainEvents(this.db);
      if (from < 8) await keyAccountNames(this.db);
      await this.db.setSchemaVersion(LEDGER_VERSION);
    });
  }

  /** Runs a write as one transaction, alone (no other write beside it), after checking the clock against the latest time the ledger has seen. */
  write<T>(now: number, fn: () => Promise<T>): Promise<T> {
    assertSaneTime(now, 'The time');
    return this.db.transaction<T, MetaRow>(
      async (meta) => {
        const seen = await this.checkBeforeWrite(now, meta);
        if (seen === null || now > seen) await this.setHighWater(now);
        const result = await sealing.run({ db: this.db }, fn);
        await appendEvents(this.db, [], { seal: true });
        return result;
      },
      'ledger',
      { sql: WRITE_CHECKS },
    );
  }

  /**
   * A pooled write: beside other pooled writes on PostgreSQL, it locks what it touches as it finds it (the
   * look-ups of lookups.ts lock a device, a virtual account), reading each after locking it. The ledger's clock
   * is checked first; it is moved, the log chained and the ledger sealed last, under the chain's lock: so the
   * last write to commit seals what every write before it left. `fn` touches one virtual account (its pool, its
   * instances) and the devices it names; anything wider is a write alone.
   */
  writePooled<T>(now: number, fn: () => Promise<T>): Promise<T> {
    assertSaneTime(now, 'The time');
    return this.db.transaction<T, MetaRow>(
      async (meta) => {
        await this.checkBeforeWrite(now, meta);
        const pending: NewEvent[] = [];
        const result = await sealing.run({ db: this.db, pending }, fn);
        await appendEvents(this.db, pending, { seal: true, highWater: now });
        return result;
      },
      'ledger-shared',
      { sql: WRITE_CHECKS },
    );
  }

  /**
   * What every write checks first, in one read of meta: that the ledger was not moved elsewhere, that the clock
   * is not behind the latest time it has seen (returned), and whether it is a restored backup (noted in the log).
   * `rows`: WRITE_CHECKS, read as the write began (after its lock, in the same round trip).
   */
  private async checkBeforeWrite(now: number, rows: readonly MetaRow[]): Promise<number | null> {
    const meta = new Map(rows.map((r) => [r.key, r.value]));
    this.refuseMovedTo(meta.get(MIGRATED_MARK));
    const seen = meta.has('high_water') ? Number(meta.get('high_water')) : null;
    this.refuseClockBehind(now, seen);
    const backup = meta.get(BACKUP_MARK);
    if (backup !== undefined) await this.noteRestore(now, Number(backup));
    return seen;
  }

  /**
   * A ledger moved elsewhere by `migrate` is read-only: two ledgers must never spend the same pool. Every
   * write is refused, naming where the ledger went.
   */
  async refuseMigrated(): Promise<void> {
    this.refuseMovedTo((await this.get<{ value: string }>(`SELECT value FROM meta WHERE key = '${MIGRATED_MARK}'`))?.value);
  }

  private refuseMovedTo(where: string | undefined): void {
    if (where !== undefined)
      refuse(
        'not-allowed',
        `This ledger was moved to ${where} (slr authority migrate): it is read-only now, so that two ledgers never spend the same licenses.`,
        'Work on the new ledger: the home that moved it follows the move (a server running on this one must be restarted: `slr authority serve` then serves the new one); elsewhere give --database <URL>.',
      );
  }

  /** Marks this ledger as moved to `where` (after `migrate` committed it there), logged; read-only from now on. */
  async markMigrated(where: string, now: number): Promise<void> {
    await this.transaction(async () => {
      await this.refuseMigrated();
      await this.log(now, 'migrated', `Ledger moved to ${where}: this copy is read-only from now on.`);
      await this.run(`INSERT INTO meta (key, value) VALUES ('${MIGRATED_MARK}', ?)`, where);
    });
  }

  /**
   * A ledger that is a backup copy (`slr authority backup` marks the copy) says so in its log at its first
   * change, so a restored backup shows in the chain: what happened after the copy is not in this ledger.
   */
  private async noteRestore(now: number, madeAt: number): Promise<void> {
    await this.run(`DELETE FROM meta WHERE key = '${BACKUP_MARK}'`);
    await this.log(
      now,
      'restore',
      `This ledger was restored from a backup made ${formatInstant(madeAt)}: what the ledger it replaces recorded after that time is not in it (codes issued since then are unknown here).`,
    );
  }

  /**
   * The authority never signs or books with a clock behind the latest time its ledger has seen: codes it
   * issues must not look older than codes already out, and TERM licenses must not come back to life. A clock
   * that once ran ahead is put right with `clock accept` (logged), never silently.
   */
  private refuseClockBehind(now: number, seen: number | null): void {
    if (seen !== null && now < seen - CLOCK_TOLERANCE_MS) {
      refuse(
        'clock-behind',
        `This computer's clock (${formatInstant(now)}) is behind the latest time the license authority has seen (${formatInstant(seen)}); nothing was changed.`,
        'Set the clock right. If the time it has seen was itself wrong (the clock once ran ahead), accept the current time with `slr authority clock accept --reason "…"` (logged).',
      );
    }
  }

  async setHighWater(now: number): Promise<void> {
    await this.run("INSERT INTO meta (key, value) VALUES ('high_water', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", String(now));
  }

  /** The latest time the ledger has seen, or null before the first write. */
  async highWater(): Promise<number | null> {
    const row = await this.get<{ value: string }>("SELECT value FROM meta WHERE key = 'high_water'");
    return row ? Number(row.value) : null;
  }

  /** Appends an event to the log, chained to the one before it. */
  async log(
    now: number,
    type: string,
    message: string,
    where: { account?: string | null; instance?: string | null; code?: string | null } = {},
  ): Promise<void> {
    const event = { at: now, actor: this.actor, account: where.account ?? null, instance: where.instance ?? null, type, message, code: where.code ?? null };
    const write = sealing.getStore()?.db === this.db ? sealing.getStore() : undefined;
    // A pooled write appends its events at its end; a write alone now (it seals at its end); anything else seals here.
    if (write?.pending) write.pending.push(event);
    else await appendEvents(this.db, [event], { seal: !write });
  }

  /** The first event of the log whose hash does not follow from the ones before it, or null. */
  async verifyEvents(): Promise<{ count: number; broken: (ChainBreak & { event: LedgerEvent }) | null; sealProblem: string | null }> {
    const events = await this.all<LedgerEvent & { hash: string | null }>('SELECT * FROM events ORDER BY id');
    const broken = firstBrokenLink(events, ledgerEventFields, sha256hex);
    return { count: events.length, broken: broken && { ...broken, event: events[broken.index]! }, sealProblem: await ledgerSealProblem(this) };
  }
}
