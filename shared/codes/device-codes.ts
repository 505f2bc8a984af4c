/**
 * The three short codes a device hands to the authority:
 *
 * - request code: the device's identity (product, UUID), its P-256 public key, and a nonce that makes this
 *   request, and the reservation it starts, unique. 92 data symbols, 104 characters.
 * - confirmation code: 35 bits of MAC over (piid, timestamp, UDI) of the authorization code just installed.
 * - return code: the serial number and 115 bits of MAC over (piid, timestamp, UDI) of the code given back.
 *
 * Every authorization code of a reservation carries, as its `<piid>`, a UUID derived from the request: its
 * first 8 bytes are the request's nonce, the last 8 a hash of (UDI, device public key, nonce). The piid is
 * under the authority's signature, so the device recomputes it and installs only codes of its current
 * reservation, issued against its own key: a code of a reservation it gave back, or of a request whose key
 * was swapped in transit, is refused. The MAC key is derived from the ECDH secret of the device key and the
 * authority key that signed the authorization code, so only the device (or the authority itself) can make
 * confirmation and return codes, and one device's code never verifies for another.
 */
import { refuse } from '../errors.ts';
import { CODE_NAMES } from '../code-kinds.ts';
import { productByCodeIndex, type ProductProfile } from '../catalog.ts';
import { bytesToUuid, formatUdi, makeUdi, uuidToBytes, type Udi } from '../udi.ts';
import { fromHex, toHex, utf8 } from '../bytes.ts';
import { Bits, bitsToSymbols } from './base32.ts';
import { codeLength, formatShortCode, parseShortCode, type ShortCodeSpec } from './short-code.ts';

export const REQUEST_CODE: ShortCodeSpec = { kind: 1, name: CODE_NAMES.request, dataSymbols: 92, groupSize: 5 };
export const CONFIRMATION_CODE: ShortCodeSpec = { kind: 2, name: CODE_NAMES.confirmation, dataSymbols: 7, groupSize: 5 };
export const RETURN_CODE: ShortCodeSpec = { kind: 3, name: CODE_NAMES.return, dataSymbols: 28, groupSize: 5 };
const ALL = [REQUEST_CODE, CONFIRMATION_CODE, RETURN_CODE];
const others = (spec: ShortCodeSpec) => ALL.filter((s) => s !== spec);

const REQUEST_VERSION = 2;
const RETURN_VERSION = 2;
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
}

export function makeRequestCode(product: ProductProfile, uuid: string, devicePublicKey: Uint8Array, nonce: string): string {
  if (devicePublicKey.length !== 33 || (devicePublicKey[0] !== 2 && devicePublicKey[0] !== 3)) {
    throw new Error('device public key must be a 33-byte compressed P-256 point');
  }
  const nonceBytes = nonceToBytes(nonce);
  const bits = new Bits()
    .push(REQUEST_VERSION, 5)
    .push(product.codeIndex, 5)
    .pushBytes(uuidToBytes(uuid))
    .push(devicePublicKey[0]! & 1, 1)
    .pushBytes(devicePublicKey.slice(1))
    .pushBytes(nonceBytes);
  return formatShortCode(REQUEST_CODE, bitsToSymbols(bits));
}

export function parseRequestCode(input: string): RequestPayload {
  const bits = Bits.fromSymbols(parseShortCode(REQUEST_CODE, input, others(REQUEST_CODE)));
  const version = bits.read(0, 5);
  if (version !== REQUEST_VERSION) {
    refuse(
      'request-version',
      `The request code is of version ${version}; this system reads version ${REQUEST_VERSION}.`,
      'Generate the request code again with this version of SLR Desk.',
    );
  }
  const product = productByCodeIndex(bits.read(5, 5));
  if (!product) refuse('request-product', `The request code names product number ${bits.read(5, 5)}, which this system does not know.`);
  const uuid = bytesToUuid(bits.readBytes(10, 16));
  const key = new Uint8Array(33);
  key[0] = 2 + bits.read(138, 1);
  key.set(bits.readBytes(139, 32), 1);
  return { udi: makeUdi(product, uuid), devicePublicKey: key, nonce: toHex(bits.readBytes(395, NONCE_BYTES)) };
}

function nonceToBytes(nonce: string): Uint8Array {
  if (!new RegExp(`^[0-9a-f]{${2 * NONCE_BYTES}}$`).test(nonce)) throw new Error(`the request nonce must be ${NONCE_BYTES} bytes in lower-case hex`);
  return fromHex(nonce);
}

/** The piid of the reservation a request starts (see the header comment). `sha256` is the crypto port's. */
export function reservationPiid(sha256: (data: Uint8Array) => Uint8Array, udi: Udi, devicePublicKey: Uint8Array, nonce: string): string {
  const nonceBytes = nonceToBytes(nonce);
  const binding = sha256(utf8(`slr-desk/piid/v1|${formatUdi(udi)}|${toHex(devicePublicKey)}|${nonce}`)).slice(0, 16 - NONCE_BYTES);
  return bytesToUuid(new Uint8Array([...nonceBytes, ...binding]));
}

/** The request nonce a piid carries (its first 16 hex digits). */
export function nonceOfPiid(piid: string): string {
  return piid
    .replace(/-/g, '')
    .slice(0, 2 * NONCE_BYTES)
    .toLowerCase();
}

/** What the confirmation and return MACs cover: which authorization code, for which device. */
export function codeMessage(purpose: 'confirm' | 'return', piid: string, timestamp: string, udi: Udi): Uint8Array {
  return utf8(`slr-desk/${purpose}/v1|${piid}|${timestamp}|${formatUdi(udi)}`);
}

function macSymbols(mac: Uint8Array, bits: number): number[] {
  return bitsToSymbols(new Bits().pushBytes(mac.slice(0, Math.ceil(bits / 8)))).slice(0, bits / 5);
}

export function makeConfirmationCode(mac: Uint8Array): string {
  return formatShortCode(CONFIRMATION_CODE, macSymbols(mac, CONFIRMATION_MAC_BITS));
}

/** Parses a confirmation code into its canonical form (for comparison), refusing typos. */
export function parseConfirmationCode(input: string): string {
  return formatShortCode(CONFIRMATION_CODE, parseShortCode(CONFIRMATION_CODE, input, others(CONFIRMATION_CODE)));
}

export function makeReturnCode(udi: Udi, mac: Uint8Array): string {
  const head = bitsToSymbols(new Bits().push(RETURN_VERSION, 5).push(parseInt(udi.sn, 16), 20));
  return formatShortCode(RETURN_CODE, [...head, ...macSymbols(mac, RETURN_MAC_BITS)]);
}

export interface ParsedReturnCode {
  readonly sn: string;
  /** The canonical form, for comparison with an expected code. */
  readonly canonical: string;
}

export function parseReturnCode(input: string): ParsedReturnCode {
  const data = parseShortCode(RETURN_CODE, input, others(RETURN_CODE));
  const bits = Bits.fromSymbols(data);
  const version = bits.read(0, 5);
  if (version !== RETURN_VERSION) {
    refuse('return-version', `The return code is of version ${version}; this system reads version ${RETURN_VERSION}.`);
  }
  return { sn: bits.read(5, 20).toString(16).padStart(5, '0'), canonical: formatShortCode(RETURN_CODE, data) };
}

export const CODE_LENGTHS = {
  request: codeLength(REQUEST_CODE),
  confirmation: codeLength(CONFIRMATION_CODE),
  return: codeLength(RETURN_CODE),
};
