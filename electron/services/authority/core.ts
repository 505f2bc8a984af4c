/**
 * What the ledger's operations share: look-ups (accounts, instances, lots, holdings, keys), the booking of
 * a reservation plan, the signing of authorization codes, and the checking of a device's code under the
 * lockout. The operations themselves are in keys.ts, accounts.ts, reservations.ts, device-codes.ts and
 * reports.ts; ledger.ts puts them together.
 */
import { findAnyEntitlement, findEntitlement, productById, type ProductProfile } from '../../../shared/catalog.ts';
import { entitlementFor, issueAuthorizationCode, type CodeRef } from '../../../shared/authority/issue.ts';
import { type Holding, type Lot } from '../../../shared/authority/allocation.ts';
import { type Entitlement } from '../../../shared/codes/authorization-code.ts';
import { parseRequestCode, reservationPiid, type RequestPayload } from '../../../shared/codes/device-codes.ts';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { refuse, type RefusalCode } from '../../../shared/errors.ts';
import { formatUdi, makeUdi, type Udi } from '../../../shared/udi.ts';
import { authorityCrypto, cryptoBasics } from '../crypto.ts';
import { LedgerStore } from './store.ts';

export const MAX_WRONG_CODES = 5;
const CODE_CANDIDATES = 50;
/** Refusals that count towards the lockout: a code that is wrong, for another device, replayed or superseded. */
export const COUNTED = new Set<RefusalCode>(['wrong-code', 'wrong-device', 'replayed-code', 'superseded-code']);

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

export interface LotRow extends Lot {
  readonly account_id: number;
}

export class LedgerCore extends LedgerStore {
  isInitialized(): boolean {
    return this.get<{ value: string }>("SELECT value FROM meta WHERE key = 'smart_account'") !== undefined;
  }

  requireInit(): void {
    if (!this.isInitialized())
      refuse('no-authority', 'The license authority is not set up.', 'Run `slr authority init --account "<smart account name>"` first.');
  }

