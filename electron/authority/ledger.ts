/**
 * The license authority: a SQLite ledger of virtual accounts, license lots, product instances, their
 * reservations and an event log, and the operations of the seeds' License Central. Every operation is one
 * transaction: it happens whole or not at all. The rules of allocation are pure (shared/authority); the
 * ledger is in parts: store.ts (connection, transactions, migrations, clock, log), core.ts (look-ups,
 * booking, signing, the lockout), and the operations by area (keys, accounts, reservations, device codes,
 * reports). `Ledger` is the one object the CLI, the app and the tests are handed.
 */
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { refuse } from '../../shared/errors.ts';
import type { InstanceLine, Issued, LedgerEvent, LicenseLine } from '../../shared/authority/views.ts';
import { AUTHORITY_DB } from '../platform/paths.ts';
import { LedgerCore } from './ledger/core.ts';
import { BACKUP_MARK, type AccountGuard } from './ledger/store.ts';
import { SqliteDb } from './db/sqlite/sqlite-db.ts';
import type { LedgerDb } from './db/ledger-db.ts';
import * as keys from './keys/keys.ts';
import * as escrow from './keys/key-escrow.ts';
import type { KeySecret, Protection } from './keys/key-storage.ts';
import * as accounts from './ledger/accounts.ts';
import * as reservations from './ledger/reservations.ts';
import * as deviceCodes from './ledger/device-codes.ts';
import * as reports from './ledger/reports.ts';
import * as query from './ledger/instance-query.ts';
import * as users from './users/users.ts';
import * as tokens from './users/tokens.ts';
import * as registrations from './ledger/registrations.ts';
import * as registering from './ledger/register.ts';
import * as registeredAdmin from './ledger/registered-admin.ts';

export type { InstanceLine, Issued, LedgerEvent, LicenseLine };
export { MAX_WRONG_CODES, type InstanceRow } from './ledger/core.ts';
export { CLOCK_TOLERANCE_MS, everyAccount, type AccountGuard } from './ledger/store.ts';
export type { LedgerDb } from './db/ledger-db.ts';

/** An operation's arguments after the ledger core. */
type Args<F> = F extends (c: LedgerCore, ...rest: infer R) => unknown ? R : never;

export interface LedgerOptions {
  readonly dir: string;
  readonly actor?: string;
  /** What unlocks the signing keys if they are protected (and protects them at `init`). */
  readonly keySecret?: KeySecret;
}

