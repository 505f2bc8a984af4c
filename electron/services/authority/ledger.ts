/**
 * The license authority: a SQLite ledger (node:sqlite) of virtual accounts, license lots, product instances,
 * their reservations and an event log, and the operations of the seeds' License Central. Every operation is
 * one transaction: it happens whole or not at all. The rules of allocation are pure (shared/authority).
 */
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { findAnyEntitlement, findEntitlement, productById, type ProductProfile } from '../../../shared/catalog.ts';
import { entitlementFor, issueAuthorizationCode, verifyConfirmationCode, verifyReturnCode, type CodeRef } from '../../../shared/authority/issue.ts';
import { isLotValid, planReservation, type Holding, type Lot } from '../../../shared/authority/allocation.ts';
import type { InstanceLine, Issued, LedgerEvent, LicenseLine } from '../../../shared/authority/views.ts';
import { parseAuthorizationCode, type Entitlement } from '../../../shared/codes/authorization-code.ts';
import { parseRequestCode, reservationPiid, type RequestPayload } from '../../../shared/codes/device-codes.ts';
import { assertSaneTime, formatInstant, formatIsoDate } from '../../../shared/codes/dates.ts';
import { endorsementMessage, formatKeyFile, type ChainLink } from '../../../shared/codes/key-file.ts';
import { refuse, SlrError, type RefusalCode } from '../../../shared/errors.ts';
import { formatUdi, makeUdi, type Udi } from '../../../shared/udi.ts';
import { authorityCrypto, cryptoBasics, generateKeyPair, keyId, loadPublicKey, signMessage } from '../crypto.ts';
import { AUTHORITY_DB } from '../paths.ts';
import { LEDGER_VERSION, MIGRATIONS } from './schema.ts';
import { LIMITS } from '../../../shared/limits.ts';

export type { InstanceLine, Issued, LedgerEvent, LicenseLine };

export const MAX_WRONG_CODES = 5;
const CODE_CANDIDATES = 50;
/** The ledger's clock may read this much behind the latest time it has seen (small drifts between machines). */
export const CLOCK_TOLERANCE_MS = 5 * 60_000;
/** Refusals that count towards the lockout: a code that is wrong, for another device, replayed or superseded. */
const COUNTED = new Set<RefusalCode>(['wrong-code', 'wrong-device', 'replayed-code', 'superseded-code']);

export interface InstanceRow {
  readonly id: number;
  readonly account_id: number;
  readonly account: string;
  readonly product: string;
  readonly uuid: string;
  readonly sn: string;
  readonly device_key: Uint8Array;
  readonly piid: string;
  readonly state: 'active' | 'removed' | 'failed';
  readonly created_at: number;
  readonly last_contact: number;
  readonly last_timestamp: number;
  readonly wrong_codes: number;
  readonly locked: number;
}

interface LotRow extends Lot {
  readonly account_id: number;
}

export interface LedgerOptions {
  readonly dir: string;
  readonly actor?: string;
}

