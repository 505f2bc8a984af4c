/**
 * A code too long for one comfortable QR code travels as a numbered sequence of QR codes. Each part's text
 * is `SLRQR:<index>/<count>:<check>:<piece>`, where the check is the CRC-32 of the whole code (8 hex
 * digits), so a part of another code or a damaged part is told apart. The parts, pasted or scanned in any
 * order and separated by any white space, give back the exact code. A code short enough is one plain QR
 * code of the code itself.
 */
import { refuse } from '../errors.ts';

/** Characters of the code in one QR code: with its header, a version-22 symbol at level M (105 modules), readable from a normal screen. */
export const QR_PART_CHARS = 700;
/** How far a cut may move so that no piece starts or ends with white space. */
const CUT_SLACK = 10;
const HEADER = /SLRQR:(\d{1,3})\/(\d{1,3}):([0-9A-F]{8}):/g;

export interface QrPart {
  readonly index: number;
  readonly count: number;
  readonly check: string;
  readonly piece: string;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE) of the text's UTF-16 code units folded to bytes as UTF-8, 8 upper-case hex digits. */
export function crc32(text: string): string {
  let c = 0xffffffff;
  for (const byte of new TextEncoder().encode(text)) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return ((c ^ 0xffffffff) >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

const isSpace = (ch: string | undefined) => ch !== undefined && /\s/.test(ch);
const isLowSurrogate = (ch: string | undefined) => ch !== undefined && /[\uDC00-\uDFFF]/.test(ch);

/**
 * Where to cut near `at`: never next to white space (pieces are trimmed when they are put together) and
 * never inside a character written as two UTF-16 units.
 */
function cutNear(code: string, at: number): number {
  for (let d = 0; d <= CUT_SLACK; d++) {
    for (const c of [at - d, at + d]) {
      if (c > 0 && c < code.length && !isSpace(code[c - 1]) && !isSpace(code[c]) && !isLowSurrogate(code[c])) return c;
    }
  }
  return at;
}

/** The texts of the QR codes that carry `code`: the code itself when it fits in one, else the parts. */
export function qrTexts(code: string, partChars = QR_PART_CHARS): string[] {
  if (code.length <= partChars) return [code];
  const count = Math.ceil(code.length / (partChars - 2 * CUT_SLACK));
  if (count > 999) refuse('qr-too-large', `The code is ${code.length} characters long: too long for QR codes.`, 'Carry it as a file instead.');
  const check = crc32(code);
  const size = code.length / count;
  const cuts = [0, ...Array.from({ length: count - 1 }, (_, i) => cutNear(code, Math.round(size * (i + 1)))), code.length];
  return cuts.slice(1).map((end, i) => `SLRQR:${i + 1}/${count}:${check}:${code.slice(cuts[i], end)}`);
}

/** True when the text is (or starts with) a QR part rather than a code. */
export function looksLikeQrParts(text: string): boolean {
  return /^\s*SLRQR:/.test(text);
}

/** The parts found in pasted text, in the order they came. */
export function readQrParts(text: string): QrPart[] {
  const heads = [...text.matchAll(HEADER)];
  return heads.map((h, i) => ({
    index: Number(h[1]),
    count: Number(h[2]),
    check: h[3]!,
    piece: text.slice(h.index + h[0].length, heads[i + 1]?.index ?? text.length).trim(),
  }));
}

export type QrAssembly =
  | { readonly state: 'complete'; readonly code: string; readonly count: number }
  | { readonly state: 'partial'; readonly count: number; readonly have: readonly number[]; readonly missing: readonly number[] }
  | { readonly state: 'invalid'; readonly message: string };

const list = (ns: readonly number[]) => (ns.length === 1 ? `part ${ns[0]}` : `parts ${ns.slice(0, -1).join(', ')} and ${ns.at(-1)}`);

/** Puts pasted parts together: the code, which parts are still missing, or what is wrong with them. */
export function assembleQrParts(text: string): QrAssembly {
  const parts = readQrParts(text);
  if (parts.length === 0) return { state: 'invalid', message: 'No QR part found: a part starts with SLRQR: and its number, as 2/4.' };
  const first = parts[0]!;
  if (parts.some((p) => p.count !== first.count || p.check !== first.check)) {
    return { state: 'invalid', message: 'These QR parts belong to different codes (their counts or checks differ): scan the parts of one code only.' };
  }
  const byIndex = new Map<number, string>();
  for (const p of parts) {
    if (p.index < 1 || p.index > p.count)
      return { state: 'invalid', message: `QR part ${p.index}/${p.count} cannot exist: parts are numbered 1 to ${p.count}.` };
    const seen = byIndex.get(p.index);
    if (seen !== undefined && seen !== p.piece)
      return { state: 'invalid', message: `Part ${p.index} of ${p.count} was given twice, with different contents: scan it again.` };
    byIndex.set(p.index, p.piece);
  }
  const all = Array.from({ length: first.count }, (_, i) => i + 1);
  const missing = all.filter((i) => !byIndex.has(i));
  if (missing.length > 0) return { state: 'partial', count: first.count, have: all.filter((i) => byIndex.has(i)), missing };
  const code = all.map((i) => byIndex.get(i)!).join('');
  if (crc32(code) !== first.check) {
    return {
      state: 'invalid',
      message: `The ${first.count} QR parts do not give back the code they were made from (check ${first.check} failed): a part is damaged; scan them again.`,
    };
  }
  return { state: 'complete', code, count: first.count };
}

/** The code that pasted parts carry, or a refusal that says which parts are missing or what is wrong. */
export function codeFromQrParts(text: string): string {
  const a = assembleQrParts(text);
  if (a.state === 'complete') return a.code;
  if (a.state === 'partial') {
    refuse(
      'code-parts-missing',
      `Only ${list(a.have)} of the ${a.count} QR parts of this code are here: ${list(a.missing)} ${a.missing.length === 1 ? 'is' : 'are'} missing.`,
      'Scan or paste the missing parts too, in any order.',
    );
  }
  return refuse('code-parts-invalid', a.message);
}
