/**
 * Typo checks for the short codes. Each block of up to 28 data symbols carries three check symbols of a
 * Reed-Solomon code over GF(32): the syndromes S_r = salt_r + sum(alpha^(r*i) c_i), r = 0, 1, 2, are zero
 * for a correct block. The code has minimum distance 4, so it locates any single wrong character and, at
 * the same time, never mistakes two wrong characters for one: a received word with two errors is at
 * distance at least 2 from every codeword, so no single correction reaches one. One wrong character is
 * therefore located (its position and the value the check expects) only when that is certain; two are
 * reported as "more than one". The salt depends on the code type and the block index, so swapped blocks
 * and a code of another type fail the check too. Nothing is ever corrected silently.
 */

const FIELD = 32;
const ORDER = 31; // multiplicative order of alpha
const POLY = 0b100101; // x^5 + x^2 + 1, primitive over GF(2)
/** Check symbols per block. */
export const CHECKS = 3;

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

/** Data symbols a block holds at most: a Reed-Solomon block over GF(32) is at most 31 symbols long. */
export const MAX_BLOCK_DATA = ORDER - CHECKS;

function salt(kind: number, block: number): number[] {
  return [alphaPow(3 * kind + block + 1), alphaPow(7 * kind + 2 * block + 5), alphaPow(11 * kind + 5 * block + 9)];
}

function syndromes(symbols: readonly number[], kind: number, block: number): number[] {
  const s = salt(kind, block);
  symbols.forEach((c, i) => {
    for (let r = 0; r < CHECKS; r++) s[r]! ^= mul(alphaPow(r * i), c);
  });
  return s;
}

/** Solves the square system `m x = rhs` over GF(32) (m is a Vandermonde matrix here: always solvable). */
function solve(m: number[][], rhs: number[]): number[] {
  const n = rhs.length;
  const a = m.map((row, i) => [...row, rhs[i]!]);
  for (let col = 0; col < n; col++) {
    const pivot = a.findIndex((row, i) => i >= col && row[col] !== 0);
    if (pivot < 0) throw new Error('singular check system');
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const inv = div(1, a[col]![col]!);
    a[col] = a[col]!.map((v) => mul(v, inv));
    for (let i = 0; i < n; i++) {
      if (i === col || a[i]![col] === 0) continue;
      const f = a[i]![col]!;
      a[i] = a[i]!.map((v, j) => v ^ mul(f, a[col]![j]!));
    }
  }
  return a.map((row) => row[n]!);
}

/** Appends the check symbols to a block of data symbols. */
export function encodeBlock(data: readonly number[], kind: number, block: number): number[] {
  if (data.length > MAX_BLOCK_DATA) throw new Error(`a block holds at most ${MAX_BLOCK_DATA} symbols`);
  const k = data.length;
  const s = syndromes(data, kind, block);
  // Check symbol j at position k+j: sum_j alpha^(r*(k+j)) x_j = S_r for every r.
  const m = Array.from({ length: CHECKS }, (_, r) => Array.from({ length: CHECKS }, (_, j) => alphaPow(r * (k + j))));
  return [...data, ...solve(m, s)];
}

export type BlockCheck =
  | { ok: true }
  | { ok: false; position: number; expected: number } // exactly one wrong symbol, located
  | { ok: false; position: null }; // more than one wrong symbol

export function checkBlock(symbols: readonly number[], kind: number, block: number): BlockCheck {
  const [s0, s1, s2] = syndromes(symbols, kind, block) as [number, number, number];
  if (s0 === 0 && s1 === 0 && s2 === 0) return { ok: true };
  // One error e at position i gives S0 = e, S1 = e alpha^i, S2 = e alpha^2i: all non-zero, S1^2 = S0 S2.
  if (s0 === 0 || s1 === 0 || s2 === 0 || mul(s1, s1) !== mul(s0, s2)) return { ok: false, position: null };
  const position = (LOG[s1]! - LOG[s0]! + ORDER) % ORDER;
  if (position >= symbols.length) return { ok: false, position: null };
  return { ok: false, position, expected: symbols[position]! ^ s0 };
}

/** Splits `n` data symbols into the fewest blocks of nearly equal size. */
export function blockSizes(n: number): number[] {
  const count = Math.max(1, Math.ceil(n / MAX_BLOCK_DATA));
  const base = Math.floor(n / count);
  return Array.from({ length: count }, (_, i) => base + (i < n % count ? 1 : 0));
}
