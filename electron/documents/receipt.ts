/**
 * A printable exchange receipt (PDF) for one code, for the paper trail of a secure facility: which device,
 * which code and what it carries, its QR codes (the numbered parts of a long code), when it was made and by
 * which key it is signed, and lines for who carried it. One builder for the app ("Save receipt…") and the
 * CLI (`slr authority receipt`). pdf-lib writes the PDF (standard fonts, PNG images from qrcode).
 */
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { codeTitle, type CodeKind } from '../../shared/code-kinds.ts';
import { parseAuthorizationCode } from '../../shared/codes/authorization-code.ts';
import { formatInstant } from '../../shared/codes/dates.ts';
import { qrTexts } from '../../shared/codes/qr-parts.ts';
import { formatUdi } from '../../shared/udi.ts';
import { qrPng } from './qr-files.ts';

export interface ReceiptInput {
  readonly kind: CodeKind;
  readonly code: string;
  /** The device, when the code does not name it (request, confirmation and return codes). */
  readonly udi?: string;
  /** The signing key's id, when known (authorization codes). */
  readonly signer?: string;
  /** When the receipt is made. */
  readonly printedAt: number;
}

const A4 = [595.28, 841.89] as const;
const MARGIN = 50;
const QR_SIDE = 220;

/** The facts of the code, as label/value lines. */
function factsOf(r: ReceiptInput): { facts: [string, string][]; contents: string[] } {
  if (r.kind !== 'authorization') return { facts: [['Device', r.udi ?? 'not named by this code']], contents: [] };
  const a = parseAuthorizationCode(r.code);
  return {
    facts: [
      ['Device', formatUdi(a.udi)],
      ['Reservation', a.piid],
      ['Issued', formatInstant(Number(a.timestamp))],
      ['Signed by key', r.signer ?? 'not known here (checked by the device on install)'],
    ],
    contents: a.entitlements.map((e) => `${e.count} x ${e.displayName} (${e.licenseType}${e.endDate ? `, until ${e.endDate}` : ''})`),
  };
}

/**
 * Text cut to lines of at most `width` points. Long codes have few spaces, so a line is cut anywhere, but never
 * next to a space or after a hyphen: text extraction (pdftotext, a copy from a viewer) drops the spaces at the
 * ends of lines and joins a word hyphenated at a line's end, and a code pasted from it is joined line to line
 * (shared/codes/paste.ts), so every character survives.
 */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let rest = [...text];
  while (rest.length) {
    let n = 1;
    let used = font.widthOfTextAtSize(rest[0]!, size);
    while (n < rest.length && used + font.widthOfTextAtSize(rest[n]!, size) <= width) used += font.widthOfTextAtSize(rest[n++]!, size);
    if (n < rest.length) {
      let cut = n;
      while (cut > 1 && (rest[cut - 1] === ' ' || rest[cut - 1] === '-' || rest[cut] === ' ')) cut--;
      if (cut > 1) n = cut;
    }
    lines.push(rest.slice(0, n).join(''));
    rest = rest.slice(n);
  }
  return lines;
}

/** A writer that moves down the page and starts a new page when the next block does not fit. */
function writer(doc: PDFDocument) {
  let page: PDFPage = doc.addPage([...A4]);
  let y = A4[1] - MARGIN;
  const need = (h: number) => {
    if (y - h < MARGIN) {
      page = doc.addPage([...A4]);
      y = A4[1] - MARGIN;
    }
  };
  return {
    text(t: string, font: PDFFont, size: number, together = false) {
      // The standard fonts encode WinAnsi only: anything else (say, in a hostile display name) prints as '?'.
      const lines = wrap(t.replace(/[^\x20-\x7E\u00A0-\u00FF]/g, '?'), font, size, A4[0] - 2 * MARGIN);
      // A block kept together (a code) starts on a new page when it would fit on one but not in what is left.
      if (together && lines.length * (size + 4) <= A4[1] - 2 * MARGIN) need(lines.length * (size + 4));
      for (const l of lines) {
        need(size + 4);
        page.drawText(l, { x: MARGIN, y: y - size, size, font, color: rgb(0, 0, 0) });
        y -= size + 4;
      }
    },
    gap(h: number) {
      y -= h;
    },
    async image(png: Uint8Array, label: string, font: PDFFont) {
      need(QR_SIDE + 20);
      const img = await doc.embedPng(png);
      page.drawText(label, { x: MARGIN, y: y - 10, size: 10, font });
      page.drawImage(img, { x: MARGIN, y: y - 14 - QR_SIDE, width: QR_SIDE, height: QR_SIDE });
      y -= QR_SIDE + 24;
    },
  };
}

export async function receiptPdf(r: ReceiptInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`SLR Desk receipt: ${codeTitle(r.kind)}`);
  doc.setCreator('SLR Desk');
  doc.setCreationDate(new Date(r.printedAt));
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const plain = await doc.embedFont(StandardFonts.Helvetica);
  const mono = await doc.embedFont(StandardFonts.Courier);
  const w = writer(doc);
  const { facts, contents } = factsOf(r);
  w.text(`Exchange receipt: ${codeTitle(r.kind)}`, bold, 16);
  w.text(`Printed ${formatInstant(r.printedAt)} by SLR Desk.`, plain, 10);
  w.gap(8);
  for (const [k, v] of facts) w.text(`${k}: ${v}`, plain, 11);
  if (contents.length > 0) {
    w.gap(6);
    w.text('Contents', bold, 12);
    for (const c of contents) w.text(c, plain, 10);
  }
  w.gap(6);
  w.text('The code', bold, 12);
  w.text(r.code, mono, 7, true);
  const texts = qrTexts(r.code);
  w.gap(6);
  w.text(texts.length === 1 ? 'QR code' : `QR codes: ${texts.length} parts, scan every part in any order`, bold, 12);
  for (const [i, t] of texts.entries()) await w.image(await qrPng(t), texts.length === 1 ? '' : `Part ${i + 1} of ${texts.length}`, plain);
  w.gap(10);
  for (const line of ['Carried by (name):', 'From (system, place):', 'To (system, place):', 'Date and signature:']) {
    w.text(`${line} ______________________________________________`, plain, 11);
    w.gap(10);
  }
  return doc.save();
}
