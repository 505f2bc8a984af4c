/** The seeds' date form in authorization codes: `2020-Mar-04 UTC`. */
import { refuse } from '../errors.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export const DAY_MS = 86_400_000;

/** Times outside [2000, 3000) are a wrong clock or bad input, never a real moment of this system. */
export const MIN_TIME = Date.UTC(2000, 0, 1);
export const MAX_TIME = Date.UTC(3000, 0, 1);

export function isSaneTime(ms: number): boolean {
  return Number.isSafeInteger(ms) && ms >= MIN_TIME && ms < MAX_TIME;
}

/** Refuses a time outside the sane range (see MIN_TIME) with what it is and where it came from. */
export function assertSaneTime(ms: number, where: string): number {
  if (!isSaneTime(ms)) {
    const shown = Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms);
    refuse('bad-time', `${where} (${shown}) is not a time between the years 2000 and 2999.`, 'Check the clock (or SLR_NOW); nothing was changed.');
  }
  return ms;
}

/** Dates of licenses (TERM start and end), in codes and as typed: the years 2000 to 2099. */
export const MIN_DATE_YEAR = 2000;
export const MAX_DATE_YEAR = 2099;

/** Midnight UTC of a calendar date, or null when it is none; years taken as written (Date.UTC reads 0-99 as 1900-1999). */
function utcDate(year: number, month: number, day: number): number | null {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  d.setUTCHours(0, 0, 0, 0);
  return d.getUTCFullYear() === year && d.getUTCMonth() === month && d.getUTCDate() === day ? d.getTime() : null;
}

const yearProblem = (year: number) =>
  year < MIN_DATE_YEAR || year > MAX_DATE_YEAR ? `the year ${year} is outside ${MIN_DATE_YEAR} to ${MAX_DATE_YEAR}` : null;

/** Midnight UTC of the date, in ms since the epoch. */
export function parseCodeDate(text: string, where: string): number {
  const m = /^(\d{4})-([A-Za-z]{3})-(\d{2}) ?UTC$/.exec(text);
  const month = m ? MONTHS.findIndex((x) => x.toLowerCase() === m[2]!.toLowerCase()) : -1;
  if (!m || month < 0) refuse('code-field', `${where}: "${text}" is not a date of the form 2020-Mar-04 UTC.`);
  const year = Number(m[1]);
  const ms = utcDate(year, month, Number(m[3]));
  if (ms === null) refuse('code-field', `${where}: ${text} is not a calendar date.`);
  const wrong = yearProblem(year);
  if (wrong) refuse('code-field', `${where}: ${text}: ${wrong}.`);
  return ms;
}

export function formatCodeDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${MONTHS[d.getUTCMonth()]}-${String(d.getUTCDate()).padStart(2, '0')} UTC`;
}

/** `YYYY-MM-DD` as typed on a command line, to midnight UTC. */
export function parseIsoDate(text: string, where: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) refuse('bad-date', `${where}: "${text}" is not a date of the form YYYY-MM-DD.`);
  const ms = utcDate(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (ms === null) refuse('bad-date', `${where}: ${text} is not a calendar date.`);
  const wrong = yearProblem(Number(m[1]));
  if (wrong) refuse('bad-date', `${where}: ${text}: ${wrong}.`, `License dates are between ${MIN_DATE_YEAR}-01-01 and ${MAX_DATE_YEAR}-12-31.`);
  return ms;
}

export function formatIsoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
