/**
 * The nodes of a cluster as a cluster publisher's request code carries them (request code v4, device-codes.ts):
 * its subscribers' names, sorted, six bits a character (0 separates names; zeros to the end are padding), in a
 * tail of one of a few fixed sizes, so that every version of the request code still has a length of its own.
 * License Central shows a cluster reserved by SLR as one instance with these nodes; the names are bound into the
 * reservation's piid, so a list changed on the way gets an authorization code the publisher will not install.
 */
import { refuse } from '../errors.ts';
import { Bits, bitsToSymbols } from './base32.ts';

/** A cluster has a publisher and at most this many subscribers (Unified CM's largest cluster has 21 servers). */
export const MAX_CLUSTER_SUBSCRIBERS = 20;
/** Data symbols a node list may take, smallest first: the code uses the first that holds it. */
export const NODE_TAIL_SYMBOLS = [8, 24, 64, 160, 400, 800] as const;

const CHARS = '\0abcdefghijklmnopqrstuvwxyz0123456789-';
/** A cluster node's name: lower-case letters, digits and "-", at most 32. */
export const NODE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
const WIDTH = 6;

/** The symbols of a tail holding `nodes` (sorted here), padded to the smallest size that holds them. */
export function nodeTail(nodes: readonly string[]): number[] {
  const names = canonicalNodes(nodes);
  const text = names.join('\0');
  const bits = new Bits();
  for (const ch of text) bits.push(CHARS.indexOf(ch), WIDTH);
  const size = NODE_TAIL_SYMBOLS.find((n) => n * 5 >= bits.length);
  if (size === undefined) throw new Error('node list too long for a request code');
  const symbols = bitsToSymbols(bits);
  return [...symbols, ...new Array<number>(size - symbols.length).fill(0)];
}

/** The node names a tail carries; a tail that is not one this format writes is refused. */
export function readNodeTail(symbols: readonly number[]): string[] {
  const bits = Bits.fromSymbols(symbols);
  let text = '';
  for (let at = 0; at + WIDTH <= bits.length; at += WIDTH) {
    const v = bits.read(at, WIDTH);
    const ch = CHARS[v];
    if (ch === undefined) malformed();
    text += ch;
  }
  const names = text.replace(/\0+$/, '').split('\0');
  if (names.length === 1 && names[0] === '') malformed();
  if (names.some((n) => !NODE_NAME.test(n)) || names.length > MAX_CLUSTER_SUBSCRIBERS) malformed();
  if (names.join('\0') !== canonicalNodes(names).join('\0')) malformed();
  // Exactly what a device writes for them (the smallest tail, zero padding), or the code was not made by a device.
  if (nodeTail(names).join(',') !== symbols.join(',')) malformed();
  return names;
}

/** Node names as a request carries them: sorted, each once, each a node name, at most MAX_CLUSTER_SUBSCRIBERS. */
export function canonicalNodes(nodes: readonly string[]): string[] {
  const names = [...new Set(nodes)].sort();
  if (names.length > MAX_CLUSTER_SUBSCRIBERS || names.some((n) => !NODE_NAME.test(n))) throw new Error('not a node list a request code carries');
  return names;
}

function malformed(): never {
  refuse(
    'code-malformed',
    "The request code's list of cluster nodes is not one a device writes.",
    'Generate the request code again on the cluster publisher and carry it unchanged.',
  );
}
