/**
 * The device's TERM licenses as the operator must know them: ended ("Expired", no longer counted) or ending
 * within 90 days, on the Smart Software Manager's schedule, louder as the end nears; and the "valid until"
 * cell of the usage table in the same words.
 */
import type { InstanceStatus, UsageLine } from '../../shared/instance/status.ts';
import { termLifetime, termWarnings } from '../../shared/instance/status-text.ts';
import { describeLifetime } from '../../shared/lifetime.ts';
import { DAY_MS } from '../../shared/codes/dates.ts';
import { Notice } from '../components/Notice.tsx';
import { formatDay } from '../components/format.ts';

/** Perpetual, or the TERM's last day in the locale's format with "Expired" or the days left. */
export function validity(u: UsageLine, s: InstanceStatus): string {
  const life = termLifetime(u, s);
  if (!life) return u.licenseType ? 'Perpetual' : '-';
  return `${formatDay(life.endsAt - DAY_MS)} (${describeLifetime(life)})`;
}

export function TermNotices({ status }: { status: InstanceStatus }) {
  return (
    <>
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
