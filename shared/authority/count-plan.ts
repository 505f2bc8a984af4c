/**
 * What a reservation form asks for, checked before it is sent: for each license the count now, the count
 * asked, the change, and a sentence for a count that is not a whole number or asks more than the virtual
 * account has free. A new reservation is the same plan from zero. The ledger checks it again on its side;
 * this is for the form's inline messages and the review step.
 */
import { LIMITS } from '../limits.ts';
import { groupDigits } from '../text.ts';

export interface PlanInput {
  readonly short: string;
  readonly displayName: string;
  /** Reserved by this instance now (0 for a new reservation). */
  readonly now: number;
  /** Free in the virtual account. */
  readonly available: number;
  /** What the form holds (text, as typed). */
  readonly asked: string;
  /** A batch: the count is for each of this many devices (1 unless said). */
  readonly devices?: number;
}

export interface PlanLine {
  readonly short: string;
  readonly displayName: string;
  readonly now: number;
  readonly next: number;
  /** Positive: taken from the pool; negative: into transition until the device confirms. */
  readonly change: number;
  readonly problem: string | null;
}

export interface CountPlan {
  readonly lines: readonly PlanLine[];
  /** The licenses whose count changes, with their new count (what the ledger is asked for). */
  readonly changed: Readonly<Record<string, number>>;
  readonly ok: boolean;
  readonly taken: number;
  readonly toTransition: number;
}

function problemOf(l: PlanInput, next: number | null): string | null {
  if (next === null) return `“${l.asked}” is not a count: enter a whole number from 0 to ${groupDigits(LIMITS.maxCount)}.`;
  const devices = l.devices ?? 1;
  if (devices > 1 && next * devices > l.available)
    return `Only ${l.available} available in this virtual account: ${devices} devices × ${next} is ${groupDigits(next * devices)}.`;
  const more = next - l.now;
  if (more > l.available) return `Only ${l.available} more available in this virtual account (asked for ${more} more).`;
  return null;
}

export function countPlan(input: readonly PlanInput[]): CountPlan {
  const lines = input.map((l): PlanLine => {
    const text = l.asked.trim() === '' ? String(l.now) : l.asked.trim();
    const next = /^\d{1,7}$/.test(text) && Number(text) <= LIMITS.maxCount ? Number(text) : null;
    return {
      short: l.short,
      displayName: l.displayName,
      now: l.now,
      next: next ?? l.now,
      change: next === null ? 0 : next - l.now,
      problem: problemOf(l, next),
    };
  });
  const changed = Object.fromEntries(lines.filter((l) => l.change !== 0).map((l) => [l.short, l.next]));
  return {
    lines,
    changed,
    ok: lines.every((l) => !l.problem) && Object.keys(changed).length > 0,
    taken: lines.reduce((n, l) => n + Math.max(0, l.change), 0),
    toTransition: lines.reduce((n, l) => n + Math.max(0, -l.change), 0),
  };
}
