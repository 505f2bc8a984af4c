/**
 * What a reservation asks for: the device's request code (used once, for a device that holds no other
 * reservation) and the licenses an administrator names, by the product's catalog.
 */
import { findAnyEntitlement, findEntitlement, type ProductProfile } from '../../../shared/catalog.ts';
import { parseRequestCode, reservationPiid, type RequestPayload } from '../../../shared/codes/device-codes.ts';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { refuse } from '../../../shared/errors.ts';
import { formatUdi } from '../../../shared/udi.ts';
import { cryptoBasics } from '../../platform/crypto.ts';
import type { LedgerStore } from './store.ts';

/**
 * What the ledger holds of a device that asks for a reservation, in one read: a reservation made for this very
 * request code ('used'), the device's active reservation ('taken'), its online registration ('online').
 */
const DEVICE_SEEN = `SELECT 'used' AS seen, id, piid, state, created_at, NULL AS account FROM instances WHERE piid = ?
  UNION ALL SELECT 'taken', id, piid, state, created_at, NULL FROM instances WHERE uuid = ? AND state = 'active'
  UNION ALL SELECT 'online', r.id, NULL, NULL, NULL, a.name FROM registered_instances r JOIN accounts a ON a.id = r.account_id
    WHERE r.uuid = ? AND r.state = 'registered'`;

interface Seen {
  readonly seen: 'used' | 'taken' | 'online';
  readonly id: number;
  readonly piid: string | null;
  readonly state: string | null;
  readonly created_at: number | null;
  readonly account: string | null;
}

/**
 * A request code, with the piid of the reservation it starts (bound to the UDI, the device key and the
 * request's nonce). A request code is used once: entered again, it is refused as a replay. `replacing` is
 * the instance a rehost replaces (the same device may ask for its licenses back with a new request). One
 * ledger, one truth: a device registered online is not reserved (registration and reservation exclude each other).
 */
export async function readRequest(c: LedgerStore, request: string, replacing?: number): Promise<RequestPayload & { piid: string }> {
  const payload = parseRequestCode(request);
  const piid = reservationPiid(cryptoBasics.sha256, payload.udi, payload.devicePublicKey, payload.nonce, payload.digest, payload.nodes);
  // The device first (a pooled write): no other write may reserve or register it while this one looks.
  const rows = await c.db.lockAndRead<Seen>(`device:${payload.udi.uuid}`, DEVICE_SEEN, piid, payload.udi.uuid, payload.udi.uuid);
  const used = rows.find((r) => r.seen === 'used');
  if (used) {
    refuse(
      'request-used',
      `This request code was already used: reservation ${piid} was made for it on ${formatInstant(Number(used.created_at))}${used.state === 'active' ? '' : ` and has since been ${used.state === 'failed' ? 'rehosted' : 'removed'}`}.`,
      'A request code serves one reservation. Ask the device for a new one (`license smart reservation request`).',
    );
  }
  const taken = rows.find((r) => r.seen === 'taken');
  if (taken && Number(taken.id) !== replacing) {
    refuse(
      'instance-exists',
      `The product instance ${formatUdi(payload.udi)} already has reserved licenses (reservation ${taken.piid}).`,
      'To change them use `slr authority update`; to start over, remove it with its return code first.',
    );
  }
  const online = rows.find((r) => r.seen === 'online');
  if (online)
    refuse(
      'instance-exists',
      `This product instance is registered online (instance ${online.id}, virtual account "${online.account}"): registration and reservation exclude each other.`,
      'Deregister it on the device (`license smart deregister`), or remove it here (`slr authority registered remove N`), then reserve.',
    );
  return { ...payload, piid };
}

/** The licenses named (by short name or tag) as counts by tag; a license of another product or named twice is refused. */
export function resolveTargets(product: ProductProfile, licenses: Readonly<Record<string, number>>): Record<string, number> {
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
