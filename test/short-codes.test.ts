import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ALPHABET } from '../shared/codes/base32.ts';
import { blockSizes, checkBlock, CHECKS } from '../shared/codes/check-blocks.ts';
import {
  CODE_LENGTHS,
  CONFIRMATION_CODE,
  REQUEST_CODE,
  RETURN_CODE,
  makeConfirmationCode,
  makeRequestCode,
  makeReturnCode,
  parseConfirmationCode,
  parseRequestCode,
  parseReturnCode,
} from '../shared/codes/device-codes.ts';
import { displayLength, formatShortCode, parseShortCode, type ShortCodeSpec } from '../shared/codes/short-code.ts';
import { productById } from '../shared/catalog.ts';
import { makeUdi } from '../shared/udi.ts';
import { refusal } from './helpers/world.ts';

const ucm = productById('UCM')!;
const key = new Uint8Array(33).map((_, i) => (i === 0 ? 3 : (i * 37) & 255));
const uuid = 'e53fc968-0253-4d61-a355-ba908a6cc920';
const mac = new Uint8Array(32).map((_, i) => (i * 91 + 7) & 255);

const nonce = '0123456789abcdef';
const digest = { ran: 0xabcde, anchors: 0x5a5a };
const requestCode = makeRequestCode(ucm, uuid, key, nonce, digest);
const confirmationCode = makeConfirmationCode(mac, digest);
const returnCode = makeReturnCode(makeUdi(ucm, uuid), mac, digest);
const samples: [ShortCodeSpec, string][] = [
  [REQUEST_CODE, requestCode],
  [CONFIRMATION_CODE, confirmationCode],
  [RETURN_CODE, returnCode],
];

