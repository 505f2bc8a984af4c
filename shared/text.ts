/**
 * Text from users (names, reasons, file names) shown on a terminal: the characters a terminal acts on, or that
 * reorder what is shown (escape sequences, C1 controls, bidirectional overrides), are refused where they can
 * never be meant, and replaced where text is only shown.
 */

/** C0 controls but tab and line feed, DEL, C1 controls, and the bidirectional controls (Trojan Source). */
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function hasControls(text: string): boolean {
  CONTROLS.lastIndex = 0;
  return CONTROLS.test(text);
}

/** The text with every such character shown as U+FFFD, so that nothing is hidden and nothing acts. */
export function stripControls(text: string): string {
  return text.replace(CONTROLS, '\uFFFD');
}

/** For JSON printed to a terminal: the same characters as \u escapes (still the same JSON value). */
export function escapeControls(json: string): string {
  return json.replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * One rule for every name (the smart account's, virtual accounts'; user names are plain ASCII): well-formed Unicode, in NFC, of
 * letters, marks, numbers, punctuation, symbols and plain spaces only: no control or format character
 * (bidi controls, zero-width, soft hyphen, BOM), no line or paragraph separator, no non-breaking or other
 * special space, no U+FFFD (what invalid UTF-8 became), and no space at either end.
 */
const NOT_IN_NAMES = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u2007\u202f\u205f\u3000\ufffd]/u;

/** Whether `text` is well-formed Unicode: no UTF-16 surrogate standing alone (a code point of category Cs). */
export const isWellFormed = (text: string): boolean => !/\p{Cs}/u.test(text);

/** What names and free text share: well-formed, and in NFC. */
function unicodeProblem(text: string): string | null {
  if (!isWellFormed(text)) return 'it is not well-formed Unicode (a lone surrogate)';
  if (text.normalize('NFC') !== text) return 'it is not in Unicode NFC (compose its accents)';
  return null;
}

/** Why `text` is not a name by that rule, or null. */
export function nameProblem(text: string, max: number): string | null {
  const unicode = unicodeProblem(text);
  if (unicode) return unicode;
  if (text.length === 0 || text.length > max) return `it must be 1 to ${max} characters long`;
  if (NOT_IN_NAMES.test(text)) return 'it holds a control, format, line-separator, non-breaking or replacement character';
  if (text.trim() !== text) return 'it starts or ends with a space';
  return null;
}

/** In free text: every control (tab and line breaks too: it is one line), bidi controls, zero-width space, BOM, separators, U+FFFD. */
const NOT_IN_TEXT = /[\p{Cc}\p{Zl}\p{Zp}\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufffd]/u;

/** Why free text (a description, a reason) is not acceptable: not well-formed, not NFC, or with controls; or null. */
export function textProblem(text: string, max: number): string | null {
  const unicode = unicodeProblem(text);
  if (unicode) return unicode;
  if (text.length > max) return `it must be at most ${max} characters long`;
  if (NOT_IN_TEXT.test(text)) return 'it holds a control (tab and line breaks included), bidi, zero-width, BOM, line-separator or replacement character';
  return null;
}

/**
 * The one case rule for names, in JavaScript and in both databases (which compare this key, byte for byte,
 * never with a collation of their own): the NFC form, lower-cased by Unicode's default (locale-free) mapping.
 * So "Über" and "über" are one name, "İ" folds to "i̇" (not "i"), and "ß" stays "ß" (it is not "ss").
 */
export const nameKey = (name: string): string => name.normalize('NFC').toLowerCase().normalize('NFC');

/**
 * A whole number with commas between groups of three digits ("1,000,000"), as `toLocaleString('en-US')`
 * writes it, without loading the ICU number formatter (about 25 ms at a CLI's start). Anything but a safe
 * integer is written as `String` writes it.
 */
export function groupDigits(n: number): string {
  if (!Number.isSafeInteger(n)) return String(n);
  const digits = String(Math.abs(n));
  const head = digits.length % 3 || 3;
  const groups = [digits.slice(0, head)];
  for (let i = head; i < digits.length; i += 3) groups.push(digits.slice(i, i + 3));
  return (n < 0 ? '-' : '') + groups.join(',');
}
