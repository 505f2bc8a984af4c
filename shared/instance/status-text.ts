/**
 * The product instance's status in words, the same in the CLI and the app. Kept apart from status.ts (which
 * parses codes) so that the renderer uses these without bundling the XML parser.
 */
import type { InstanceStatus } from './status.ts';

/** `1 day`, `12 days`: days used count whole days, days left count the day that has begun. */
export const formatDays = (n: number) => `${n} day${n === 1 ? '' : 's'}`;
const daysUsed = (d: number) => formatDays(Math.floor(d));
const daysLeft = (d: number) => formatDays(Math.ceil(d));

/** The evaluation period in words, the same in the CLI and the app. */
export function describeEvaluation(s: InstanceStatus): string {
  const e = s.evaluation;
  if (e.expired) return 'Expired';
  if (!e.started) return `Not started (${daysLeft(e.daysLeft)}; starts with the first license used)`;
  return e.running ? `${daysLeft(e.daysLeft)} left` : `Paused, ${daysLeft(e.daysLeft)} left`;
}

/** Overage in words, or null when there is none. */
export function describeOverage(s: InstanceStatus): string | null {
  return s.overage.days > 0 ? `${daysUsed(s.overage.days)} (${daysLeft(s.overage.graceDaysLeft)} of grace left)` : null;
}
