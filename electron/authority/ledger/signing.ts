/**
 * The signing of authorization codes: the active signing key, the authority's crypto port over the
 * ledger's keys, the entitlement lines of a set of holdings, and a new code recorded for an instance
 * (always later than its last one).
 */
import { findEntitlement, type ProductProfile } from '../../../shared/catalog.ts';
import { entitlementFor, issueAuthorizationCode } from '../../../shared/authority/issue.ts';
import { type Holding } from '../../../shared/authority/allocation.ts';
import { type Entitlement } from '../../../shared/codes/authorization-code.ts';
import { refuse } from '../../../shared/errors.ts';
import { codeMark, EMPTY_HEAD, MAX_KNOWN, parseCheckpoint, splitCheckpoint } from '../../../shared/codes/checkpoint.ts';
import { makeUdi } from '../../../shared/udi.ts';
import { authorityCrypto, type PrivateKeyOps } from '../../platform/crypto.ts';
import { lotKey, productOf, type InstanceRow, type LotRow } from './lookups.ts';
import type { LedgerStore } from './store.ts';
import type { KeyStorage } from '../keys/key-storage.ts';

type KeyRow = { id: string; private_key: string; retired_at: number | null };

/** The ledger's signing keys, oldest first: read once per pooled write, whose steps each need them. */
export function signingKeys(c: LedgerStore): Promise<readonly KeyRow[]> {
  return c.db.memo('signing_keys', () => c.all<KeyRow>('SELECT id, private_key, retired_at FROM signing_keys ORDER BY created_at, rowid'));
}

/**
 * What signing a code reads, in one statement: the signing keys (kept for the rest of the write, as signingKeys
 * keeps them) and the log's last event.
 */
const SIGNING_STATE = `SELECT 0 AS head, id, private_key, retired_at, NULL AS hash, created_at, rowid FROM signing_keys
  UNION ALL SELECT 1, CAST(id AS TEXT), NULL, NULL, hash, NULL, NULL FROM (SELECT id, hash FROM events ORDER BY id DESC LIMIT 1) last
  ORDER BY head, created_at, rowid`;

async function signingState(c: LedgerStore): Promise<{ events: number; head: string }> {
  const rows = await c.all<KeyRow & { head: number; hash: string | null }>(SIGNING_STATE);
  const keys = rows.filter((r) => Number(r.head) === 0).map(({ id, private_key, retired_at }) => ({ id, private_key, retired_at }));
  void c.db.memo('signing_keys', async () => keys);
  const last = rows.find((r) => Number(r.head) === 1);
  return positionOf(last);
}

/** The newest signing key not retired: the one new codes are signed with. */
export async function signingKey(c: LedgerStore): Promise<{ id: string; private_key: string }> {
  const key = (await signingKeys(c)).findLast((k) => k.retired_at === null);
  if (!key) refuse('no-key', 'The authority has no active signing key.', 'Add one with `slr authority key add`.');
  return key;
}

/** The key License Central signs the device's identity with: one the device trusts (else nothing is registered). */
export async function identityKey(c: LedgerStore, trustedKeyIds: readonly string[]): Promise<string> {
  const current = await signingKey(c);
  if (trustedKeyIds.includes(current.id)) return current.id;
  const older = (await signingKeys(c)).filter((k) => k.retired_at === null).reverse();
  const usable = older.find((k) => trustedKeyIds.includes(k.id));
  if (!usable)
    refuse(
      'untrusted',
      `This product instance trusts none of License Central's signing keys (${older.map((k) => k.id).join(', ')}): it could not check the answer, so nothing was registered and the token was not used.`,
      'Export the key file at License Central (`slr authority key export`) and add it on the device (`license smart trust add FILE`), then register again.',
    );
  return usable.id;
}

/**
 * The keys each key storage has opened, by their id and stored text: a key is opened (decrypted, parsed) once
 * while its ledger is open, not once per code. A key stored anew (restored, re-protected) is another entry.
 */
const openedBy = new WeakMap<KeyStorage, Map<string, PrivateKeyOps>>();

/** The authority's crypto port, with every signing key of the ledger at hand (they are few). */
export async function ledgerCrypto(c: LedgerStore) {
  const storage = await c.keyStorage();
  const keys = new Map((await signingKeys(c)).map((k) => [k.id, k.private_key]));
  let opened = openedBy.get(storage);
  if (!opened) openedBy.set(storage, (opened = new Map()));
  return authorityCrypto((id) => {
    const key = keys.get(id);
    if (key === undefined) throw new Error(`signing key ${id} is not in the ledger`);
    let ops = opened.get(`${id}\n${key}`);
    if (!ops) opened.set(`${id}\n${key}`, (ops = storage.open(id, key)));
    return ops;
  });
}

