/**
 * When an expiry is noticed, for both sides (License Central's dates in shared/authority/expiring.ts, the
 * device's own in shared/instance/expiring.ts): the rule of shared/lifetime.ts, so that a date listed as
 * expiring shows the same days left and the same notice (90, 60, 30, 14, 7, 3 and 1 days before) as every
 * other screen that shows it.
 */
import { lifetime, WARNING_DAYS } from './lifetime.ts';

/** The days before an expiry at which it is noticed. */
export const NOTICE_DAYS = WARNING_DAYS;

/** Whole days left (the day that has begun counted) and the smallest notice reached (null: more than 90 days). */
export function expiryOf(at: number, now: number): { readonly daysLeft: number; readonly notice: number | null } {
  const l = lifetime(at, now);
  return { daysLeft: l.daysLeft, notice: l.warning };
}
