/**
 * One way to write dates, times and numbers on every screen, in the operator's own locale (the OS's, as
 * Electron gives it to Chromium): a moment as local date and time with its zone, a calendar day (a TERM's
 * end, a token's expiry) as that day whatever the zone, a count with the locale's grouping.
 */
const moment = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
});
const calendarDay = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
const number = new Intl.NumberFormat(undefined);

/** A moment (ms since the epoch): local date and time with the zone, e.g. "Mar 2, 2026, 09:06 AM UTC". */
export const formatWhen = (ms: number): string => moment.format(ms);

/** A calendar day given as its UTC midnight (ms), e.g. "Apr 1, 2027". */
export const formatDay = (ms: number): string => calendarDay.format(ms);

export const formatCount = (n: number): string => number.format(n);

/** "1 license", "1,200 licenses" in the locale's digits. */
export const countOf = (n: number, one: string, many = `${one}s`): string => `${formatCount(n)} ${n === 1 ? one : many}`;
