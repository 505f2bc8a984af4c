/** The hashing of the event logs' chain (shared/event-chain.ts): node:crypto's SHA-256. */
import { createHash } from 'node:crypto';
import { chainInput, firstBrokenLink, GENESIS, instanceEventFields, type ChainBreak } from '../../shared/event-chain.ts';
import type { InstanceEvent } from '../../shared/instance/state.ts';

export const sha256hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The hash that chains an event after `previous`. */
export function chainHash(previous: string | null, fields: readonly (string | number | null)[]): string {
  return sha256hex(chainInput(previous ?? GENESIS, fields));
}

/** The device's events with the hashes the new ones (those after the last hashed event) lack. */
export function sealInstanceEvents(events: readonly InstanceEvent[]): InstanceEvent[] {
  let last = -1;
  events.forEach((e, i) => {
    if (e.hash) last = i;
  });
  let previous = last >= 0 ? events[last]!.hash! : GENESIS;
  return events.map((e, i) => {
    if (i <= last) return e;
    const hash = chainHash(previous, instanceEventFields(e));
    previous = hash;
    return { ...e, hash };
  });
}

export function verifyInstanceEvents(events: readonly InstanceEvent[]): ChainBreak | null {
  return firstBrokenLink(events, instanceEventFields, sha256hex);
}
