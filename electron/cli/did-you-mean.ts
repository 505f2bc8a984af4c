/**
 * "Did you mean …?" for a mistyped command or option, as git and kubectl say it: the known one nearest to what
 * was typed (edit distance over the same number of words), when it is near enough to be a typo.
 */

/** Levenshtein distance between two short strings. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The candidate nearest to the words typed (each candidate compared with as many of the typed words as it has),
 * or null when none is within a typo's reach (a third of its length, at least 2).
 */
export function closest(typed: readonly string[], candidates: readonly string[]): string | null {
  let best: { text: string; distance: number } | null = null;
  for (const candidate of candidates) {
    const n = candidate.split(' ').length;
    if (typed.length < n) continue;
    const distance = editDistance(typed.slice(0, n).join(' ').toLowerCase(), candidate);
    const reach = Math.max(2, Math.floor(candidate.length / 3));
    if (distance > 0 && distance <= reach && (!best || distance < best.distance || (distance === best.distance && candidate.length > best.text.length)))
      best = { text: candidate, distance };
  }
  return best?.text ?? null;
}

/** The command words of usage lines (`  slr license usage <tag> <count>` → `license usage`), for suggestions. */
export function commandWords(usageLines: readonly string[]): string[] {
  const words = new Set<string>();
  for (const line of usageLines) {
    const m = /^\s*slr (.*)$/.exec(line);
    if (!m) continue;
    const taken: string[] = [];
    // The command is what comes before the description, which is set off by two spaces or more.
    for (const token of m[1]!.split(/\s{2,}/)[0]!.split(/\s+/)) {
      if (!/^[a-z][a-z0-9-]*$/.test(token)) break;
      taken.push(token);
    }
    if (taken.length) words.add(taken.join(' '));
  }
  return [...words];
}