  account(name: string): { id: number; name: string } {
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

  udiOf(row: Pick<InstanceRow, 'product' | 'uuid'>): string {
    return formatUdi(makeUdi(productById(row.product)!, row.uuid));
  }

  productOf(row: Pick<InstanceRow, 'product'>): ProductProfile {
    return productById(row.product)!;
  }

  lotsOf(accountId: number, product: ProductProfile): Lot[] {
    const tags = new Set(product.entitlements.map((e) => e.tag));
    return this.all<LotRow>('SELECT * FROM lots WHERE account_id = ?', accountId).filter((l) => tags.has(l.tag));
  }

  holdingsOf(instanceId: number): Holding[] {
    return this.all<{ lot_id: number; count: number }>('SELECT lot_id, count FROM holdings WHERE instance_id = ?', instanceId).map((h) => ({
      lotId: h.lot_id,
      count: h.count,
    }));
  }

  signingKey(): { id: string; private_key: string } {
    const key = this.get<{ id: string; private_key: string }>(
      'SELECT id, private_key FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1',
    );
    if (!key) refuse('no-key', 'The authority has no active signing key.', 'Add one with `slr authority key add`.');
    return key;
  }

  crypto() {
    return authorityCrypto((id) => {
      const row = this.get<{ private_key: string }>('SELECT private_key FROM signing_keys WHERE id = ?', id);
      if (!row) throw new Error(`signing key ${id} is not in the ledger`);
      return row.private_key;
    });
  }

  findOrCreateLot(accountId: number, tag: string, type: 'PERPETUAL' | 'TERM', start: number | null, end: number | null): number {
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

  /**
   * A request code, with the piid of the reservation it starts (bound to the UDI, the device key and the
   * request's nonce). A request code is used once: entered again, it is refused as a replay. `replacing` is
   * the instance a rehost replaces (the same device may ask for its licenses back with a new request).
   */
  parseRequest(request: string, replacing?: number): RequestPayload & { piid: string } {
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

  resolveTargets(product: ProductProfile, licenses: Readonly<Record<string, number>>): Record<string, number> {
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
  applyPlan(instanceId: number, before: readonly Holding[], after: readonly Holding[], released: readonly Holding[], codeTimestamp: number): void {
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
  entitlementsFor(product: ProductProfile, holdings: readonly Holding[]): Entitlement[] {
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

  /** The timestamp of the instance's next authorization code: now, and always after its last one. */
  nextTimestamp(instance: Pick<InstanceRow, 'last_timestamp'>, now: number): number {
    return Math.max(now, instance.last_timestamp + 1);
  }

  /** Signs and records a new authorization code for the instance, at nextTimestamp. */
  sign(
    instance: Pick<InstanceRow, 'id' | 'product' | 'uuid' | 'piid' | 'last_timestamp'>,
    holdings: readonly Holding[],
    now: number,
  ): { code: string; timestamp: number } {
    const product = this.productOf(instance);
    const key = this.signingKey();
    const timestamp = this.nextTimestamp(instance, now);
    const code = issueAuthorizationCode(
      { udi: makeUdi(product, instance.uuid), piid: instance.piid, timestamp, entitlements: this.entitlementsFor(product, holdings), keyId: key.id },
      this.crypto(),
    );
    this.run('INSERT INTO codes (instance_id, timestamp, key_id, code, issued_at) VALUES (?, ?, ?, ?, ?)', instance.id, timestamp, key.id, code, now);
    this.run('UPDATE instances SET last_timestamp = ?, last_contact = ? WHERE id = ?', timestamp, now, instance.id);
    return { code, timestamp };
  }

  describe(product: ProductProfile, holdings: readonly Holding[]): string {
    return (
      this.entitlementsFor(product, holdings)
        .map((e) => `${e.count} x ${e.displayName}${e.licenseType === 'TERM' ? ` (to ${e.endDate})` : ''}`)
        .join(', ') || 'no licenses'
    );
  }

  newInstance(accountId: number, request: RequestPayload & { piid: string }, now: number): InstanceRow {
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

  refsOf(instance: Pick<InstanceRow, 'id' | 'product' | 'uuid' | 'device_key' | 'piid'>): (CodeRef & { confirmedAt: number | null })[] {
    const udi: Udi = makeUdi(this.productOf(instance), instance.uuid);
    return this.all<{ timestamp: number; key_id: string; confirmed_at: number | null }>(
      'SELECT timestamp, key_id, confirmed_at FROM codes WHERE instance_id = ? ORDER BY timestamp DESC LIMIT ?',
      instance.id,
      CODE_CANDIDATES,
    ).map((c) => ({ udi, devicePublicKey: instance.device_key, piid: instance.piid, timestamp: c.timestamp, keyId: c.key_id, confirmedAt: c.confirmed_at }));
  }

  /** Frees everything the instance blocks (holdings and transitions). */
  releaseAll(instanceId: number): number {
    const rows = [
      ...this.all<{ lot_id: number; count: number }>('SELECT lot_id, count FROM holdings WHERE instance_id = ?', instanceId),
      ...this.all<{ lot_id: number; count: number }>('SELECT lot_id, count FROM transitions WHERE instance_id = ?', instanceId),
    ];
    for (const r of rows) this.run('UPDATE lots SET blocked = blocked - ? WHERE id = ?', r.count, r.lot_id);
    this.run('DELETE FROM holdings WHERE instance_id = ?', instanceId);
    this.run('DELETE FROM transitions WHERE instance_id = ?', instanceId);
    return rows.reduce((n, r) => n + r.count, 0);
  }

  /** Moves `count` of lot `lotId` to the matching lot of another account; returns the target lot. */
  moveLot(lot: LotRow, toAccount: number, count: number, blocked: number): number {
    const target = this.findOrCreateLot(toAccount, lot.tag, lot.type, lot.start, lot.end);
    this.run('UPDATE lots SET count = count - ?, blocked = blocked - ? WHERE id = ?', count, blocked, lot.id);
    this.run('UPDATE lots SET count = count + ?, blocked = blocked + ? WHERE id = ?', count, blocked, target);
    return target;
  }
}
