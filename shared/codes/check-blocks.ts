/**
 * Typo checks for the short codes. Each block of up to 29 data symbols carries two check symbols of a
 * Reed-Solomon code over GF(32): syndromes S0 = sum(c_i) + salt0 and S1 = sum(alpha^i c_i) + salt1 are zero
 * for a correct block. Any one or two wrong characters are detected; a single wrong character is also
 * located (its position and the value the check expects), so the operator is told exactly where to look.
 * The salt depends on the code type and the block index, so swapped blocks and a code of another type
 * fail the check too. Nothing is ever corrected silently: a located typo is reported, not repaired.
 */

const FIELD = 32;
const ORDER = 31; // multiplicative order of alpha
const POLY = 0b100101; // x^5 + x^2 + 1, primitive over GF(2)

const EXP: number[] = [];
const LOG: number[] = new Array<number>(FIELD).fill(0);
{
  let x = 1;
  for (let i = 0; i < ORDER; i++) {
    EXP.push(x);
    LOG[x] = i;
    x <<= 1;
    if (x & FIELD) x ^= POLY;
  }
}

const alphaPow = (i: number): number => EXP[((i % ORDER) + ORDER) % ORDER]!;
function mul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[(LOG[a]! + LOG[b]!) % ORDER]!;
}
function div(a: number, b: number): number {
  if (b === 0) throw new Error('division by zero in GF(32)');
  return a === 0 ? 0 : EXP[(LOG[a]! - LOG[b]! + ORDER) % ORDER]!;
}

export const MAX_BLOCK_DATA = ORDER - 2;

function salt(kind: number, block: number): [number, number] {
  return [alphaPow(3 * kind + block + 1), alphaPow(7 * kind + 2 * block + 5)];
}

function syndromes(symbols: readonly number[], kind: number, block: number): [number, number] {
  const [s0, s1] = salt(kind, block);
  let a = s0;
  let b = s1;
  symbols.forEach((c, i) => {
    a ^= c;
    b ^= mul(alphaPow(i), c);
  });
  return [a, b];
}

/** Appends the two check symbols to a block of data symbols. */
export function encodeBlock(data: readonly number[], kind: number, block: number): number[] {
  if (data.length > MAX_BLOCK_DATA) throw new Error(`a block holds at most ${MAX_BLOCK_DATA} symbols`);
  const k = data.length;
  const [a, b] = syndromes(data, kind, block);
  // Want p at position k and q at k+1 with a + p + q = 0 and b + alpha^k p + alpha^(k+1) q = 0.
  const p = div(b ^ mul(alphaPow(k + 1), a), alphaPow(k) ^ alphaPow(k + 1));
  const q = a ^ p;
  return [...data, p, q];
}

export type BlockCheck =
  | { ok: true }
  | { ok: false; position: number; expected: number } // exactly one wrong symbol, located
  | { ok: false; position: null }; // more than one wrong symbol

export function checkBlock(symbols: readonly number[], kind: number, block: number): BlockCheck {
  const [a, b] = syndromes(symbols, kind, block);
  if (a === 0 && b === 0) return { ok: true };
  if (a === 0 || b === 0) return { ok: false, position: null };
  const position = (LOG[b]! - LOG[a]! + ORDER) % ORDER;
  if (position >= symbols.length) return { ok: false, position: null };
  return { ok: false, position, expected: symbols[position]! ^ a };
}

/** Splits `n` data symbols into the fewest blocks of nearly equal size. */
export function blockSizes(n: number): number[] {
  const count = Math.max(1, Math.ceil(n / MAX_BLOCK_DATA));
  const base = Math.floor(n / count);
  return Array.from({ length: count }, (_, i) => base + (i < n % count ? 1 : 0));
}
