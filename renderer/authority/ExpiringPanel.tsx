/**
 * What runs out soon at License Central (issue 30; shared/authority/expiring.ts, the same engine as
 * `slr authority show expiring`): TERM licenses, registration tokens, registered instances' renewals, within
 * 90 days, soonest first, with the notice each has reached (90, 60, 30, 14, 7, 3, 1 days before).
 */
import { useCallback, useEffect, useState } from 'react';
import type { ExpiringItem } from '../../shared/authority/expiring.ts';
import { EXPIRING_KINDS } from '../../shared/authority/expiring.ts';
import { urgencyOf } from '../../shared/lifetime.ts';
import { call } from '../bridge.ts';
import { HeaderRow } from '../components/HeaderRow.tsx';
import { ErrorNotice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { formatDay, formatWhen } from '../components/format.ts';

const WITHIN_DAYS = 90;
/** Rows shown; the soonest first, so what is shown is what is most urgent. */
const SHOWN = 20;

/** A TERM license is valid through its end day, so that day is shown (as the table above does); the rest end at an instant. */
const when = (i: ExpiringItem) => (i.kind === 'term-license' ? `${formatDay(i.at - 1)} (last day)` : formatWhen(i.at));

export function ExpiringPanel({ stamp }: { stamp: unknown }) {
  const act = useAction();
  const [items, setItems] = useState<readonly ExpiringItem[] | null>(null);
  const load = useCallback(() => act.run(async () => setItems(await call('authorityExpiring', WITHIN_DAYS))), [act.run]);
  useEffect(() => void load(), [load, stamp]);
  return (
    <section aria-labelledby="expiring-title">
      <h3 id="expiring-title">Expiring within {WITHIN_DAYS} days</h3>
      <table>
        <caption className="visually-hidden">Expiring within {WITHIN_DAYS} days</caption>
        <HeaderRow names={['Expires', 'Days left', 'Notice', 'What', 'Virtual account', 'Subject']} />
        <tbody>
          {items?.length === 0 && (
            <tr>
              <td colSpan={6}>Nothing runs out within {WITHIN_DAYS} days.</td>
            </tr>
          )}
          {items?.slice(0, SHOWN).map((i) => (
            <tr key={`${i.kind}|${i.account}|${i.subject}|${i.at}`} data-notice={urgencyOf(i.notice)}>
              <td>{when(i)}</td>
              <td>{i.daysLeft}</td>
              <td>{i.notice === null ? '—' : `${i.notice}-day notice`}</td>
              <td>{EXPIRING_KINDS[i.kind]}</td>
              <td>{i.account}</td>
              <td>{i.subject}</td>
            </tr>
          ))}
          {items && items.length > SHOWN && (
            <tr>
              <td colSpan={6}>
                … and {items.length - SHOWN} more, later: <code>slr authority show expiring --within {WITHIN_DAYS}</code> lists them all.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <ErrorNotice error={act.error} />
    </section>
  );
}
