/**
 * Smart Licensing online, License Central's side of a product instance: register with a token (checked:
 * signed by this authority, issued here, not revoked, expired or used up), then, for the holder of the device
 * key alone, renew the authorization (90 days) and the registration (a year), report usage, deregister.
 * Licenses are pooled per virtual account: a registered instance holds none, and its account is out of
 * compliance where what its instances report exceeds what it has (valid now, not blocked by reservations).
 * Registration and reservation exclude each other.
 */
import { findAnyEntitlement, productById } from '../../../shared/catalog.ts';
import { isLotValid } from '../../../shared/authority/allocation.ts';
import { fromBase64, toBase64 } from '../../../shared/bytes.ts';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { refuse } from '../../../shared/errors.ts';
import { complianceOf, deviceCallMessage, identityMessage, PERIODS, type Compliance, type Registration } from '../../../shared/registration/protocol.ts';

export type { Registration };
import { parseToken, verifyToken } from '../../../shared/registration/token.ts';
import { hasControls } from '../../../shared/text.ts';
import { formatUdi, parseUdi, type Udi } from '../../../shared/udi.ts';
import { cryptoBasics, publicKeyFromCompressed, verifyMessage } from '../crypto.ts';
import { LedgerCore, type LotRow } from './core.ts';

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
}

export const SELECT = 'SELECT r.*, a.name AS account FROM registered_instances r JOIN accounts a ON a.id = r.account_id';

async function ownKeys(c: LedgerCore): Promise<Map<string, string>> {
  return new Map((await c.all<{ id: string; public_key: string }>('SELECT id, public_key FROM signing_keys')).map((k) => [k.id, k.public_key]));
}

/** The device key a registration names: a compressed P-256 point, base64. */
function deviceKey(text: string): Uint8Array {
  const key = fromBase64(text);
  if (!key || key.length !== 33) refuse('bad-key', 'The device key is a compressed P-256 public key (33 bytes, base64).');
  try {
    publicKeyFromCompressed(key);
  } catch {
    refuse('bad-key', 'The device key is not a point of P-256.');
  }
  return key;
}

/** The token's row, if it may register one more device now: issued here, not revoked, expired or used up. */
async function usableToken(c: LedgerCore, id: string, now: number): Promise<{ account: string; export_controlled: number }> {
  const row = await c.get<{ account: string; expires_at: number; max_uses: number | null; uses: number; revoked_at: number | null; export_controlled: number }>(
    'SELECT a.name AS account, t.expires_at, t.max_uses, t.uses, t.revoked_at, t.export_controlled FROM registration_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.id = ?',
    id,
  );
  if (!row)
    refuse('no-token', `Registration token ${id} was not issued by this License Central.`, 'Use a token of this License Central (slr authority token create).');
  if (row.revoked_at !== null)
    refuse('token-revoked', `This registration token was revoked on ${formatInstant(row.revoked_at)}.`, 'Ask License Central for a new token.');
  if (row.expires_at <= now)
    refuse('token-expired', `This registration token expired on ${formatInstant(row.expires_at)}.`, 'Ask License Central for a new token.');
  if (row.max_uses !== null && row.uses >= row.max_uses)
    refuse('token-used-up', `This registration token was used ${row.uses} time(s), all it allows.`, 'Ask License Central for a new token.');
  return row;
}

/** Registration and reservation exclude each other; a device registered already moves only with force. */
async function previousRegistration(c: LedgerCore, udi: Udi, force: boolean): Promise<RegisteredRow | undefined> {
  const reserved = await c.get<{ piid: string }>("SELECT piid FROM instances WHERE uuid = ? AND state = 'active'", udi.uuid);
  if (reserved)
    refuse(
      'instance-exists',
      `The product instance ${formatUdi(udi)} has licenses reserved by Specific License Reservation (reservation ${reserved.piid}): registration and reservation exclude each other.`,
      'Return the reservation first (license smart reservation return, then remove it at License Central), then register.',
    );
  const before = await c.get<RegisteredRow>(`${SELECT} WHERE r.uuid = ? AND r.state = 'registered'`, udi.uuid);
  if (before && !force)
    refuse(
      'instance-exists',
      `The product instance ${formatUdi(udi)} is already registered (virtual account "${before.account}").`,
      'Register again with force to move it (its usage is reported again there).',
    );
  return before;
}

