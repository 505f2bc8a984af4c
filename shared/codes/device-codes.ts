/**
 * The three short codes a device hands to the authority:
 *
 * - request code (v3): the device's identity (product, UUID), its P-256 public key, a nonce that makes this
 *   request, and the reservation it starts, unique, and the device's state digest. 99 data symbols, 111
 *   characters. A cluster publisher's request (v4) adds its subscribers' names (cluster-nodes.ts), in a tail
 *   of one of a few fixed sizes: 119 characters and up.
 * - confirmation code (v2): 35 bits of MAC over (piid, timestamp, UDI, state digest) of the authorization
 *   code just installed, and the state digest. 14 data symbols, 17 characters.
 * - return code (v3): the serial number, the state digest and 115 bits of MAC over (piid, timestamp, UDI,
 *   state digest) of the code given back. 35 data symbols, 41 characters.
 *
 * The state digest (state-digest.ts) says which code of the reservation the device ran and which keys it
 * trusts, so License Central sees a forged or rolled-back device at the next exchange. The codes of the
 * versions before it (request v2, 104 characters; confirmation v1, 10; return v2, 31) are still read, so a
 * device of an earlier SLR Desk can finish its exchange; they carry no digest.
 *
 * Every authorization code of a reservation carries, as its `<piid>`, a UUID derived from the request: its
 * first 8 bytes are the request's nonce, the last 8 a hash of (UDI, device public key, nonce, state digest,
 * and a publisher's cluster nodes).
 * The piid is under the authority's signature, so the device recomputes it and installs only codes of its
 * current reservation, issued against its own key and its own request: a code of a reservation it gave
 * back, or of a request whose key or digest was changed in transit, is refused. The MAC key is derived from
 * the ECDH secret of the device key and the authority key that signed the authorization code, so only the
 * device (or the authority itself) can make confirmation and return codes, and one device's code never
 * verifies for another.
 */
import { refuse } from '../errors.ts';
import { CODE_NAMES } from '../code-kinds.ts';
import { productByCodeIndex, type ProductProfile } from '../catalog.ts';
import { bytesToUuid, formatUdi, makeUdi, uuidToBytes, type Udi } from '../udi.ts';
import { fromHex, toHex, utf8 } from '../bytes.ts';
import { Bits, bitsToSymbols } from './base32.ts';
import { codeLength, formatShortCode, parseShortCode, specByLength, type ShortCodeSpec } from './short-code.ts';
import { canonicalNodes, NODE_TAIL_SYMBOLS, nodeTail, readNodeTail } from './cluster-nodes.ts';
import { digestFromSymbols, digestSymbols, digestText, DIGEST_SYMBOLS, type StateDigest } from './state-digest.ts';

export type { StateDigest } from './state-digest.ts';

export const REQUEST_CODE: ShortCodeSpec = { kind: 1, name: CODE_NAMES.request, dataSymbols: 92 + DIGEST_SYMBOLS, groupSize: 5 };
export const CONFIRMATION_CODE: ShortCodeSpec = { kind: 2, name: CODE_NAMES.confirmation, dataSymbols: 7 + DIGEST_SYMBOLS, groupSize: 5 };
export const RETURN_CODE: ShortCodeSpec = { kind: 3, name: CODE_NAMES.return, dataSymbols: 28 + DIGEST_SYMBOLS, groupSize: 5 };
/** The versions before the state digest, still read (a device of an earlier SLR Desk finishes its exchange). */
const REQUEST_CODE_V2: ShortCodeSpec = { ...REQUEST_CODE, dataSymbols: 92 };
const CONFIRMATION_CODE_V1: ShortCodeSpec = { ...CONFIRMATION_CODE, dataSymbols: 7 };
const RETURN_CODE_V2: ShortCodeSpec = { ...RETURN_CODE, dataSymbols: 28 };
/** A cluster publisher's request (v4): v3 and its nodes, in a tail of one of the sizes cluster-nodes.ts gives. */
const CLUSTER_REQUEST_CODES: readonly ShortCodeSpec[] = NODE_TAIL_SYMBOLS.map((t) => ({ ...REQUEST_CODE, dataSymbols: REQUEST_CODE.dataSymbols + t }));
const VERSIONS = [
  [REQUEST_CODE, REQUEST_CODE_V2, ...CLUSTER_REQUEST_CODES],
  [CONFIRMATION_CODE, CONFIRMATION_CODE_V1],
  [RETURN_CODE, RETURN_CODE_V2],
] as const;
const others = (spec: ShortCodeSpec) => VERSIONS.flat().filter((s) => s.kind !== spec.kind);

