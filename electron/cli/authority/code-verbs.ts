/**
 * The authority verbs that hand an issued code over again: `code` (the latest authorization code of an
 * instance, shown or written) and `receipt` (the same as a printable PDF). Entries of the verb table
 * (authority-cli.ts), kept here by theme.
 */
import type { Verb } from './verb.ts';

const INSTANCE = '--instance <UDI or SN>';

export const CODE_VERBS: readonly Verb[] = [
  {
    words: 'code',
    usage: `${INSTANCE} [--out FILE|DIR]`,
    summary: 'Show (or write) the latest authorization code of a product instance again.',
    example: 'slr authority code --instance cc920 --out /media/usb/',
    options: ['instance', 'out'],
    required: ['instance'],
    run: async ({ values, issued, withLedger }) => issued('The latest authorization code:', await withLedger((l) => l.latestCode(values.instance!))),
  },
  {
    words: 'receipt',
    usage: `${INSTANCE} --out FILE|DIR`,
    summary: 'Write a printable receipt (PDF) of the latest authorization code of a product instance: device, contents, QR codes, time, signer.',
    example: 'slr authority receipt --instance cc920 --out /media/usb/',
    options: ['instance', 'out'],
    required: ['instance', 'out'],
    run: async ({ values, ctx, say, out, withLedger }) => {
      const r = await withLedger((l) => l.latestCode(values.instance!));
      // Loaded only here: the PDF writer is not part of every command's start-up.
      const { receiptPdf } = await import('../../documents/receipt.ts');
      const pdf = await receiptPdf({ kind: 'authorization', code: r.code, signer: r.keyId, printedAt: ctx.now });
      const path = out!.write(`${r.sn}-authorization-receipt.pdf`, pdf, `slr authority receipt --instance ${r.sn} --out FILE`);
      say(`Receipt of the latest authorization code for ${r.udi} written to ${path}.`, { path, udi: r.udi, keyId: r.keyId });
    },
  },
];
