/**
 * The shared shape of the request, confirmation and return codes: a fixed number of base32 data symbols,
 * split into checked blocks (see check-blocks.ts), shown in dash-separated groups. Parsing accepts what
 * people really type or paste (any case, I/L for 1, O for 0, dashes, spaces, line breaks, quotes) and
 * otherwise says precisely what is wrong, before anything else happens.
 */
import { wordAroundCode } from './paste.ts';
import { refuse } from '../errors.ts';
import { ALPHABET, symbolOf } from './base32.ts';
import { blockSizes, checkBlock, CHECKS, encodeBlock, type BlockCheck } from './check-blocks.ts';

export interface ShortCodeSpec {
  /** Distinguishes the code types in the check (a code of one type never passes as another). */
  readonly kind: number;
  /** What the operator calls it, e.g. "return code". */
  readonly name: string;
  readonly dataSymbols: number;
  /** Characters per dash-separated group when shown. */
  readonly groupSize: number;
}

/** Characters of a code, without separators. */
export function codeLength(spec: ShortCodeSpec): number {
  return spec.dataSymbols + CHECKS * blockSizes(spec.dataSymbols).length;
}

/** Characters of a code as shown, with its dashes. */
export function displayLength(spec: ShortCodeSpec): number {
  const n = codeLength(spec);
  return n + Math.ceil(n / spec.groupSize) - 1;
}

export function formatShortCode(spec: ShortCodeSpec, data: readonly number[]): string {
  if (data.length !== spec.dataSymbols) throw new Error(`${spec.name}: ${data.length} symbols, want ${spec.dataSymbols}`);
  const symbols: number[] = [];
  let at = 0;
  blockSizes(spec.dataSymbols).forEach((size, block) => {
    symbols.push(...encodeBlock(data.slice(at, at + size), spec.kind, block));
    at += size;
  });
  const text = symbols.map((s) => ALPHABET[s]).join('');
  const groups: string[] = [];
  for (let i = 0; i < text.length; i += spec.groupSize) groups.push(text.slice(i, i + spec.groupSize));
  return groups.join('-');
}

/** Longest text accepted as a short code before even looking at it. */
export const MAX_SHORT_CODE_INPUT = 4096;

const SEPARATORS = /[\s\-–—_.]/;

