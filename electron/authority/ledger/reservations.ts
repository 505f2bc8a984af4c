/** The ledger's operations: reservations. */
import { productById } from '../../../shared/catalog.ts';
import { planReservation } from '../../../shared/authority/allocation.ts';
import type { Issued } from '../../../shared/authority/views.ts';
import { parseRequestCode } from '../../../shared/codes/device-codes.ts';
import { refuse } from '../../../shared/errors.ts';
import { formatUdi } from '../../../shared/udi.ts';
import { toHex } from '../../../shared/bytes.ts';
import { checkReason, LedgerCore } from './core.ts';

/** One ledger, one truth: a UDI is reserved or registered online, never both. */
async function refuseRegisteredOnline(c: LedgerCore, uuid: string): Promise<void> {
  const online = await c.get<{ id: number; account: string }>(
    "SELECT r.id, a.name AS account FROM registered_instances r JOIN accounts a ON a.id = r.account_id WHERE r.uuid = ? AND r.state = 'registered'",
    uuid,
  );
  if (online)
    refuse(
      'instance-exists',
      `This product instance is registered online (instance ${online.id}, virtual account "${online.account}"): registration and reservation exclude each other.`,
      'Deregister it on the device (`license smart deregister`), or remove it here (`slr authority registered remove N`), then reserve.',
    );
}

export async function reserve(
  c: LedgerCore,
  input: { account: string; request: string; licenses: Readonly<Record<string, number>> },
  now: number,
): Promise<Issued> {
  await c.requireInit();
  const product = productById(parseRequestCode(input.request).udi.pid)!;
  const targets = c.resolveTargets(product, input.licenses);
  if (!Object.values(targets).some((n) => n > 0)) refuse('no-licenses', 'Select at least one license to reserve (--license TAG=N).');
  return c.write(now, async () => {
    const request = await c.parseRequest(input.request);
    await refuseRegisteredOnline(c, request.udi.uuid);
    const account = await c.account(input.account);
    const plan = planReservation(product, await c.lotsOf(account.id, product), [], targets, now);
    const instance = await c.newInstance(account.id, request, now);
    await c.applyPlan(instance.id, plan.holdings, [], 0);
    const { code } = await c.sign(instance, plan.holdings, now);
    const udi = formatUdi(request.udi);
    await c.log(now, 'reserve', `Licenses reserved for ${udi} (reservation ${instance.piid}): ${await c.describe(product, plan.holdings)}.`, {
      account: account.name,
      instance: udi,
      code,
    });
    return { code, udi, sn: request.udi.sn, piid: instance.piid };
  });
}

export async function update(
  c: LedgerCore,
  input: { instance: string; licenses: Readonly<Record<string, number>> },
  now: number,
): Promise<Issued & { inTransition: number }> {
  return c.write(now, async () => {
    const instance = await c.instance(input.instance);
    const product = c.productOf(instance);
    const targets = c.resolveTargets(product, input.licenses);
    if (Object.keys(targets).length === 0) refuse('no-licenses', 'Name at least one license to change (--license TAG=N; N=0 removes it).');
    const before = await c.holdingsOf(instance.id);
    const plan = planReservation(product, await c.lotsOf(instance.account_id, product), before, targets, now);
    // What the decrease frees is released by the confirmation of this very code (or of a later one).
    await c.applyPlan(instance.id, plan.holdings, plan.released, c.nextTimestamp(instance, now));
    const { code } = await c.sign(instance, plan.holdings, now);
    const udi = c.udiOf(instance);
    const held = plan.released.reduce((n, h) => n + h.count, 0);
    await c.log(
      now,
      'update',
      `Reservation ${instance.piid} updated: ${await c.describe(product, plan.holdings)}.${held ? ` ${held} license(s) in transition until the device's confirmation code is entered.` : ''}`,
      { account: instance.account, instance: udi, code },
    );
    return { code, udi, sn: instance.sn, piid: instance.piid, inTransition: held };
  });
}

export async function rehost(c: LedgerCore, input: { instance: string; request: string; reason: string }, now: number): Promise<Issued> {
  const reason = input.reason.trim();
  if (!reason) refuse('no-reason', 'Say why the product failed (--reason "…"): it goes into the event log.');
  checkReason(reason);
  parseRequestCode(input.request);
  return c.write(now, async () => {
    const failed = await c.instance(input.instance);
    const request = await c.parseRequest(input.request, failed.id);
    await refuseRegisteredOnline(c, request.udi.uuid);
    if (request.udi.pid !== failed.product) {
      refuse('wrong-product', `The new request code is from a ${request.udi.pid} product; the failed instance is ${failed.product}.`);
    }
    const holdings = await c.holdingsOf(failed.id);
    const transit = (await c.all<{ lot_id: number; count: number }>('SELECT lot_id, count FROM transitions WHERE instance_id = ?', failed.id)).map((r) => ({
      lotId: r.lot_id,
      count: r.count,
    }));
    const inTransit = transit.reduce((n, r) => n + r.count, 0);
    // The same device with its own key and a new request: its state was restored from a backup (which carries
    // no reservation) or lost (a restored device keeps its key). License Central cannot know that it no longer
    // runs an older, higher code, so what was in transition stays blocked until it confirms the new code.
    // Another device, or the same UUID with another key (a reservation made on a request altered in transit,
    // or a key replaced): the reservation bound to the old key is declared dead, and its transition released.
    const same = request.udi.uuid === failed.uuid && toHex(request.devicePublicKey) === toHex(failed.device_key);
    await c.releaseAll(failed.id);
    await c.run("UPDATE instances SET state = 'failed', last_contact = ? WHERE id = ?", now, failed.id);
    const fresh = await c.newInstance(failed.account_id, request, now);
    await c.applyPlan(fresh.id, holdings, same ? transit : [], c.nextTimestamp(fresh, now));
    const { code } = await c.sign(fresh, holdings, now);
    const udi = formatUdi(request.udi);
    const transitNote = !inTransit
      ? ''
      : same
        ? ` ${inTransit} license(s) in transition stay so until the device's confirmation code of this code is entered.`
        : ` ${inTransit} license(s) that were in transition for the failed product are released.`;
    const what = `${await c.describe(c.productOf(fresh), holdings)}. Reason: ${reason}.${transitNote}`;
    await c.log(
      now,
      same ? 'reconcile' : 'rehost',
      same
        ? `Reservation of ${udi} moved to its new request (reservation ${fresh.piid}, was ${failed.piid}), with what License Central holds for it now: ${what} Codes of the previous reservation are no longer accepted.`
        : `Licenses rehosted from failed product ${c.udiOf(failed)} to ${udi} (reservation ${fresh.piid}): ${what}`,
      { account: failed.account, instance: udi, code },
    );
    return { code, udi, sn: request.udi.sn, piid: fresh.piid };
  });
}

/** The latest authorization code issued to an instance (to hand it over again). */
/** The latest authorization code of an instance, and the key that signed it. */
export async function latestCode(c: LedgerCore, ref: string): Promise<Issued & { readonly keyId: string }> {
  const instance = await c.instance(ref);
  const row = (await c.get<{ code: string; key_id: string }>(
    'SELECT code, key_id FROM codes WHERE instance_id = ? ORDER BY timestamp DESC LIMIT 1',
    instance.id,
  ))!;
  return { code: row.code, udi: c.udiOf(instance), sn: instance.sn, piid: instance.piid, keyId: row.key_id };
}
