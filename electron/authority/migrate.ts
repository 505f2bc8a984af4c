/**
 * `slr authority migrate`: moves a whole ledger (signing keys, accounts, licenses, instances, codes, the
 * chained event log, users and their sessions) from one database to another, SQLite to PostgreSQL or back,
 * in one transaction on the target, with every id kept. On arrival it checks before committing: the same
 * rows in every table, conservation recomputed from scratch (the target rebuilds `blocked` from the holdings,
 * transitions, export grants and satellite allocations, and must arrive at the source's figures), the same
 * Licenses table, and an intact event chain. Anything wrong: nothing is written. The target must be empty.
 * Rows are read a page at a time and written many to a statement, the triggers that keep shared rows set aside
 * on PostgreSQL for the copy (db/bulk-load.ts): a ledger moves in time and memory that grow with its size.
 */
import { refuse } from '../../shared/errors.ts';
import { checkInvariants } from './audit.ts';
import type { Ledger } from './ledger.ts';
import { bulkLoad } from './db/bulk-load.ts';
import type { LedgerDb, SqlValue } from './db/ledger-db.ts';

/** Tables in the order their references allow, with the columns moved (`blocked` is rebuilt, not copied). */
interface Table {
  readonly name: string;
  readonly columns: readonly string[];
  readonly order: string;
}

const TABLES: readonly Table[] = [
  { name: 'meta', columns: ['key', 'value'], order: 'key' },
  { name: 'signing_keys', columns: ['id', 'public_key', 'private_key', 'created_at', 'retired_at'], order: 'created_at, rowid' },
  { name: 'key_endorsements', columns: ['key_id', 'endorser_id', 'signature'], order: 'key_id' },
  { name: 'accounts', columns: ['id', 'name', 'created_at', 'name_key'], order: 'id' },
  { name: 'lots', columns: ['id', 'account_id', 'tag', 'type', 'start', '"end"', 'count'], order: 'id' },
  {
    name: 'instances',
    columns: [
      'id',
      'account_id',
      'product',
      'uuid',
      'sn',
      'device_key',
      'piid',
      'state',
      'created_at',
      'last_contact',
      'last_timestamp',
      'wrong_codes',
      'locked',
      'device_ran',
      'device_finding',
      'device_warning',
      'device_warning_at',
      'nodes',
    ],
    order: 'id',
  },
  { name: 'holdings', columns: ['instance_id', 'lot_id', 'count'], order: 'instance_id, lot_id' },
  { name: 'transitions', columns: ['id', 'instance_id', 'lot_id', 'count', 'code_timestamp'], order: 'id' },
  { name: 'codes', columns: ['id', 'instance_id', 'timestamp', 'key_id', 'code', 'issued_at', 'confirmed_at'], order: 'id' },
  { name: 'events', columns: ['id', 'at', 'actor', 'account', 'instance', 'type', 'message', 'code', 'hash'], order: 'id' },
  { name: 'users', columns: ['id', 'name', 'role', 'account_id', 'password_hash', 'must_change', 'disabled', 'created_at'], order: 'id' },
  { name: 'sessions', columns: ['token_hash', 'user_id', 'kind', 'created_at', 'expires_at'], order: 'token_hash' },
  { name: 'idempotency', columns: ['user_id', 'key', 'operation', 'request_hash', 'status', 'reply', 'at'], order: 'user_id, key' },
  { name: 'login_failures', columns: ['name', 'at'], order: 'at' },
  {
    name: 'registration_tokens',
    columns: ['id', 'account_id', 'description', 'created_at', 'created_by', 'expires_at', 'max_uses', 'uses', 'export_controlled', 'revoked_at'],
    order: 'id',
  },
  {
    name: 'registered_instances',
    columns: [
      'id',
      'account_id',
      'product',
      'uuid',
      'sn',
      'device_key',
      'token_id',
      'hostname',
      'export_controlled',
      'state',
      'registered_at',
      'registration_expires',
      'authorization_expires',
      'last_contact',
      'last_usage_at',
      'seq',
      'nodes',
    ],
    order: 'id',
  },
  { name: 'registered_usage', columns: ['instance_id', 'tag', 'count'], order: 'instance_id, tag' },
  { name: 'register_nonces', columns: ['uuid', 'nonce', 'at'], order: 'uuid, nonce' },
  { name: 'export_grants', columns: ['id', 'instance_id', 'lot_id', 'feature', 'count', 'granted_at'], order: 'id' },
  {
    name: 'satellites',
    columns: [
      'id',
      'uid',
      'name',
      'name_key',
      'mode',
      'interval_minutes',
      'state',
      'nonce_hash',
      'keys',
      'created_at',
      'enrolled_at',
      'last_sync_at',
      'up_seq',
      'down_seq',
      'down_applied',
      'events_id',
      'events_hash',
      'problem',
    ],
    order: 'id',
  },
  { name: 'satellite_allocations', columns: ['satellite_id', 'lot_id', 'count', 'target'], order: 'satellite_id, lot_id' },
  {
    name: 'satellite_holdings',
    columns: ['satellite_id', 'account', 'tag', 'type', 'start', '"end"', 'count', 'blocked'],
    order: 'satellite_id, account, tag, type, start, "end"',
  },
  {
    name: 'satellite_events',
    columns: ['satellite_id', 'uid', 'event_id', 'at', 'actor', 'account', 'instance', 'type', 'message', 'code', 'hash'],
    order: 'satellite_id, uid, event_id',
  },
  { name: 'sync_files', columns: ['peer', 'kind', 'seq', 'digest', 'applied_at'], order: 'peer, kind, seq' },
];

