/**
 * What the carrier of codes does in the system models (test/system-adversary.test.ts): picks a code it has
 * seen (recent ones more often, or one naming a given device), swaps the device key in a request for its own,
 * and makes confirmation and return codes with its own key.
 */
import fc from 'fast-check';
import { deviceCrypto } from '../../electron/platform/crypto.ts';
import { productById } from '../../shared/catalog.ts';
import { parseAuthorizationCode } from '../../shared/codes/authorization-code.ts';
import { codeMessage, makeConfirmationCode, makeRequestCode, makeReturnCode, parseRequestCode, parseReturnCode } from '../../shared/codes/device-codes.ts';

/** Which code to pick: with `mine`, one naming the device at hand; `i`: how far back. */
export const pick = fc.record({
  mine: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
  i: fc.oneof(fc.constant(0), fc.constant(0), fc.constant(1), fc.nat(1000)),
});
export type Pick = typeof pick extends fc.Arbitrary<infer P> ? P : never;

/** The carrier's own key pair, and the authority key its forged MACs are made against. */
export interface Carrier {
  readonly adversary: { privateKey: string; publicKey: Uint8Array };
  readonly authorityKeyPem: string;
}

/** The i-th newest element: recent codes are picked more often, any code can be. */
export const at = <A>(list: readonly A[], i: number): A | undefined => (list.length ? list[list.length - 1 - (i % list.length)] : undefined);

/** A code from the bag; with `mine`, one that names `uuid` (authorization codes by their UDI, short codes by their SN). */
export function choose(list: readonly string[], p: Pick, uuid?: string): string | undefined {
  if (!p.mine || !uuid) return at(list, p.i);
  const sn = uuid.slice(-5).toUpperCase();
  const named = list.filter((c) => c.includes(uuid) || (!c.startsWith('<') && returnSn(c) === sn));
  return at(named.length ? named : list, p.i);
}
function returnSn(code: string): string | null {
  try {
    return parseReturnCode(code).sn.toUpperCase();
  } catch {
    return null;
  }
}

/** The request code with the device key swapped for the carrier's (same UUID, same everything else). */
export function alterRequest(w: Carrier, request: string): string {
  const parsed = parseRequestCode(request);
  return makeRequestCode(productById(parsed.udi.pid)!, parsed.udi.uuid, w.adversary.publicKey, parsed.nonce, parsed.digest!);
}

/** Confirmation and return codes made with the carrier's key for an authorization code it has seen. */
export function forge(w: Carrier, authorization: string): string[] {
  const code = parseAuthorizationCode(authorization);
  const crypto = deviceCrypto(w.adversary.privateKey);
  // Whatever state the carrier claims: the MAC is the carrier's, not the device's.
  const digest = { ran: 0, anchors: 0 };
  const mac = (purpose: 'confirm' | 'return') => crypto.mac(w.authorityKeyPem, codeMessage(purpose, code.piid, code.timestamp, code.udi, digest));
  return [makeConfirmationCode(mac('confirm'), digest), makeReturnCode(code.udi, mac('return'), digest)];
}
