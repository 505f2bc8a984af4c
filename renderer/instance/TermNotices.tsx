/**
 * The device's TERM licenses as the operator must know them: ended ("Expired", no longer counted) or ending
 * within 90 days, on the Smart Software Manager's schedule, louder as the end nears; and the "valid until"
 * cell of the usage table in the same words.
 */
import type { InstanceStatus, UsageLine } from '../../shared/instance/status.ts';
import { termLifetime, termWarnings } from '../../shared/instance/status-text.ts';
import { describeLifetime, formatDays } from '../../shared/lifetime.ts';
import { noticeGiven, type DeviceExpiry } from '../../shared/instance/expiring.ts';
import { DAY_MS } from '../../shared/codes/dates.ts';
import { Notice } from '../components/Notice.tsx';
import { formatDay, formatWhen } from '../components/format.ts';

/** Perpetual, or the TERM's last day in the locale's format with "Expired" or the days left. */
export function validity(u: UsageLine, s: InstanceStatus): string {
  const life = termLifetime(u, s);
  if (!life) return u.licenseType ? 'Perpetual' : '-';
  return `${formatDay(life.endsAt - DAY_MS)} (${describeLifetime(life)})`;
}

/**
 * The device's other dates that run out (its evaluation, and online its authorization and registration), once
 * it is within 30 days (the notices at 30, 14, 7, 3 and 1 days before; shared/instance/expiring.ts, as `show license
 * status` lists them, from 90 days: the status above already says the days left).
 */
function OtherNotices({ expiring }: { expiring: readonly DeviceExpiry[] }) {
  return (
    <>
      {expiring
        .filter((e) => noticeGiven(e) && e.kind !== 'term-license')
        .map((e) => (
          <Notice key={e.kind} kind="warning" title={`${e.what.replace(/ \(.*\)$/, '')}: ${formatDays(e.daysLeft)} left`}>
            {e.what} on {formatWhen(e.at)} (the {e.notice}-day notice).
          </Notice>
        ))}
    </>
  );
}

export function TermNotices({ status, expiring = [] }: { status: InstanceStatus; expiring?: readonly DeviceExpiry[] }) {
  return (
    <>
      <OtherNotices expiring={expiring} />
      {termWarnings(status).map(({ line, life }) => {
        const day = formatDay(life.endsAt - DAY_MS);
        return life.expired ? (
          <Notice key={line.tag} kind="error" title={`${line.displayName}: Expired`}>
            Its TERM license ended on {day}; it no longer counts ({line.reserved} reserved now). Ask License Central for an updated reservation.
          </Notice>
        ) : (
          <Notice key={line.tag} kind={life.urgency === 'notice' ? 'info' : 'warning'} title={`${line.displayName}: ${describeLifetime(life)}`}>
            Its TERM license ends on {day}. Ask License Central to renew it (an updated reservation) before then.
          </Notice>
        );
      })}
    </>
  );
}
