/**
 * QR codes as PNG files: one image for a short code, or one per part of a long one (`…-2-of-12.png`), each
 * written whole (temporary file, fsync, rename) so a half-written image never stands where a file was.
 */
import QRCode from 'qrcode';
import { qrTexts } from '../../shared/codes/qr-parts.ts';
import { refuse } from '../../shared/errors.ts';
import { checkFileTarget, writeFileChecked } from '../platform/files.ts';

/** A QR code of `text` as PNG bytes (error correction M: parts are small enough for it). */
export async function qrPng(text: string): Promise<Buffer> {
  try {
    return await QRCode.toBuffer(text, { errorCorrectionLevel: 'M', margin: 4, scale: 6, type: 'png' });
  } catch {
    return refuse('qr-too-large', `The text is ${text.length} characters long: too long for one QR code.`, 'Carry the code as a file instead.');
  }
}

/** The files the QR codes of `code` go to, given the name chosen for them. */
export function qrFileNames(path: string, count: number): string[] {
  if (count === 1) return [path];
  const base = path.replace(/\.png$/i, '');
  return Array.from({ length: count }, (_, i) => `${base}-${i + 1}-of-${count}.png`);
}

/** Writes the QR code(s) of `code`: every target is checked before the first is written. */
export async function saveQrImages(path: string, code: string): Promise<string[]> {
  const texts = qrTexts(code);
  const paths = qrFileNames(path, texts.length);
  for (const p of paths) checkFileTarget(p);
  const images = await Promise.all(texts.map(qrPng));
  images.forEach((png, i) => writeFileChecked(paths[i]!, png));
  return paths;
}
