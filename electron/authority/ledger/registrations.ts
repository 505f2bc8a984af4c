/**
 * Smart Licensing online, License Central's side of a registered product instance (register.ts registers
 * it): for the holder of the device key alone, renew the authorization (90 days) and the registration (a year), report usage, deregister.
 * Licenses are pooled per virtual account: a registered instance holds none, and its account is out of
 * compliance where what its instances report exceeds what it has (valid now, not blocked by reservations).
 * Registration and reservation exclude each other.
 */
import { findAnyEntitlement, productById } from '../../../shared/catalog.ts';
import { isLotValid } from '../../../shared/authority/allocation.ts';
import { fromBase64 } from '../../../shared/bytes.ts';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { refuse, SlrError } from '../../../shared/errors.ts';
import { complianceOf, deviceCallMessage, ONLINE_AUTHORIZATION, PERIODS, type Compliance, type Registration } from '../../../shared/registration/protocol.ts';

export type { Registration };
import { formatUdi } from '../../../shared/udi.ts';
import { shortName } from '../../../shared/instance/status-text.ts';
import { cryptoBasics, publicKeyFromCompressed, verifyMessage } from '../../platform/crypto.ts';
import { readAfterLocking, requireInit, type LotRow } from './lookups.ts';
import { exportKeysOf } from './export-keys.ts';
import { checkSeen, echoOf, onlineCheckpoint } from './online-witness.ts';
import { signingKey } from './signing.ts';
import type { OnlineCheckpoint } from '../../../shared/registration/online-checkpoint.ts';
import type { LedgerStore } from './store.ts';

export interface RegisteredRow {
  id: number;
  account_id: number;
  account: string;
  product: string;
  uuid: string;
  sn: string;
  device_key: Uint8Array;
  token_id: string;
  hostname: string | null;
  export_controlled: number;
  state: 'registered' | 'deregistered';
  registered_at: number;
  registration_expires: number;
  authorization_expires: number;
  last_contact: number;
  last_usage_at: number | null;
  seq: number;
  /** A cluster publisher's subscribers, as its last usage report named them (JSON list), or null. */
  nodes: string | null;
  /** The compliance status it was last told (null: never told yet). */
  compliance: string | null;
}

export const SELECT = 'SELECT r.*, a.name AS account FROM registered_instances r JOIN accounts a ON a.id = r.account_id';

export interface DeviceCall {
  readonly instance: string;
  readonly seq: number;
  readonly signature: string;
  readonly operation: string;
  /** The body as sent (its hash is signed). */
  readonly body: string;
}

/**
 * Runs `fn` for the registered instance that signed `call`, in one transaction: the signature must verify
 * with the key it registered, and the sequence number be above every one it used before (a replay is refused
 * and changes nothing).
 */
export async function asDevice<T>(
  c: LedgerStore,
  call: DeviceCall,
  now: number,
  fn: (r: RegisteredRow, checkpoint: () => Promise<OnlineCheckpoint>) => Promise<T>,
): Promise<T> {
  await requireInit(c);
  return c.writePooled(now, async () => {
    const id = /^[0-9]{1,15}$/.test(call.instance) ? Number(call.instance) : undefined;
    const read = () => (id === undefined ? Promise.resolve(undefined) : c.get<RegisteredRow>(`${SELECT} WHERE r.id = ?`, id));
    const first = await read();
    // Another call of the device may change its row until its account is locked.
    const r = first && (await readAfterLocking(c, [first.account_id], first, read));
    if (!r || r.state !== 'registered')
      refuse(
        'unauthorized',
        'This product instance is not registered here (or was deregistered).',
        'Register it again with a token (license smart register idtoken …).',
      );
    const signature = fromBase64(call.signature);
    const pem = publicKeyFromCompressed(r.device_key).export({ type: 'spki', format: 'pem' }).toString();
    const message = deviceCallMessage(cryptoBasics, { operation: call.operation, instance: call.instance, seq: call.seq, body: call.body });
    if (!signature || !verifyMessage(pem, message, signature)) refuse('unauthorized', "This call is not signed by the product instance's key.");
    if (!Number.isSafeInteger(call.seq) || call.seq <= r.seq)
      // Signed by the device: it may learn its last number (a device restored from a backup resynchronises).
      throw new SlrError(
        'replayed-code',
        `This call's sequence number (${call.seq}) was used before (the last was ${r.seq}): it was recorded and sent again, or the device's state was restored from a backup.`,
        undefined,
        { lastSeq: Number(r.seq) },
      );
    await c.run('UPDATE registered_instances SET seq = ?, last_contact = ? WHERE id = ?', call.seq, now, r.id);
    // The log where the device saw it, before this call logs anything: the answer's echo (online-witness.ts).
    const key = await signingKey(c).catch(() => null);
    const echo = key && (await echoOf(c, call.body, key.id));
    await checkSeen(c, call.body, r, now);
    return fn(r, () => onlineCheckpoint(c, call, echo));
  });
}

