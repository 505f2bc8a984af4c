/**
 * Tamper-evident event logs, on both sides: every event carries the hash of the one before it, from the
 * first. hash = SHA-256 of the JSON array [previous hash, …the event's fields] (UTF-8, no spaces), hex; the
 * first event's previous hash is 64 zeros. The hashing itself is the Node side's (crypto lives there); the
 * rule, and the check of a chain, are here. An auditor recomputes it in a few lines of any language (README).
 */

export const GENESIS = '0'.repeat(64);

/** The text hashed for one event. */
export function chainInput(previous: string, fields: readonly (string | number | null)[]): string {
  return JSON.stringify([previous, ...fields]);
}

export interface ChainBreak {
  /** 0-based position of the first event whose hash does not follow from the ones before. */
  readonly index: number;
  readonly reason: 'missing' | 'altered';
}

/** The first broken link of a chain, or null when every event follows from the ones before it. */
export function firstBrokenLink<E extends { readonly hash?: string | null }>(
  events: readonly E[],
  fieldsOf: (e: E) => readonly (string | number | null)[],
  sha256hex: (text: string) => string,
): ChainBreak | null {
  let previous = GENESIS;
  for (const [index, e] of events.entries()) {
    if (!e.hash) return { index, reason: 'missing' };
    if (sha256hex(chainInput(previous, fieldsOf(e))) !== e.hash) return { index, reason: 'altered' };
    previous = e.hash;
  }
  return null;
}

/** What a verification says, the same on both sides: intact, or the first event that was changed. */
export function describeChain(
  count: number,
  broken: ChainBreak | null,
  eventAt: (index: number) => { at: number; type: string },
): { intact: boolean; text: string } {
  if (!broken) return { intact: true, text: `Event log intact: ${count} event${count === 1 ? '' : 's'}, each chained to the one before.` };
  const e = eventAt(broken.index);
  const what = broken.reason === 'missing' ? 'carries no hash' : 'does not follow from the events before it (it, or one before it, was changed)';
  return { intact: false, text: `The event log was changed: event ${broken.index + 1} of ${count} (${new Date(e.at).toISOString()}, ${e.type}) ${what}.` };
}

/** The device's events: what is chained of each. */
export const instanceEventFields = (e: { at: number; type: string; message: string }) => [e.at, e.type, e.message] as const;

/** The authority's events: what is chained of each. */
export const ledgerEventFields = (e: {
  at: number;
  actor: string;
  account: string | null;
  instance: string | null;
  type: string;
  message: string;
  code: string | null;
}) => [e.at, e.actor, e.account, e.instance, e.type, e.message, e.code] as const;