export async function register(
  c: LedgerCore,
  input: { token: string; udi: string; devicePublicKey: string; hostname?: string | null; force?: boolean },
  now: number,
): Promise<Registration> {
  await c.requireInit();
  const udi = parseUdi(input.udi, 'The UDI');
  if (!productById(udi.pid)) refuse('udi-unknown-product', `${udi.pid} is not a product License Central knows.`);
  const key = deviceKey(input.devicePublicKey);
  const hostname = input.hostname ?? null;
  if (hostname !== null && (hostname.length > 253 || hasControls(hostname))) refuse('bad-text', 'A host name is printable text of at most 253 characters.');
  const token = verifyToken(parseToken(input.token), await ownKeys(c), verifyMessage);
  return c.write(now, async () => {
    const repeated = await repeatedRegistration(c, udi, key, token.id);
    if (repeated) return answerOf(c, repeated);
    const row = await usableToken(c, token.id, now);
    const before = await previousRegistration(c, udi, input.force ?? false);
    const account = await c.account(row.account);
    if (before) {
      await c.run('DELETE FROM registered_usage WHERE instance_id = ?', before.id);
      await c.run("UPDATE registered_instances SET state = 'deregistered' WHERE id = ?", before.id);
    }
    const registrationExpires = now + PERIODS.registrationValid;
    const authorizationExpires = now + PERIODS.authorizationValid;
    const id = (
      await c.run(
        "INSERT INTO registered_instances (account_id, product, uuid, sn, device_key, token_id, hostname, export_controlled, state, registered_at, registration_expires, authorization_expires, last_contact, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'registered', ?, ?, ?, ?, 0)",
        ...[account.id, udi.pid, udi.uuid, udi.sn, key, token.id, hostname, row.export_controlled, now, registrationExpires, authorizationExpires, now],
      )
    ).lastId;
    await c.run('UPDATE registration_tokens SET uses = uses + 1 WHERE id = ?', token.id);
    const moved = before ? ` (moved from "${before.account}", without its usage)` : '';
    await c.log(now, 'register', `Product instance registered with token ${token.id}${moved}.`, { account: account.name, instance: formatUdi(udi) });
    return answerOf(c, (await c.get<RegisteredRow>(`${SELECT} WHERE r.id = ?`, Number(id)))!);
  });
}

/** The answer of a registration: what the device keeps, with License Central's signature over its identity. */
async function answerOf(c: LedgerCore, r: RegisteredRow): Promise<Registration> {
  const udi = formatUdi({ pid: r.product, sn: r.sn, uuid: r.uuid });
  const instance = String(r.id);
  const signing = await c.signingKey();
  const message = identityMessage(instance, udi, toBase64(r.device_key), Number(r.registration_expires));
  return {
    instance,
    udi,
    account: r.account,
    registeredAt: Number(r.registered_at),
    registrationExpires: Number(r.registration_expires),
    authorizationExpires: Number(r.authorization_expires),
    exportControlled: Number(r.export_controlled) === 1,
    identity: { keyId: signing.id, signature: toBase64((await c.crypto()).sign(signing.id, message)) },
  };
}

/**
 * The same registration asked again (its answer was lost on the way): same device key, same token, and no
 * call made with it since. Answered again as it was, without using the token once more.
 */