/** Whether what `r` reports in use is covered by its account's pool, now. */
export async function complianceFor(c: LedgerStore, r: RegisteredRow, now: number): Promise<Compliance> {
  const uses = await c.all<{ tag: string; count: number }>('SELECT tag, count FROM registered_usage WHERE instance_id = ?', r.id);
  const inAccount = await c.all<{ tag: string; n: number }>(
    "SELECT u.tag, sum(u.count) AS n FROM registered_usage u JOIN registered_instances i ON i.id = u.instance_id WHERE i.account_id = ? AND i.state = 'registered' AND i.authorization_expires > ? GROUP BY u.tag",
    r.account_id,
    now,
  );
  const available: Record<string, number> = {};
  for (const l of await c.all<LotRow>('SELECT * FROM lots WHERE account_id = ?', r.account_id))
    if (isLotValid(l, now)) available[l.tag] = (available[l.tag] ?? 0) + l.count - l.blocked;
  return complianceOf(
    uses.map((u) => ({ tag: u.tag, inUse: Number(u.count) })),
    Object.fromEntries(inAccount.map((x) => [x.tag, Number(x.n)])),
    available,
  );
}

/**
 * Its compliance now, as a device call answers it; a status other than the one it was last told is recorded and
 * logged (`compliance`, with the pool's shortfalls): the event a webhook takes.
 */
async function tellCompliance(c: LedgerStore, r: RegisteredRow, now: number): Promise<Compliance> {
  const compliance = await complianceFor(c, r, now);
  const before = r.compliance ?? ONLINE_AUTHORIZATION.noLicenses;
  if (compliance.status === before) return compliance;
  await c.run('UPDATE registered_instances SET compliance = ? WHERE id = ?', compliance.status, r.id);
  const short = compliance.shortfalls.map((s) => `${shortName(s.tag)}: ${s.inUse} in use in the pool, ${s.available} available`);
  await c.log(
    now,
    'compliance',
    `Compliance of registered instance ${r.id}: ${before} → ${compliance.status}${short.length ? ` (${short.join('; ')})` : ''}.`,
    {
      account: r.account,
      instance: formatUdi({ pid: r.product, sn: r.sn, uuid: r.uuid }),
    },
  );
  return compliance;
}

export function refuseExpired(r: RegisteredRow, now: number): void {
  if (r.registration_expires <= now)
    refuse('not-allowed', `The registration expired on ${formatInstant(r.registration_expires)}.`, 'Register the product instance again with a token.');
}

export async function renewAuthorization(c: LedgerStore, call: DeviceCall, now: number) {
  return asDevice(c, call, now, async (r, checkpoint) => {
    refuseExpired(r, now);
    const authorizationExpires = now + PERIODS.authorizationValid;
    await c.run('UPDATE registered_instances SET authorization_expires = ? WHERE id = ?', authorizationExpires, r.id);
    const compliance = await tellCompliance(c, { ...r, authorization_expires: authorizationExpires }, now);
    return { authorizationExpires, compliance, checkpoint: await checkpoint() };
  });
}