/** Strips what pasting adds: surrounding quotes and white space. */
function unwrap(text: string): string {
  let t = text.trim();
  while (t.length >= 2 && /^["'“”‘’`]/.test(t) && /["'“”‘’`]$/.test(t)) t = t.slice(1, -1).trim();
  return t;
}

/** Refuses an empty code, and a code pasted with the text around it (saying so, not blaming a character). */
function checkPastedText(spec: ShortCodeSpec, text: string): void {
  if (text === '') refuse('code-empty', `The ${spec.name} is empty.`, `Paste or type the ${spec.name}.`);
  const word = wordAroundCode(text);
  if (word)
    refuse(
      'code-with-text',
      `The ${spec.name} was pasted with the text around it (it contains the word "${word}").`,
      `Paste only the code: its blocks of letters and digits, separated by dashes. A file written with \`> file\` or --out holds the code alone.`,
    );
}

/** The symbols of a short code as typed (separators dropped), and the characters, refusing one not used in codes. */
function symbolsOf(spec: ShortCodeSpec, text: string): { symbols: number[]; typed: string } {
  const symbols: number[] = [];
  let typed = '';
  for (const ch of text) {
    if (SEPARATORS.test(ch)) continue;
    const v = symbolOf(ch);
    if (v < 0) {
      const shown = /^[\x21-\x7e]$/.test(ch) ? `'${ch}'` : `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
      refuse(
        'code-bad-character',
        `Character ${symbols.length + 1} of the ${spec.name} (${shown}) is not used in codes.`,
        'Codes use the digits 0-9 and the letters A-Z except U (I and L are read as 1, O as 0).',
      );
    }
    symbols.push(v);
    typed += ch.toUpperCase();
  }
  return { symbols, typed };
}

/** Refuses a code of the wrong length, naming the kind of code it is when its length is another kind's. */
function checkLength(spec: ShortCodeSpec, length: number, others: readonly ShortCodeSpec[]): void {
  const want = codeLength(spec);
  if (length === want) return;
  const other = others.find((o) => codeLength(o) === length);
  if (other) {
    refuse(
      'code-wrong-type',
      `This looks like a ${other.name} (${length} characters), not a ${spec.name} (${want} characters).`,
      `Enter the ${spec.name} here.`,
    );
  }
  const diff = length - want;
  refuse(
    'code-wrong-length',
    `The ${spec.name} has ${length} characters; it must have ${want} (not counting dashes): ` +
      `${Math.abs(diff)} character${Math.abs(diff) === 1 ? ' is' : 's are'} ${diff < 0 ? 'missing' : 'too many'}.`,
    `Compare it with the original, group by group.`,
  );
}

/** Refuses a block whose check symbols do not match: the one mistyped character, or the groups to compare. */
function refuseTypo(spec: ShortCodeSpec, typed: string, at: number, size: number, check: Exclude<BlockCheck, { ok: true }>): never {
  if (check.position === null) {
    const [first, last] = [Math.floor(at / spec.groupSize) + 1, Math.floor((at + size + CHECKS - 1) / spec.groupSize) + 1];
    refuse(
      'code-typo',
      `More than one character of ${first === last ? `group ${first}` : `groups ${first} to ${last}`} of the ${spec.name} is wrong ` +
        `(characters ${at + 1} to ${at + size + CHECKS}).`,
      `Compare the whole of ${first === last ? 'that group' : 'those groups'} with the original, character by character; nothing was changed.`,
    );
  }
  const pos = at + check.position;
  const group = Math.floor(pos / spec.groupSize) + 1;
  const inGroup = (pos % spec.groupSize) + 1;
  return refuse(
    'code-typo',
    `Character ${pos + 1} of the ${spec.name} (character ${inGroup} of group ${group}) is mistyped: it reads '${typed[pos]}', ` +
      `the check expects '${ALPHABET[check.expected]}'.`,
    'Compare that character with the original and type it again; nothing was changed.',
  );
}

/**
 * Of the versions of one kind of code (newest first), the one whose length the input has; the newest when
 * none has (its parse then says what is wrong). Counts what parsing would read, without refusing anything.
 */
export function specByLength(versions: readonly ShortCodeSpec[], input: string): ShortCodeSpec {
  if (input.length > MAX_SHORT_CODE_INPUT) return versions[0]!;
  let n = 0;
  for (const ch of unwrap(input)) if (!SEPARATORS.test(ch)) n++;
  return versions.find((v) => codeLength(v) === n) ?? versions[0]!;
}

/** Parses a short code and returns its data symbols, or refuses with the exact problem, in the order an operator should read them. */
export function parseShortCode(spec: ShortCodeSpec, input: string, others: readonly ShortCodeSpec[] = []): number[] {
  if (input.length > MAX_SHORT_CODE_INPUT) {
    refuse(
      'code-too-large',
      `The ${spec.name} is ${input.length} characters long; it cannot be longer than ${displayLength(spec)}.`,
      `Paste only the ${spec.name} itself.`,
    );
  }
  const text = unwrap(input);
  checkPastedText(spec, text);
  const { symbols, typed } = symbolsOf(spec, text);
  checkLength(spec, symbols.length, others);
  const data: number[] = [];
  let at = 0;
  blockSizes(spec.dataSymbols).forEach((size, block) => {
    const blockSymbols = symbols.slice(at, at + size + CHECKS);
    const check = checkBlock(blockSymbols, spec.kind, block);
    if (!check.ok) refuseTypo(spec, typed, at, size, check);
    data.push(...blockSymbols.slice(0, size));
    at += size + CHECKS;
  });
  return data;
}
