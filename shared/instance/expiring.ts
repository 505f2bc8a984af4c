/**
 * The device's own dates that run out (issue 30): its evaluation, the TERM licenses of its installed code,
 * and, registered online, its authorization (90 days) and registration (a year); soonest first, within 90 days,
 * with the notice each has reached. `show license status` lists them.
 */
import { DAY_MS } from '../codes/dates.ts';
import { expiryOf } from '../expiry.ts';
import type { InstanceState } from './state.ts';
import type { InstanceStatus } from './status.ts';

export interface DeviceExpiry {
  /** What runs out, as License Central's engine names its kinds (shared/authority/expiring.ts), and the evaluation. */
  readonly kind: 'evaluation' | 'term-license' | 'authorization' | 'registration';
  readonly what: string;
  readonly at: number;
  readonly daysLeft: number;
  readonly notice: number | null;
}

export function deviceExpiring(s: InstanceStatus, state: InstanceState, now: number, withinDays = 90): DeviceExpiry[] {
  const dates: Pick<DeviceExpiry, 'kind' | 'what' | 'at'>[] = [];
  if (s.evaluation.running) dates.push({ kind: 'evaluation', what: 'Evaluation period ends', at: now + s.evaluation.daysLeft * DAY_MS });
  for (const u of s.usage)
    if (u.termEndsAt !== null && u.reserved > 0) dates.push({ kind: 'term-license', what: `TERM licenses end: ${u.reserved} x ${u.short}`, at: u.termEndsAt });
  const o = state.online;
  if (o && o.registrationExpires > now) {
    dates.push({ kind: 'authorization', what: 'Authorization expires (renewed every 90 days)', at: o.authorizationExpires });
    dates.push({ kind: 'registration', what: 'Registration expires (renewed every year)', at: o.registrationExpires });
  }
  return dates
    .filter((d) => d.at > now && d.at <= now + withinDays * DAY_MS)
    .map((d) => ({ ...d, ...expiryOf(d.at, now) }))
    .sort((a, b) => a.at - b.at);
}

/**
 * Whether a date's notice is given (in the app and as an event, shared/instance/notices.ts): a TERM license's
 * from 90 days; the evaluation's and the online renewals' from 30 (they begin 90 days out: a 90-day notice
 * would come with their start).
 */
export const noticeGiven = (e: DeviceExpiry): boolean => e.notice !== null && (e.kind === 'term-license' || e.notice <= 30);
