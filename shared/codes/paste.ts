/**
 * What people really paste: the code wrapped across lines by a terminal or an e-mail client (with the
 * indentation that comes with it), inside quotes, or as the whole command line
 * `admin:license smart reservation install "<specificPLR>…"`, or the texts of its QR parts in any order.
 * This turns all of that into the bare text.
 */

import { codeFromQrParts, looksLikeQrParts } from './qr-parts.ts';
import { CHECKPOINT_TOKEN } from './checkpoint.ts';

const COMMAND = /^(?:[A-Za-z0-9_-]+[:#>$]\s*)?(?:slr\s+)?license\s+smart\s+reservation\s+(?:install|return-authorization)\s+/i;
const OPEN = '<specificPLR>';
const CLOSE = '</specificPLR>';
const QUOTES = /^["'“”‘’`]+|["'“”‘’`]+$/g;

/** Joins lines broken by wrapping: a line break (or a page break, as text extracted from a PDF has) and the white space around it disappear. */
export function unwrapLines(text: string): string {
  return text.replace(/[ \t]*(?:\r\n|\r|\n|\f)+[ \t]*/g, '');
}

/**
 * The one whole `<specificPLR>…</specificPLR>` inside other text (an e-mail's greeting and signature around
 * it, with no markup of its own); the text as it is when there is none, more than one, or markup around it.
 */
function codeInText(t: string): string {
  const start = t.indexOf(OPEN);
  if (start <= 0 || t.indexOf(OPEN, start + 1) >= 0) return t;
  const close = t.indexOf(CLOSE, start);
  if (close < 0 || t.indexOf(CLOSE, close + 1) >= 0) return t;
  // License Central's checkpoint (checkpoint.ts) belongs to the code: it stays with it.
  const after = t.slice(close + CLOSE.length);
  const token = CHECKPOINT_TOKEN.exec(after.trimStart());
  const end = close + CLOSE.length + (token ? after.length - after.trimStart().length + token[0].length : 0);
  // Only words around it: markup before or after (a declaration, another element) is not an e-mail's text.
  if (t.slice(0, start).includes('<') || t.slice(end).includes('<')) return t;
  return t.slice(start, end);
}

export function unpasteAuthorizationCode(input: string): string {
  const bare = input.replace(/^\uFEFF/, '');
  let t = unwrapLines(looksLikeQrParts(bare) ? codeFromQrParts(bare) : bare).trim();
  t = t.replace(COMMAND, '').trim();
  t = t.replace(QUOTES, '').trim();
  return codeInText(t);
}

/** Words that come with a code when the text around it is copied too (our messages, a mail, a terminal). */
const WORDS = new Set(
  'the this that code codes enter request confirmation return authorization license licenses central device reservation smart paste copy here your please into from for with and written was is in of to on'.split(
    ' ',
  ),
);

/**
 * The first ordinary word in text meant to be a code, or null. Text around the code was pasted too when it
 * has two such words, or one longer than a code's blocks (at most 5 characters: a block typed on its own
 * never reads as a sentence).
 */
export function wordAroundCode(text: string): string | null {
  const words = text.split(/[\s:,;()]+/).filter((t) => /^[A-Za-z]{2,}$/.test(t) && WORDS.has(t.toLowerCase()));
  return words.length >= 2 || (words[0]?.length ?? 0) > 5 ? words[0]! : null;
}
