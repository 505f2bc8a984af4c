/**
 * The product instance's status in words, the same in the CLI and the app. Kept apart from status.ts (which
 * parses codes) so that the renderer uses these without bundling the XML parser.
 */
import { findAnyEntitlement } from '../catalog.ts';
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

/** Online: the licenses in use above what License Central acknowledged, by short name, and why they are not authorized. */
export function describeUnacknowledged(s: InstanceStatus): string | null {
  const tags = s.online?.unacknowledged ?? [];
  if (!tags.length) return null;
  const names = tags.map((t) => findAnyEntitlement(t)?.def.short ?? t).join(', ');
  return `${names}: in use above the last usage report License Central answered, not authorized until it answers a report that covers it.`;
}
