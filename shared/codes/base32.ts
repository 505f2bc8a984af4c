/**
 * Crockford's base32 alphabet for the short codes an operator types or reads aloud: digits and upper-case
 * letters without I, L, O and U. On input, lower case is accepted, I and L read as 1, O reads as 0.
 */
export const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const READ_AS: Record<string, string> = { I: '1', L: '1', O: '0' };

/** The symbol value of one typed character, or -1 when the character is not part of the alphabet. */
export function symbolOf(ch: string): number {
  const up = ch.toUpperCase();
  return ALPHABET.indexOf(READ_AS[up] ?? up);
}

/** Packs bytes into 5-bit symbols, most significant bit first, padding the last symbol with zero bits. */
export function bitsToSymbols(bits: Bits): number[] {
  const out: number[] = [];
  for (let i = 0; i < bits.length; i += 5) {
    let v = 0;
    for (let j = 0; j < 5; j++) v = (v << 1) | (bits.get(i + j) ?? 0);
    out.push(v);
  }
  return out;
}

/** A growable bit string, written and read most significant bit first. */
export class Bits {
  private readonly bits: number[] = [];
  static fromSymbols(symbols: readonly number[]): Bits {
    const b = new Bits();
    for (const s of symbols) b.push(s, 5);
    return b;
  }
  get length(): number {
    return this.bits.length;
  }
  get(i: number): number | undefined {
    return this.bits[i];
  }
  push(value: number, width: number): this {
    for (let i = width - 1; i >= 0; i--) this.bits.push((value >>> i) & 1);
    return this;
  }
  pushBytes(bytes: Uint8Array): this {
    for (const b of bytes) this.push(b, 8);
    return this;
  }
  /** Reads `width` bits (at most 30) starting at `at`. */
  read(at: number, width: number): number {
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 2 + (this.bits[at + i] ?? 0);
    return v;
  }
  readBytes(at: number, count: number): Uint8Array {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = this.read(at + 8 * i, 8);
    return out;
  }
}