/** Who acts on a ledger opened from the command line: the operating system's user. */
export function defaultActor(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Opens (and, with `create`, makes) the ledger in `dir`: SQLite, the embedded default. */
export async function openLedger({ dir, actor = defaultActor(), keySecret }: LedgerOptions, create = false): Promise<Ledger> {
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
  let db: SqliteDb;
  try {
    db = new SqliteDb(path);
  } catch (e) {
    if (/database is locked|SQLITE_BUSY/i.test((e as Error).message)) {
      refuse('busy', 'The license authority ledger is in use by another SLR Desk process.', 'Try again when it has finished; nothing was changed.');
    }
    throw e;
  }
  return Ledger.open(db, actor, keySecret);
}

/** Opens the ledger, runs `fn` on it, and closes it whatever happens. */
export async function withLedger<T>(options: LedgerOptions, fn: (ledger: Ledger) => Promise<T> | T, create = false): Promise<T> {
  const ledger = await openLedger(options, create);
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

export class Ledger {
  /** The storage and shared internals: for the ledger's modules and the audit in the tests. */
  readonly core: LedgerCore;

  private constructor(db: LedgerDb, actor: string, keySecret?: KeySecret, guard?: AccountGuard) {
    this.core = new LedgerCore(db, actor, keySecret, guard);
  }

  /**
   * The same ledger (connection, unlocked keys) acting for another user: the log names `actor`, and `guard`
   * decides which virtual accounts the operations may touch (the server makes one per request).
   */
  as(actor: string, guard: AccountGuard): Ledger {
    const other = new Ledger(this.core.db, actor, this.core.keySecret, guard);
    other.core.shareKeysOf(this.core);
    return other;
  }

  /** A ledger on `db` (any engine behind the LedgerDb interface), its schema brought up to date. */
  static async open(db: LedgerDb, actor: string, keySecret?: KeySecret): Promise<Ledger> {
    const ledger = new Ledger(db, actor, keySecret);
    try {
      await ledger.core.migrate();
    } catch (e) {
      await db.close();
      throw e;
    }
    return ledger;
  }

  close(): Promise<void> {
    return this.core.close();
  }
  isInitialized(): Promise<boolean> {
    return this.core.isInitialized();
  }
  /** The latest time the ledger has seen, or null before the first write. */
  highWater(): Promise<number | null> {
    return this.core.highWater();
  }
  /** A consistent copy of the ledger, keys included, in `path` (mode 0600), marked as a backup made `now`. */
  backup(path: string, now: number) {
    return this.core.db.backupTo(path, { [BACKUP_MARK]: String(now) });
  }
  /** Checks the event log's chain: the first event that does not follow from the ones before, or none. */
  verifyEvents() {
    return this.core.verifyEvents();
  }
  /** The active product instance named by its full UDI or its serial number. */
  instance(ref: string) {
    return this.core.instance(ref);
  }

  // keys and the clock
  init = (...a: Args<typeof keys.init>) => keys.init(this.core, ...a);
  addKey = (...a: Args<typeof keys.addKey>) => keys.addKey(this.core, ...a);
  retireKey = (...a: Args<typeof keys.retireKey>) => keys.retireKey(this.core, ...a);
  keys = (...a: Args<typeof keys.keys>) => keys.keys(this.core, ...a);
  exportKey = (...a: Args<typeof keys.exportKey>) => keys.exportKey(this.core, ...a);
  acceptClock = (...a: Args<typeof keys.acceptClock>) => keys.acceptClock(this.core, ...a);
  backupKeys = (...a: Args<typeof escrow.backupKeys>) => escrow.backupKeys(this.core, ...a);
  restoreKeys = (...a: Args<typeof escrow.restoreKeys>) => escrow.restoreKeys(this.core, ...a);
  protectKeys = (...a: Args<typeof escrow.protectKeys>) => escrow.protectKeys(this.core, ...a);
  /** How the signing keys are kept: in plain text, under a passphrase, or sealed by the OS secret store. */
  async keyProtection(): Promise<Protection> {
    return (await this.core.protection())?.scheme ?? 'plaintext';
  }
  // accounts and licenses
  addAccount = (...a: Args<typeof accounts.addAccount>) => accounts.addAccount(this.core, ...a);
  addLicenses = (...a: Args<typeof accounts.addLicenses>) => accounts.addLicenses(this.core, ...a);
  transfer = (...a: Args<typeof accounts.transfer>) => accounts.transfer(this.core, ...a);
  transferLicenses = (...a: Args<typeof accounts.transferLicenses>) => accounts.transferLicenses(this.core, ...a);
  unlock = (...a: Args<typeof accounts.unlock>) => accounts.unlock(this.core, ...a);
  // reservations
  reserve = (...a: Args<typeof reservations.reserve>) => reservations.reserve(this.core, ...a);
  update = (...a: Args<typeof reservations.update>) => reservations.update(this.core, ...a);
  rehost = (...a: Args<typeof reservations.rehost>) => reservations.rehost(this.core, ...a);
  latestCode = (...a: Args<typeof reservations.latestCode>) => reservations.latestCode(this.core, ...a);
  // the device's codes
  confirm = (...a: Args<typeof deviceCodes.confirm>) => deviceCodes.confirm(this.core, ...a);
  remove = (...a: Args<typeof deviceCodes.remove>) => deviceCodes.remove(this.core, ...a);
  // reports
  smartAccount = (...a: Args<typeof reports.smartAccount>) => reports.smartAccount(this.core, ...a);
  accounts = (...a: Args<typeof reports.accounts>) => reports.accounts(this.core, ...a);
  licenses = (...a: Args<typeof reports.licenses>) => reports.licenses(this.core, ...a);
  instances = (...a: Args<typeof reports.instances>) => reports.instances(this.core, ...a);
  instancePage = (...a: Args<typeof query.instancePage>) => query.instancePage(this.core, ...a);
  events = (...a: Args<typeof reports.events>) => reports.events(this.core, ...a);
  // the server's users
  addUser = (...a: Args<typeof users.addUser>) => users.addUser(this.core, ...a);
  listUsers = (...a: Args<typeof users.listUsers>) => users.listUsers(this.core, ...a);
  disableUser = (...a: Args<typeof users.disableUser>) => users.disableUser(this.core, ...a);
  setPassword = (...a: Args<typeof users.setPassword>) => users.setPassword(this.core, ...a);
  newApiToken = (...a: Args<typeof users.newApiToken>) => users.newApiToken(this.core, ...a);
  login = (...a: Args<typeof users.login>) => users.login(this.core, ...a);
  authenticate = (...a: Args<typeof users.authenticate>) => users.authenticate(this.core, ...a);
  endSession = (...a: Args<typeof users.endSession>) => users.endSession(this.core, ...a);
  // Smart Licensing online: registration tokens
  createToken = (...a: Args<typeof tokens.createToken>) => tokens.createToken(this.core, ...a);
  listTokens = (...a: Args<typeof tokens.listTokens>) => tokens.listTokens(this.core, ...a);
  revokeToken = (...a: Args<typeof tokens.revokeToken>) => tokens.revokeToken(this.core, ...a);
  setExportControl = (...a: Args<typeof tokens.setExportControl>) => tokens.setExportControl(this.core, ...a);
  // Smart Licensing online: registered product instances
  register = (...a: Args<typeof registering.register>) => registering.register(this.core, ...a);
  renewAuthorization = (...a: Args<typeof registrations.renewAuthorization>) => registrations.renewAuthorization(this.core, ...a);
  renewRegistration = (...a: Args<typeof registrations.renewRegistration>) => registrations.renewRegistration(this.core, ...a);
  reportUsage = (...a: Args<typeof registrations.reportUsage>) => registrations.reportUsage(this.core, ...a);
  deregister = (...a: Args<typeof registrations.deregister>) => registrations.deregister(this.core, ...a);
  removeRegistered = (...a: Args<typeof registeredAdmin.removeRegistered>) => registeredAdmin.removeRegistered(this.core, ...a);
  registeredInstances = (...a: Args<typeof registeredAdmin.registeredInstances>) => registeredAdmin.registeredInstances(this.core, ...a);
}
