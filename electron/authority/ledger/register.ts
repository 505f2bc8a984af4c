/**
 * Smart Licensing online, a product instance registering with a token at License Central: the token checked
 * (signed by this authority, issued here, not revoked, expired or used up), the request proved with the key
 * it registers and never accepted twice, a live registration replaced only by the device that holds it, and
 * the identity answered signed with a key the device trusts. Registration and reservation exclude each other.
 */
import { minimalSetShortfall, productById } from '../../../shared/catalog.ts';
import { isLotValid } from '../../../shared/authority/allocation.ts';
import { fromBase64, toBase64 } from '../../../shared/bytes.ts';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { refuse, SlrError } from '../../../shared/errors.ts';
import { identityMessage, PERIODS, REGISTER_NONCE, registerMessage, type Registration } from '../../../shared/registration/protocol.ts';
import { compactToken, parseToken, verifyToken } from '../../../shared/registration/token.ts';
import { textProblem } from '../../../shared/text.ts';
import { formatUdi, parseUdi, type Udi } from '../../../shared/udi.ts';
import { cryptoBasics, publicKeyFromCompressed, verifyMessage } from '../../platform/crypto.ts';
import { releaseExportGrants, SELECT, type RegisteredRow } from './registrations.ts';
import { readAfterLocking, requireInit, findAccount } from './lookups.ts';
import { identityKey, ledgerCrypto } from './signing.ts';
import type { LedgerStore } from './store.ts';