export async function renewRegistration(c: LedgerStore, call: DeviceCall, now: number) {
  return asDevice(c, call, now, async (r, checkpoint) => {
    refuseExpired(r, now);
    const registrationExpires = now + PERIODS.registrationValid;
    await c.run('UPDATE registered_instances SET registration_expires = ? WHERE id = ?', registrationExpires, r.id);
    // Every call of a device tells it its pool's compliance now (a change reaches it at its next call of any kind).
    const compliance = await tellCompliance(c, r, now);
    return { registrationExpires, compliance, checkpoint: await checkpoint() };
  });
}

/** The usage an instance reports (tag or short name → in use): it replaces what it reported before. */
export async function reportUsage(
  c: LedgerStore,
  call: DeviceCall,
  usage: Readonly<Record<string, number>>,
  now: number,
  trustedKeyIds?: readonly string[],
  nodes?: readonly string[],
) {
  const product = (udiPid: string) => productById(udiPid)!;
  return asDevice(c, call, now, async (r, checkpoint) => {
    refuseExpired(r, now);
    const rows: [string, number][] = [];
    for (const [name, count] of Object.entries(usage)) {
      const found = findAnyEntitlement(name);
      if (!found || found.product.id !== product(r.product).id) refuse('unknown-license', `${name} is not a license of ${product(r.product).name}.`);
      if (!Number.isSafeInteger(count) || count < 0 || count > 9_999_999)
        refuse('bad-count', `The usage of ${name} must be a whole number from 0 to 9,999,999.`);
      if (rows.some(([tag]) => tag === found.def.tag))
        refuse('bad-license', `${name} names ${found.def.short} a second time in one report: each license is reported once.`);
      rows.push([found.def.tag, count]);
    }
    await c.run('DELETE FROM registered_usage WHERE instance_id = ?', r.id);
    for (const [tag, count] of rows) await c.run('INSERT INTO registered_usage (instance_id, tag, count) VALUES (?, ?, ?)', r.id, tag, count);
    await c.run('UPDATE registered_instances SET last_usage_at = ?, nodes = ? WHERE id = ?', now, nodes?.length ? JSON.stringify(nodes) : null, r.id);
    // The export authorization keys it holds, so that a device that lost an answer learns where it stands.
    const exportKeys = trustedKeyIds ? { exportKeys: await exportKeysOf(c, r, trustedKeyIds) } : {};
    const compliance = await tellCompliance(c, r, now);
    return { compliance, ...exportKeys, checkpoint: await checkpoint() };
  });
}

/** Frees every export key a registration holds (it ends: deregistered, removed, or moved); the number freed. */
export async function releaseExportGrants(c: LedgerStore, instanceId: number): Promise<number> {
  const n = (await c.get<{ n: number }>('SELECT count(*) AS n FROM export_grants WHERE instance_id = ?', instanceId))!.n;
  if (Number(n)) await c.run('DELETE FROM export_grants WHERE instance_id = ?', instanceId);
  return Number(n);
}

/** Deregisters: the instance's usage leaves its account's pool, and its key may no longer call. */
export async function deregister(c: LedgerStore, call: DeviceCall, now: number) {
  return asDevice(c, call, now, async (r) => {
    await c.run('DELETE FROM registered_usage WHERE instance_id = ?', r.id);
    const keys = await releaseExportGrants(c, r.id);
    await c.run("UPDATE registered_instances SET state = 'deregistered' WHERE id = ?", r.id);
    const freed = keys ? ` and its ${keys === 1 ? 'export authorization key' : `${keys} export authorization keys`} returned` : '';
    await c.log(now, 'deregister', `Product instance deregistered: its usage is released from the pool${freed}.`, {
      account: r.account,
      instance: formatUdi({ pid: r.product, sn: r.sn, uuid: r.uuid }),
    });
    return { deregistered: true };
  });
}
