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
 * A request code, with the piid of the reservation it starts (bound to the UDI, the device key and the
 * request's nonce). A request code is used once: entered again, it is refused as a replay. `replacing` is
 * the instance a rehost replaces (the same device may ask for its licenses back with a new request).
 */
export async function readRequest(c: LedgerStore, request: string, replacing?: number): Promise<RequestPayload & { piid: string }> {
  const payload = parseRequestCode(request);
  // The device first (a pooled write): no other write may reserve or register it while this one looks.
  await c.db.lock(`device:${payload.udi.uuid}`);
  const piid = reservationPiid(cryptoBasics.sha256, payload.udi, payload.devicePublicKey, payload.nonce, payload.digest, payload.nodes);
  const used = await c.get<{ state: string; created_at: number }>('SELECT state, created_at FROM instances WHERE piid = ?', piid);
  if (used) {
    refuse(
      'request-used',
      `This request code was already used: reservation ${piid} was made for it on ${formatInstant(used.created_at)}${used.state === 'active' ? '' : ` and has since been ${used.state === 'failed' ? 'rehosted' : 'removed'}`}.`,
      'A request code serves one reservation. Ask the device for a new one (`license smart reservation request`).',
    );
  }
  const taken = await c.get<{ id: number; piid: string }>("SELECT id, piid FROM instances WHERE uuid = ? AND state = 'active'", payload.udi.uuid);
  if (taken && taken.id !== replacing) {
    refuse(
      'instance-exists',
      `The product instance ${formatUdi(payload.udi)} already has reserved licenses (reservation ${taken.piid}).`,
      'To change them use `slr authority update`; to start over, remove it with its return code first.',
    );
  }
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
