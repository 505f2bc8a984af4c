/**
 * The rules that keep licenses conserved across a parent License Central and its satellites (pure; the ledger
 * applies them). One written rule each:
 *
 * - **The parent owns purchases and allocations.** An allocation blocks its licenses at the parent like a
 *   reservation, so the parent never hands out what a satellite holds. An increase blocks at the parent at
 *   once and reaches the satellite at its next synchronisation.
 * - **The satellite owns its devices' registrations and usage.** A decrease is a *target*: the parent keeps the
 *   licenses blocked until the satellite says it has let them go, and a satellite never lets go of what its
 *   devices hold (its count stays at least what they block). So at every moment the satellite may hand out at
 *   most what the parent blocks for it: the total in use across all License Centrals never exceeds what was
 *   bought, whatever files are lost, repeated or late.
 * - **Files are numbered per direction**: a file older than the last applied is refused (the same file again:
 *   "already applied", changing nothing; another file with a number already used: the sender was restored
 *   from a backup or copied, and nothing is applied).
 */
import { available, isLotValid, type Lot } from './allocation.ts';
import { refuse } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import type { LotKey } from './sync-file.ts';

/** What a satellite holds of one parent lot: blocked at the parent (`count`), and what it may keep (`target`). */
export interface Allocation {
  readonly count: number;
  readonly target: number;
}

/** One string per lot identity, the same on both sides (account names compare without case). */
export function lotKeyText(k: Omit<LotKey, 'type'> & { type: string }, accountKey: (name: string) => string): string {
  return `${accountKey(k.account)}|${k.tag}|${k.type}|${k.start ?? ''}|${k.end ?? ''}`;
}

function durability(l: Lot): number {
  return l.type === 'PERPETUAL' ? Infinity : l.end!;
}

/**
 * A satellite's allocations of one tag set to `want` in all. More: first what is still blocked for it (a
 * decrease not yet confirmed), then free licenses valid now, longest-lasting first. Less: the targets go down,
 * shortest-lasting first, and the counts stay blocked until the satellite confirms.
 */
export function planAllocation(
  lots: readonly Lot[],
  current: ReadonlyMap<number, Allocation>,
  want: number,
  now: number,
  label: string,
): Map<number, Allocation> {
  if (!Number.isSafeInteger(want) || want < 0 || want > LIMITS.maxCount)
    refuse('bad-count', `The count for ${label} must be a whole number from 0 to ${LIMITS.maxCount}.`);
  const next = new Map(current);
  const total = [...current.values()].reduce((n, a) => n + a.target, 0);
  let delta = want - total;
  const ordered = [...lots].sort((a, b) => durability(b) - durability(a) || a.id - b.id);
  if (delta > 0) {
    for (const lot of ordered) {
      const a = next.get(lot.id);
      if (!a || a.target >= a.count) continue;
      const back = Math.min(delta, a.count - a.target);
      next.set(lot.id, { count: a.count, target: a.target + back });
      delta -= back;
    }
    const free = ordered.filter((l) => isLotValid(l, now) && available(l) > 0);
    const freeTotal = free.reduce((n, l) => n + available(l), 0);
    if (freeTotal < delta)
      refuse(
        'shortfall',
        `Not enough ${label} to allocate: ${delta} more wanted, ${freeTotal} available at the parent (valid now and not blocked).`,
        'Allocate fewer, or free some: return reservations, or lower what another satellite holds.',
      );
    for (const lot of free) {
      if (delta === 0) break;
      const take = Math.min(delta, available(lot));
      const a = next.get(lot.id) ?? { count: 0, target: 0 };
      next.set(lot.id, { count: a.count + take, target: a.target + take });
      delta -= take;
    }
  } else if (delta < 0) {
    for (const lot of [...ordered].reverse()) {
      const a = next.get(lot.id);
      if (!a || a.target === 0) continue;
      const give = Math.min(-delta, a.target);
      next.set(lot.id, { count: a.count, target: a.target - give });
      delta += give;
      if (delta === 0) break;
    }
  }
  return next;
}

/** What a satellite's lot may hand out once it knows its target: the target, never less than its devices block. */
export function satelliteCount(target: number, blocked: number): number {
  return Math.max(target, blocked);
}

/**
 * What the parent keeps blocked for a satellite after it reports `reported` for the lot: never less than the
 * target, never more than was blocked (a report older than an increase says less than the satellite may have).
 */
export function confirmedCount(a: Allocation, reported: number): number {
  return Math.max(a.target, Math.min(reported, a.count));
}

export type Arrival = 'apply' | 'already-applied' | 'out-of-order' | 'forked';

/**
 * A numbered file against what was applied from the same sender: a newer one applies (a gap is fine: every
 * file carries all since the last acknowledged); one applied before changes nothing; an older one never
 * applied came late (a later one carried all it held); another file under a number already applied means the
 * sender was restored from a backup or copied.
 */
export function arrivalOf(seq: number, digest: string, lastSeq: number, digestApplied: string | null): Arrival {
  if (seq > lastSeq) return 'apply';
  if (digestApplied === digest) return 'already-applied';
  return digestApplied === null ? 'out-of-order' : 'forked';
}

/** The first retry of a connected satellite's failed round; each failure in a row doubles it. */
export const FIRST_RETRY_MS = 60_000;

/**
 * When a connected satellite synchronises next, from its last attempt: its interval after a round that
 * worked; after failures in a row 1, 2, 4 … minutes, never later than the interval (meanwhile it keeps
 * serving its devices from what it holds).
 */
export function nextRoundAt(lastAttempt: number, intervalMinutes: number, failures: number): number {
  const interval = intervalMinutes * 60_000;
  if (failures <= 0) return lastAttempt + interval;
  return lastAttempt + Math.min(interval, FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 30));
}
