/** Certificate fingerprints as people read and type them: SHA-256, colon-separated upper-case hex pairs. Pure: the app checks what is typed with the same rule the main process applies. */

export const formatFingerprint = (hex: string) => hex.toUpperCase().match(/../g)!.join(':');

const hexOf = (text: string) => text.replace(/^sha256[:=]?/i, '').replace(/[\s:]/g, '');

/** A fingerprint as people give it (with or without colons, any case, a `sha256:` prefix) in its canonical form, or null. */
export function normaliseFingerprint(text: string): string | null {
  const hex = hexOf(text);
  return /^[0-9a-fA-F]{64}$/.test(hex) ? formatFingerprint(hex) : null;
}

/** What is wrong with a typed fingerprint, in words (null: nothing, or nothing typed yet). */
export function fingerprintProblem(text: string): string | null {
  if (!text.trim() || normaliseFingerprint(text)) return null;
  const hex = hexOf(text);
  const bad = [...hex].find((c) => !/[0-9a-fA-F]/.test(c));
  if (bad) return `A fingerprint is hexadecimal digits (0-9, A-F), with or without colons: “${bad}” is not one.`;
  return `A SHA-256 fingerprint has 64 hexadecimal digits (32 pairs); this one has ${hex.length}. Copy it whole from the server's administrator.`;
}
