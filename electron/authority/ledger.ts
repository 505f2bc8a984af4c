/**
 * The license authority: a SQLite ledger of virtual accounts, license lots, product instances, their
 * reservations and an event log, and the operations of the seeds' License Central. Every operation is one
 * transaction: it happens whole or not at all. The rules of allocation are pure (shared/authority); the
 * ledger is in parts: store.ts (connection, transactions, migrations, clock, log); what operations
 * share, a module each (lookups.ts, requests.ts, booking.ts, signing.ts, lockout.ts); and the operations by
 * area (keys, accounts, reservations, device codes, reports, users, tokens, registrations). `Ledger` is the one object the CLI, the app and the tests are handed.
 */
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { refuse } from '../../shared/errors.ts';
import type { InstanceLine, Issued, LedgerEvent, LicenseLine } from '../../shared/authority/views.ts';
import { AUTHORITY_DB } from '../platform/paths.ts';
import { BACKUP_MARK, LedgerStore, type AccountGuard } from './ledger/store.ts';
import { findInstance, isInitialized, requireInit } from './ledger/lookups.ts';
import { SqliteDb } from './db/sqlite/sqlite-db.ts';
import type { LedgerDb } from './db/ledger-db.ts';
import * as keys from './keys/keys.ts';
import * as escrow from './keys/key-escrow.ts';
import type { KeySecret, Protection } from './keys/key-storage.ts';
import * as accounts from './ledger/accounts.ts';
import * as reservations from './ledger/reservations.ts';
import * as deviceCodes from './ledger/device-codes.ts';
import * as expiringDates from './ledger/expiring.ts';
import * as reports from './ledger/reports.ts';
import * as query from './ledger/instance-query.ts';
import * as users from './users/users.ts';
import * as tokens from './users/tokens.ts';
import * as registrations from './ledger/registrations.ts';
import * as registering from './ledger/register.ts';
import * as registeredAdmin from './ledger/registered-admin.ts';
import * as exportGrants from './ledger/export-grants.ts';
import * as usage from './ledger/usage-reports.ts';
import * as notices from './ledger/notices.ts';
import * as webhooks from './webhooks/webhook-admin.ts';
import * as outbox from './webhooks/deliveries.ts';
import * as parent from './satellite/parent.ts';
import * as satelliteSide from './satellite/satellite-side.ts';
import * as satelliteViews from './satellite/satellites.ts';
import * as connected from './satellite/connected.ts';
import type { LinkFor } from './satellite/connected.ts';
import { httpsParentLink } from './satellite/parent-link.ts';

export type { InstanceLine, Issued, LedgerEvent, LicenseLine };
export { MAX_WRONG_CODES } from './ledger/lockout.ts';
export type { InstanceRow } from './ledger/lookups.ts';
export { CLOCK_TOLERANCE_MS, everyAccount, type AccountGuard } from './ledger/store.ts';
export type { LedgerDb } from './db/ledger-db.ts';

