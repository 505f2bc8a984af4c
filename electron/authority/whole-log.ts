/**
 * The whole event log of a License Central, local or on a server, read forward a page at a time (its listings
 * give 10,000 events at most): for an export, which a long log would not fit in one answer.
 */
import { EVENTS_PAGE, type LedgerEvent } from '../../shared/authority/views.ts';
import type { Ledger } from './ledger.ts';

/** Calls `each` with every page of the log (of a virtual account, with the whole smart account's), oldest first. */
export async function eachLogPage(l: Pick<Ledger, 'events'>, account: string | undefined, each: (page: LedgerEvent[]) => void | Promise<void>): Promise<void> {
  for (let after = 0; ;) {
    const page = await l.events(account, { after, limit: EVENTS_PAGE });
    if (page.length) await each(page);
    if (page.length < EVENTS_PAGE) return;
    after = Number(page.at(-1)!.id);
  }
}

/** Every event, oldest first, in memory (the app's export: a desktop ledger's log). */
export async function wholeLog(l: Pick<Ledger, 'events'>, account?: string): Promise<LedgerEvent[]> {
  const pages: LedgerEvent[][] = [];
  await eachLogPage(l, account, (page) => void pages.push(page));
  return pages.flat();
}
