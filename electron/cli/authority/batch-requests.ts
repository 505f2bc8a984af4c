/**
 * The request codes of a batch (`slr authority reserve --requests FILE|DIR`): a folder of request files (each
 * `*-request.txt` holds one code, as `license smart reservation request --out DIR` writes it), or one file with
 * a code per line, or a CSV whose rows carry one (the cell that is a code). Blank lines and `#` comments are
 * skipped; anything else that is not a code is refused by the code's own parser, naming the request (its place
 * in the batch).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_BATCH, MAX_BUNDLE_BYTES } from '../../../shared/codes/authorization-bundle.ts';
import { refuse } from '../../../shared/errors.ts';
import { readCodeFile } from '../../platform/files.ts';

/** A cell that looks like a short code: letters, digits and dashes, long enough for a request code. */
const CODE_CELL = /^[0-9A-Za-z][0-9A-Za-z -]{100,}$/;

function codesInFile(path: string): string[] {
  const lines = readCodeFile(path, MAX_BUNDLE_BYTES).split(/\r?\n/);
  const codes: string[] = [];
  for (const line of lines) {
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

export function readRequests(path: string): string[] {
  let dir = false;
  try {
    dir = statSync(path).isDirectory();
  } catch {
    refuse('file', `${path} does not exist.`, 'Give a folder of request files, or a file with one request code per line.');
  }
  const codes = dir
    ? readdirSync(path)
        .filter((f) => f.endsWith('-request.txt'))
        .sort()
        .map((f) => readCodeFile(join(path, f)).trim())
    : codesInFile(path);
  if (codes.length === 0)
    refuse('code-empty', `${path} holds no request code.`, dir ? 'The folder needs files named <SN>-request.txt.' : 'Put one request code per line.');
  if (codes.length > MAX_BATCH) refuse('bad-count', `${path} holds ${codes.length} request codes; one batch takes at most ${MAX_BATCH}.`, 'Split it.');
  return codes;
}
