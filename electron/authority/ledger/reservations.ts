/** The ledger's operations: reservations. */
import { minimalSetShortfall, productById, type ProductProfile } from '../../../shared/catalog.ts';
import { planReservation, type Holding } from '../../../shared/authority/allocation.ts';
import type { Issued } from '../../../shared/authority/views.ts';
import { parseRequestCode } from '../../../shared/codes/device-codes.ts';
import { refuse, SlrError } from '../../../shared/errors.ts';
import { formatUdi } from '../../../shared/udi.ts';
import { toHex } from '../../../shared/bytes.ts';
import { requireInit, findAccountAndLots, findInstance, udiOf, productOf, lotsOf, holdingsOf } from './lookups.ts';
import { readRequest, resolveTargets } from './requests.ts';
import { newInstance, applyPlan, releaseAll } from './booking.ts';
import { describeHoldings, nextTimestamp, signCode } from './signing.ts';
import { checkReason } from '../../../shared/authority/reason.ts';
import type { LedgerStore } from './store.ts';
import { observeDeviceState } from './device-state.ts';
import { counted } from '../../../shared/lifetime.ts';

/** A product with a minimal set of licenses (Session Management Edition) is never reserved less. */
function requireMinimalSet(product: ProductProfile, counts: Readonly<Record<string, number>>): void {
  const missing = minimalSetShortfall(product, counts);
  if (missing.length)
    refuse(
      'minimal-set',
      `${product.name} needs at least its minimal set of licenses; missing: ${missing.join('; ')}.`,
      'Add them to the reservation (--license TAG=N); the catalog lists the minimal set.',
    );
}

/** What holdings come to, license by license (tag: count). */
async function countsByTag(c: LedgerStore, holdings: readonly Holding[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const h of holdings) {
    const lot = await c.get<{ tag: string }>('SELECT tag FROM lots WHERE id = ?', h.lotId);
    if (lot) out[lot.tag] = (out[lot.tag] ?? 0) + h.count;
  }
  return out;
}

/** The licenses a request asks for, by its product's catalog; at least one. */
function targetsOf(text: string, licenses: Readonly<Record<string, number>>): { product: ProductProfile; targets: Record<string, number>; uuid: string } {
  const { udi } = parseRequestCode(text);
  const product = productById(udi.pid)!;
  const targets = resolveTargets(product, licenses);
  if (!Object.values(targets).some((n) => n > 0)) refuse('no-licenses', 'Select at least one license to reserve (--license TAG=N).');
  return { product, targets, uuid: udi.uuid };
}

export async function reserve(
  c: LedgerStore,
  input: { account: string; request: string; licenses: Readonly<Record<string, number>> },
  now: number,
): Promise<Issued> {
  await requireInit(c);
  const { product, targets } = targetsOf(input.request, input.licenses);
  return c.writePooled(now, () => reserveOne(c, input, product, targets, now));
}

/**
 * Many devices in one step (`reserve --requests`): the same licenses for each request, in one transaction, so
 * the batch is reserved whole or not at all (a request used before, of a device that holds licenses, named
 * twice, or a shortfall at any device refuses it all, naming that request).
 */
export async function reserveBatch(
  c: LedgerStore,
  input: { account: string; requests: readonly string[]; licenses: Readonly<Record<string, number>> },
  now: number,
): Promise<{ entries: Issued[] }> {
  await requireInit(c);
  const asked = input.requests.map((request, i) => ({ request, i, ...within(i, () => targetsOf(request, input.licenses)) }));
  return c.writePooled(now, async () => {
    // Every device first, in one order, then the account (the order of a pooled write's locks).
    for (const uuid of [...new Set(asked.map((a) => a.uuid))].sort()) await c.db.lock(`device:${uuid}`);
    const entries: Issued[] = [];
    const seen = new Set<string>();
    for (const { request, i, product, targets, uuid } of asked) {
      if (seen.has(uuid)) refuse('instance-exists', `Request ${i + 1} of the batch is for a device named earlier in it (${uuid}).`, 'Give each device once.');
      seen.add(uuid);
      entries.push(await withinAsync(i, () => reserveOne(c, { account: input.account, request, licenses: input.licenses }, product, targets, now)));
    }
    return { entries };
  });
}

/** A refusal about one request of a batch names which. */
function within<T>(i: number, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw namedRequest(e, i);
  }
}
async function withinAsync<T>(i: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw namedRequest(e, i);
  }
}
function namedRequest(e: unknown, i: number): unknown {
  if (e instanceof SlrError) return new SlrError(e.code, `Request ${i + 1} of the batch: ${e.message} Nothing was reserved.`, e.hint ?? undefined, e.detail);
  return e;
}

