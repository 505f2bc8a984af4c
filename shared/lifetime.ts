/**
 * One rule for everything that ends (TERM licenses, the evaluation period, tokens): days left counted as the
 * day that has begun, "Expired" once the end has passed, and the Smart Software Manager's warning schedule
 * (90, 60, 30, 14, 7, 3 and 1 days before). The CLI, the app and License Central all ask here.
 */
import { DAY_MS } from './codes/dates.ts';
import { groupDigits } from './text.ts';

/** The days before an end at which a warning is due, latest first. */
export const WARNING_DAYS = [90, 60, 30, 14, 7, 3, 1] as const;
export type WarningDay = (typeof WARNING_DAYS)[number];

/** How loud a warning is: quiet until 30 days, a warning to 8, urgent from 7 and once expired. */
export type Urgency = 'none' | 'notice' | 'warning' | 'urgent';

export interface Lifetime {
  /** The first instant at which it is no longer valid. */
  readonly endsAt: number;
  readonly expired: boolean;
  /** Whole days left, the day that has begun counted (0 once expired). */
  readonly daysLeft: number;
  /** The last warning day passed (30: within 30 days), or null: more than 90 days left (or expired). */
  readonly warning: WarningDay | null;
  readonly urgency: Urgency;
}

export function lifetime(endsAt: number, now: number): Lifetime {
  const expired = now >= endsAt;
  const daysLeft = expired ? 0 : Math.ceil((endsAt - now) / DAY_MS);
  const passed = WARNING_DAYS.filter((d) => daysLeft <= d);
  const warning = expired ? null : (passed.at(-1) ?? null);
  return { endsAt, expired, daysLeft, warning, urgency: urgencyOf(warning, expired) };
}

/** How loud the warning day passed is: urgent from 7 days (and once expired), a warning to 30, a notice to 90. */
export const urgencyOf = (warning: number | null, expired = false): Urgency =>
  expired || (warning !== null && warning <= 7) ? 'urgent' : warning === null ? 'none' : warning <= 30 ? 'warning' : 'notice';

/** `1 day`, `12 days`. */
export const formatDays = (n: number): string => `${n} day${n === 1 ? '' : 's'}`;

/** "Expired" or "12 days left": the words every screen uses. */
export const describeLifetime = (l: Lifetime): string => (l.expired ? 'Expired' : `${formatDays(l.daysLeft)} left`);

/** A TERM license's end date (a calendar day, valid through that day) as the instant it stops being valid. */
export const termEndsAt = (endDay: number): number => endDay + DAY_MS;

/** "1 license", "3 licenses": a count with its noun, never "license(s)". */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${groupDigits(n)} ${n === 1 ? one : many}`;
}