const REQUEST_VERSIONS = { cluster: 4, digest: 3, plain: 2 };
const RETURN_VERSIONS = { digest: 3, plain: 2 };
/** Bytes of the request nonce. */
export const NONCE_BYTES = 8;
const CONFIRMATION_MAC_BITS = 35;
const RETURN_MAC_BITS = 115;

export interface RequestPayload {
  readonly udi: Udi;
  /** SEC1 compressed P-256 point, 33 bytes. */
  readonly devicePublicKey: Uint8Array;
  /** What makes this request unique: 16 hex digits. */
  readonly nonce: string;
  /** The device's state when it made the request; null in a request of an earlier version (v2). */
  readonly digest: StateDigest | null;
  /** A cluster publisher's subscribers, sorted (v4); empty for a standalone device. */
  readonly nodes: readonly string[];
}

/** The request code; a cluster publisher's (`nodes`: its subscribers) is of version 4, a standalone device's of version 3. */
export function makeRequestCode(
  product: ProductProfile,
  uuid: string,
  devicePublicKey: Uint8Array,
  nonce: string,
  digest: StateDigest,
  nodes: readonly string[] = [],
): string {
  if (devicePublicKey.length !== 33 || (devicePublicKey[0] !== 2 && devicePublicKey[0] !== 3)) {
    throw new Error('device public key must be a 33-byte compressed P-256 point');
  }
  const nonceBytes = nonceToBytes(nonce);
  const bits = new Bits()
    .push(nodes.length ? REQUEST_VERSIONS.cluster : REQUEST_VERSIONS.digest, 5)
    .push(product.codeIndex, 5)
    .pushBytes(uuidToBytes(uuid))
    .push(devicePublicKey[0]! & 1, 1)
    .pushBytes(devicePublicKey.slice(1))
    .pushBytes(nonceBytes);
  const data = [...bitsToSymbols(bits), ...digestSymbols(digest)];
  if (!nodes.length) return formatShortCode(REQUEST_CODE, data);
  const tail = nodeTail(nodes);
  return formatShortCode(
    CLUSTER_REQUEST_CODES.find((s) => s.dataSymbols === data.length + tail.length)!,
    [...data, ...tail],
  );
}

export function parseRequestCode(input: string): RequestPayload {
  const spec = specByLength(VERSIONS[0], input);
  const data = parseShortCode(spec, input, others(spec));
  const bits = Bits.fromSymbols(data.slice(0, 92));
  const version = bits.read(0, 5);
  const cluster = CLUSTER_REQUEST_CODES.includes(spec);
  const want = cluster ? REQUEST_VERSIONS.cluster : spec === REQUEST_CODE ? REQUEST_VERSIONS.digest : REQUEST_VERSIONS.plain;
  if (version !== want) {
    refuse(
      'request-version',
      `The request code is of version ${version}; this system reads version ${REQUEST_VERSIONS.digest} (a cluster publisher's: ${REQUEST_VERSIONS.cluster}; and ${REQUEST_VERSIONS.plain}, ${codeLength(REQUEST_CODE_V2)} characters).`,
      'Generate the request code again with this version of SLR Desk.',
    );
  }
  const product = productByCodeIndex(bits.read(5, 5));
  if (!product) refuse('request-product', `The request code names product number ${bits.read(5, 5)}, which this system does not know.`);
  const uuid = bytesToUuid(bits.readBytes(10, 16));
  const key = new Uint8Array(33);
  key[0] = 2 + bits.read(138, 1);
  key.set(bits.readBytes(139, 32), 1);
  const digest = spec === REQUEST_CODE || cluster ? digestFromSymbols(data.slice(92, 92 + DIGEST_SYMBOLS)) : null;
  const nodes = cluster ? readNodeTail(data.slice(92 + DIGEST_SYMBOLS)) : [];
  return { udi: makeUdi(product, uuid), devicePublicKey: key, nonce: toHex(bits.readBytes(395, NONCE_BYTES)), digest, nodes };
}

function nonceToBytes(nonce: string): Uint8Array {
  if (!new RegExp(`^[0-9a-f]{${2 * NONCE_BYTES}}$`).test(nonce)) throw new Error(`the request nonce must be ${NONCE_BYTES} bytes in lower-case hex`);
  return fromHex(nonce);
}

/**
 * The piid of the reservation a request starts (see the header comment), bound to the request's state
 * digest (none for a request of version 2) and a cluster publisher's nodes (v4). `sha256` is the crypto port's.
 */
