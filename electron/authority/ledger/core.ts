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
import { nameKey, textProblem } from '../../../shared/text.ts';
import { formatUdi, makeUdi, type Udi } from '../../../shared/udi.ts';
import { authorityCrypto, cryptoBasics, type PrivateKeyOps } from '../../platform/crypto.ts';
import { LedgerStore } from './store.ts';

export const MAX_WRONG_CODES = 5;

/** A reason that goes into the log: printable text of at most 500 characters. */
export function checkReason(reason: string): void {
  const problem = textProblem(reason, 500);
  if (problem) refuse('bad-text', `The reason is not acceptable: ${problem}.`, 'A reason is printable text of at most 500 characters.');
}
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
  async isInitialized(): Promise<boolean> {
    return (await this.get<{ value: string }>("SELECT value FROM meta WHERE key = 'smart_account'")) !== undefined;
  }

  async requireInit(): Promise<void> {
    if (!(await this.isInitialized()))
      refuse('no-authority', 'The license authority is not set up.', 'Run `slr authority init --account "<smart account name>"` first.');
  }

  async account(name: string): Promise<{ id: number; name: string }> {
    // One case rule on both engines: the name's key, byte for byte (an older ledger's twins: by exact name).
    const rows = await this.all<{ id: number; name: string }>('SELECT id, name FROM accounts WHERE name_key = ?', nameKey(name));
    const row = rows.length > 1 ? rows.find((r) => r.name === name) : rows[0];
    if (!row) {
      // Refused alike (403) whether it exists or not when the caller may not touch it; else the ones it may are named.
      this.guard(name);
      const names = (await this.all<{ name: string }>('SELECT name FROM accounts ORDER BY name')).map((r) => r.name).filter((n) => this.mayTouch(n));
      refuse(
        'no-account',
        `There is no virtual account "${name}".`,
        `Virtual accounts: ${names.join(', ') || 'none'}. Add one with \`slr authority account add <name>\`.`,
      );
    }
    this.guard(row.name);
    return row;
  }

  /** The active instance named by its full UDI or its serial number. */
  async instance(ref: string): Promise<InstanceRow> {
    await this.requireInit();
    const key = ref.trim();
    const select = 'SELECT i.*, a.name AS account FROM instances i JOIN accounts a ON a.id = i.account_id';
    let rows: InstanceRow[];
    if (/^[0-9a-fA-F]{5}$/.test(key)) {
      rows = await this.all<InstanceRow>(`${select} WHERE i.sn = ? AND i.state = 'active'`, key.toLowerCase());
    } else {
      const m = /U:([0-9a-fA-F-]{36})/.exec(key);
      rows = m ? await this.all<InstanceRow>(`${select} WHERE i.uuid = ? AND i.state = 'active'`, m[1]!.toLowerCase()) : [];
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
    this.guard(rows[0]!.account);
    return rows[0]!;
  }

  /** Whether the guard lets the caller touch virtual account `name`. */
  mayTouch(name: string): boolean {
    try {
      this.guard(name);
      return true;
    } catch {
      return false;
    }
  }

  udiOf(row: Pick<InstanceRow, 'product' | 'uuid'>): string {
    return formatUdi(makeUdi(productById(row.product)!, row.uuid));
  }

  productOf(row: Pick<InstanceRow, 'product'>): ProductProfile {
    return productById(row.product)!;
  }

  async lotsOf(accountId: number, product: ProductProfile): Promise<Lot[]> {
    const tags = new Set(product.entitlements.map((e) => e.tag));
    return (await this.all<LotRow>('SELECT * FROM lots WHERE account_id = ?', accountId)).filter((l) => tags.has(l.tag));
  }

  async holdingsOf(instanceId: number): Promise<Holding[]> {
    return (await this.all<{ lot_id: number; count: number }>('SELECT lot_id, count FROM holdings WHERE instance_id = ?', instanceId)).map((h) => ({
      lotId: h.lot_id,
      count: h.count,
    }));
  }

  async signingKey(): Promise<{ id: string; private_key: string }> {
    const key = await this.get<{ id: string; private_key: string }>(
      'SELECT id, private_key FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1',
    );
    if (!key) refuse('no-key', 'The authority has no active signing key.', 'Add one with `slr authority key add`.');
    return key;
  }

  /** The authority's crypto port, with every signing key of the ledger at hand (they are few). */
  async crypto() {
    const storage = await this.keyStorage();
    const keys = new Map((await this.all<{ id: string; private_key: string }>('SELECT id, private_key FROM signing_keys')).map((k) => [k.id, k.private_key]));
    const opened = new Map<string, PrivateKeyOps>();
    return authorityCrypto((id) => {
      const key = keys.get(id);
      if (key === undefined) throw new Error(`signing key ${id} is not in the ledger`);
      let ops = opened.get(id);
      if (!ops) opened.set(id, (ops = storage.open(id, key)));
      return ops;
    });
  }

  /**
   * A request code, with the piid of the reservation it starts (bound to the UDI, the device key and the
   * request's nonce). A request code is used once: entered again, it is refused as a replay. `replacing` is
   * the instance a rehost replaces (the same device may ask for its licenses back with a new request).
   */
  async parseRequest(request: string, replacing?: number): Promise<RequestPayload & { piid: string }> {
    const payload = parseRequestCode(request);
    const piid = reservationPiid(cryptoBasics.sha256, payload.udi, payload.devicePublicKey, payload.nonce);
    const used = await this.get<{ state: string; created_at: number }>('SELECT state, created_at FROM instances WHERE piid = ?', piid);
    if (used) {
      refuse(
        'request-used',
        `This request code was already used: reservation ${piid} was made for it on ${formatInstant(used.created_at)}${used.state === 'active' ? '' : ` and has since been ${used.state === 'failed' ? 'rehosted' : 'removed'}`}.`,
        'A request code serves one reservation. Ask the device for a new one (`license smart reservation request`).',
      );
    }
    const taken = await this.get<{ id: number; piid: string }>("SELECT id, piid FROM instances WHERE uuid = ? AND state = 'active'", payload.udi.uuid);
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

  /** Applies a plan: holdings replaced, released ones into transition (the database keeps `lots.blocked` in step). */
  async applyPlan(instanceId: number, after: readonly Holding[], released: readonly Holding[], codeTimestamp: number): Promise<void> {
    await this.run('DELETE FROM holdings WHERE instance_id = ?', instanceId);
    for (const h of after) await this.run('INSERT INTO holdings (instance_id, lot_id, count) VALUES (?, ?, ?)', instanceId, h.lotId, h.count);
    for (const h of released)
      await this.run('INSERT INTO transitions (instance_id, lot_id, count, code_timestamp) VALUES (?, ?, ?, ?)', instanceId, h.lotId, h.count, codeTimestamp);
  }

  /** Entitlement lines for holdings: one per tag and term. */
  async entitlementsFor(product: ProductProfile, holdings: readonly Holding[]): Promise<Entitlement[]> {
    const lines = new Map<string, Entitlement>();
    for (const h of holdings) {
      const lot = (await this.get<LotRow>('SELECT * FROM lots WHERE id = ?', h.lotId))!;
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
  async sign(
    instance: Pick<InstanceRow, 'id' | 'product' | 'uuid' | 'piid' | 'last_timestamp'>,
    holdings: readonly Holding[],
    now: number,
  ): Promise<{ code: string; timestamp: number }> {
    const product = this.productOf(instance);
    const key = await this.signingKey();
    const timestamp = this.nextTimestamp(instance, now);
    const code = issueAuthorizationCode(
      { udi: makeUdi(product, instance.uuid), piid: instance.piid, timestamp, entitlements: await this.entitlementsFor(product, holdings), keyId: key.id },
      await this.crypto(),
    );
    await this.run('INSERT INTO codes (instance_id, timestamp, key_id, code, issued_at) VALUES (?, ?, ?, ?, ?)', instance.id, timestamp, key.id, code, now);
    await this.run('UPDATE instances SET last_timestamp = ?, last_contact = ? WHERE id = ?', timestamp, now, instance.id);
    return { code, timestamp };
  }

  async describe(product: ProductProfile, holdings: readonly Holding[]): Promise<string> {
    return (
      (await this.entitlementsFor(product, holdings))
        .map((e) => `${e.count} x ${e.displayName}${e.licenseType === 'TERM' ? ` (to ${e.endDate})` : ''}`)
        .join(', ') || 'no licenses'
    );
  }

  async newInstance(accountId: number, request: RequestPayload & { piid: string }, now: number): Promise<InstanceRow> {
    const piid = request.piid;
    const id = Number(
      (
        await this.run(
          "INSERT INTO instances (account_id, product, uuid, sn, device_key, piid, state, created_at, last_contact, last_timestamp) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, 0)",
          accountId,
          request.udi.pid,
          request.udi.uuid,
          request.udi.sn,
          request.devicePublicKey,
          piid,
          now,
          now,
        )
      ).lastId,
    );
    return (await this.get<InstanceRow>('SELECT i.*, a.name AS account FROM instances i JOIN accounts a ON a.id = i.account_id WHERE i.id = ?', id))!;
  }

  async refsOf(instance: Pick<InstanceRow, 'id' | 'product' | 'uuid' | 'device_key' | 'piid'>): Promise<(CodeRef & { confirmedAt: number | null })[]> {
    const udi: Udi = makeUdi(this.productOf(instance), instance.uuid);
    return (
      await this.all<{ timestamp: number; key_id: string; confirmed_at: number | null }>(
        'SELECT timestamp, key_id, confirmed_at FROM codes WHERE instance_id = ? ORDER BY timestamp DESC LIMIT ?',
        instance.id,
        CODE_CANDIDATES,
      )
    ).map((c) => ({ udi, devicePublicKey: instance.device_key, piid: instance.piid, timestamp: c.timestamp, keyId: c.key_id, confirmedAt: c.confirmed_at }));
  }

  /** Frees everything the instance blocks (holdings and transitions). */
  async releaseAll(instanceId: number): Promise<number> {
    const rows = [
      ...(await this.all<{ lot_id: number; count: number }>('SELECT lot_id, count FROM holdings WHERE instance_id = ?', instanceId)),
      ...(await this.all<{ lot_id: number; count: number }>('SELECT lot_id, count FROM transitions WHERE instance_id = ?', instanceId)),
    ];
    await this.run('DELETE FROM holdings WHERE instance_id = ?', instanceId);
    await this.run('DELETE FROM transitions WHERE instance_id = ?', instanceId);
    return rows.reduce((n, r) => n + r.count, 0);
  }
}
