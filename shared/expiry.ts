/**
 * When an expiry is noticed, for both sides (License Central's dates in shared/authority/expiring.ts, the
 * device's own in shared/instance/expiring.ts): at 90, 60, 30, 14, 7, 3 and 1 days before.
 */
import { DAY_MS } from './codes/dates.ts';

/** The days before an expiry at which it is noticed. */
export const NOTICE_DAYS = [90, 60, 30, 14, 7, 3, 1] as const;

/** Whole days left (0: on the last day). */
export const daysLeft = (at: number, now: number) => Math.max(0, Math.floor((at - now) / DAY_MS));
/** The smallest notice an expiry `days` away has reached, or null: not yet within 90 days. */
export const noticeOf = (days: number): number | null => [...NOTICE_DAYS].reverse().find((n) => days < n) ?? null;
