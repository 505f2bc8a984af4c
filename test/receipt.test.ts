/**
 * The printable exchange receipt: a PDF with the device, the code, what it carries, its QR codes (one per
 * part of a long code), when and by which key; written by `slr authority receipt` and by the app.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { inflateSync } from 'node:zlib';
import { reservedSides } from './helpers/sides.ts';
import { receiptPdf } from '../electron/documents/receipt.ts';
import { qrTexts } from '../shared/codes/qr-parts.ts';
import { unpasteAuthorizationCode } from '../shared/codes/paste.ts';

/** Text drawn with a standard font is written as a hex string of its bytes. */
const hexOf = (text: string) => Buffer.from(text, 'latin1').toString('hex').toUpperCase();
/** The page content: every stream, inflated where it is compressed. */
function contentOf(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const out: string[] = [raw];
  for (const m of raw.matchAll(/stream\r?\n/g)) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    try {
      out.push(inflateSync(pdf.subarray(start, end)).toString('latin1'));
    } catch {
      // not compressed, or an image: already in the raw text
    }
  }
  return out.join('\n');
}
const images = (pdf: Buffer) => pdf.toString('latin1').match(/\/Subtype \/Image/g)?.length ?? 0;

describe('the exchange receipt', () => {
  it('slr authority receipt writes the latest authorization code as a PDF: device, contents, signer, every QR part', async () => {
    const s = reservedSides('receipt', Date.UTC(2026, 0, 5), { purchased: 1, reserved: 1 });
    for (let m = 1; m <= 12; m++) {
      const end = `2028-${String(m).padStart(2, '0')}-10`;
      expect(
        s.a('license', 'add', '--account', 'Default', '--tag', 'UCM_Basic', '--count', '1', '--type', 'TERM', '--start', '2026-01-01', '--end', end).status,
      ).toBe(0);
    }
    const update = s.a('update', '--instance', s.sn, '--license', 'UCM_Basic=13');
    expect(update.status, update.stderr).toBe(0);
    const out = mkdtempSync(join(tmpdir(), 'slr-receipt-'));
    const r = s.a('--json', 'receipt', '--instance', s.sn, '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { path: string; udi: string; keyId: string };
    expect(json.path).toBe(join(out, `${s.sn}-authorization-receipt.pdf`));
    const pdf = readFileSync(json.path);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const doc = await PDFDocument.load(pdf);
    expect(doc.getTitle()).toBe('SLR Desk receipt: Authorization code');
    const raw = contentOf(pdf);
    expect(raw).toContain(hexOf(`Device: ${json.udi}`));
    expect(raw).toContain(hexOf(`Signed by key: ${json.keyId}`));
    expect(raw).toContain(hexOf('Contents'));
    const parts = qrTexts(update.stdout.trim()).length;
    expect(parts).toBeGreaterThan(1);
    expect(images(pdf)).toBe(parts);
    expect(raw).toContain(hexOf(`Part ${parts} of ${parts}`));
    expect(doc.getPageCount()).toBeGreaterThan(1);

    // The receipt's text, as plain `pdftotext` extracts it (and with -layout), installs on the device as it is:
    // lines are never cut next to a space, and the code stays on one page.
    expect(existsSync('/usr/bin/pdftotext'), 'pdftotext is missing: apt-get install poppler-utils').toBe(true);
    for (const flags of [[], ['-layout'], ['-raw']]) {
      const text = join(out, `receipt${flags.join('')}.txt`);
      const extracted = spawnSync('pdftotext', [...flags, json.path, text], { encoding: 'utf8' });
      expect(extracted.status, extracted.stderr).toBe(0);
      expect(unpasteAuthorizationCode(readFileSync(text, 'utf8')), flags.join(' ')).toBe(update.stdout.trim());
    }
    const installed = s.d('license', 'smart', 'reservation', 'install-file', join(out, 'receipt.txt'));
    expect(installed.status, installed.stderr).toBe(0);
    expect(installed.stdout.trim()).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{1,5}){3}$/); // the update's confirmation code
    expect(s.d('show', 'license', 'summary').stdout).toMatch(/13/);
  });

  it('refuses without --out, for an unknown instance, and to a directory that does not exist, writing nothing', () => {
    const s = reservedSides('receipt-bad', Date.UTC(2026, 0, 5));
    expect(s.a('receipt', '--instance', s.sn).status).toBe(2);
    const out = mkdtempSync(join(tmpdir(), 'slr-receipt-'));
    const unknown = s.a('receipt', '--instance', 'fffff', '--out', out);
    expect(unknown.status).toBe(1);
    const missing = s.a('receipt', '--instance', s.sn, '--out', join(out, 'no', 'such', 'r.pdf'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/does not exist/);
  });

  it('a device code names the device it is told; text outside the fonts prints as ?, never fails', async () => {
    const pdf = Buffer.from(await receiptPdf({ kind: 'confirmation', code: 'ABCDE-FGHIJ', udi: 'P:UCM,S:cafb4,U:x\u2603', printedAt: Date.UTC(2026, 0, 1) }));
    expect(contentOf(pdf)).toContain(hexOf('Device: P:UCM,S:cafb4,U:x?'));
    expect(images(pdf)).toBe(1);
  });
});
