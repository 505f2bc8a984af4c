/**
 * Export control online, License Central's side (`license smart export request|return local <feature>` on a
 * registered product instance): a grant takes one export key license of the instance's virtual account (a row
 * of export_grants, which blocks it in its lot as a reservation would: never granted and reserved twice) and is
 * answered as an export authorization key signed with a key the device trusts. Only for a registration whose
 * token allowed export-controlled functionality. Asked again, a request answers the grant it made (its answer
 * may have been lost) and a return of nothing answers that nothing is held: retries never count twice. Every
 * answer lists all the instance's keys, so the device and License Central agree after any failure.
 */
import { productById } from '../../../shared/catalog.ts';
import { isLotValid } from '../../../shared/authority/allocation.ts';
import { refuse } from '../../../shared/errors.ts';
import { findExportFeature, unknownFeatureText } from '../../../shared/export-control.ts';
import type { ExportGrant } from '../../../shared/registration/protocol.ts';
import { formatUdi } from '../../../shared/udi.ts';
import { exportKeysOf } from './export-keys.ts';
import { asDevice, refuseExpired, type DeviceCall, type RegisteredRow } from './registrations.ts';
import type { LotRow } from './lookups.ts';
import type { LedgerStore } from './store.ts';
import { satelliteRole } from '../satellite/role.ts';

export interface ExportAnswer {
  /** Every export authorization key the instance holds now, signed. */
  readonly exportKeys: readonly ExportGrant[];
}

const udiOf = (r: RegisteredRow) => formatUdi({ pid: r.product, sn: r.sn, uuid: r.uuid });

function featureOf(r: RegisteredRow, name: string) {
  const product = productById(r.product)!;
  const found = findExportFeature(product, name);
  if (!found) refuse('bad-license', unknownFeatureText(product, name));
  return found;
}

/** A lot of `tag` in the instance's account with one license free now: the one that ends first (perpetual last). */
async function freeLot(c: LedgerStore, r: RegisteredRow, tag: string, now: number): Promise<LotRow | undefined> {
  const lots = (await c.all<LotRow>('SELECT * FROM lots WHERE account_id = ? AND tag = ? AND blocked < count', r.account_id, tag)).filter((l) =>
    isLotValid(l, now),
  );
  return lots.sort((a, b) => (a.end === null ? Infinity : Number(a.end)) - (b.end === null ? Infinity : Number(b.end)) || a.id - b.id)[0];
}

export async function exportRequest(c: LedgerStore, call: DeviceCall, body: { feature: string; trustedKeyIds: readonly string[] }, now: number) {
  return asDevice(c, call, now, async (r): Promise<ExportAnswer> => {
    refuseExpired(r, now);
    const { name, def } = featureOf(r, body.feature);
    if (Number(r.export_controlled) !== 1)
      refuse(
        'export-not-permitted',
        `The registration token of this product instance did not allow export-controlled functionality: ${name} cannot be granted.`,
        'Register again with a token that allows export-controlled functionality (force), then request it.',
      );
    const satellite = await satelliteRole(c);
    if (satellite && r.product === 'CUC')
      refuse(
        'export-not-permitted',
        `This License Central is a satellite of "${satellite.smartAccount}": Unity Connection's export-restricted functionality is not supported through a satellite deployment (the seeds say so), so ${name} cannot be granted here.`,
        'Register this Unity Connection with the parent License Central directly (or use Specific License Reservation there), then request it.',
      );
    const held = await c.get('SELECT id FROM export_grants WHERE instance_id = ? AND feature = ?', r.id, name);
    if (!held) {
      const lot = await freeLot(c, r, def.tag, now);
      if (!lot)
        refuse(
          'no-licenses',
          `No ${def.displayName} is left in virtual account "${r.account}": ${name} cannot be granted.`,
          'Ask License Central to add one to that virtual account, or return one held by another product instance.',
        );
      await c.run('INSERT INTO export_grants (instance_id, lot_id, feature, count, granted_at) VALUES (?, ?, ?, 1, ?)', r.id, lot.id, name, now);
      await c.log(now, 'export-request', `Export authorization key for ${name} granted: one ${def.displayName} of "${r.account}" held.`, {
        account: r.account,
        instance: udiOf(r),
      });
    }
    return { exportKeys: await exportKeysOf(c, r, body.trustedKeyIds) };
  });
}

export async function exportReturn(c: LedgerStore, call: DeviceCall, body: { feature: string; trustedKeyIds: readonly string[] }, now: number) {
  return asDevice(c, call, now, async (r): Promise<ExportAnswer> => {
    const { name, def } = featureOf(r, body.feature);
    const held = await c.get<{ id: number }>('SELECT id FROM export_grants WHERE instance_id = ? AND feature = ?', r.id, name);
    if (held) {
      await c.run('DELETE FROM export_grants WHERE id = ?', held.id);
      await c.log(now, 'export-return', `Export authorization key for ${name} returned: one ${def.displayName} of "${r.account}" free again.`, {
        account: r.account,
        instance: udiOf(r),
      });
    }
    return { exportKeys: await exportKeysOf(c, r, body.trustedKeyIds) };
  });
}
