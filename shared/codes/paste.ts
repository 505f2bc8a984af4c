/**
 * What people really paste: the code wrapped across lines by a terminal or an e-mail client (with the
 * indentation that comes with it), inside quotes, or as the whole command line
 * `admin:license smart reservation install "<specificPLR>…"`. This turns all of that into the bare text.
 */

const COMMAND = /^(?:[A-Za-z0-9_-]+[:#>$]\s*)?(?:slr\s+)?license\s+smart\s+reservation\s+(?:install|return-authorization)\s+/i;
const QUOTES = /^["'“”‘’`]+|["'“”‘’`]+$/g;

/** Joins lines broken by wrapping: a line break and the white space around it disappear. */
export function unwrapLines(text: string): string {
  return text.replace(/[ \t]*(?:\r\n|\r|\n)[ \t]*/g, '');
}

export function unpasteAuthorizationCode(input: string): string {
  let t = unwrapLines(input.replace(/^\uFEFF/, '')).trim();
  t = t.replace(COMMAND, '').trim();
  t = t.replace(QUOTES, '').trim();
  return t;
}
