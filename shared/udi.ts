/**
 * The device identity, in the seeds' form `P:<PID>,S:<SN>,U:<UUID>`: a random UUID, and the serial number
 * its last five hex digits (both seed examples: U:e53fc968-…-ba908a6cc920 has S:cc920).
 */
import { refuse } from './errors.ts';
import { PRODUCTS, productById, type ProductProfile } from './catalog.ts';

export interface Udi {
  readonly pid: string;
  readonly sn: string;
  readonly uuid: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

export function serialOf(uuid: string): string {
  return uuid.slice(-5);
}

export function makeUdi(product: ProductProfile, uuid: string): Udi {
  if (!isUuid(uuid)) throw new Error(`not a lower-case UUID: ${uuid}`);
  return { pid: product.id, sn: serialOf(uuid), uuid };
}

export function formatUdi(udi: Udi): string {
  return `P:${udi.pid},S:${udi.sn},U:${udi.uuid}`;
}

/** Parses a UDI; `where` names the field in the message (e.g. "element <udi>"). */
export function parseUdi(text: string, where = 'The UDI'): Udi {
  // As Cisco's documents also print it: a space after each comma (`P:UCM, S:…, U:…`).
  const m = /^P:([A-Za-z0-9_]{1,16}), ?S:([0-9a-fA-F]{5}), ?U:([0-9a-fA-F-]{36})$/.exec(text);
  if (!m) {
    refuse('udi-malformed', `${where} is not a UDI: expected P:<PID>,S:<SN>,U:<UUID>, found "${text.slice(0, 80)}".`);
  }
  const [, pid, sn, uuidRaw] = m;
  const uuid = uuidRaw!.toLowerCase();
  if (!isUuid(uuid)) refuse('udi-malformed', `${where}: U:${uuidRaw} is not a UUID.`);
  if (sn!.toLowerCase() !== serialOf(uuid)) {
    refuse('udi-malformed', `${where}: serial number S:${sn} does not match the UUID (expected S:${serialOf(uuid)}).`);
  }
  if (!productById(pid!)) refuse('udi-unknown-product', `${where}: product P:${pid} is not one this system knows (${PRODUCTS.map((p) => p.id).join(', ')}).`);
  return { pid: pid!, sn: sn!.toLowerCase(), uuid };
}

export function sameUdi(a: Udi, b: Udi): boolean {
  return a.pid === b.pid && a.uuid === b.uuid;
}

export function uuidToBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToUuid(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
