import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ALPHABET } from '../shared/codes/base32.ts';
import { CODE_LENGTHS, CONFIRMATION_CODE, REQUEST_CODE, RETURN_CODE, makeConfirmationCode, makeRequestCode, makeReturnCode, parseConfirmationCode, parseRequestCode, parseReturnCode } from '../shared/codes/device-codes.ts';
import { displayLength, formatShortCode, parseShortCode, type ShortCodeSpec } from '../shared/codes/short-code.ts';
import { productById } from '../shared/catalog.ts';
import { makeUdi } from '../shared/udi.ts';
import { refusal } from './helpers/world.ts';

const ucm = productById('UCM')!;
const key = new Uint8Array(33).map((_, i) => (i === 0 ? 3 : (i * 37) & 255));
const uuid = 'e53fc968-0253-4d61-a355-ba908a6cc920';
const mac = new Uint8Array(32).map((_, i) => (i * 91 + 7) & 255);

const requestCode = makeRequestCode(ucm, uuid, key);
const confirmationCode = makeConfirmationCode(mac);
const returnCode = makeReturnCode(makeUdi(ucm, uuid), mac);
const samples: [ShortCodeSpec, string][] = [[REQUEST_CODE, requestCode], [CONFIRMATION_CODE, confirmationCode], [RETURN_CODE, returnCode]];

describe('short codes', () => {
  it('stay within the target lengths, dashes included', () => {
    expect(displayLength(REQUEST_CODE)).toBeLessThanOrEqual(120);
    expect(displayLength(CONFIRMATION_CODE)).toBeLessThanOrEqual(10);
    expect(displayLength(RETURN_CODE)).toBeLessThanOrEqual(60);
    for (const [spec, code] of samples) expect(code.length).toBe(displayLength(spec));
    expect(CODE_LENGTHS).toEqual({ request: 85, confirmation: 9, return: 30 });
  });

  it('round-trip the request payload', () => {
    const parsed = parseRequestCode(requestCode);
    expect(parsed.udi).toEqual(makeUdi(ucm, uuid));
    expect([...parsed.devicePublicKey]).toEqual([...key]);
  });

  it('round-trip any request payload', () => {
    fc.assert(fc.property(fc.uuid({ version: 4 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.boolean(), (id, x, odd) => {
      const k = new Uint8Array([odd ? 3 : 2, ...x]);
      const p = parseRequestCode(makeRequestCode(ucm, id, k));
      expect(p.udi.uuid).toBe(id);
      expect([...p.devicePublicKey]).toEqual([...k]);
    }));
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

  it('catch and locate every single-character substitution, in every code type', () => {
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
        }
      }
    }
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
    fc.assert(fc.property(fc.integer({ min: 0, max: bare.length - 1 }), fc.integer({ min: 0, max: bare.length - 1 }), fc.integer({ min: 1, max: 31 }), fc.integer({ min: 1, max: 31 }), (i, j, a, b) => {
      fc.pre(i !== j);
      const chars = bare.split('');
      chars[i] = ALPHABET[(ALPHABET.indexOf(chars[i]!) + a) % 32]!;
      chars[j] = ALPHABET[(ALPHABET.indexOf(chars[j]!) + b) % 32]!;
      expect(refusal(() => parseShortCode(spec, chars.join(''))).code).toBe('code-typo');
    }), { numRuns: 2000 });
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
    expect(r.message).toContain("(U)".replace('(U)', "('U')"));
    expect(refusal(() => parseReturnCode(returnCode.slice(0, 3) + 'é' + returnCode.slice(4))).message).toContain('U+00E9');
  });

  it('bind the check to the code type: a code of one type never verifies as another of the same length', () => {
    const other: ShortCodeSpec = { ...RETURN_CODE, kind: 9 };
    const data = parseShortCode(RETURN_CODE, returnCode);
    expect(refusal(() => parseShortCode(other, formatShortCode(RETURN_CODE, data))).code).toBe('code-typo');
  });
});
