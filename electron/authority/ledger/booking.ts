/**
 * The booking of licenses to an instance: a new instance row, a reservation plan applied (holdings
 * replaced, what a decrease frees held in transition until the device confirms), everything released.
 * The database keeps `lots.blocked` in step with holdings and transitions.
 */
import { type Holding } from '../../../shared/authority/allocation.ts';
import { type RequestPayload } from '../../../shared/codes/device-codes.ts';
import { type InstanceRow } from './lookups.ts';
import type { LedgerStore } from './store.ts';

/** A new active instance of virtual account `account` for the request, as its row (read back by RETURNING). */
export async function newInstance(
  c: LedgerStore,
  account: { id: number; name: string },
  request: RequestPayload & { piid: string },
  now: number,
): Promise<InstanceRow> {
  const { udi, devicePublicKey, piid, nodes } = request;
  const row = await c.get<Omit<InstanceRow, 'account'>>(
    "INSERT INTO instances (account_id, product, uuid, sn, device_key, piid, state, created_at, last_contact, last_timestamp, nodes) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, 0, ?) RETURNING *",
    account.id,
    udi.pid,
    udi.uuid,
    udi.sn,
    devicePublicKey,
    piid,
    now,
    now,
    nodes.length ? JSON.stringify(nodes) : null,
  );
  return { ...row!, account: account.name };
}

/** Applies a plan: holdings replaced (none to replace on a `fresh` instance), released ones into transition until the confirmation of the code of `codeTimestamp`. */
export async function applyPlan(
  c: LedgerStore,
  instanceId: number,
  after: readonly Holding[],
  released: readonly Holding[],
  codeTimestamp: number,
  fresh = false,
): Promise<void> {
  // Written soon (with the write's next message): nothing reads them back before; the database's conservation
  // checks still refuse an overbooking, failing the write there.
  if (!fresh) await c.db.soon('DELETE FROM holdings WHERE instance_id = ?', instanceId);
  for (const h of after) await c.db.soon('INSERT INTO holdings (instance_id, lot_id, count) VALUES (?, ?, ?)', instanceId, h.lotId, h.count);
  for (const h of released)
    await c.db.soon('INSERT INTO transitions (instance_id, lot_id, count, code_timestamp) VALUES (?, ?, ?, ?)', instanceId, h.lotId, h.count, codeTimestamp);
}

/** Frees everything the instance blocks (holdings and transitions); the count freed. */
export async function releaseAll(c: LedgerStore, instanceId: number): Promise<number> {
  const rows = [
    ...(await c.all<{ lot_id: number; count: number }>('SELECT lot_id, count FROM holdings WHERE instance_id = ?', instanceId)),
    ...(await c.all<{ lot_id: number; count: number }>('SELECT lot_id, count FROM transitions WHERE instance_id = ?', instanceId)),
  ];
  await c.run('DELETE FROM holdings WHERE instance_id = ?', instanceId);
  await c.run('DELETE FROM transitions WHERE instance_id = ?', instanceId);
  return rows.reduce((n, r) => n + r.count, 0);
}
