/**
 * Look-ups every operation starts from: whether the ledger is set up, a virtual account or an active
 * instance by the name an administrator gives (through the store's guard, so a caller only finds what it
 * may touch), and an instance's product, lots and holdings.
 */
import { productById, type ProductProfile } from '../../../shared/catalog.ts';
import { type Holding, type Lot } from '../../../shared/authority/allocation.ts';
import { refuse } from '../../../shared/errors.ts';
import { nameKey } from '../../../shared/text.ts';
import { formatUdi, makeUdi } from '../../../shared/udi.ts';
import type { LedgerStore } from './store.ts';
import type { LedgerDb } from '../db/ledger-db.ts';
import type { DeviceFinding } from '../../../shared/authority/views.ts';

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
  /** The newest authorization code the device is known to have run (its timestamp; 0: none known). */
  readonly device_ran: number;
  /** The latest finding about the device's state (ledger/device-state.ts): its kind, its words, when. */
  readonly device_finding: DeviceFinding | null;
  readonly device_warning: string | null;
  readonly device_warning_at: number | null;
  /** A cluster publisher's subscribers (JSON list) from its request code; null: standalone. */
  readonly nodes: string | null;
}

export interface LotRow extends Lot {
  readonly account_id: number;
}

/** The columns of an instance row with its account's name. */
export const INSTANCE_SELECT = 'SELECT i.*, a.name AS account FROM instances i JOIN accounts a ON a.id = i.account_id';

export async function isInitialized(c: LedgerStore): Promise<boolean> {
  return (await c.get<{ value: string }>("SELECT value FROM meta WHERE key = 'smart_account'")) !== undefined;
}

/** The databases found set up: a License Central once set up stays so (its smart account is never taken out of meta). */
const setUp = new WeakSet<LedgerDb>();

export async function requireInit(c: LedgerStore): Promise<void> {
  if (setUp.has(c.db)) return;
  if (!(await isInitialized(c)))
    refuse('no-authority', 'The license authority is not set up.', 'Run `slr authority init --account "<smart account name>"` first.');
  setUp.add(c.db);
}

/** Whether the store's guard lets the caller touch virtual account `name`. */
export function mayTouch(c: LedgerStore, name: string): boolean {
  try {
    c.guard(name);
    return true;
  } catch {
    return false;
  }
}

/** The virtual account `name`, by the one case rule; refused alike whether it exists or not when the caller may not touch it. */
export async function findAccount(c: LedgerStore, name: string): Promise<{ id: number; name: string }> {
  const row = await accountNamed(c, name);
  await c.db.lock(`account:${row.id}`);
  return row;
}

/** The virtual account `name`, locked as findAccount locks it, and its lots of `product`'s licenses, read after the lock in the same round trip. */
export async function findAccountAndLots(
  c: LedgerStore,
  name: string,
  product: ProductProfile,
): Promise<{ account: { id: number; name: string }; lots: Lot[] }> {
  // The caller's guard first (it compares names by their key): an account it may not touch is refused before any lock.
  c.guard(name);
  const key = nameKey(name);
  // A NUL cannot be written inline (nor be in a name on PostgreSQL): such a name is looked up as before.
  const rows = key.includes('\0') ? [] : await c.db.lockAndRead<AccountLot>(`account-named:${key}`, ACCOUNT_AND_LOTS, key);
  const found = new Map(rows.map((r) => [r.of_id, r.of_name]));
  // One case rule, as accountNamed's (an older ledger's twins: by exact name); none: refused as it refuses.
  const id = found.size > 1 ? [...found].find(([, n]) => n === name)?.[0] : [...found.keys()][0];
  if (id === undefined) {
    const account = await accountNamed(c, name);
    return { account, lots: keptLots(c, await c.db.lockAndRead<LotRow>(`account:${account.id}`, LOTS_OF_ACCOUNT, account.id), product) };
  }
  const lots = rows.filter((r) => r.of_id === id && r.id !== null).map(({ of_id: _id, of_name: _name, ...lot }) => lot);
  return { account: { id, name: found.get(id)! }, lots: keptLots(c, lots, product) };
}

/** An account (by its name's key) with each of its lots, read after its lock: a row per lot, one with no lot. */
const ACCOUNT_AND_LOTS = 'SELECT a.id AS of_id, a.name AS of_name, l.* FROM accounts a LEFT JOIN lots l ON l.account_id = a.id WHERE a.name_key = ?';
type AccountLot = LotRow & { readonly of_id: number; readonly of_name: string };

async function accountNamed(c: LedgerStore, name: string): Promise<{ id: number; name: string }> {
  // One case rule on both engines: the name's key, byte for byte (an older ledger's twins: by exact name).
  const rows = await c.all<{ id: number; name: string }>('SELECT id, name FROM accounts WHERE name_key = ?', nameKey(name));
  const row = rows.length > 1 ? rows.find((r) => r.name === name) : rows[0];
  if (!row) {
    // Refused alike (403) whether it exists or not when the caller may not touch it; else the ones it may are named.
    c.guard(name);
    const names = (await c.all<{ name: string }>('SELECT name FROM accounts ORDER BY name')).map((r) => r.name).filter((n) => mayTouch(c, n));
    refuse(
      'no-account',
      `There is no virtual account "${name}".`,
      `Virtual accounts: ${names.join(', ') || 'none'}. Add one with \`slr authority account add <name>\`.`,
    );
  }
  c.guard(row.name);
  return row;
}