export function reservationPiid(
  sha256: (data: Uint8Array) => Uint8Array,
  udi: Udi,
  devicePublicKey: Uint8Array,
  nonce: string,
  digest: StateDigest | null,
  nodes: readonly string[] = [],
): string {
  const nonceBytes = nonceToBytes(nonce);
  const base = `${formatUdi(udi)}|${toHex(devicePublicKey)}|${nonce}`;
  const message = !digest
    ? `slr-desk/piid/v1|${base}`
    : nodes.length
      ? `slr-desk/piid/v3|${base}|${digestText(digest)}|${canonicalNodes(nodes).join(',')}`
      : `slr-desk/piid/v2|${base}|${digestText(digest)}`;
  const binding = sha256(utf8(message)).slice(0, 16 - NONCE_BYTES);
  return bytesToUuid(new Uint8Array([...nonceBytes, ...binding]));
}

/** The request nonce a piid carries (its first 16 hex digits). */
export function nonceOfPiid(piid: string): string {
  return piid
    .replace(/-/g, '')
    .slice(0, 2 * NONCE_BYTES)
    .toLowerCase();
}

/** What the confirmation and return MACs cover: which authorization code, for which device, in which state (none: v1). */
export function codeMessage(purpose: 'confirm' | 'return', piid: string, timestamp: string, udi: Udi, digest: StateDigest | null): Uint8Array {
  const base = `${piid}|${timestamp}|${formatUdi(udi)}`;
  return utf8(digest ? `slr-desk/${purpose}/v2|${base}|${digestText(digest)}` : `slr-desk/${purpose}/v1|${base}`);
}

function macSymbols(mac: Uint8Array, bits: number): number[] {
  return bitsToSymbols(new Bits().pushBytes(mac.slice(0, Math.ceil(bits / 8)))).slice(0, bits / 5);
}

/** A confirmation code: the MAC, then the state digest it covers (none: a v1 code of an earlier SLR Desk). */
export function makeConfirmationCode(mac: Uint8Array, digest: StateDigest | null): string {
  const macPart = macSymbols(mac, CONFIRMATION_MAC_BITS);
  return digest ? formatShortCode(CONFIRMATION_CODE, [...macPart, ...digestSymbols(digest)]) : formatShortCode(CONFIRMATION_CODE_V1, macPart);
}

/** A device's code as read: its canonical form (for comparison with an expected code) and the state digest it carries. */
export interface ParsedDeviceCode {
  readonly canonical: string;
  /** The device's state digest; null in a code of an earlier version. */
  readonly digest: StateDigest | null;
}

/** Parses a confirmation code (either version), refusing typos. */
export function parseConfirmationCode(input: string): ParsedDeviceCode {
  const spec = specByLength(VERSIONS[1], input);
  const data = parseShortCode(spec, input, others(spec));
  return { canonical: formatShortCode(spec, data), digest: spec === CONFIRMATION_CODE ? digestFromSymbols(data.slice(7)) : null };
}

/** A return code: the version and serial number, the state digest (none: v2), then the MAC. */
export function makeReturnCode(udi: Udi, mac: Uint8Array, digest: StateDigest | null): string {
  const head = bitsToSymbols(new Bits().push(digest ? RETURN_VERSIONS.digest : RETURN_VERSIONS.plain, 5).push(parseInt(udi.sn, 16), 20));
  const macPart = macSymbols(mac, RETURN_MAC_BITS);
  return digest ? formatShortCode(RETURN_CODE, [...head, ...digestSymbols(digest), ...macPart]) : formatShortCode(RETURN_CODE_V2, [...head, ...macPart]);
}

export interface ParsedReturnCode extends ParsedDeviceCode {
  readonly sn: string;
}

export function parseReturnCode(input: string): ParsedReturnCode {
  const spec = specByLength(VERSIONS[2], input);
  const data = parseShortCode(spec, input, others(spec));
  const bits = Bits.fromSymbols(data);
  const version = bits.read(0, 5);
  const want = spec === RETURN_CODE ? RETURN_VERSIONS.digest : RETURN_VERSIONS.plain;
  if (version !== want) {
    refuse(
      'return-version',
      `The return code is of version ${version}; this system reads version ${RETURN_VERSIONS.digest} (and ${RETURN_VERSIONS.plain}, ${codeLength(RETURN_CODE_V2)} characters).`,
    );
  }
  const digest = spec === RETURN_CODE ? digestFromSymbols(data.slice(5, 5 + DIGEST_SYMBOLS)) : null;
  return { sn: bits.read(5, 20).toString(16).padStart(5, '0'), canonical: formatShortCode(spec, data), digest };
}

/** The lengths of the codes a device makes now (the earlier versions' are in the header comment). */
export const CODE_LENGTHS = {
  request: codeLength(REQUEST_CODE),
  confirmation: codeLength(CONFIRMATION_CODE),
  return: codeLength(RETURN_CODE),
};
