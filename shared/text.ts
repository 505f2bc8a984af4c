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
