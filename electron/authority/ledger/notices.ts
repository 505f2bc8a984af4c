/**
 * Expiry notices as events (issue 30): each date of the one engine (shared/authority/expiring.ts) that reaches a
 * notice (90, 60, 30, 14, 7, 3 and 1 days before) is recorded once in the event log (`expiry-notice`), with its
 * virtual account, so that the log, its CSV and whoever reads them see it. Recorded by the server every hour, by
 * the app when it opens License Central, and by `slr authority notices` (a desktop's cron).
 */
import { EXPIRING_KINDS, NOTICE_DAYS, type ExpiringItem } from '../../../shared/authority/expiring.ts';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { counted } from '../../../shared/lifetime.ts';
import { expiring } from './expiring.ts';
import type { LedgerStore } from './store.ts';

/** Notices are given from the first notice's days before. */
const WINDOW_DAYS = Math.max(...NOTICE_DAYS);

/** The notice in words: "TERM licenses end: 4 x UCM_Basic (0 reserved), 2026-01-15T00:00:00Z (5 days left; the 7-day notice)". */
export const noticeText = (i: ExpiringItem) =>
  `${EXPIRING_KINDS[i.kind][0]!.toUpperCase()}${EXPIRING_KINDS[i.kind].slice(1)}: ${i.subject}, ${formatInstant(i.at)} (${counted(i.daysLeft, 'day')} left; the ${i.notice}-day notice).`;

/** What a notice is about: its kind, account, subject and date (a TERM lot's subject without how many are reserved now). */
const keyOf = (i: ExpiringItem) => [i.kind, i.account, i.subject.replace(/ \([0-9]+ reserved\)$/, ''), i.at, i.notice!] as const;

/** Records the notices due now that were not given yet; returns them (none: nothing new, and nothing written). */
export async function recordNotices(c: LedgerStore, now: number): Promise<ExpiringItem[]> {
  const isGiven = async (i: ExpiringItem) =>
    (await c.get('SELECT 1 AS one FROM notices_given WHERE kind = ? AND account = ? AND subject = ? AND at = ? AND notice = ?', ...keyOf(i))) !== undefined;
  const due: ExpiringItem[] = [];
  for (const item of await expiring(c, now, WINDOW_DAYS)) if (item.notice !== null && !(await isGiven(item))) due.push(item);
  if (!due.length) return [];
  return c.write(now, async () => {
    const given: ExpiringItem[] = [];
    for (const item of due) {
      const r = await c.run(
        'INSERT INTO notices_given (kind, account, subject, at, notice, given_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
        ...keyOf(item),
        now,
      );
      if (r.changes === 0) continue; // given meanwhile by another process
      // A notice passed over (the ledger was not opened between two of them) is given as the nearest one only.
      await c.log(now, 'expiry-notice', noticeText(item), { account: item.account || null });
      given.push(item);
    }
    return given;
  });
}
