/**
 * The whole event log of a License Central, local or on a server: its listings give the latest page (10,000
 * events at most), so an export reads it back from its end, a page at a time, and puts it in order.
 */
import { EVENTS_PAGE, type LedgerEvent } from '../../shared/authority/views.ts';
import type { Ledger } from './ledger.ts';

/** Every event (of a virtual account, with the whole smart account's), oldest first. */
export async function wholeLog(l: Pick<Ledger, 'events'>, account?: string): Promise<LedgerEvent[]> {
  const pages: LedgerEvent[][] = [];
  for (let before: number | undefined; ;) {
    const page = await l.events(account, EVENTS_PAGE, before);
    if (page.length) pages.unshift(page);
    if (page.length < EVENTS_PAGE) return pages.flat();
    before = Number(page[0]!.id);
  }
}
