/**
 * The device's expiry notices as events (issue 30): each of its own dates (shared/instance/expiring.ts) that
 * reaches a notice (90, 60, 30, 14, 7, 3 and 1 days before; the evaluation's and online renewals' from 30: noticeGiven)
 * is logged once (`expiry-notice`) when the device
 * is next used or looked at, so its log says when it was told. The keys of the notices given are kept (the
 * latest MAX_NOTICES_GIVEN) so that none is given twice.
 */
import { formatInstant } from '../codes/dates.ts';
import { counted } from '../lifetime.ts';
import { deviceExpiring, noticeGiven, type DeviceExpiry } from './expiring.ts';
import { event, MAX_NOTICES_GIVEN, withEvents, type InstanceState } from './state.ts';
import { deriveStatus } from './status.ts';

/** What a notice is about: the evaluation's end moves while it pauses, so it is known by its notice alone. */
const keyOf = (e: DeviceExpiry) => (e.kind === 'evaluation' ? `evaluation|${e.notice}` : `${e.kind}|${e.what}|${e.at}|${e.notice}`);

export const deviceNoticeText = (e: DeviceExpiry) => `${e.what} ${formatInstant(e.at)} (${counted(e.daysLeft, 'day')} left; the ${e.notice}-day notice).`;

/** The state with the notices due now and not given yet logged; the same state when there are none. */
export function withNotices(state: InstanceState, now: number): InstanceState {
  const given = state.noticesGiven ?? [];
  const t = state.clock.highWater;
  const fresh = deviceExpiring(deriveStatus(state, now), state, t).filter((e) => noticeGiven(e) && !given.includes(keyOf(e)));
  if (!fresh.length) return state;
  return {
    ...withEvents(state, ...fresh.map((e) => event(t, 'expiry-notice', deviceNoticeText(e)))),
    noticesGiven: [...given, ...fresh.map(keyOf)].slice(-MAX_NOTICES_GIVEN),
  };
}