/** An operation's arguments after the ledger's store. */
type Args<F> = F extends (c: LedgerStore, ...rest: infer R) => unknown ? R : never;

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
        'Create one with `slr authority init --account "<smart account name>"`, name another directory with --home, or, to work on a License Central server, log in: `slr authority login --server URL --user NAME`.',
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
  /** The storage (database, actor, guard, keys, log): what every operation is handed; the server and the audit use it too. */
  readonly store: LedgerStore;

  private constructor(db: LedgerDb, actor: string, keySecret?: KeySecret, guard?: AccountGuard) {
    this.store = new LedgerStore(db, actor, keySecret, guard);
  }

  /**
   * The same ledger (connection, unlocked keys) acting for another user: the log names `actor`, and `guard`
   * decides which virtual accounts the operations may touch (the server makes one per request).
   */
  as(actor: string, guard: AccountGuard): Ledger {
    const other = new Ledger(this.store.db, actor, this.store.keySecret, guard);
    other.store.shareKeysOf(this.store);
    return other;
  }

  /** A ledger on `db` (any engine behind the LedgerDb interface), its schema brought up to date. */
  static async open(db: LedgerDb, actor: string, keySecret?: KeySecret): Promise<Ledger> {
    const ledger = new Ledger(db, actor, keySecret);
    try {
      await ledger.store.migrate();
    } catch (e) {
      await db.close();
      throw e;
    }
    return ledger;
  }

  close(): Promise<void> {
    return this.store.close();
  }
  isInitialized(): Promise<boolean> {
    return isInitialized(this.store);
  }
  /** Refuses (no-authority) a ledger that is not set up yet. */
  requireInit(): Promise<void> {
    return requireInit(this.store);
  }
  /** The latest time the ledger has seen, or null before the first write. */
  highWater(): Promise<number | null> {
    return this.store.highWater();
  }
  /** A consistent copy of the ledger, keys included, in `path` (mode 0600), marked as a backup made `now`. */
  backup(path: string, now: number) {
    return this.store.db.backupTo(path, { [BACKUP_MARK]: String(now) });
  }
  /** Checks the event log's chain: the first event that does not follow from the ones before, or none. */
  verifyEvents() {
    return this.store.verifyEvents();
  }
  /** The active product instance named by its full UDI or its serial number. */
  instance(ref: string) {
    return findInstance(this.store, ref);
  }

  // keys and the clock
  init = (...a: Args<typeof keys.init>) => keys.init(this.store, ...a);
  addKey = (...a: Args<typeof keys.addKey>) => keys.addKey(this.store, ...a);
  retireKey = (...a: Args<typeof keys.retireKey>) => keys.retireKey(this.store, ...a);
  keys = (...a: Args<typeof keys.keys>) => keys.keys(this.store, ...a);
  exportKey = (...a: Args<typeof keys.exportKey>) => keys.exportKey(this.store, ...a);
  recordKeyExport = (...a: Args<typeof keys.recordKeyExport>) => keys.recordKeyExport(this.store, ...a);
  acceptClock = (...a: Args<typeof keys.acceptClock>) => keys.acceptClock(this.store, ...a);
  backupKeys = (...a: Args<typeof escrow.backupKeys>) => escrow.backupKeys(this.store, ...a);
  restoreKeys = (...a: Args<typeof escrow.restoreKeys>) => escrow.restoreKeys(this.store, ...a);
  protectKeys = (...a: Args<typeof escrow.protectKeys>) => escrow.protectKeys(this.store, ...a);
  /** How the signing keys are kept: in plain text, under a passphrase, or sealed by the OS secret store. */
  async keyProtection(): Promise<Protection> {
    return (await this.store.protection())?.scheme ?? 'plaintext';
  }
  // accounts and licenses
  addAccount = (...a: Args<typeof accounts.addAccount>) => accounts.addAccount(this.store, ...a);
  addLicenses = (...a: Args<typeof accounts.addLicenses>) => accounts.addLicenses(this.store, ...a);
  transfer = (...a: Args<typeof accounts.transfer>) => accounts.transfer(this.store, ...a);
  transferLicenses = (...a: Args<typeof accounts.transferLicenses>) => accounts.transferLicenses(this.store, ...a);
  unlock = (...a: Args<typeof accounts.unlock>) => accounts.unlock(this.store, ...a);
  // reservations
  reserve = (...a: Args<typeof reservations.reserve>) => reservations.reserve(this.store, ...a);
  reserveBatch = (...a: Args<typeof reservations.reserveBatch>) => reservations.reserveBatch(this.store, ...a);
  update = (...a: Args<typeof reservations.update>) => reservations.update(this.store, ...a);
  rehost = (...a: Args<typeof reservations.rehost>) => reservations.rehost(this.store, ...a);
  latestCode = (...a: Args<typeof reservations.latestCode>) => reservations.latestCode(this.store, ...a);
  // the device's codes
  confirm = (...a: Args<typeof deviceCodes.confirm>) => deviceCodes.confirm(this.store, ...a);
  remove = (...a: Args<typeof deviceCodes.remove>) => deviceCodes.remove(this.store, ...a);
  // reports
  smartAccount = (...a: Args<typeof reports.smartAccount>) => reports.smartAccount(this.store, ...a);
  accounts = (...a: Args<typeof reports.accounts>) => reports.accounts(this.store, ...a);
  licenses = (...a: Args<typeof reports.licenses>) => reports.licenses(this.store, ...a);
  instances = (...a: Args<typeof reports.instances>) => reports.instances(this.store, ...a);
  instancePage = (...a: Args<typeof query.instancePage>) => query.instancePage(this.store, ...a);
  events = (...a: Args<typeof reports.events>) => reports.events(this.store, ...a);
  expiring = (...a: Args<typeof expiringDates.expiring>) => expiringDates.expiring(this.store, ...a);
  recordNotices = (...a: Args<typeof notices.recordNotices>) => notices.recordNotices(this.store, ...a);
  // offline usage reports of reserved instances
  importUsageReport = (...a: Args<typeof usage.importUsageReport>) => usage.importUsageReport(this.store, ...a);
  usageReports = (...a: Args<typeof usage.usageReports>) => usage.usageReports(this.store, ...a);
  setUsagePolicy = (...a: Args<typeof usage.setUsagePolicy>) => usage.setUsagePolicy(this.store, ...a);
  // the server's webhooks and their deliveries
  addWebhook = (...a: Args<typeof webhooks.addWebhook>) => webhooks.addWebhook(this.store, ...a);
  listWebhooks = (...a: Args<typeof webhooks.listWebhooks>) => webhooks.listWebhooks(this.store, ...a);
  removeWebhook = (...a: Args<typeof webhooks.removeWebhook>) => webhooks.removeWebhook(this.store, ...a);
  testWebhook = (...a: Args<typeof outbox.testWebhook>) => outbox.testWebhook(this.store, ...a);
  webhookDeliveries = (...a: Args<typeof outbox.webhookDeliveries>) => outbox.webhookDeliveries(this.store, ...a);
  deliverWebhooks = (...a: Args<typeof outbox.deliverWebhooks>) => outbox.deliverWebhooks(this.store, ...a);
  // the server's users
  addUser = (...a: Args<typeof users.addUser>) => users.addUser(this.store, ...a);
  listUsers = (...a: Args<typeof users.listUsers>) => users.listUsers(this.store, ...a);
  disableUser = (...a: Args<typeof users.disableUser>) => users.disableUser(this.store, ...a);
  setPassword = (...a: Args<typeof users.setPassword>) => users.setPassword(this.store, ...a);
  newApiToken = (...a: Args<typeof users.newApiToken>) => users.newApiToken(this.store, ...a);
  login = (...a: Args<typeof users.login>) => users.login(this.store, ...a);
  authenticate = (...a: Args<typeof users.authenticate>) => users.authenticate(this.store, ...a);
  endSession = (...a: Args<typeof users.endSession>) => users.endSession(this.store, ...a);
  // Smart Licensing online: registration tokens
  createToken = (...a: Args<typeof tokens.createToken>) => tokens.createToken(this.store, ...a);
  listTokens = (...a: Args<typeof tokens.listTokens>) => tokens.listTokens(this.store, ...a);
  revokeToken = (...a: Args<typeof tokens.revokeToken>) => tokens.revokeToken(this.store, ...a);
  setExportControl = (...a: Args<typeof tokens.setExportControl>) => tokens.setExportControl(this.store, ...a);
  // Smart Licensing online: registered product instances
  register = (...a: Args<typeof registering.register>) => registering.register(this.store, ...a);
  renewAuthorization = (...a: Args<typeof registrations.renewAuthorization>) => registrations.renewAuthorization(this.store, ...a);
  renewRegistration = (...a: Args<typeof registrations.renewRegistration>) => registrations.renewRegistration(this.store, ...a);
  reportUsage = (...a: Args<typeof registrations.reportUsage>) => registrations.reportUsage(this.store, ...a);
  deregister = (...a: Args<typeof registrations.deregister>) => registrations.deregister(this.store, ...a);
  exportRequest = (...a: Args<typeof exportGrants.exportRequest>) => exportGrants.exportRequest(this.store, ...a);
  exportReturn = (...a: Args<typeof exportGrants.exportReturn>) => exportGrants.exportReturn(this.store, ...a);
  removeRegistered = (...a: Args<typeof registeredAdmin.removeRegistered>) => registeredAdmin.removeRegistered(this.store, ...a);
  registeredInstances = (...a: Args<typeof registeredAdmin.registeredInstances>) => registeredAdmin.registeredInstances(this.store, ...a);
  // satellites: the parent's side, the satellite's side, and the sync files between them
  addSatellite = (...a: Args<typeof parent.addSatellite>) => parent.addSatellite(this.store, ...a);
  allocate = (...a: Args<typeof parent.allocate>) => parent.allocate(this.store, ...a);
  satellites = (...a: Args<typeof satelliteViews.satellites>) => satelliteViews.satellites(this.store, ...a);
  enrol = (...a: Args<typeof satelliteSide.enrol>) => satelliteSide.enrol(this.store, ...a);
  syncExport = (...a: Args<typeof satelliteSide.exportUp>) => satelliteSide.exportUp(this.store, ...a);
  syncImport = (...a: Args<typeof satelliteViews.importSyncFile>) => satelliteViews.importSyncFile(this.store, ...a);
  parentOf = (...a: Args<typeof satelliteViews.parentOf>) => satelliteViews.parentOf(this.store, ...a);
  satelliteEvents = (...a: Args<typeof satelliteViews.satelliteEvents>) => satelliteViews.satelliteEvents(this.store, ...a);
  /** A connected satellite's round with its parent (over HTTPS unless a link is given: the tests carry files in-process). */
  syncNow = (now: number, linkFor: LinkFor = httpsParentLink) => connected.syncRound(this.store, linkFor, now);
}
