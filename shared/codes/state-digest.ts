/**
 * The device's state digest, carried by every code a device makes (request v3, confirmation v2, return v3):
 * 35 bits, seven symbols, that let License Central see a forged or rolled-back device at the next exchange.
 *
 * - `ran` (20 bits): which authorization code of the current reservation the device ran when it made the
 *   code: a reference to its timestamp (`(ms mod 1048575) + 1`), 0 for none. Installs only ever move a device
 *   to a newer code, so a device that ran a code older than one License Central already knows it ran was put
 *   back to an earlier state (a copy of its state file, or a restore); a reference to no code License
 *   Central issued for the reservation means the device installed a code it did not sign.
 * - `anchors` (15 bits): a hash of the ids of the License Central keys the device trusts. License Central
 *   knows its own keys: a digest that is no set of them means the device trusts a key it did not make.
 *
 * The confirmation and return codes' MAC covers the digest, and a request's digest is bound into the
 * reservation's piid, so whoever carries a code cannot change it unseen. Pure: the hash is the caller's.
 */
import { utf8 } from '../bytes.ts';
import { Bits, bitsToSymbols } from './base32.ts';

export const DIGEST_SYMBOLS = 7;
const RAN_BITS = 20;
const ANCHOR_BITS = 15;
const RAN_MOD = 2 ** RAN_BITS - 1;

export interface StateDigest {
  /** Reference to the timestamp of the authorization code the device ran (0: none). */
  readonly ran: number;
  /** Hash of the ids of the keys the device trusts. */
  readonly anchors: number;
}

/** The reference `ran` carries for an authorization code's timestamp (ms since the epoch), 0 for none. */
export function ranRef(timestamp: number | null): number {
  return timestamp === null || timestamp <= 0 ? 0 : (timestamp % RAN_MOD) + 1;
}

/** The 15-bit hash of a set of key ids (order and repetition do not matter). */
export function anchorsHash(sha256: (data: Uint8Array) => Uint8Array, keyIds: readonly string[]): number {
  const ids = [...new Set(keyIds.map((k) => k.toLowerCase()))].sort();
  const h = sha256(utf8(`slr-desk/anchors/v1|${ids.join(',')}`));
  return ((h[0]! << 8) | h[1]!) >>> (16 - ANCHOR_BITS);
}

export function makeStateDigest(sha256: (data: Uint8Array) => Uint8Array, ranTimestamp: number | null, trustedKeyIds: readonly string[]): StateDigest {
  return { ran: ranRef(ranTimestamp), anchors: anchorsHash(sha256, trustedKeyIds) };
}

export function digestSymbols(d: StateDigest): number[] {
  return bitsToSymbols(new Bits().push(d.ran, RAN_BITS).push(d.anchors, ANCHOR_BITS));
}

export function digestFromSymbols(symbols: readonly number[]): StateDigest {
  if (symbols.length !== DIGEST_SYMBOLS) throw new Error(`a state digest is ${DIGEST_SYMBOLS} symbols`);
  const bits = Bits.fromSymbols(symbols);
  return { ran: bits.read(0, RAN_BITS), anchors: bits.read(RAN_BITS, ANCHOR_BITS) };
}

/** The digest as text, for the MAC's message and the piid's binding. */
export const digestText = (d: StateDigest): string => `${d.ran}.${d.anchors}`;

/** At most this many keys are tried when License Central looks for the set a device trusts (the newest). */
export const MAX_ANCHOR_KEYS = 12;

/** Whether `anchors` is the hash of some set of `ownKeyIds` (the empty set included): the device trusts none but these. */
export function anchorsAreOwn(sha256: (data: Uint8Array) => Uint8Array, anchors: number, ownKeyIds: readonly string[]): boolean {
  const keys = ownKeyIds.slice(-MAX_ANCHOR_KEYS);
  for (let mask = 0; mask < 2 ** keys.length; mask++) {
    if (
      anchorsHash(
        sha256,
        keys.filter((_, i) => mask & (1 << i)),
      ) === anchors
    )
      return true;
  }
  return false;
}