/** Entitlement lines for holdings: one per tag and term, in the catalog's order. */
export async function entitlementsFor(c: LedgerStore, product: ProductProfile, holdings: readonly Holding[]): Promise<Entitlement[]> {
  const lines = new Map<string, Entitlement>();
  for (const h of holdings) {
    // Its license, type and dates (what no pooled write changes; its counts may be older than this write's).
    const lot = (await c.db.memo(lotKey(h.lotId), () => c.get<LotRow>('SELECT * FROM lots WHERE id = ?', h.lotId)))!;
    const def = findEntitlement(product, lot.tag)!;
    const term = lot.type === 'TERM' ? { start: lot.start!, end: lot.end! } : undefined;
    const key = `${lot.tag}|${lot.type}|${lot.start}|${lot.end}`;
    const prev = lines.get(key);
    lines.set(key, prev ? { ...prev, count: prev.count + h.count } : entitlementFor(def, h.count, term));
  }
  const order = (tag: string) => product.entitlements.findIndex((e) => e.tag === tag);
  return [...lines.values()].sort((a, b) => order(a.tag) - order(b.tag) || a.endDate.localeCompare(b.endDate));
}

/** Holdings in words, for the log: "2 x Unified CM Enhanced License, 1 x … (to 2027-01-31)". */
export async function describeHoldings(c: LedgerStore, product: ProductProfile, holdings: readonly Holding[]): Promise<string> {
  return (
    (await entitlementsFor(c, product, holdings))
      .map((e) => `${e.count} x ${e.displayName}${e.licenseType === 'TERM' ? ` (to ${e.endDate})` : ''}`)
      .join(', ') || 'no licenses'
  );
}

/** The timestamp of the instance's next authorization code: now, and always after its last one. */
export function nextTimestamp(instance: Pick<InstanceRow, 'last_timestamp'>, now: number): number {
  return Math.max(now, instance.last_timestamp + 1);
}

/** The log's position given its last event (or none): how many events, and that one's hash. */
const positionOf = (last: { id: number | string; hash: string | null } | undefined): { events: number; head: string } =>
  last ? { events: Number(last.id), head: last.hash ?? EMPTY_HEAD } : { events: 0, head: EMPTY_HEAD };

/** The ledger's event log now: how many events, and the last one's hash (the checkpoint every code carries). */
export async function logPosition(c: LedgerStore): Promise<{ events: number; head: string }> {
  const last = await c.get<{ id: number; hash: string | null }>('SELECT id, hash FROM events ORDER BY id DESC LIMIT 1');
  return positionOf(last);
}

/**
 * The codes issued to the instance that its device may hold (checkpoint.ts's `known`): the last one confirmed
 * and every one after it, by their checkpoints; codes issued before checkpoints existed are not named.
 */
async function knownCodes(c: LedgerStore, instance: Pick<InstanceRow, 'id' | 'last_timestamp'>): Promise<{ known: string[]; confirmed: number }> {
  if (instance.last_timestamp === 0) return { known: [], confirmed: 0 }; // no code issued to it yet
  const instanceId = instance.id;
  const rows = await c.all<{ code: string; confirmed_at: number | null }>(
    'SELECT code, confirmed_at FROM codes WHERE instance_id = ? ORDER BY timestamp',
    instanceId,
  );
  const confirmed = rows.map((r) => r.confirmed_at !== null).lastIndexOf(true);
  const checkpoints = rows.slice(Math.max(0, confirmed)).map((r) => {
    const token = splitCheckpoint(r.code).checkpoint;
    return token ? parseCheckpoint(token) : null;
  });
  const known = checkpoints.flatMap((cp) => (cp ? [codeMark(cp)] : [])).slice(-MAX_KNOWN);
  const last = confirmed >= 0 ? checkpoints[0] : null;
  return { known, confirmed: last && known[0] === codeMark(last) ? last.events : 0 };
}

/** Signs and records a new authorization code for the instance, at nextTimestamp, with the log's checkpoint. */
export async function signCode(
  c: LedgerStore,
  instance: Pick<InstanceRow, 'id' | 'product' | 'uuid' | 'piid' | 'last_timestamp'>,
  holdings: readonly Holding[],
  now: number,
): Promise<{ code: string; timestamp: number }> {
  const product = productOf(instance);
  const position = await signingState(c);
  const key = await signingKey(c);
  const timestamp = nextTimestamp(instance, now);
  const code = issueAuthorizationCode(
    {
      udi: makeUdi(product, instance.uuid),
      piid: instance.piid,
      timestamp,
      entitlements: await entitlementsFor(c, product, holdings),
      keyId: key.id,
      log: { ...position, ...(await knownCodes(c, instance)) },
    },
    await ledgerCrypto(c),
  );
  // Written soon (with the write's next message): nothing here reads them back.
  await c.db.soon('INSERT INTO codes (instance_id, timestamp, key_id, code, issued_at) VALUES (?, ?, ?, ?, ?)', instance.id, timestamp, key.id, code, now);
  await c.db.soon('UPDATE instances SET last_timestamp = ?, last_contact = ? WHERE id = ?', timestamp, now, instance.id);
  return { code, timestamp };
}
