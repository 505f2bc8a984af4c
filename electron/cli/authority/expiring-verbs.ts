/** `slr authority show expiring`: what runs out soon, soonest first, with the notice each has reached. */
import { EXPIRING_KINDS } from '../../../shared/authority/expiring.ts';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { days } from './args.ts';
import { counted } from '../../../shared/lifetime.ts';
import { printTable } from './show.ts';
import type { Verb } from './verb.ts';
import { noticeText } from '../../authority/ledger/notices.ts';

/** `--within 30`, `30d`: days, 1 to 3650. */
const withinDays = (text: string | undefined): number => (text === undefined ? 30 : days(text, '--within'));

export const EXPIRING_VERBS: readonly Verb[] = [
  {
    words: 'show expiring',
    usage: '[--within DAYS] [--account VA] [--csv]',
    summary:
      "What runs out within DAYS (30 unless given): TERM licenses, registration tokens, registered instances' authorization and registration, and under a silence policy (usage policy) reserved instances' usage reports and satellites' sync files due; soonest first, with the notice each has reached (90, 60, 30, 14, 7, 3, 1 days before).",
    example: 'slr authority show expiring --within 90d',
    options: ['within', 'account', 'csv'],
    run: async (call) => {
      const { values, ctx, withLedger } = call;
      const within = withinDays(values.within);
      const items = await withLedger((l) => l.expiring(ctx.now, within, values.account));
      if (ctx.json) return ctx.io.out(JSON.stringify({ ok: true, within, items }));
      if (!items.length && !values.csv) return ctx.io.out(`Nothing runs out within ${counted(within, 'day')}.`);
      printTable(
        call,
        ['Expires', 'Days Left', 'Notice', 'What', 'Virtual Account', 'Subject'],
        items.map((i) => [formatInstant(i.at), i.daysLeft, i.notice === null ? '-' : `${i.notice} days`, EXPIRING_KINDS[i.kind], i.account, i.subject]),
      );
    },
  },
  {
    words: 'notices',
    usage: '',
    summary:
      'Record in the event log (expiry-notice) each notice due now of `show expiring` (90, 60, 30, 14, 7, 3, 1 days before), once each, and print them: for a desktop License Central, run from cron; a server does it every hour, the app when it opens.',
    example: 'slr authority notices',
    options: [],
    where: 'local',
    run: async ({ ctx, say, withLocalLedger }) => {
      const given = await withLocalLedger((l) => l.recordNotices(ctx.now));
      say(given.length ? given.map(noticeText).join('\n') : 'No new notice is due.', { notices: given });
    },
  },
];
