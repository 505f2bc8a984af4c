/**
 * What must hold after the load and its faults, read from the database the servers shared: the ledger's own
 * audit (no license counted twice: every lot's blocked count is what its holdings add up to, within its
 * purchase), the event log's chain and seal intact, every acknowledged write present, nothing present that no
 * client asked for, and every registered device's compliance as its pool allows.
 */
import { Ledger } from '../../electron/authority/ledger.ts';
import { PgDb } from '../../electron/authority/db/postgres/pg-db.ts';
import { checkInvariants } from '../../electron/authority/audit.ts';
import { ONLINE_AUTHORIZATION } from '../../shared/registration/protocol.ts';
import type { Journal } from './clients.ts';

/** Reservations: acknowledged ones held as acknowledged (or gone once their return was acknowledged); no phantom. */
async function reservations(ledger: Ledger, j: Journal): Promise<string[]> {
  const problems: string[] = [];
  const rows = await ledger.store.db.all<{ uuid: string; state: string; held: number }>(
    'SELECT i.uuid, i.state, coalesce((SELECT sum(count) FROM holdings h WHERE h.instance_id = i.id), 0) AS held FROM instances i',
  );
  const byUuid = new Map(rows.map((r) => [r.uuid, r]));
  for (const [uuid, r] of j.reserved) {
    const row = byUuid.get(uuid);
    if (!row) problems.push(`reservation of ${uuid} was acknowledged but is not in the ledger`);
    else if (r.returned === 'yes' && row.state === 'active') problems.push(`reservation of ${uuid}: its return was acknowledged, but it is still active`);
    else if (r.returned === 'no' && (row.state !== 'active' || row.held !== r.count))
      problems.push(`reservation of ${uuid}: ${r.count} acknowledged, the ledger has ${row.held} (${row.state})`);
  }
  for (const row of rows)
    if (!j.reserved.has(row.uuid) && !j.reserveUnknown.has(row.uuid)) problems.push(`instance ${row.uuid} is in the ledger, but no client reserved it`);
  return problems;
}

/** Registrations: acknowledged ones registered, their usage the last acknowledged report or one sent after it. */
async function registrations(ledger: Ledger, j: Journal): Promise<string[]> {
  const problems: string[] = [];
  const rows = await ledger.store.db.all<{ id: number; udi: string; used: number }>(
    "SELECT r.id, 'P:' || r.product || ',S:' || r.sn || ',U:' || r.uuid AS udi, coalesce((SELECT sum(count) FROM registered_usage u WHERE u.instance_id = r.id), 0) AS used FROM registered_instances r WHERE r.state = 'registered'",
  );
  const byId = new Map(rows.map((r) => [String(r.id), r]));
  const known = new Set([...j.registered.values()].map((r) => r.udi));
  for (const [id, r] of j.registered) {
    const row = byId.get(id);
    if (!row || row.udi !== r.udi) {
      problems.push(`registration ${id} (${r.udi}) was acknowledged but is not in the ledger`);
      continue;
    }
    const last = r.usage.findLastIndex((u) => u.acked);
    const allowed = new Set([last < 0 ? 0 : r.usage[last]!.count, ...r.usage.slice(last + 1).map((u) => u.count)]);
    if (!allowed.has(row.used)) problems.push(`registration ${id}: usage ${row.used} in the ledger, but the device was last acknowledged ${[...allowed][0]}`);
  }
  for (const row of rows) if (!known.has(row.udi) && !j.registerUnknown.has(row.udi)) problems.push(`${row.udi} is registered, but no device registered it`);
  return problems;
}

/** Online compliance: no device with licenses in use is Authorized where its account uses more than it has available. */
async function compliance(ledger: Ledger, now: number): Promise<string[]> {
  const problems: string[] = [];
  const available = new Map((await ledger.licenses(now)).filter((l) => l.short === 'UCM_Basic').map((l) => [l.account, l.available]));
  const devices = await ledger.registeredInstances(now);
  const used = new Map<string, number>();
  for (const d of devices) used.set(d.account, (used.get(d.account) ?? 0) + (d.usage.UCM_Basic ?? 0));
  for (const d of devices) {
    const over = (used.get(d.account) ?? 0) > (available.get(d.account) ?? 0);
    if (over && (d.usage.UCM_Basic ?? 0) > 0 && d.compliance === ONLINE_AUTHORIZATION.authorized)
      problems.push(`registered instance ${d.instance} is Authorized though ${d.account} uses ${used.get(d.account)} of ${available.get(d.account)} available`);
  }
  return problems;
}

export async function checkAfterLoad(database: string, j: Journal, now: number): Promise<string[]> {
  const ledger = await Ledger.open(await PgDb.connect(database, 2), 'load-audit');
  try {
    const log = await ledger.verifyEvents();
    return [
      ...(await checkInvariants(ledger)),
      ...(log.broken ? [`the event log's chain is broken at event ${log.broken.event.id}`] : []),
      ...(log.sealProblem ? [`the event log's seal: ${log.sealProblem}`] : []),
      ...(await reservations(ledger, j)),
      ...(await registrations(ledger, j)),
      ...(await compliance(ledger, now)),
    ];
  } finally {
    await ledger.close();
  }
}
