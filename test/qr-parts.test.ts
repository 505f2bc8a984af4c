/**
 * A long code as a numbered sequence of QR codes: split, carried in any order, put back together exactly;
 * missing, foreign, damaged and impossible parts are named. The device's install accepts the parts as they
 * come off a scanner, so the CLI and the app take the same input.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assembleQrParts, codeFromQrParts, crc32, qrTexts, QR_PART_CHARS, readQrParts } from '../shared/codes/qr-parts.ts';
import { parseAuthorizationCode } from '../shared/codes/authorization-code.ts';
import { SlrError } from '../shared/errors.ts';
import { reservedSides } from './helpers/sides.ts';

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof SlrError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('not refused');
};

/** A code-like text: no white space at either end, and some inside (display names have spaces). */
/** The part with one character of its piece changed (the last but one). */
const damage = (t: string) => t.slice(0, -2) + (t.at(-2) === '5' ? '6' : '5') + t.slice(-1);

const codeText = fc
  .array(fc.constantFrom('a', 'Z', '<', '>', '/', ' ', '9', '-', 'é', '\u{1F511}'), { minLength: 1, maxLength: 3000 })
  .map((cs) => `<${cs.join('')}>`);

describe('QR parts', () => {
  it('CRC-32 is the standard one', () => {
    expect(crc32('123456789')).toBe('CBF43926');
    expect(crc32('')).toBe('00000000');
  });

  it('a code that fits is one QR code of the code itself', () => {
    expect(qrTexts('ABCDE-FGHIJ')).toEqual(['ABCDE-FGHIJ']);
    expect(qrTexts('x'.repeat(QR_PART_CHARS))).toHaveLength(1);
  });

  it('any code comes back exactly from its parts, in any order, with any white space between', () => {
    fc.assert(
      fc.property(
        codeText,
        fc.integer({ min: 40, max: 400 }),
        fc.infiniteStream(fc.constantFrom(' ', '\n', '\r\n', '\t\n  ')),
        fc.context(),
        (code, size, gaps, ctx) => {
          const texts = qrTexts(code, size);
          ctx.log(`${texts.length} parts`);
          if (texts.length === 1) {
            expect(texts[0]).toBe(code);
            return;
          }
          for (const p of readQrParts(texts.join('\n'))) expect(p.piece.length).toBeLessThanOrEqual(size);
          // No character is cut in two: every part encodes to UTF-8 and back unchanged.
          for (const t of texts) expect(new TextDecoder().decode(new TextEncoder().encode(t))).toBe(t);
          const shuffled = [...texts].reverse();
          const gap = gaps[Symbol.iterator]();
          expect(codeFromQrParts(shuffled.map((t) => t + gap.next().value).join(''))).toBe(code);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('parts are numbered, carry the count and the check of the whole code, and are of even size', () => {
    const code = `<x>${'abc def '.repeat(400)}</x>`;
    const texts = qrTexts(code);
    expect(texts).toHaveLength(Math.ceil(code.length / (QR_PART_CHARS - 20)));
    const parts = readQrParts(texts.join('\n'));
    expect(parts.map((p) => `${p.index}/${p.count}`)).toEqual(texts.map((_, i) => `${i + 1}/${texts.length}`));
    expect(new Set(parts.map((p) => p.check))).toEqual(new Set([crc32(code)]));
    const sizes = parts.map((p) => p.piece.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(20);
    // No piece starts or ends with white space, so nothing is lost to trimming.
    for (const p of parts) expect(p.piece).toBe(p.piece.trim());
  });

  it('names the missing parts, and refuses parts of two codes, damaged parts, impossible numbers and conflicting duplicates', () => {
    const code = `<x>${'0123456789'.repeat(300)}</x>`;
    const texts = qrTexts(code);
    expect(texts.length).toBeGreaterThanOrEqual(4);
    const partial = assembleQrParts([texts[2], texts[0]].join('\n'));
    expect(partial).toEqual({ state: 'partial', count: texts.length, have: [1, 3], missing: [2, ...texts.slice(3).map((_, i) => i + 4)] });
    expect(refusal(() => codeFromQrParts(texts[0]!))).toEqual({
      code: 'code-parts-missing',
      message: expect.stringMatching(new RegExp(`^Only part 1 of the ${texts.length} QR parts of this code are here: parts 2, .* are missing\\.$`)),
    });
    // The same part twice is harmless (scanned twice); the code is still whole.
    expect(codeFromQrParts([...texts, texts[1]].join(' '))).toBe(code);
    const other = qrTexts(`<y>${'0123456789'.repeat(300)}</y>`);
    expect(refusal(() => codeFromQrParts([other[0], ...texts.slice(1)].join('\n'))).code).toBe('code-parts-invalid');
    const damaged = texts.map((t, i) => (i === 1 ? damage(t) : t));
    expect(refusal(() => codeFromQrParts(damaged.join('\n')))).toEqual({ code: 'code-parts-invalid', message: expect.stringMatching(/a part is damaged/) });
    const conflict = [...texts, damage(texts[1]!)];
    expect(refusal(() => codeFromQrParts(conflict.join('\n'))).message).toMatch(/^Part 2 of \d+ was given twice, with different contents/);
    const impossible = texts[0]!.replace(/^SLRQR:1\//, 'SLRQR:0/');
    expect(refusal(() => codeFromQrParts([impossible, ...texts.slice(1)].join('\n'))).message).toMatch(/^QR part 0\/\d+ cannot exist/);
    expect(assembleQrParts('SLRQR:nonsense')).toEqual({ state: 'invalid', message: expect.stringMatching(/No QR part found/) });
  });

  it('a real authorization code of 21 entitlements: its parts parse like the code, and the device installs them as scanned', () => {
    const s = reservedSides('qr', Date.UTC(2026, 0, 5), { purchased: 1, reserved: 1 });
    for (let m = 1; m <= 20; m++) {
      const end = `2028-${String(((m - 1) % 12) + 1).padStart(2, '0')}-${m > 12 ? 20 : 10}`;
      expect(
        s.a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '1', '--type', 'TERM', '--start', '2026-01-01', '--end', end).status,
      ).toBe(0);
    }
    const update = s.a('update', '--instance', s.sn, '--license', 'UCM_Basic=21');
    expect(update.status, update.stderr).toBe(0);
    const code = update.stdout.trim();
    const parsed = parseAuthorizationCode(code);
    expect(parsed.entitlements.length).toBeGreaterThanOrEqual(20);
    const texts = qrTexts(code);
    expect(texts.length).toBeGreaterThan(1);
    const scanned = [...texts.slice(1).reverse(), texts[0]].join('\n');
    expect(parseAuthorizationCode(scanned).text).toBe(parsed.text);
    // Without the last part the device says which one is missing, and changes nothing.
    const short = s.d('license', 'smart', 'reservation', 'install', texts.slice(0, -1).join('\n'));
    expect(short.status).toBe(1);
    expect(short.stderr).toContain(`part ${texts.length} is missing`);
    const installed = s.d('license', 'smart', 'reservation', 'install', scanned);
    expect(installed.status, installed.stderr).toBe(0);
  });
});
