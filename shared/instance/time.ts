/**
 * Time on a device whose clock nobody can check. The instance keeps the latest time it has seen (its own
 * clock, or the timestamp of a signed authorization code) and never goes back from it: a clock set back is
 * detected and reported, and the evaluation and overage periods simply do not run backwards or gain days.
 * Evaluation and overage are accounted piecewise between commands; in between, usage and the installed
 * code are constant, so compliance only changes where a TERM entitlement starts or ends.
 */
import { clusterUsage } from './cluster.ts';
import { isValidAt, validityWindow, type Entitlement } from '../codes/authorization-code.ts';
import { DAY_MS } from '../codes/dates.ts';
import type { InstanceState } from './state.ts';
import { ONLINE_AUTHORIZATION } from '../registration/protocol.ts';

export const EVALUATION_MS = 90 * DAY_MS;
export const OVERAGE_GRACE_MS = 90 * DAY_MS;
/** A clock this far behind the latest time seen counts as set back (small drifts are not reported). */
export const CLOCK_TOLERANCE_MS = 5 * 60_000;

/** The time rules use: the device clock, but never earlier than the latest time already seen. */
export function effectiveNow(state: InstanceState, now: number): number {
  return Math.max(now, state.clock.highWater);
}

export function clockBehindMs(state: InstanceState, now: number): number {
  const behind = state.clock.highWater - now;
  return behind > CLOCK_TOLERANCE_MS ? behind : 0;
}

/** True when every tag in use is covered by entitlements of that tag valid at `t` (no borrowing, as in the seeds). */
export function isCompliant(usage: Readonly<Record<string, number>>, entitlements: readonly Entitlement[], t: number): boolean {
  return Object.entries(usage).every(([tag, used]) => used <= reservedAt(entitlements, tag, t));
}

export function reservedAt(entitlements: readonly Entitlement[], tag: string, t: number): number {
  return entitlements.filter((e) => e.tag === tag && isValidAt(e, t)).reduce((n, e) => n + e.count, 0);
}

/** Milliseconds in [from, to) during which usage is not covered by the entitlements. */
export function nonCompliantMs(usage: Readonly<Record<string, number>>, entitlements: readonly Entitlement[], from: number, to: number): number {
  if (to <= from) return 0;
  const cuts = new Set<number>([from, to]);
  for (const e of entitlements) {
    const w = validityWindow(e);
    for (const c of [w.from, w.until]) if (c > from && c < to) cuts.add(c);
  }
  const points = [...cuts].sort((a, b) => a - b);
  let total = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i]!, points[i + 1]!];
    if (!isCompliant(usage, entitlements, a)) total += b - a;
  }
  return total;
}

export interface Accounting {
  readonly evaluationUsedMs: number;
  readonly overageMs: number;
}

/**
 * Evaluation and overage used up to `t` (effective time), from what the state has accounted so far.
 * `entitlements` are those of the installed code (empty when none is installed).
 */
export function accountTo(state: InstanceState, entitlements: readonly Entitlement[], t: number): Accounting {
  const from = state.clock.accountedTo;
  const span = Math.max(0, t - from);
  const evaluationRuns = state.evaluation.startedAt !== null && state.installed === null;
  const online = state.online;
  // Registered online, evaluation stops until the registration expires; overage runs while License Central
  // last answered Out of Compliance and the authorization holds.
  const evaluationMs = !evaluationRuns ? 0 : online ? Math.max(0, t - Math.max(from, online.registrationExpires)) : span;
  const onlineOverage =
    online?.compliance?.status === ONLINE_AUTHORIZATION.outOfCompliance
      ? Math.max(0, Math.min(t, online.authorizationExpires, online.registrationExpires) - from)
      : 0;
  return {
    evaluationUsedMs: Math.min(EVALUATION_MS, state.evaluation.usedMs + evaluationMs),
    overageMs: state.overage.usedMs + (state.installed ? nonCompliantMs(clusterUsage(state), entitlements, from, from + span) : onlineOverage),
  };
}