/** The active instance named by its full UDI or its serial number. */
export async function findInstance(c: LedgerStore, ref: string): Promise<InstanceRow> {
  await requireInit(c);
  const key = ref.trim();
  let rows: InstanceRow[];
  // The name `show instances` prints (the seeds' "UDI_PID UCM; UDI_SN cc920") names it by its serial number too.
  const shown = /^UDI_PID\s+([A-Za-z0-9_]{1,16});\s*UDI_SN\s+([0-9a-fA-F]{5})$/.exec(key);
  if (/^[0-9a-fA-F]{5}$/.test(key) || shown) {
    const sn = (shown?.[2] ?? key).toLowerCase();
    rows = (await c.all<InstanceRow>(`${INSTANCE_SELECT} WHERE i.sn = ? AND i.state = 'active'`, sn)).filter(
      (r) => !shown || r.product === shown[1]!.toUpperCase(),
    );
  } else {
    const m = /U:([0-9a-fA-F-]{36})/.exec(key);
    if (!m)
      refuse('bad-instance', `"${key}" is neither a UDI (P:…,S:…,U:…), a serial number (5 hex digits) nor an instance's name as listed (UDI_PID …; UDI_SN …).`);
    rows = await c.all<InstanceRow>(`${INSTANCE_SELECT} WHERE i.uuid = ? AND i.state = 'active'`, m[1]!.toLowerCase());
  }
  if (rows.length === 0) refuse('no-instance', `No product instance with reserved licenses matches ${key}.`, 'See `slr authority show instances`.');
  if (rows.length > 1) {
    refuse(
      'ambiguous-instance',
      `Serial number ${key} matches ${rows.length} product instances: ${rows.map((r) => udiOf(r)).join('; ')}.`,
      'Name the instance by its full UDI.',
    );
  }
  const found = rows[0]!;
  c.guard(found.account);
  // Read again if a pooled write waited for its account; the account itself cannot have changed meanwhile: only a
  // write alone moves an instance, and none runs beside a pooled one.
  const again = await readAfterLocking(c, [found.account_id], found, () =>
    c.get<InstanceRow>(`${INSTANCE_SELECT} WHERE i.id = ? AND i.state = 'active'`, found.id),
  );
  if (!again) refuse('no-instance', `No product instance with reserved licenses matches ${key}.`, 'See `slr authority show instances`.');
  return again;
}

/**
 * Locks virtual accounts `accountIds` (in the order of their ids) for a pooled write. A row read before the locks
 * may have been changed by another write on them meanwhile: when a lock had to be taken just now, the row is
 * read again (`again`); otherwise (SQLite, a write alone, a lock held already) `read` stands.
 */
export async function readAfterLocking<T>(c: LedgerStore, accountIds: readonly number[], read: T, again: () => Promise<T>): Promise<T> {
  let taken = false;
  for (const id of [...new Set(accountIds)].sort((a, b) => a - b)) taken = (await c.db.lock(`account:${id}`)) || taken;
  return taken ? again() : read;
}

export function udiOf(row: Pick<InstanceRow, 'product' | 'uuid'>): string {
  return formatUdi(makeUdi(productById(row.product)!, row.uuid));
}

export function productOf(row: Pick<InstanceRow, 'product'>): ProductProfile {
  return productById(row.product)!;
}

/** The key a lot is kept under for the rest of a pooled write (LedgerDb.memo). */
export const lotKey = (id: number) => `lot:${id}`;

/** The account's lots of the product's licenses. */
export async function lotsOf(c: LedgerStore, accountId: number, product: ProductProfile): Promise<Lot[]> {
  return keptLots(c, await c.all<LotRow>(LOTS_OF_ACCOUNT, accountId), product);
}

const LOTS_OF_ACCOUNT = 'SELECT * FROM lots WHERE account_id = ?';

/** An account's lots of `product`'s licenses; each kept for the write's later steps (a code's entitlement lines: its license, type and dates). */
function keptLots(c: LedgerStore, lots: readonly LotRow[], product: ProductProfile): Lot[] {
  const tags = new Set(product.entitlements.map((e) => e.tag));
  for (const lot of lots) void c.db.memo(lotKey(lot.id), async () => lot);
  return lots.filter((l) => tags.has(l.tag));
}

export async function holdingsOf(c: LedgerStore, instanceId: number): Promise<Holding[]> {
  return (await c.all<{ lot_id: number; count: number }>('SELECT lot_id, count FROM holdings WHERE instance_id = ?', instanceId)).map((h) => ({
    lotId: h.lot_id,
    count: h.count,
  }));
}