describe('short codes', () => {
  it('stay within the target lengths, dashes included', () => {
    expect(displayLength(REQUEST_CODE)).toBeLessThanOrEqual(135);
    expect(displayLength(CONFIRMATION_CODE)).toBeLessThanOrEqual(20);
    expect(displayLength(RETURN_CODE)).toBeLessThanOrEqual(60);
    for (const [spec, code] of samples) expect(code.length).toBe(displayLength(spec));
    // Three check characters per block; each code grew by the device's state digest (seven characters), the
    // return code by one block's checks too. The earlier versions were 104, 10 and 31 characters.
    expect(CODE_LENGTHS).toEqual({ request: 111, confirmation: 17, return: 41 });
  });

  it('round-trip the request payload', () => {
    const parsed = parseRequestCode(requestCode);
    expect(parsed.udi).toEqual(makeUdi(ucm, uuid));
    expect([...parsed.devicePublicKey]).toEqual([...key]);
    expect(parsed.nonce).toBe(nonce);
    expect(parsed.digest).toEqual(digest);
  });

  it('round-trip any request payload', () => {
    fc.assert(
      fc.property(
        fc.uuid({ version: 4 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.boolean(),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        (id, x, odd, n) => {
          const k = new Uint8Array([odd ? 3 : 2, ...x]);
          const hex = Array.from(n, (b) => b.toString(16).padStart(2, '0')).join('');
          const p = parseRequestCode(makeRequestCode(ucm, id, k, hex, digest));
          expect(p.udi.uuid).toBe(id);
          expect([...p.devicePublicKey]).toEqual([...k]);
          expect(p.nonce).toBe(hex);
        },
      ),
    );
  });

  it('accept what people type: lower case, I/L for 1, O for 0, no dashes, spaces, line breaks, quotes', () => {
    const code = returnCode;
    const variants = [
      code.toLowerCase(),
      code.replace(/-/g, ''),
      code.replace(/-/g, ' '),
      code.replace(/-/g, '\n  '),
      `"${code}"`,
      code.replace(/1/g, 'l').replace(/0/g, 'O'),
    ];
    for (const v of variants) expect(parseReturnCode(v).canonical).toBe(code);
  });

  it('say that the text around a code was pasted too, rather than blame one of its characters', () => {
    for (const pasted of [
      `Enter this return code in License Central: ${returnCode}`,
      `${returnCode}\nWritten to cc920-return.txt.`,
      `code: ${returnCode.toLowerCase()} (the return code)`,
      `Confirmation ${returnCode}`,
    ]) {
      const e = refusal(() => parseReturnCode(pasted));
      expect(e.code, pasted).toBe('code-with-text');
      expect(e.message).toMatch(/pasted with the text around it/);
    }
    // A block typed on its own that happens to be a short word is not taken for text.
    expect(refusal(() => parseReturnCode(`${returnCode} the`)).code).not.toBe('code-with-text');
  });

  it('catch and locate every single-character substitution, in every code type', () => {
    let singles = 0;
    for (const [spec, code] of samples) {
      const bare = code.replace(/-/g, '');
      for (let pos = 0; pos < bare.length; pos++) {
        for (const ch of ALPHABET) {
          if (ch === bare[pos]) continue;
          const typo = bare.slice(0, pos) + ch + bare.slice(pos + 1);
          const r = refusal(() => parseShortCode(spec, typo));
          expect(r.code).toBe('code-typo');
          expect(r.message).toContain(`Character ${pos + 1} of the ${spec.name}`);
          expect(r.message).toContain(`the check expects '${bare[pos]}'`);
          singles++;
        }
      }
    }
    expect(singles).toBe((111 + 17 + 41) * 31);
  });

  it('catch every adjacent transposition, dropped and doubled character', () => {
    for (const [spec, code] of samples) {
      const bare = code.replace(/-/g, '');
      for (let pos = 0; pos + 1 < bare.length; pos++) {
        if (bare[pos] === bare[pos + 1]) continue;
        const swapped = bare.slice(0, pos) + bare[pos + 1] + bare[pos] + bare.slice(pos + 2);
        expect(refusal(() => parseShortCode(spec, swapped)).code).toBe('code-typo');
      }
      for (let pos = 0; pos < bare.length; pos++) {
        const dropped = bare.slice(0, pos) + bare.slice(pos + 1);
        expect(refusal(() => parseShortCode(spec, dropped)).message).toMatch(/1 character is missing/);
        const doubled = bare.slice(0, pos) + bare[pos] + bare.slice(pos);
        expect(refusal(() => parseShortCode(spec, doubled)).message).toMatch(/1 character is too many/);
      }
    }
  });

  it('catch any two substitutions (never accepted, never mistaken for a valid code)', () => {
    const [spec, code] = [RETURN_CODE, returnCode];
    const bare = code.replace(/-/g, '');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: bare.length - 1 }),
        fc.integer({ min: 0, max: bare.length - 1 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 1, max: 31 }),
        (i, j, a, b) => {
          fc.pre(i !== j);
          const chars = bare.split('');
          chars[i] = ALPHABET[(ALPHABET.indexOf(chars[i]!) + a) % 32]!;
          chars[j] = ALPHABET[(ALPHABET.indexOf(chars[j]!) + b) % 32]!;
          expect(refusal(() => parseShortCode(spec, chars.join(''))).code).toBe('code-typo');
        },
      ),
      { numRuns: 2000 },
    );
  });

  /**
   * Parses `typed` and says where the check put the blame: null (accepted), 'many' (more than one wrong,
   * no position named), or the 0-based position and the character it says is expected there.
   */
  function blame(spec: ShortCodeSpec, typed: string): null | 'many' | { pos: number; expected: string } {
    try {
      parseShortCode(spec, typed);
      return null;
    } catch (e) {
      const m = /^Character (\d+) of .* the check expects '(.)'/.exec((e as Error).message);
      if (m) return { pos: Number(m[1]) - 1, expected: m[2]! };
      expect((e as Error).message).toMatch(/^More than one character of groups? \d+( to \d+)? of the .* is wrong/);
      return 'many';
    }
  }

  it('never blame a character that was typed right: all double substitutions of a confirmation code', () => {
    const bare = confirmationCode.replace(/-/g, '');
    let cases = 0;
    for (let i = 0; i < bare.length; i++) {
      for (let j = i + 1; j < bare.length; j++) {
        for (let a = 1; a < 32; a++) {
          for (let b = 1; b < 32; b++) {
            const chars = bare.split('');
            chars[i] = ALPHABET[(ALPHABET.indexOf(chars[i]!) + a) % 32]!;
            chars[j] = ALPHABET[(ALPHABET.indexOf(chars[j]!) + b) % 32]!;
            const verdict = blame(CONFIRMATION_CODE, chars.join(''));
            // One block holds the whole confirmation code: two wrong characters are never located.
            expect(verdict).toBe('many');
            cases++;
          }
        }
      }
    }
    expect(cases).toBe(((17 * 16) / 2) * 31 * 31);
  });

  it('never blame a character that was typed right: 1,000,000 sampled double substitutions each of request and return codes', () => {
    // At the level of the parser's blocks (checkBlock, as parseShortCode calls it): a located error must be
    // one of the two substituted characters, with its original value. Two typos in different blocks are
    // each a single, located one; two in one block are never located.
    for (const [spec, code] of [
      [REQUEST_CODE, requestCode],
      [RETURN_CODE, returnCode],
    ] as const) {
      const symbols = [...code.replace(/-/g, '')].map((c) => ALPHABET.indexOf(c));
      const blocks: { start: number; length: number }[] = [];
      let at = 0;
      for (const size of blockSizes(spec.dataSymbols)) {
        blocks.push({ start: at, length: size + CHECKS });
        at += size + CHECKS;
      }
      expect(at).toBe(symbols.length);
      let seed = 12345;
      const rand = (n: number) => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return (seed >>> 8) % n;
      };
      let located = 0;
      for (let k = 0; k < 1_000_000; k++) {
        const i = rand(symbols.length);
        let j = rand(symbols.length - 1);
        if (j >= i) j++;
        const typed = symbols.slice();
        typed[i] = (typed[i]! + 1 + rand(31)) % 32;
        typed[j] = (typed[j]! + 1 + rand(31)) % 32;
        // The first block that fails decides the message, as in parseShortCode (untouched blocks pass).
        let failing: { start: number; check: ReturnType<typeof checkBlock> } | null = null;
        for (let n = 0; n < blocks.length && !failing; n++) {
          const b = blocks[n]!;
          if ((i < b.start || i >= b.start + b.length) && (j < b.start || j >= b.start + b.length)) continue;
          const check = checkBlock(typed.slice(b.start, b.start + b.length), spec.kind, n);
          if (!check.ok) failing = { start: b.start, check };
        }
        if (!failing) throw new Error(`${spec.name}: substitutions at ${i} and ${j} were accepted`);
        const check = failing.check as { ok: false; position: number | null; expected?: number };
        if (check.position === null) continue;
        const pos = failing.start + check.position;
        if ((pos !== i && pos !== j) || check.expected !== symbols[pos]) {
          throw new Error(`${spec.name}: substitutions at ${i} and ${j}, blamed ${pos} expecting ${check.expected}`);
        }
        located++;
      }
      // Located only when the two fall in different blocks: about 3 in 4 for the request code's four blocks,
      // about 1 in 2 for the return code's two.
      expect(located).toBeGreaterThan(spec === REQUEST_CODE ? 700_000 : 480_000);
    }
  });

  it('say which code it is when one type is entered for another', () => {
    expect(refusal(() => parseConfirmationCode(returnCode)).message).toMatch(/looks like a return code/);
    expect(refusal(() => parseReturnCode(confirmationCode)).message).toMatch(/looks like a confirmation code/);
    expect(refusal(() => parseRequestCode(confirmationCode)).code).toBe('code-wrong-type');
  });

  it('refuse empty, oversized and foreign-character input precisely', () => {
    expect(refusal(() => parseReturnCode('  ""  ')).code).toBe('code-empty');
    expect(refusal(() => parseReturnCode('A'.repeat(5000))).code).toBe('code-too-large');
    const r = refusal(() => parseReturnCode(returnCode.replace(/^(.{7})./, '$1U')));
    expect(r.code).toBe('code-bad-character');
    expect(r.message).toContain('(U)'.replace('(U)', "('U')"));
    expect(refusal(() => parseReturnCode(returnCode.slice(0, 3) + 'é' + returnCode.slice(4))).message).toContain('U+00E9');
  });

  it('bind the check to the code type: a code of one type never verifies as another of the same length', () => {
    const other: ShortCodeSpec = { ...RETURN_CODE, kind: 9 };
    const data = parseShortCode(RETURN_CODE, returnCode);
    expect(refusal(() => parseShortCode(other, formatShortCode(RETURN_CODE, data))).code).toBe('code-typo');
  });
});