/** Tables whose ids a PostgreSQL sequence hands out: set past the ids moved. */
const SEQUENCES = ['accounts', 'lots', 'instances', 'transitions', 'codes', 'events', 'users', 'registered_instances', 'export_grants', 'satellites'];

export interface Moved {
  readonly rows: Readonly<Record<string, number>>;
  readonly events: number;
}

const unquote = (c: string) => c.replaceAll('"', '');

/** Rows read from the source a page at a time: the copy holds one page of a table in memory, not the table. */
const PAGE = 2000;
/** Tables whose order is not a unique key of columns never null: read whole (each is small). */
const WHOLE = new Set(['signing_keys', 'login_failures', 'satellite_holdings']);

/** The rows of table `t` in its order, a page at a time: after the last row's key (keyset, not an offset). */
async function* pagesOf(db: LedgerDb, t: Table): AsyncGenerator<Record<string, unknown>[]> {
  const select = `SELECT ${t.columns.join(', ')} FROM ${t.name}`;
  if (WHOLE.has(t.name)) {
    yield await db.all<Record<string, unknown>>(`${select} ORDER BY ${t.order}`);
    return;
  }
  const key = t.order.split(', ');
  let after: SqlValue[] = [];
  for (;;) {
    const where = after.length ? ` WHERE (${key.join(', ')}) > (${key.map(() => '?').join(', ')})` : '';
    const page = await db.all<Record<string, unknown>>(`${select}${where} ORDER BY ${t.order} LIMIT ${PAGE}`, ...after);
    if (page.length) yield page;
    if (page.length < PAGE) return;
    after = key.map((k) => page.at(-1)![unquote(k)] as SqlValue);
  }
}

/** `rows` written into table `t`, many to a statement (within both engines' limits on parameters). */
async function insertRows(db: LedgerDb, t: Table, rows: readonly Record<string, unknown>[]): Promise<void> {
  const perStatement = Math.max(1, Math.min(500, Math.floor(30_000 / t.columns.length)));
  const one = `(${t.columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const values = chunk.flatMap((row) => t.columns.map((c) => row[unquote(c)] as SqlValue));
    await db.run(`INSERT INTO ${t.name} (${t.columns.join(', ')}) VALUES ${chunk.map(() => one).join(', ')}`, ...values);
  }
}

export async function migrateLedger(from: Ledger, to: Ledger, now: number, describeSource: string, describeTarget: string): Promise<Moved> {
  await from.requireInit();
  await from.store.refuseMigrated();
  if (await to.isInitialized())
    refuse('authority-exists', 'The target already holds a license authority: a ledger moves only into an empty database.', 'Name an empty database.');
  const problems = await checkInvariants(from);
  if (problems.length)
    refuse('state-corrupt', `The ledger to move does not add up: ${problems.slice(0, 3).join('; ')}.`, 'Nothing was moved. Restore it from a backup first.');
  const source = from.store.db;
  const target = to.store.db;
  const rows: Record<string, number> = {};
  await source.read(() =>
    target.transaction(async () => {
      await bulkLoad(target, async () => {
        for (const t of TABLES) {
          let moved = 0;
          for await (const page of pagesOf(source, t)) {
            await insertRows(target, t, page);
            moved += page.length;
          }
          rows[t.name] = moved;
        }
      });
      if (target.engine === 'postgres')
        for (const t of SEQUENCES) await target.exec(`SELECT setval(pg_get_serial_sequence('${t}', 'id'), coalesce((SELECT max(id) FROM ${t}), 0) + 1, false)`);
      // On arrival, before anything is committed: the same rows, the same blocked figures rebuilt by the
      // target, the same Licenses table, an intact chain.
      for (const t of TABLES) {
        const n = (await target.get<{ n: number }>(`SELECT count(*) AS n FROM ${t.name}`))!.n;
        if (Number(n) !== rows[t.name]) refuse('state-corrupt', `${t.name}: ${rows[t.name]} rows read, ${n} arrived; nothing was moved.`);
      }
      const blocked = async (l: Ledger) => JSON.stringify(await l.store.db.all('SELECT id, blocked FROM lots ORDER BY id'));
      if ((await blocked(from)) !== (await blocked(to))) refuse('state-corrupt', 'The licenses blocked on arrival differ from the source; nothing was moved.');
      const arrived = await checkInvariants(to);
      if (arrived.length) refuse('state-corrupt', `The moved ledger does not add up: ${arrived.slice(0, 3).join('; ')}; nothing was moved.`);
      if (JSON.stringify(await from.licenses(now)) !== JSON.stringify(await to.licenses(now)))
        refuse('state-corrupt', 'The Licenses table differs on arrival; nothing was moved.');
      const chain = await to.verifyEvents();
      if (chain.broken) refuse('log-tampered', `The event log arrived broken at event ${chain.broken.event.id}; nothing was moved.`);
      await to.store.log(
        now,
        'migrate',
        `Ledger moved here from ${describeSource}: ${rows.events} events, ${rows.instances} product instances, ${rows.lots} license lots; checked on arrival.`,
      );
    }),
  );
  // Committed there: this one is read-only from now on (two ledgers must never spend the same pool).
  await from.store.markMigrated(describeTarget, now);
  return { rows, events: rows.events ?? 0 };
}