async function repeatedRegistration(c: LedgerCore, udi: Udi, key: Uint8Array, tokenId: string): Promise<RegisteredRow | undefined> {
  const r = await c.get<RegisteredRow>(`${SELECT} WHERE r.uuid = ? AND r.state = 'registered' AND r.token_id = ? AND r.seq = 0`, udi.uuid, tokenId);
  return r && Buffer.from(r.device_key).equals(Buffer.from(key)) ? r : undefined;
}

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
async function asDevice<T>(c: LedgerCore, call: DeviceCall, now: number, fn: (r: RegisteredRow) => Promise<T>): Promise<T> {
  await c.requireInit();
  return c.write(now, async () => {
    const r = /^[0-9]{1,15}$/.test(call.instance) ? await c.get<RegisteredRow>(`${SELECT} WHERE r.id = ?`, Number(call.instance)) : undefined;
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
      refuse('replayed-code', `This call's sequence number (${call.seq}) was used before (the last was ${r.seq}): it was recorded and sent again.`);
    await c.run('UPDATE registered_instances SET seq = ?, last_contact = ? WHERE id = ?', call.seq, now, r.id);
    return fn(r);
  });
}

/** Whether what `r` reports in use is covered by its account's pool, now. */
export async function complianceFor(c: LedgerCore, r: RegisteredRow, now: number): Promise<Compliance> {
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

function refuseExpired(r: RegisteredRow, now: number): void {
  if (r.registration_expires <= now)
    refuse('not-allowed', `The registration expired on ${formatInstant(r.registration_expires)}.`, 'Register the product instance again with a token.');
}

export async function renewAuthorization(c: LedgerCore, call: DeviceCall, now: number) {
  return asDevice(c, call, now, async (r) => {
    refuseExpired(r, now);
    const authorizationExpires = now + PERIODS.authorizationValid;
    await c.run('UPDATE registered_instances SET authorization_expires = ? WHERE id = ?', authorizationExpires, r.id);
    return { authorizationExpires, compliance: await complianceFor(c, { ...r, authorization_expires: authorizationExpires }, now) };
  });
}

export async function renewRegistration(c: LedgerCore, call: DeviceCall, now: number) {
  return asDevice(c, call, now, async (r) => {
    refuseExpired(r, now);
    const registrationExpires = now + PERIODS.registrationValid;
    await c.run('UPDATE registered_instances SET registration_expires = ? WHERE id = ?', registrationExpires, r.id);
    return { registrationExpires };
  });
}

/** The usage an instance reports (tag or short name → in use): it replaces what it reported before. */
export async function reportUsage(c: LedgerCore, call: DeviceCall, usage: Readonly<Record<string, number>>, now: number) {
  const product = (udiPid: string) => productById(udiPid)!;
  return asDevice(c, call, now, async (r) => {
    refuseExpired(r, now);
    const rows: [string, number][] = [];
    for (const [name, count] of Object.entries(usage)) {
      const found = findAnyEntitlement(name);
      if (!found || found.product.id !== product(r.product).id) refuse('unknown-license', `${name} is not a license of ${product(r.product).name}.`);
      if (!Number.isSafeInteger(count) || count < 0 || count > 9_999_999)
        refuse('bad-count', `The usage of ${name} must be a whole number from 0 to 9,999,999.`);
      rows.push([found.def.tag, count]);
    }
    await c.run('DELETE FROM registered_usage WHERE instance_id = ?', r.id);
    for (const [tag, count] of rows) await c.run('INSERT INTO registered_usage (instance_id, tag, count) VALUES (?, ?, ?)', r.id, tag, count);
    await c.run('UPDATE registered_instances SET last_usage_at = ? WHERE id = ?', now, r.id);
    return { compliance: await complianceFor(c, r, now) };
  });
}

/** Deregisters: the instance's usage leaves its account's pool, and its key may no longer call. */
export async function deregister(c: LedgerCore, call: DeviceCall, now: number) {
  return asDevice(c, call, now, async (r) => {
    await c.run('DELETE FROM registered_usage WHERE instance_id = ?', r.id);
    await c.run("UPDATE registered_instances SET state = 'deregistered' WHERE id = ?", r.id);
    await c.log(now, 'deregister', 'Product instance deregistered: its usage is released from the pool.', {
      account: r.account,
      instance: formatUdi({ pid: r.product, sn: r.sn, uuid: r.uuid }),
    });
    return { deregistered: true };
  });
}