function defaultActor(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Opens (and, with `create`, makes) the ledger in `dir`. */
export function openLedger({ dir, actor = defaultActor() }: LedgerOptions, create = false): Ledger {
  const path = join(dir, AUTHORITY_DB);
  if (!existsSync(path)) {
    if (!create)
      refuse(
        'no-authority',
        `No license authority in ${dir}.`,
        'Create one with `slr authority init --account "<smart account name>"`, or name another directory with --home.',
      );
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    closeSync(openSync(path, 'a', 0o600));
  }
  try {
    // The busy timeout comes first, so that even the first statements wait for another writer.
    return new Ledger(new DatabaseSync(path, { timeout: 10_000 }), actor);
  } catch (e) {
    if (/database is locked|SQLITE_BUSY/i.test((e as Error).message)) {
      refuse('busy', 'The license authority ledger is in use by another SLR Desk process.', 'Try again when it has finished; nothing was changed.');
    }
    throw e;
  }
}

/** Opens the ledger in `dir`, runs `fn` on it, and closes it whatever happens. */
export function withLedger<T>(dir: string, fn: (ledger: Ledger) => T, create = false): T {
  const ledger = openLedger({ dir }, create);
  try {
    return fn(ledger);
  } finally {
    ledger.close();
  }
}

export class Ledger {
  readonly db: DatabaseSync;
  private readonly actor: string;
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

  // ------------------------------------------------------------------------------------------ plumbing

  private sql(text: string) {
    let s = this.statements.get(text);
    if (!s) {
      s = this.db.prepare(text);
      this.statements.set(text, s);
    }
    return s;
  }
  private all<T>(text: string, ...params: SQLInputValue[]): T[] {
    return this.sql(text).all(...params) as T[];
  }
  private get<T>(text: string, ...params: SQLInputValue[]): T | undefined {
    return this.sql(text).get(...params) as T | undefined;
  }
  private run(text: string, ...params: SQLInputValue[]): { lastInsertRowid: number | bigint; changes: number | bigint } {
    return this.sql(text).run(...params);
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

  private migrate(): void {
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
  private endorseUnendorsedKeys(): void {
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
  private write<T>(now: number, fn: () => T): T {
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
  private observeClock(now: number): void {
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

  /** Accepts the current clock as the latest time seen, after a clock that ran ahead was put right. */
  acceptClock(reason: string, now: number): { from: number | null } {
    this.requireInit();
    assertSaneTime(now, 'The time');
    if (!reason.trim()) refuse('no-reason', 'Say why the clock is accepted (--reason "…"): it goes into the event log.');
    return this.transaction(() => {
      const from = this.highWater();
      this.run("INSERT INTO meta (key, value) VALUES ('high_water', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", String(now));
      this.log(
        now,
        'clock-accept',
        `The clock (${formatInstant(now)}) is accepted as the latest time seen, instead of ${from === null ? 'none' : formatInstant(from)}. Reason: ${reason.trim()}.`,
      );
      return { from };
    });
  }

  private log(now: number, type: string, message: string, where: { account?: string | null; instance?: string | null; code?: string | null } = {}): void {
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

  // ------------------------------------------------------------------------------------------ look-ups

  isInitialized(): boolean {
    return this.get<{ value: string }>("SELECT value FROM meta WHERE key = 'smart_account'") !== undefined;
  }

  private requireInit(): void {
    if (!this.isInitialized())
      refuse('no-authority', 'The license authority is not set up.', 'Run `slr authority init --account "<smart account name>"` first.');
  }

  smartAccount(): string {
    this.requireInit();
    return this.get<{ value: string }>("SELECT value FROM meta WHERE key = 'smart_account'")!.value;
  }

  accounts(): string[] {
    this.requireInit();
    return this.all<{ name: string }>('SELECT name FROM accounts ORDER BY id').map((r) => r.name);
  }

  private account(name: string): { id: number; name: string } {
    const row = this.get<{ id: number; name: string }>('SELECT id, name FROM accounts WHERE name = ?', name);
    if (!row) {
      const names = this.all<{ name: string }>('SELECT name FROM accounts ORDER BY name').map((r) => r.name);
      refuse(
        'no-account',
        `There is no virtual account "${name}".`,
        `Virtual accounts: ${names.join(', ') || 'none'}. Add one with \`slr authority account add <name>\`.`,
      );
    }
    return row;
  }

  /** The active instance named by its full UDI or its serial number. */
  instance(ref: string): InstanceRow {
    this.requireInit();
    const key = ref.trim();
    const select = 'SELECT i.*, a.name AS account FROM instances i JOIN accounts a ON a.id = i.account_id';
    let rows: InstanceRow[];
    if (/^[0-9a-fA-F]{5}$/.test(key)) {
      rows = this.all<InstanceRow>(`${select} WHERE i.sn = ? AND i.state = 'active'`, key.toLowerCase());
    } else {
      const m = /U:([0-9a-fA-F-]{36})/.exec(key);
      rows = m ? this.all<InstanceRow>(`${select} WHERE i.uuid = ? AND i.state = 'active'`, m[1]!.toLowerCase()) : [];
      if (!m) refuse('bad-instance', `"${key}" is neither a UDI (P:…,S:…,U:…) nor a serial number (5 hex digits).`);
    }
    if (rows.length === 0) refuse('no-instance', `No product instance with reserved licenses matches ${key}.`, 'See `slr authority show instances`.');
    if (rows.length > 1) {
      refuse(
        'ambiguous-instance',
        `Serial number ${key} matches ${rows.length} product instances: ${rows.map((r) => this.udiOf(r)).join('; ')}.`,
        'Name the instance by its full UDI.',
      );
    }
    return rows[0]!;
  }

  private udiOf(row: Pick<InstanceRow, 'product' | 'uuid'>): string {
    return formatUdi(makeUdi(productById(row.product)!, row.uuid));
  }

  private productOf(row: Pick<InstanceRow, 'product'>): ProductProfile {
    return productById(row.product)!;
  }

  private lotsOf(accountId: number, product: ProductProfile): Lot[] {
    const tags = new Set(product.entitlements.map((e) => e.tag));
    return this.all<LotRow>('SELECT * FROM lots WHERE account_id = ?', accountId).filter((l) => tags.has(l.tag));
  }

  private holdingsOf(instanceId: number): Holding[] {
    return this.all<{ lot_id: number; count: number }>('SELECT lot_id, count FROM holdings WHERE instance_id = ?', instanceId).map((h) => ({
      lotId: h.lot_id,
      count: h.count,
    }));
  }

  private signingKey(): { id: string; private_key: string } {
    const key = this.get<{ id: string; private_key: string }>(
      'SELECT id, private_key FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1',
    );
    if (!key) refuse('no-key', 'The authority has no active signing key.', 'Add one with `slr authority key add`.');
    return key;
  }

  private crypto() {
    return authorityCrypto((id) => {
      const row = this.get<{ private_key: string }>('SELECT private_key FROM signing_keys WHERE id = ?', id);
      if (!row) throw new Error(`signing key ${id} is not in the ledger`);
      return row.private_key;
    });
  }

  // ------------------------------------------------------------------------------------------ set-up

  init(smartAccount: string, now: number): { keyId: string } {
    const name = smartAccount.trim();
    if (!name || name.length > 200) refuse('bad-name', 'The smart account needs a name of 1 to 200 characters.');
    return this.write(now, () => {
      if (this.isInitialized())
        refuse('authority-exists', `The license authority for "${this.smartAccount()}" is already set up here.`, 'Use another --home for another authority.');
      this.run("INSERT INTO meta (key, value) VALUES ('smart_account', ?)", name);
      const id = this.insertKey(now);
      this.run('INSERT INTO accounts (name, created_at) VALUES (?, ?)', 'Default', now);
      this.log(now, 'init', `Smart account "${name}" created with virtual account "Default"; signing key ${id}.`, { account: 'Default' });
      return { keyId: id };
    });
  }

  /** Makes a signing key; every key after the first is endorsed by the key that signs new codes until now. */
  private insertKey(now: number): string {
    const endorser = this.get<{ id: string; private_key: string }>(
      'SELECT id, private_key FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1',
    );
    const pair = generateKeyPair();
    const id = keyId(pair.publicKey);
    this.run('INSERT INTO signing_keys (id, public_key, private_key, created_at) VALUES (?, ?, ?, ?)', id, pair.publicKey, pair.privateKey, now);
    if (endorser) {
      this.run(
        'INSERT INTO key_endorsements (key_id, endorser_id, signature) VALUES (?, ?, ?)',
        id,
        endorser.id,
        signMessage(endorser.private_key, endorsementMessage(pair.publicKey)),
      );
    }
    return id;
  }

  addKey(now: number): { keyId: string; endorsedBy: string | null } {
    this.requireInit();
    return this.write(now, () => {
      const id = this.insertKey(now);
      const by = this.get<{ endorser_id: string }>('SELECT endorser_id FROM key_endorsements WHERE key_id = ?', id)?.endorser_id ?? null;
      this.log(
        now,
        'key-add',
        `Signing key ${id} added${by ? `, endorsed by key ${by}` : ''}; new authorization codes are signed with it. Export it (slr authority key export) for devices to trust: devices that trust ${by ?? 'an older key'} accept the exported file.`,
      );
      return { keyId: id, endorsedBy: by };
    });
  }

  retireKey(id: string, now: number): void {
    this.requireInit();
    this.write(now, () => {
      const key = this.get<{ retired_at: number | null }>('SELECT retired_at FROM signing_keys WHERE id = ?', id);
      if (!key) refuse('no-key', `No signing key has the id ${id}.`);
      if (key.retired_at !== null) refuse('already-retired', `Signing key ${id} is already retired.`);
      const others = this.get<{ n: number }>('SELECT count(*) AS n FROM signing_keys WHERE retired_at IS NULL AND id <> ?', id)!.n;
      if (others === 0) refuse('last-key', `Signing key ${id} is the only active key.`, 'Add a new key first with `slr authority key add`.');
      this.run('UPDATE signing_keys SET retired_at = ? WHERE id = ?', now, id);
      this.log(
        now,
        'key-retire',
        `Signing key ${id} retired: it signs no new code, and still checks the confirmation and return codes of the codes it signed.`,
      );
    });
  }

  keys(): { id: string; createdAt: number; retiredAt: number | null; active: boolean; endorsedBy: string | null }[] {
    this.requireInit();
    const current = this.signingKey().id;
    return this.all<{ id: string; created_at: number; retired_at: number | null; endorser_id: string | null }>(
      'SELECT k.id, k.created_at, k.retired_at, e.endorser_id FROM signing_keys k LEFT JOIN key_endorsements e ON e.key_id = k.id ORDER BY k.created_at, k.rowid',
    ).map((k) => ({ id: k.id, createdAt: k.created_at, retiredAt: k.retired_at, active: k.id === current, endorsedBy: k.endorser_id }));
  }

  /**
   * The public key devices trust (the active one, or `id`), as a key file with its chain of endorsements
   * back to the first key: a device provisioned with any key of the chain accepts it.
   */
  exportKey(id?: string): { id: string; pem: string; file: string } {
    this.requireInit();
    const wanted = id ?? this.signingKey().id;
    const chain: (ChainLink & { id: string })[] = [];
    for (let at: string | null = wanted; at !== null;) {
      const row: { id: string; public_key: string; endorser_id: string | null; signature: Uint8Array | null } | undefined = this.get(
        'SELECT k.id, k.public_key, e.endorser_id, e.signature FROM signing_keys k LEFT JOIN key_endorsements e ON e.key_id = k.id WHERE k.id = ?',
        at,
      );
      if (!row) refuse('no-key', `No signing key has the id ${at}.`);
      if (chain.some((l) => l.id === row.id)) throw new Error(`endorsement cycle at key ${row.id}`);
      loadPublicKey(row.public_key);
      chain.unshift({ id: row.id, publicKey: row.public_key, endorsement: row.signature ? new Uint8Array(row.signature) : null });
      at = row.endorser_id;
    }
    const last = chain[chain.length - 1]!;
    const comment = `License Central signing key ${last.id} of "${this.smartAccount()}"${
      chain.length > 1
        ? `, endorsed through ${chain
            .slice(0, -1)
            .map((l) => l.id)
            .join(' -> ')}`
        : ''
    }.\nTrust it on a device with: slr license trust add <this file>`;
    return { id: last.id, pem: last.publicKey, file: formatKeyFile(chain, comment) };
  }

  addAccount(name: string, now: number): void {
    this.requireInit();
    const n = name.trim();
    if (!n || n.length > 100 || /[\u0000-\u001f]/.test(n)) refuse('bad-name', 'A virtual account needs a name of 1 to 100 printable characters.');
    this.write(now, () => {
      if (this.get('SELECT 1 FROM accounts WHERE name = ?', n)) refuse('account-exists', `The virtual account "${n}" already exists.`);
      this.run('INSERT INTO accounts (name, created_at) VALUES (?, ?)', n, now);
      this.log(now, 'account-add', `Virtual account "${n}" created.`, { account: n });
    });
  }

  addLicenses(input: { account: string; tag: string; count: number; term?: { start: number; end: number } }, now: number): void {
    this.requireInit();
    const found = findAnyEntitlement(input.tag);
    if (!found)
      refuse('unknown-license', `${input.tag} is not a license in the product catalog.`, 'Use a full entitlement tag or a short name such as UCM_Basic.');
    if (!Number.isSafeInteger(input.count) || input.count < 1 || input.count > LIMITS.maxCount)
      refuse('bad-count', `The count must be a whole number from 1 to ${LIMITS.maxCount}.`);
    if (input.term && input.term.end < input.term.start) refuse('bad-date', 'The TERM end date is before its start date.');
    if (input.term && !isLotValid({ type: 'TERM', start: input.term.start, end: input.term.end }, now) && input.term.end < now) {
      refuse('bad-date', `The TERM ended on ${formatIsoDate(input.term.end)}: these licenses could never be reserved.`, 'Check the end date.');
    }
    this.write(now, () => {
      const account = this.account(input.account);
      const lot = this.findOrCreateLot(account.id, found.def.tag, input.term ? 'TERM' : 'PERPETUAL', input.term?.start ?? null, input.term?.end ?? null);
      this.run('UPDATE lots SET count = count + ? WHERE id = ?', input.count, lot);
      const term = input.term ? `TERM ${formatIsoDate(input.term.start)} to ${formatIsoDate(input.term.end)}` : 'PERPETUAL';
      this.log(now, 'license-add', `${input.count} x ${found.def.displayName} (${term}) added.`, { account: account.name });
    });
  }

  private findOrCreateLot(accountId: number, tag: string, type: 'PERPETUAL' | 'TERM', start: number | null, end: number | null): number {
    const row = this.get<{ id: number }>(
      'SELECT id FROM lots WHERE account_id = ? AND tag = ? AND type = ? AND ifnull(start, -1) = ? AND ifnull(end, -1) = ?',
      accountId,
      tag,
      type,
      start ?? -1,
      end ?? -1,
    );
    if (row) return row.id;
    return Number(
      this.run('INSERT INTO lots (account_id, tag, type, start, end, count) VALUES (?, ?, ?, ?, ?, 0)', accountId, tag, type, start, end).lastInsertRowid,
    );
  }

  // ------------------------------------------------------------------------------------------ reservations

  /**
   * A request code, with the piid of the reservation it starts (bound to the UDI, the device key and the
   * request's nonce). A request code is used once: entered again, it is refused as a replay. `replacing` is
   * the instance a rehost replaces (the same device may ask for its licenses back with a new request).
   */
  private parseRequest(request: string, replacing?: number): RequestPayload & { piid: string } {
    const payload = parseRequestCode(request);
    const piid = reservationPiid(cryptoBasics.sha256, payload.udi, payload.devicePublicKey, payload.nonce);
    const used = this.get<{ state: string; created_at: number }>('SELECT state, created_at FROM instances WHERE piid = ?', piid);
    if (used) {
      refuse(
        'request-used',
        `This request code was already used: reservation ${piid} was made for it on ${formatInstant(used.created_at)}${used.state === 'active' ? '' : ` and has since been ${used.state === 'failed' ? 'rehosted' : 'removed'}`}.`,
        'A request code serves one reservation. Ask the device for a new one (license smart reservation request).',
      );
    }
    const taken = this.get<{ id: number; piid: string }>("SELECT id, piid FROM instances WHERE uuid = ? AND state = 'active'", payload.udi.uuid);
    if (taken && taken.id !== replacing) {
      refuse(
        'instance-exists',
        `The product instance ${formatUdi(payload.udi)} already has reserved licenses (reservation ${taken.piid}).`,
        'To change them use `slr authority update`; to start over, remove it with its return code first.',
      );
    }
    return { ...payload, piid };
  }

  private resolveTargets(product: ProductProfile, licenses: Readonly<Record<string, number>>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, count] of Object.entries(licenses)) {
      const def = findEntitlement(product, name);
      if (!def) {
        const elsewhere = findAnyEntitlement(name);
        refuse(
          'unknown-license',
          elsewhere ? `${name} is a license of ${elsewhere.product.name}, not of ${product.name}.` : `${name} is not a license of ${product.name}.`,
          `Licenses of ${product.name}: ${product.entitlements
            .filter((e) => e.reservable)
            .map((e) => e.short)
            .join(', ')}.`,
        );
      }
      if (def.tag in out) refuse('bad-license', `${def.short} is named twice.`);
      out[def.tag] = count;
    }
    return out;
  }

  /** Applies a plan: holdings replaced, released ones into transition, `lots.blocked` kept in step. */
  private applyPlan(instanceId: number, before: readonly Holding[], after: readonly Holding[], released: readonly Holding[], codeTimestamp: number): void {
    const delta = new Map<number, number>();
    for (const h of before) delta.set(h.lotId, (delta.get(h.lotId) ?? 0) - h.count);
    for (const h of after) delta.set(h.lotId, (delta.get(h.lotId) ?? 0) + h.count);
    for (const h of released) delta.set(h.lotId, (delta.get(h.lotId) ?? 0) + h.count);
    this.run('DELETE FROM holdings WHERE instance_id = ?', instanceId);
    for (const h of after) this.run('INSERT INTO holdings (instance_id, lot_id, count) VALUES (?, ?, ?)', instanceId, h.lotId, h.count);
    for (const h of released)
      this.run('INSERT INTO transitions (instance_id, lot_id, count, code_timestamp) VALUES (?, ?, ?, ?)', instanceId, h.lotId, h.count, codeTimestamp);
    for (const [lot, d] of delta) if (d !== 0) this.run('UPDATE lots SET blocked = blocked + ? WHERE id = ?', d, lot);
  }

  /** Entitlement lines for holdings: one per tag and term. */
  private entitlementsFor(product: ProductProfile, holdings: readonly Holding[]): Entitlement[] {
    const lines = new Map<string, Entitlement>();
    for (const h of holdings) {
      const lot = this.get<LotRow>('SELECT * FROM lots WHERE id = ?', h.lotId)!;
      const def = findEntitlement(product, lot.tag)!;
      const term = lot.type === 'TERM' ? { start: lot.start!, end: lot.end! } : undefined;
      const key = `${lot.tag}|${lot.type}|${lot.start}|${lot.end}`;
      const prev = lines.get(key);
      lines.set(key, prev ? { ...prev, count: prev.count + h.count } : entitlementFor(def, h.count, term));
    }
    const order = (tag: string) => product.entitlements.findIndex((e) => e.tag === tag);
    return [...lines.values()].sort((a, b) => order(a.tag) - order(b.tag) || a.endDate.localeCompare(b.endDate));
  }

  /** Signs and records a new authorization code for the instance; its timestamp is strictly increasing. */
  private sign(
    instance: Pick<InstanceRow, 'id' | 'product' | 'uuid' | 'piid' | 'last_timestamp'>,
    holdings: readonly Holding[],
    now: number,
  ): { code: string; timestamp: number } {
    const product = this.productOf(instance);
    const key = this.signingKey();
    const timestamp = Math.max(now, instance.last_timestamp + 1);
    const code = issueAuthorizationCode(
      { udi: makeUdi(product, instance.uuid), piid: instance.piid, timestamp, entitlements: this.entitlementsFor(product, holdings), keyId: key.id },
      this.crypto(),
    );
    this.run('INSERT INTO codes (instance_id, timestamp, key_id, code, issued_at) VALUES (?, ?, ?, ?, ?)', instance.id, timestamp, key.id, code, now);
    this.run('UPDATE instances SET last_timestamp = ?, last_contact = ? WHERE id = ?', timestamp, now, instance.id);
    return { code, timestamp };
  }

  private describe(product: ProductProfile, holdings: readonly Holding[]): string {
    return (
      this.entitlementsFor(product, holdings)
        .map((e) => `${e.count} x ${e.displayName}${e.licenseType === 'TERM' ? ` (to ${e.endDate})` : ''}`)
        .join(', ') || 'no licenses'
    );
  }

  private newInstance(accountId: number, request: RequestPayload & { piid: string }, now: number): InstanceRow {
    const piid = request.piid;
    const id = Number(
      this.run(
        "INSERT INTO instances (account_id, product, uuid, sn, device_key, piid, state, created_at, last_contact, last_timestamp) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, 0)",
        accountId,
        request.udi.pid,
        request.udi.uuid,
        request.udi.sn,
        request.devicePublicKey,
        piid,
        now,
        now,
      ).lastInsertRowid,
    );
    return this.get<InstanceRow>('SELECT i.*, a.name AS account FROM instances i JOIN accounts a ON a.id = i.account_id WHERE i.id = ?', id)!;
  }

  reserve(input: { account: string; request: string; licenses: Readonly<Record<string, number>> }, now: number): Issued {
    this.requireInit();
    const product = productById(parseRequestCode(input.request).udi.pid)!;
    const targets = this.resolveTargets(product, input.licenses);
    if (!Object.values(targets).some((n) => n > 0)) refuse('no-licenses', 'Select at least one license to reserve (--license TAG=N).');
    return this.write(now, () => {
      const request = this.parseRequest(input.request);
      const account = this.account(input.account);
      const plan = planReservation(product, this.lotsOf(account.id, product), [], targets, now);
      const instance = this.newInstance(account.id, request, now);
      this.applyPlan(instance.id, [], plan.holdings, [], 0);
      const { code } = this.sign(instance, plan.holdings, now);
      const udi = formatUdi(request.udi);
      this.log(now, 'reserve', `Licenses reserved for ${udi} (reservation ${instance.piid}): ${this.describe(product, plan.holdings)}.`, {
        account: account.name,
        instance: udi,
        code,
      });
      return { code, udi, sn: request.udi.sn, piid: instance.piid };
    });
  }

  update(input: { instance: string; licenses: Readonly<Record<string, number>> }, now: number): Issued & { inTransition: number } {
    return this.write(now, () => {
      const instance = this.instance(input.instance);
      const product = this.productOf(instance);
      const targets = this.resolveTargets(product, input.licenses);
      if (Object.keys(targets).length === 0) refuse('no-licenses', 'Name at least one license to change (--license TAG=N; N=0 removes it).');
      const before = this.holdingsOf(instance.id);
      const plan = planReservation(product, this.lotsOf(instance.account_id, product), before, targets, now);
      const timestamp = Math.max(now, instance.last_timestamp + 1);
      this.applyPlan(instance.id, before, plan.holdings, plan.released, timestamp);
      const { code } = this.sign(instance, plan.holdings, now);
      const udi = this.udiOf(instance);
      const held = plan.released.reduce((n, h) => n + h.count, 0);
      this.log(
        now,
        'update',
        `Reservation ${instance.piid} updated: ${this.describe(product, plan.holdings)}.${held ? ` ${held} license(s) in transition until the device's confirmation code is entered.` : ''}`,
        { account: instance.account, instance: udi, code },
      );
      return { code, udi, sn: instance.sn, piid: instance.piid, inTransition: held };
    });
  }

  private refsOf(instance: Pick<InstanceRow, 'id' | 'product' | 'uuid' | 'device_key' | 'piid'>): (CodeRef & { confirmedAt: number | null })[] {
    const udi: Udi = makeUdi(this.productOf(instance), instance.uuid);
    return this.all<{ timestamp: number; key_id: string; confirmed_at: number | null }>(
      'SELECT timestamp, key_id, confirmed_at FROM codes WHERE instance_id = ? ORDER BY timestamp DESC LIMIT ?',
      instance.id,
      CODE_CANDIDATES,
    ).map((c) => ({ udi, devicePublicKey: instance.device_key, piid: instance.piid, timestamp: c.timestamp, keyId: c.key_id, confirmedAt: c.confirmed_at }));
  }

  /**
   * Checks a device's code and applies it, in one transaction. A locked instance is refused before any
   * check. A code that is wrong, for another device, replayed or superseded is counted in that same
   * transaction (so parallel attempts cannot outrun the lockout) and locks the instance at the limit; only
   * an accepted code resets the count.
   */
  private withDeviceCode<M, R>(
    ref: string,
    what: string,
    now: number,
    check: (instance: InstanceRow) => M,
    apply: (instance: InstanceRow, matched: M) => R,
  ): R {
    const outcome = this.write(now, (): { refused: SlrError } | { done: R } => {
      const instance = this.instance(ref);
      if (instance.locked) {
        refuse(
          'locked',
          `The product instance ${this.udiOf(instance)} is locked after ${MAX_WRONG_CODES} wrong codes in a row.`,
          'An administrator must unlock it with `slr authority unlock --instance …` (this is logged).',
        );
      }
      let matched: M;
      try {
        matched = check(instance);
      } catch (e) {
        if (!(e instanceof SlrError) || !COUNTED.has(e.code)) throw e;
        const wrong = instance.wrong_codes + 1;
        const locked = wrong >= MAX_WRONG_CODES;
        this.run('UPDATE instances SET wrong_codes = ?, locked = ? WHERE id = ?', wrong, locked ? 1 : 0, instance.id);
        this.log(
          now,
          'wrong-code',
          `Refused ${what} for ${this.udiOf(instance)} (${e.code}; ${wrong} in a row)${locked ? '; the instance is now locked' : ''}.`,
          { account: instance.account, instance: this.udiOf(instance) },
        );
        return {
          refused: new SlrError(
            e.code,
            `${e.message}${locked ? ` The product instance is now locked after ${MAX_WRONG_CODES} wrong codes in a row.` : ` (${wrong} of ${MAX_WRONG_CODES} wrong codes before the instance is locked.)`}`,
            e.hint,
          ),
        };
      }
      this.run('UPDATE instances SET wrong_codes = 0, last_contact = ? WHERE id = ?', now, instance.id);
      return { done: apply(instance, matched) };
    });
    if ('refused' in outcome) throw outcome.refused;
    return outcome.done;
  }

  /** The code a confirmation code answers: issued to this reservation, not confirmed yet, not older than one confirmed. */
  private matchConfirmation(instance: InstanceRow, code: string): CodeRef {
    const refs = this.refsOf(instance);
    const match = verifyConfirmationCode(code, refs, this.crypto()) as (typeof refs)[number];
    if (match.confirmedAt !== null) {
      refuse(
        'replayed-code',
        `This confirmation code was already entered on ${formatInstant(match.confirmedAt)} (for the code of ${formatInstant(match.timestamp)}); it releases nothing again.`,
        'Nothing changed. If the device installed a newer code since, enter the confirmation code it showed then.',
      );
    }
    const newer = refs.find((r) => r.confirmedAt !== null && r.timestamp > match.timestamp);
    if (newer) {
      refuse(
        'superseded-code',
        `This confirmation code answers the code of ${formatInstant(match.timestamp)}, but the confirmation of a newer code (${formatInstant(newer.timestamp)}) was already entered.`,
        'Nothing changed: the newer confirmation already released what this one would have.',
      );
    }
    return match;
  }

  confirm(input: { instance: string; code: string }, now: number): { released: number; udi: string } {
    return this.withDeviceCode(
      input.instance,
      'confirmation code',
      now,
      (instance) => this.matchConfirmation(instance, input.code),
      (fresh, ref) => {
        const rows = this.all<{ lot_id: number; count: number }>(
          'SELECT lot_id, count FROM transitions WHERE instance_id = ? AND code_timestamp <= ?',
          fresh.id,
          ref.timestamp,
        );
        for (const r of rows) this.run('UPDATE lots SET blocked = blocked - ? WHERE id = ?', r.count, r.lot_id);
        this.run('DELETE FROM transitions WHERE instance_id = ? AND code_timestamp <= ?', fresh.id, ref.timestamp);
        this.run('UPDATE codes SET confirmed_at = ? WHERE instance_id = ? AND timestamp = ?', now, fresh.id, ref.timestamp);
        const released = rows.reduce((n, r) => n + r.count, 0);
        const udi = this.udiOf(fresh);
        this.log(
          now,
          'confirm',
          `Confirmation code for the code of ${formatInstant(ref.timestamp)} entered: the device runs that code; ${released} license(s) in transition released.`,
          { account: fresh.account, instance: udi, code: input.code.trim() },
        );
        return { released, udi };
      },
    );
  }

  /** A return code of this reservation, or a precise refusal for one that gave back an earlier reservation. */
  private matchReturn(instance: InstanceRow, code: string): CodeRef {
    try {
      return verifyReturnCode(code, this.refsOf(instance), this.crypto());
    } catch (e) {
      if (!(e instanceof SlrError) || e.code !== 'wrong-code') throw e;
      const earlier = this.all<InstanceRow>(
        "SELECT i.*, '' AS account FROM instances i WHERE uuid = ? AND state <> 'active' ORDER BY id DESC LIMIT 10",
        instance.uuid,
      );
      for (const old of earlier) {
        try {
          verifyReturnCode(code, this.refsOf(old), this.crypto());
        } catch {
          continue;
        }
        refuse(
          'replayed-code',
          `This return code gave back an earlier reservation of this device (${old.piid}, ${old.state === 'failed' ? 'rehosted' : 'removed'} ${formatInstant(old.last_contact)}); it does not answer the current reservation ${instance.piid}.`,
          'Nothing changed. To return the current reservation, enter the return code the device shows after `license smart reservation return`.',
        );
      }
      throw e;
    }
  }
  /** Frees everything the instance blocks (holdings and transitions). */
  private releaseAll(instanceId: number): number {
    const rows = [
      ...this.all<{ lot_id: number; count: number }>('SELECT lot_id, count FROM holdings WHERE instance_id = ?', instanceId),
      ...this.all<{ lot_id: number; count: number }>('SELECT lot_id, count FROM transitions WHERE instance_id = ?', instanceId),
    ];
    for (const r of rows) this.run('UPDATE lots SET blocked = blocked - ? WHERE id = ?', r.count, r.lot_id);
    this.run('DELETE FROM holdings WHERE instance_id = ?', instanceId);
    this.run('DELETE FROM transitions WHERE instance_id = ?', instanceId);
    return rows.reduce((n, r) => n + r.count, 0);
  }

  remove(input: { instance: string; returnCode: string }, now: number): { released: number; udi: string } {
    try {
      return this.withDeviceCode(
        input.instance,
        'return code',
        now,
        (instance) => this.matchReturn(instance, input.returnCode),
        (fresh) => {
          const released = this.releaseAll(fresh.id);
          this.run("UPDATE instances SET state = 'removed' WHERE id = ?", fresh.id);
          const udi = this.udiOf(fresh);
          this.log(now, 'remove', `Product instance removed with its return code: ${released} license(s) back in the pool.`, {
            account: fresh.account,
            instance: udi,
            code: input.returnCode.trim(),
          });
          return { released, udi };
        },
      );
    } catch (e) {
      if (e instanceof SlrError && e.code === 'no-instance') this.explainReturnOfRemoved(input.instance, input.returnCode, now);
      throw e;
    }
  }

  /**
   * A return code for a device with no active reservation: if it gives back a reservation already removed,
   * the device shows that reservation installed again, which only a restore of its state from before the
   * return can do. Refused, and logged so that the administrator sees it.
   */
  private explainReturnOfRemoved(ref: string, code: string, now: number): void {
    const key = ref.trim().toLowerCase();
    const uuid = /u:([0-9a-f-]{36})/.exec(key)?.[1];
    const rows = this.all<InstanceRow>(
      `SELECT i.*, a.name AS account FROM instances i JOIN accounts a ON a.id = i.account_id WHERE i.state <> 'active' AND ${uuid ? 'i.uuid = ?' : 'i.sn = ?'} ORDER BY i.id DESC LIMIT 10`,
      uuid ?? key,
    );
    for (const old of rows) {
      try {
        verifyReturnCode(code, this.refsOf(old), this.crypto());
      } catch {
        continue;
      }
      const udi = this.udiOf(old);
      const message =
        old.state === 'failed'
          ? `This return code gives back reservation ${old.piid} of ${udi}, whose licenses were rehosted to another device (${formatInstant(old.last_contact)}) when it was declared failed: nothing is returned. The device is running after all; its licenses are now the replacement's.`
          : `This return code gives back reservation ${old.piid} of ${udi}, which was already removed (${formatInstant(old.last_contact)}). ` +
            'A device that shows that reservation installed again had its state restored from a backup taken before its return: the licenses it shows are not reserved for it.';
      this.write(now, () =>
        this.log(now, old.state === 'failed' ? 'failed-device-returned' : 'restored-device', message, {
          account: old.account,
          instance: udi,
          code: code.trim(),
        }),
      );
      refuse('replayed-code', message, 'Nothing changed. Check that device: restore its current state, or make a new reservation for it.');
    }
  }

  rehost(input: { instance: string; request: string; reason: string }, now: number): Issued {
    const reason = input.reason.trim();
    if (!reason) refuse('no-reason', 'Say why the product failed (--reason "…"): it goes into the event log.');
    parseRequestCode(input.request);
    return this.write(now, () => {
      const failed = this.instance(input.instance);
      const request = this.parseRequest(input.request, failed.id);
      if (request.udi.pid !== failed.product) {
        refuse('wrong-product', `The new request code is from a ${request.udi.pid} product; the failed instance is ${failed.product}.`);
      }
      const holdings = this.holdingsOf(failed.id);
      const freedTransit = this.all<{ count: number }>('SELECT count FROM transitions WHERE instance_id = ?', failed.id).reduce((n, r) => n + r.count, 0);
      this.releaseAll(failed.id);
      this.run("UPDATE instances SET state = 'failed', last_contact = ? WHERE id = ?", now, failed.id);
      const fresh = this.newInstance(failed.account_id, request, now);
      this.applyPlan(fresh.id, [], holdings, [], 0);
      const { code } = this.sign(fresh, holdings, now);
      const from = this.udiOf(failed);
      const udi = formatUdi(request.udi);
      this.log(
        now,
        'rehost',
        `Licenses rehosted from failed product ${from} to ${udi} (reservation ${fresh.piid}): ${this.describe(this.productOf(fresh), holdings)}. Reason: ${reason}.${freedTransit ? ` ${freedTransit} license(s) that were in transition for the failed product are released.` : ''}`,
        { account: failed.account, instance: udi, code },
      );
      return { code, udi, sn: request.udi.sn, piid: fresh.piid };
    });
  }

  /** Moves `count` of lot `lotId` to the matching lot of another account; returns the target lot. */
  private moveLot(lot: LotRow, toAccount: number, count: number, blocked: number): number {
    const target = this.findOrCreateLot(toAccount, lot.tag, lot.type, lot.start, lot.end);
    this.run('UPDATE lots SET count = count - ?, blocked = blocked - ? WHERE id = ?', count, blocked, lot.id);
    this.run('UPDATE lots SET count = count + ?, blocked = blocked + ? WHERE id = ?', count, blocked, target);
    return target;
  }

  transfer(input: { instance: string; to: string }, now: number): void {
    this.write(now, () => {
      const instance = this.instance(input.instance);
      const to = this.account(input.to);
      if (to.id === instance.account_id) refuse('same-account', `The product instance is already in "${to.name}".`);
      const moved: string[] = [];
      for (const table of ['holdings', 'transitions'] as const) {
        const rows = this.all<{ lot_id: number; count: number }>(
          `SELECT lot_id, sum(count) AS count FROM ${table} WHERE instance_id = ? GROUP BY lot_id`,
          instance.id,
        );
        for (const r of rows) {
          const lot = this.get<LotRow>('SELECT * FROM lots WHERE id = ?', r.lot_id)!;
          const target = this.moveLot(lot, to.id, r.count, r.count);
          this.run(`UPDATE ${table} SET lot_id = ? WHERE instance_id = ? AND lot_id = ?`, target, instance.id, r.lot_id);
          moved.push(`${r.count} x ${findAnyEntitlement(lot.tag)?.def.short ?? lot.tag}`);
        }
      }
      this.run('UPDATE instances SET account_id = ? WHERE id = ?', to.id, instance.id);
      const udi = this.udiOf(instance);
      this.log(
        now,
        'transfer',
        `Product instance transferred from "${instance.account}" to "${to.name}" with its reserved licenses (${moved.join(', ') || 'none'}).`,
        { account: instance.account, instance: udi },
      );
      this.log(now, 'transfer', `Product instance transferred in from "${instance.account}".`, { account: to.name, instance: udi });
    });
  }

  transferLicenses(input: { from: string; to: string; tag: string; count: number }, now: number): void {
    this.requireInit();
    const found = findAnyEntitlement(input.tag);
    if (!found) refuse('unknown-license', `${input.tag} is not a license in the product catalog.`);
    if (!Number.isSafeInteger(input.count) || input.count < 1) refuse('bad-count', 'The count must be a whole number of at least 1.');
    this.write(now, () => {
      const from = this.account(input.from);
      const to = this.account(input.to);
      if (from.id === to.id) refuse('same-account', 'The source and the target virtual account are the same.');
      const lots = this.all<LotRow>('SELECT * FROM lots WHERE account_id = ? AND tag = ?', from.id, found.def.tag).filter(
        (l) => isLotValid(l, now) && l.count > l.blocked,
      );
      const free = lots.reduce((n, l) => n + l.count - l.blocked, 0);
      if (free < input.count) {
        refuse(
          'shortfall',
          `"${from.name}" has ${free} ${found.def.short} available (valid now and not blocked); ${input.count} cannot be transferred.`,
          'Reserved licenses move only with their product instance (transfer).',
        );
      }
      let left = input.count;
      for (const lot of lots) {
        const take = Math.min(left, lot.count - lot.blocked);
        this.moveLot(lot, to.id, take, 0);
        left -= take;
        if (!left) break;
      }
      this.log(now, 'transfer-licenses', `${input.count} x ${found.def.displayName} transferred to "${to.name}".`, { account: from.name });
      this.log(now, 'transfer-licenses', `${input.count} x ${found.def.displayName} transferred in from "${from.name}".`, { account: to.name });
    });
  }

  unlock(input: { instance: string }, now: number): void {
    this.write(now, () => {
      const instance = this.instance(input.instance);
      if (!instance.locked) refuse('not-locked', `The product instance ${this.udiOf(instance)} is not locked.`);
      this.run('UPDATE instances SET locked = 0, wrong_codes = 0 WHERE id = ?', instance.id);
      this.log(now, 'unlock', 'Product instance unlocked by an administrator.', { account: instance.account, instance: this.udiOf(instance) });
    });
  }

  /** The latest authorization code issued to an instance (to hand it over again). */
  latestCode(ref: string): Issued {
    const instance = this.instance(ref);
    const { code } = this.get<{ code: string }>('SELECT code FROM codes WHERE instance_id = ? ORDER BY timestamp DESC LIMIT 1', instance.id)!;
    return { code, udi: this.udiOf(instance), sn: instance.sn, piid: instance.piid };
  }

  // ------------------------------------------------------------------------------------------ reports

  licenses(now: number, accountName?: string): LicenseLine[] {
    this.requireInit();
    const accountId = accountName ? this.account(accountName).id : null;
    const lots = this.all<LotRow & { account: string }>(
      'SELECT l.*, a.name AS account FROM lots l JOIN accounts a ON a.id = l.account_id WHERE (? IS NULL OR l.account_id = ?) ORDER BY a.name',
      accountId,
      accountId,
    ).filter((l) => isLotValid(l, now));
    const transit = new Map(
      this.all<{ lot_id: number; n: number }>('SELECT lot_id, sum(count) AS n FROM transitions GROUP BY lot_id').map((r) => [r.lot_id, r.n]),
    );
    const lines = new Map<string, LicenseLine & { expiresMs: number }>();
    for (const l of lots) {
      const key = `${l.account}|${l.tag}`;
      const def = findAnyEntitlement(l.tag)?.def;
      const prev = lines.get(key) ?? {
        account: l.account,
        tag: l.tag,
        short: def?.short ?? l.tag,
        displayName: def?.displayName ?? l.tag,
        level: def?.hierarchy?.level ?? null,
        purchased: 0,
        reserved: 0,
        inTransition: 0,
        available: 0,
        expires: '',
        expiresMs: Infinity,
      };
      const inTransition = transit.get(l.id) ?? 0;
      const expiresMs = l.type === 'TERM' ? Math.min(prev.expiresMs, l.end!) : prev.expiresMs;
      lines.set(key, {
        ...prev,
        purchased: prev.purchased + l.count,
        reserved: prev.reserved + l.blocked - inTransition,
        inTransition: prev.inTransition + inTransition,
        available: prev.available + l.count - l.blocked,
        expiresMs,
        expires: Number.isFinite(expiresMs) ? formatIsoDate(expiresMs) : '',
      });
    }
    return [...lines.values()].map(({ expiresMs: _e, ...line }) => line);
  }

  instances(accountName?: string, includeGone = false): InstanceLine[] {
    this.requireInit();
    const accountId = accountName ? this.account(accountName).id : null;
    const rows = this.all<InstanceRow>(
      `SELECT i.*, a.name AS account FROM instances i JOIN accounts a ON a.id = i.account_id WHERE (? IS NULL OR i.account_id = ?) ${includeGone ? '' : "AND i.state = 'active'"} ORDER BY i.id`,
      accountId,
      accountId,
    );
    // One grouped query per table, not one per instance: the list stays cheap with many instances.
    const byTag = (table: 'holdings' | 'transitions') => {
      const out = new Map<number, Record<string, number>>();
      const sql = `SELECT h.instance_id AS id, l.tag, sum(h.count) AS n FROM ${table} h JOIN lots l ON l.id = h.lot_id
        JOIN instances i ON i.id = h.instance_id WHERE (? IS NULL OR i.account_id = ?) GROUP BY h.instance_id, l.tag`;
      for (const r of this.all<{ id: number; tag: string; n: number }>(sql, accountId, accountId)) {
        const m = out.get(r.id) ?? {};
        m[findAnyEntitlement(r.tag)?.def.short ?? r.tag] = r.n;
        out.set(r.id, m);
      }
      return out;
    };
    const reserved = byTag('holdings');
    const inTransition = byTag('transitions');
    return rows.map((r) => ({
      account: r.account,
      udi: this.udiOf(r),
      sn: r.sn,
      product: r.product,
      productType: this.productOf(r).productType,
      piid: r.piid,
      state: r.state,
      lastContact: r.last_contact,
      locked: r.locked === 1,
      reserved: reserved.get(r.id) ?? {},
      inTransition: inTransition.get(r.id) ?? {},
    }));
  }

  events(accountName?: string, limit = 10_000): LedgerEvent[] {
    this.requireInit();
    if (accountName) this.account(accountName);
    return this.all<LedgerEvent>(
      'SELECT * FROM events WHERE (? IS NULL OR account = ? OR account IS NULL) ORDER BY id LIMIT ?',
      accountName ?? null,
      accountName ?? null,
      limit,
    );
  }

  /**
   * Recomputes everything kept in step and checks it: for every lot, blocked = holdings + transitions and
   * 0 <= blocked <= purchased (so blocked + available = purchased); every active instance's holdings are
   * exactly the entitlements of its latest authorization code. Returns the violations (none when sound).
   */
  checkInvariants(): string[] {
    const problems: string[] = [];
    const rows = this.all<{ id: number; count: number; blocked: number; sum: number }>(`
      SELECT l.id, l.count, l.blocked,
        ifnull((SELECT sum(count) FROM holdings WHERE lot_id = l.id), 0) + ifnull((SELECT sum(count) FROM transitions WHERE lot_id = l.id), 0) AS sum
      FROM lots l`);
    for (const r of rows) {
      if (r.blocked !== r.sum) problems.push(`lot ${r.id}: blocked ${r.blocked} but holdings and transitions add up to ${r.sum}`);
      if (r.blocked < 0 || r.blocked > r.count) problems.push(`lot ${r.id}: blocked ${r.blocked} outside 0..${r.count}`);
    }
    const gone = this.get<{ n: number }>("SELECT count(*) AS n FROM holdings h JOIN instances i ON i.id = h.instance_id WHERE i.state <> 'active'")!.n;
    if (gone) problems.push(`${gone} holdings belong to removed or failed instances`);
    for (const inst of this.all<InstanceRow>("SELECT i.*, '' AS account FROM instances i WHERE state = 'active'")) {
      const last = this.get<{ code: string }>('SELECT code FROM codes WHERE instance_id = ? ORDER BY timestamp DESC LIMIT 1', inst.id);
      if (!last) {
        problems.push(`instance ${inst.id} has no authorization code`);
        continue;
      }
      const fromCode: Record<string, number> = {};
      for (const e of parseAuthorizationCode(last.code).entitlements) fromCode[e.tag] = (fromCode[e.tag] ?? 0) + e.count;
      const held: Record<string, number> = {};
      for (const r of this.all<{ tag: string; n: number }>(
        'SELECT l.tag, sum(h.count) AS n FROM holdings h JOIN lots l ON l.id = h.lot_id WHERE h.instance_id = ? GROUP BY l.tag',
        inst.id,
      ))
        held[r.tag] = r.n;
      if (JSON.stringify(Object.entries(fromCode).sort()) !== JSON.stringify(Object.entries(held).sort())) {
        problems.push(`instance ${inst.id}: holdings ${JSON.stringify(held)} differ from its latest code ${JSON.stringify(fromCode)}`);
      }
    }
    return problems;
  }
}