/** One reservation, inside the caller's write transaction. */
async function reserveOne(
  c: LedgerStore,
  input: { account: string; request: string; licenses: Readonly<Record<string, number>> },
  product: ProductProfile,
  targets: Record<string, number>,
  now: number,
): Promise<Issued> {
  const request = await readRequest(c, input.request);
  const { account, lots } = await findAccountAndLots(c, input.account, product);
  requireMinimalSet(product, targets);
  const plan = planReservation(product, lots, [], targets, now);
  const instance = await newInstance(c, account, request, now);
  await applyPlan(c, instance.id, plan.holdings, [], 0, true);
  const { code } = await signCode(c, instance, plan.holdings, now);
  const udi = formatUdi(request.udi);
  const warnings = await observeDeviceState(c, instance, request.digest, { kind: 'request', text: input.request }, now);
  const cluster = request.nodes.length ? ` (a cluster: its publisher, and the subscribers ${request.nodes.join(', ')})` : '';
  await c.log(now, 'reserve', `Licenses reserved for ${udi}${cluster} (reservation ${instance.piid}): ${await describeHoldings(c, product, plan.holdings)}.`, {
    account: account.name,
    instance: udi,
    code,
  });
  return { code, udi, sn: request.udi.sn, piid: instance.piid, warnings };
}

export async function update(
  c: LedgerStore,
  input: { instance: string; licenses: Readonly<Record<string, number>> },
  now: number,
): Promise<Issued & { inTransition: number }> {
  return c.writePooled(now, async () => {
    const instance = await findInstance(c, input.instance);
    const product = productOf(instance);
    const targets = resolveTargets(product, input.licenses);
    if (Object.keys(targets).length === 0) refuse('no-licenses', 'Name at least one license to change (--license TAG=N; N=0 removes it).');
    const before = await holdingsOf(c, instance.id);
    requireMinimalSet(product, { ...(await countsByTag(c, before)), ...targets });
    const plan = planReservation(product, await lotsOf(c, instance.account_id, product), before, targets, now);
    // What the decrease frees is released by the confirmation of this very code (or of a later one).
    await applyPlan(c, instance.id, plan.holdings, plan.released, nextTimestamp(instance, now));
    const { code } = await signCode(c, instance, plan.holdings, now);
    const udi = udiOf(instance);
    const held = plan.released.reduce((n, h) => n + h.count, 0);
    await c.log(
      now,
      'update',
      `Reservation ${instance.piid} updated: ${await describeHoldings(c, product, plan.holdings)}.${held ? ` ${counted(held, 'license')} in transition until the device's confirmation code is entered.` : ''}`,
      { account: instance.account, instance: udi, code },
    );
    return { code, udi, sn: instance.sn, piid: instance.piid, inTransition: held };
  });
}

export async function rehost(c: LedgerStore, input: { instance: string; request: string; reason: string }, now: number): Promise<Issued> {
  const reason = input.reason.trim();
  if (!reason) refuse('no-reason', 'Say why the product failed (--reason "…"): it goes into the event log.');
  checkReason(reason);
  parseRequestCode(input.request);
  return c.write(now, async () => {
    const failed = await findInstance(c, input.instance);
    const request = await readRequest(c, input.request, failed.id);
    if (request.udi.pid !== failed.product) {
      refuse('wrong-product', `The new request code is from a ${request.udi.pid} product; the failed instance is ${failed.product}.`);
    }
    const holdings = await holdingsOf(c, failed.id);
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
    await releaseAll(c, failed.id);
    await c.run("UPDATE instances SET state = 'failed', last_contact = ? WHERE id = ?", now, failed.id);
    const fresh = await newInstance(c, { id: failed.account_id, name: failed.account }, request, now);
    await applyPlan(c, fresh.id, holdings, same ? transit : [], nextTimestamp(fresh, now), true);
    const { code } = await signCode(c, fresh, holdings, now);
    const udi = formatUdi(request.udi);
    const warnings = await observeDeviceState(c, fresh, request.digest, { kind: 'request', text: input.request }, now);
    const transitNote = !inTransit
      ? ''
      : same
        ? ` ${counted(inTransit, 'license')} in transition stay so until the device's confirmation code of this code is entered.`
        : ` ${counted(inTransit, 'license')} in transition for the failed product ${inTransit === 1 ? 'is' : 'are'} released.`;
    const what = `${await describeHoldings(c, productOf(fresh), holdings)}. Reason: ${reason}.${transitNote}`;
    await c.log(
      now,
      same ? 'reconcile' : 'rehost',
      same
        ? `Reservation of ${udi} moved to its new request (reservation ${fresh.piid}, was ${failed.piid}), with what License Central holds for it now: ${what} Codes of the previous reservation are no longer accepted.`
        : `Licenses rehosted from failed product ${udiOf(failed)} to ${udi} (reservation ${fresh.piid}): ${what}`,
      { account: failed.account, instance: udi, code },
    );
    return { code, udi, sn: request.udi.sn, piid: fresh.piid, warnings };
  });
}

/** The latest authorization code issued to an instance (to hand it over again). */
/** The latest authorization code of an instance, and the key that signed it. */
export async function latestCode(c: LedgerStore, ref: string): Promise<Issued & { readonly keyId: string }> {
  const instance = await findInstance(c, ref);
  const row = (await c.get<{ code: string; key_id: string }>(
    'SELECT code, key_id FROM codes WHERE instance_id = ? ORDER BY timestamp DESC LIMIT 1',
    instance.id,
  ))!;
  return { code: row.code, udi: udiOf(instance), sn: instance.sn, piid: instance.piid, keyId: row.key_id };
}
