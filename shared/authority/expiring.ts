/**
 * One engine for the dates License Central keeps (issue 30): TERM licenses that end, registration tokens that
 * expire, registered instances whose authorization (90 days) or registration (a year) runs out, and, under a
 * silence policy (`usage policy --silent-after`), reserved instances due to report their usage and satellites
 * due to synchronise before they count as silent. Pure: the
 * ledger gives the dates, this orders them and says which notice each has reached (90, 60, 30, 14, 7, 3 and 1
 * days before). `slr authority show expiring`, the API's `expiring` and the app use it.
 */
import { DAY_MS } from '../codes/dates.ts';
import { expiryOf } from '../expiry.ts';

export { expiryOf, NOTICE_DAYS } from '../expiry.ts';

export const EXPIRING_KINDS = {
  'term-license': 'TERM licenses end',
  token: 'registration token expires',
  authorization: 'authorization expires (renewed every 90 days)',
  registration: 'registration expires (renewed every year)',
  'usage-report': 'usage report due (silent after that)',
  'satellite-sync': 'satellite synchronisation due (silent after that)',
} as const;
export type ExpiringKind = keyof typeof EXPIRING_KINDS;

export interface ExpiringItem {
  readonly kind: ExpiringKind;
  readonly account: string;
  /** What expires: the license and count, the token's id, the instance. */
  readonly subject: string;
  /** The instant it stops being valid. */
  readonly at: number;
  /** Whole days left, the day that has begun counted (1: on the last day). */
  readonly daysLeft: number;
  /** The smallest notice it has reached (90, 60, …, 1 days before), or null: not yet within 90 days. */
  readonly notice: number | null;
}

/** The items that expire after `now` and within `withinDays`, soonest first (then by account and subject). */
export function expiringWithin(items: readonly Omit<ExpiringItem, 'daysLeft' | 'notice'>[], now: number, withinDays: number): ExpiringItem[] {
  return items
    .filter((i) => i.at > now && i.at <= now + withinDays * DAY_MS)
    .map((i) => ({ ...i, ...expiryOf(i.at, now) }))
    .sort((a, b) => a.at - b.at || a.account.localeCompare(b.account) || a.subject.localeCompare(b.subject));
}
