/** Certificate fingerprints as people read and type them: SHA-256, colon-separated upper-case hex pairs. */
export const formatFingerprint = (hex: string) => hex.toUpperCase().match(/../g)!.join(':');

/** A fingerprint as people give it (with or without colons, any case, a `sha256:` prefix) in its canonical form, or null. */
export function normaliseFingerprint(text: string): string | null {
  const hex = text.replace(/^sha256[:=]?/i, '').replace(/[\s:]/g, '');
  return /^[0-9a-fA-F]{64}$/.test(hex) ? formatFingerprint(hex) : null;
}
