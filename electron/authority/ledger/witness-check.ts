/**
 * License Central's side of the witness (shared/codes/checkpoint.ts): a device's usage report names the latest
 * checkpoints of this License Central's log it has seen. A checkpoint beyond the end of the log says this
 * ledger went back (restored from an older backup: what it recorded after that is not here); one whose head is
 * not the hash of the log's event at that position says it was restored and logged since, or is a copy that went
 * its own way; one that is here while the code the device runs (signed just after it) is not says it was
 * restored from a backup made just before that code. Each is
 * logged (`ledger-behind`) and said to whoever imported the report, with what to do; the devices refuse this
 * ledger's codes until then (authority-rolled-back, authority-forked).
 */
import { formatInstant } from '../../../shared/codes/dates.ts';
import type { UsageReport } from '../../../shared/codes/usage-report.ts';
import { udiOf, type InstanceRow } from './lookups.ts';
import type { LedgerStore } from './store.ts';

const WHAT_TO_DO =
  'Restore the latest backup of this ledger (docs/backup-restore.md), or, if this ledger is to be kept, have each device that refuses its codes or answers forget the checkpoints it holds (`license smart checkpoint forget`) on the administrator’s word.';

/**
 * What checkpoints of this log a device saw say of this ledger, each finding a sentence about `who`: beyond the
 * end of the log (it went back), or another event at that position (restored and logged since, or a copy).
 * `ran`: when the code the device runs was signed, checked too (a usage report's): the log has the checkpoint's
 * event but not that code (restored from a backup made just before it).
 */
export async function seenFindings(
  c: LedgerStore,
  who: string,
  seen: readonly { keyId: string; events: number; head: string }[],
  ran?: { known: boolean; at: number },
): Promise<string[]> {
  const own = new Set((await c.all<{ id: string }>('SELECT id FROM signing_keys')).map((k) => k.id));
  const last = await c.get<{ id: number }>('SELECT id FROM events ORDER BY id DESC LIMIT 1');
  const length = last ? Number(last.id) : 0;
  const found: string[] = [];
  for (const w of seen) {
    if (!own.has(w.keyId) || w.events === 0) continue;
    const at = await c.get<{ hash: string | null }>('SELECT hash FROM events WHERE id = ?', w.events);
    if (w.events > length)
      found.push(
        `${who} has seen this License Central's log at ${w.events} events (key ${w.keyId}); this ledger has ${length}: it went back, restored from an older backup, and what it recorded after that is not here. ${WHAT_TO_DO}`,
      );
    else if (at?.hash && at.hash !== w.head)
      found.push(
        `${who} has seen another event ${w.events} in this License Central's log than this ledger holds (key ${w.keyId}): this ledger was restored from an older backup and has logged other events since, or is a copy that went its own way. ${WHAT_TO_DO}`,
      );
    else if (ran && !ran.known)
      // The checkpoint is the log as it was when the code the device runs was signed: here, but not the code.
      found.push(
        `${who} runs the authorization code of ${formatInstant(ran.at)}, issued by this License Central (key ${w.keyId}) after event ${w.events} of its log; this ledger has that event but not that code: it was restored from a backup made before the code was issued. ${WHAT_TO_DO}`,
      );
  }
  return found;
}

/** What the device's checkpoints say of this ledger: nothing when it is where they saw it or further on. */
export async function witnessFindings(c: LedgerStore, instance: InstanceRow, report: UsageReport, now: number): Promise<string[]> {
  const ran = Number(report.ran);
  const known = ran === 0 || (await c.get('SELECT 1 AS one FROM codes WHERE instance_id = ? AND timestamp = ?', instance.id, ran)) !== undefined;
  const found = await seenFindings(c, udiOf(instance), report.witness ?? [], { known, at: ran });
  for (const f of found)
    await c.log(now, 'ledger-behind', `${f} (Found in a usage report imported ${formatInstant(now)}.)`, {
      account: instance.account,
      instance: udiOf(instance),
    });
  return found;
}