async function ownKeys(c: LedgerStore): Promise<Map<string, string>> {
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
async function usableToken(c: LedgerStore, id: string, now: number): Promise<{ account: string; account_id: number; export_controlled: number }> {
  const row = await c.get<{
    account: string;
    account_id: number;
    expires_at: number;
    max_uses: number | null;
    uses: number;
    revoked_at: number | null;
    export_controlled: number;
  }>(
    'SELECT a.name AS account, t.account_id, t.expires_at, t.max_uses, t.uses, t.revoked_at, t.export_controlled FROM registration_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.id = ?',
    id,
  );
  if (!row)
    refuse('no-token', `Registration token ${id} was not issued by this License Central.`, 'Use a token of this License Central (slr authority token create).');
  if (row.revoked_at !== null)
    refuse('token-revoked', `This registration token was revoked on ${formatInstant(row.revoked_at)}.`, 'Ask License Central for a new token.');
  if (row.expires_at <= now)
    refuse('token-expired', `This registration token expired on ${formatInstant(row.expires_at)}.`, 'Ask License Central for a new token.');
  if (row.max_uses !== null && row.uses >= row.max_uses)
    refuse(
      'token-used-up',
      `This registration token was used ${row.uses === 1 ? 'once' : `${row.uses} times`}, all it allows.`,
      'Ask License Central for a new token.',
    );
  return row;
}

/** Registration and reservation exclude each other. */
async function refuseReserved(c: LedgerStore, udi: Udi): Promise<void> {
  const reserved = await c.get<{ piid: string }>("SELECT piid FROM instances WHERE uuid = ? AND state = 'active'", udi.uuid);
  if (reserved)
    refuse(
      'instance-exists',
      `The product instance ${formatUdi(udi)} has licenses reserved by Specific License Reservation (reservation ${reserved.piid}): registration and reservation exclude each other.`,
      'Return the reservation first (license smart reservation return, then remove it at License Central), then register.',
    );
}

/**
 * A live registration of the same UDI is the registered device's own: only a request proved with the key it
 * registered (the device itself, moving with force) may replace it; anyone else, whatever token they hold,
 * is refused (and the attempt logged), and an administrator of its account removes it first.
 */
function ownedElsewhere(before: RegisteredRow, udi: Udi, key: Uint8Array): SlrError | null {
  if (Buffer.from(before.device_key).equals(Buffer.from(key))) return null;
  return new SlrError(
    'registration-owned',
    `The product instance ${formatUdi(udi)} is registered (instance ${before.id}, virtual account "${before.account}") with another device key: only that device, or an administrator of "${before.account}", can end or replace its registration.`,
    `On the registered device: \`license smart deregister\` (or register with force). At License Central: \`slr authority registered remove ${before.id}\` by an administrator of "${before.account}".`,
  );
}

/** The device's proof that it holds the key it registers, over this very request. */
function checkProof(input: RegisterInput, key: Uint8Array): void {
  const proof = fromBase64(input.proof);
  const message = registerMessage(cryptoBasics, {
    token: compactToken(input.token),
    udi: input.udi,
    devicePublicKey: input.devicePublicKey,
    hostname: input.hostname ?? null,
    force: input.force ?? false,
    trustedKeyIds: input.trustedKeyIds,
    nonce: input.nonce,
  });
  const pem = publicKeyFromCompressed(key).export({ type: 'spki', format: 'pem' }).toString();
  if (!REGISTER_NONCE.test(input.nonce) || !proof || !verifyMessage(pem, message, proof))
    refuse(
      'unauthorized',
      'This registration is not signed by the device key it registers: nothing was registered.',
      'Register from the product instance itself.',
    );
}

export interface RegisterInput {
  readonly token: string;
  readonly udi: string;
  readonly devicePublicKey: string;
  readonly hostname?: string | null;
  readonly force?: boolean;
  readonly trustedKeyIds: readonly string[];
  readonly nonce: string;
  readonly proof: string;
}

/** The request's input checked (UDI, key, host name, token, proof) before anything is read or written. */
async function checkedInput(c: LedgerStore, input: RegisterInput) {
  await requireInit(c);
  const udi = parseUdi(input.udi, 'The UDI');
  if (!productById(udi.pid)) refuse('udi-unknown-product', `${udi.pid} is not a product License Central knows.`);
  const key = deviceKey(input.devicePublicKey);
  const hostname = input.hostname ?? null;
  if (hostname !== null && textProblem(hostname, 253)) refuse('bad-text', `The host name is not acceptable: ${textProblem(hostname, 253)}.`);
  const token = verifyToken(parseToken(input.token), await ownKeys(c), verifyMessage);
  checkProof(input, key);
  return { udi, key, hostname, token };
}

/**
 * The request's nonce, used once: sent again, it is answered as before while nothing changed since (its
 * answer was lost on the way), else refused. The same registration asked again with a new nonce is answered
 * as it was too.
 */
async function useNonce(c: LedgerStore, input: RegisterInput, udi: Udi, key: Uint8Array, tokenId: string, now: number) {
  const seen = await c.get('SELECT at FROM register_nonces WHERE uuid = ? AND nonce = ?', udi.uuid, input.nonce);
  const repeated = await repeatedRegistration(c, udi, key, tokenId);
  if (seen && !repeated) refuse('replayed-code', 'This registration request was sent before (its nonce was used): it was recorded and sent again.');
  if (!seen) await c.run('INSERT INTO register_nonces (uuid, nonce, at) VALUES (?, ?, ?)', udi.uuid, input.nonce, now);
  return repeated;
}

/** A product with a minimal set of licenses registers only into a virtual account that holds it (valid now). */
async function requireMinimalSetIn(c: LedgerStore, account: string, pid: string, now: number): Promise<void> {
  const product = productById(pid)!;
  if (!product.minimalSet) return;
  const lots = await c.all<{ tag: string; type: 'PERPETUAL' | 'TERM'; start: number | null; end: number | null; count: number }>(
    'SELECT l.tag, l.type, l.start, l."end" AS "end", l.count FROM lots l JOIN accounts a ON a.id = l.account_id WHERE a.name = ?',
    account,
  );
  const counts: Record<string, number> = {};
  for (const l of lots)
    if (isLotValid({ type: l.type, start: l.start === null ? null : Number(l.start), end: l.end === null ? null : Number(l.end) }, now))
      counts[l.tag] = (counts[l.tag] ?? 0) + Number(l.count);
  const missing = minimalSetShortfall(product, counts);
  if (missing.length)
    refuse(
      'minimal-set',
      `${product.name} registers only into a virtual account that holds its minimal set of licenses; virtual account "${account}" lacks: ${missing.join('; ')}.`,
      'Ask License Central to add them to that virtual account, or use a token of one that holds them.',
    );
}

export async function register(c: LedgerStore, input: RegisterInput, now: number): Promise<Registration> {
  const { udi, key, hostname, token } = await checkedInput(c, input);
  const outcome = await c.writePooled(now, async (): Promise<{ refused: SlrError } | { done: Registration }> => {
    // A pooled write's locks in their order: the device, the token, then the accounts it touches.
    await c.db.lock(`device:${udi.uuid}`);
    await c.db.lock(`token:${token.id}`);
    const repeated = await useNonce(c, input, udi, key, token.id, now);
    if (repeated) return { done: await answerOf(c, repeated, input.trustedKeyIds) };
    const identity = await identityKey(c, input.trustedKeyIds);
    const row = await usableToken(c, token.id, now);
    const before = await liveRegistration(c, udi, row.account_id);
    await requireMinimalSetIn(c, row.account, udi.pid, now);
    await refuseReserved(c, udi);
    const owned = before && ownedElsewhere(before, udi, key);
    if (owned) {
      const text = `A registration of this product instance with another device key (token ${token.id}, virtual account "${row.account}") was refused: it is registered in "${before.account}".`;
      await c.log(now, 'register-refused', text, { account: before.account, instance: formatUdi(udi) });
      return { refused: owned };
    }
    if (before && !input.force)
      refuse(
        'instance-exists',
        `The product instance ${formatUdi(udi)} is already registered (virtual account "${before.account}").`,
        'Register again with force to move it (its usage is reported again there).',
      );
    const account = await findAccount(c, row.account);
    if (before) {
      await c.run('DELETE FROM registered_usage WHERE instance_id = ?', before.id);
      await releaseExportGrants(c, before.id);
      await c.run("UPDATE registered_instances SET state = 'deregistered' WHERE id = ?", before.id);
    }
    const id = (
      await c.run(
        "INSERT INTO registered_instances (account_id, product, uuid, sn, device_key, token_id, hostname, export_controlled, state, registered_at, registration_expires, authorization_expires, last_contact, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'registered', ?, ?, ?, ?, 0)",
        ...[account.id, udi.pid, udi.uuid, udi.sn, key, token.id, hostname, row.export_controlled, now],
        ...[now + PERIODS.registrationValid, now + PERIODS.authorizationValid, now],
      )
    ).lastId;
    await c.run('UPDATE registration_tokens SET uses = uses + 1 WHERE id = ?', token.id);
    const moved = before ? ` (moved from "${before.account}", without its usage)` : '';
    await c.log(now, 'register', `Product instance registered with token ${token.id}${moved}.`, { account: account.name, instance: formatUdi(udi) });
    return { done: await answerOf(c, (await c.get<RegisteredRow>(`${SELECT} WHERE r.id = ?`, Number(id)))!, [identity]) };
  });
  if ('refused' in outcome) throw outcome.refused;
  return outcome.done;
}

/**
 * The device's live registration, if any, read after locking both accounts a registration touches (the token's
 * and the one the device is registered in, in the order of their ids): a call of the device may change it until then.
 */
async function liveRegistration(c: LedgerStore, udi: Udi, accountId: number): Promise<RegisteredRow | undefined> {
  const live = () => c.get<RegisteredRow>(`${SELECT} WHERE r.uuid = ? AND r.state = 'registered'`, udi.uuid);
  const first = await live();
  return readAfterLocking(c, [accountId, first?.account_id ?? accountId], first, live);
}

/** The answer of a registration: what the device keeps, with License Central's signature over its identity. */
async function answerOf(c: LedgerStore, r: RegisteredRow, trustedKeyIds: readonly string[]): Promise<Registration> {
  const udi = formatUdi({ pid: r.product, sn: r.sn, uuid: r.uuid });
  const instance = String(r.id);
  const signing = { id: await identityKey(c, trustedKeyIds) };
  const message = identityMessage(instance, udi, toBase64(r.device_key), Number(r.registration_expires));
  return {
    instance,
    udi,
    account: r.account,
    registeredAt: Number(r.registered_at),
    registrationExpires: Number(r.registration_expires),
    authorizationExpires: Number(r.authorization_expires),
    exportControlled: Number(r.export_controlled) === 1,
    identity: { keyId: signing.id, signature: toBase64((await ledgerCrypto(c)).sign(signing.id, message)) },
  };
}

/**
 * The same registration asked again (its answer was lost on the way): same device key, same token, and no
 * call made with it since. Answered again as it was, without using the token once more.
 */
async function repeatedRegistration(c: LedgerStore, udi: Udi, key: Uint8Array, tokenId: string): Promise<RegisteredRow | undefined> {
  const r = await c.get<RegisteredRow>(`${SELECT} WHERE r.uuid = ? AND r.state = 'registered' AND r.token_id = ? AND r.seq = 0`, udi.uuid, tokenId);
  return r && Buffer.from(r.device_key).equals(Buffer.from(key)) ? r : undefined;
}
