/**
 * The request codes of a batch, as text (issue 30): a file with a code per line, or a CSV whose rows carry one
 * (the cell that is a code); blank lines and `#` comments skipped, a CSV's header row too. A folder of request
 * files is read file by file (`*-request.txt` as the CLI writes them, `*.slrreq` as the app does). The same
 * rules for `slr authority reserve --requests FILE|DIR` and for the app's batch reservation (a dropped folder or
 * file, or codes pasted); what is not a code is refused by the code's own parser, naming its place in the batch.
 */
import { CODE_FILE_TYPES } from '../code-kinds.ts';
import { refuse } from '../errors.ts';
import { MAX_BATCH } from './authorization-bundle.ts';

/** A cell that looks like a short code: letters, digits and dashes, long enough for a request code. */
const CODE_CELL = /^[0-9A-Za-z][0-9A-Za-z -]{100,}$/;

/** The names of a folder's files that hold a request code each. */
export const isRequestFileName = (name: string) => name.endsWith('-request.txt') || name.toLowerCase().endsWith(`.${CODE_FILE_TYPES.request.ext}`);

/** The request codes in a text: one per line, or one per CSV row. */
export function requestCodesInText(text: string): string[] {
  const codes: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const cells = t.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
    const code = cells.length === 1 ? cells[0]! : cells.find((c) => CODE_CELL.test(c));
    // A CSV's header row (the first row, no cell a code) is not a request.
    if (code === undefined && codes.length === 0 && cells.length > 1) continue;
    codes.push(code ?? t);
  }
  return codes;
}

/** A batch's codes, checked for size: none, or more than one batch takes, is refused saying what `where` needs. */
export function checkedBatch(codes: readonly string[], where: string, folder: boolean): readonly string[] {
  if (codes.length === 0)
    refuse(
      'code-empty',
      `${where} holds no request code.`,
      folder ? 'The folder needs request files: <SN>-request.txt, or .slrreq.' : 'Put one request code per line.',
    );
  if (codes.length > MAX_BATCH) refuse('bad-count', `${where} holds ${codes.length} request codes; one batch takes at most ${MAX_BATCH}.`, 'Split it.');
  return codes;
}

/** The name a bundle made at `issuedAt` (ISO 8601) is saved under. */
export const bundleFileName = (issuedAt: string) => `authorization-bundle-${issuedAt.replace(/[-:]|\.\d+/g, '')}.json`;
