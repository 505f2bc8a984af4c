/**
 * Satellites as the ledger offers them: a sync file imported whatever its kind (its text, or its envelope when
 * the caller parsed it already: parsed once; the parent takes enrolment replies and satellites' files, a
 * satellite takes its parent's answers), and what each side shows.
 */
import { refuse } from '../../../shared/errors.ts';
import { parseSyncFile, type SyncEnvelope } from '../../../shared/authority/sync-file.ts';
import type { LedgerStore } from '../ledger/store.ts';
import { importEnrolmentReply } from './parent.ts';
import { importUp } from './parent-sync.ts';
import { importDown } from './satellite-import.ts';
import { satelliteRole } from './role.ts';
import type { ParentLine, SatelliteLine } from '../../../shared/authority/satellite-views.ts';
import { findSatellite, type SatelliteRow } from './parent-records.ts';
import { requireInit } from '../ledger/lookups.ts';
import { nameKey } from '../../../shared/text.ts';
import type { LedgerEvent } from '../../../shared/authority/views.ts';
import { allocationRows, holdingRows } from './allocation-rows.ts';
import type { SignedFile } from './sync-crypto.ts';

export type SyncImported =
  | { kind: 'enrolment-reply'; satellite: string; answer: SignedFile; summary: string }
  | { kind: 'up'; satellite: string; answer: SignedFile; summary: string }
  | { kind: 'down'; answer: null; summary: string };

export async function importSyncFile(c: LedgerStore, file: string | SyncEnvelope, now: number): Promise<SyncImported> {
  const envelope = typeof file === 'string' ? parseSyncFile(file) : file;
  const kind = envelope.kind;
  if (kind === 'enrolment')
    refuse(
      'wrong-sync-file',
      'This is an enrolment file: it is taken by the satellite being enrolled.',
      'Run `slr authority satellite enrol FILE` on the satellite.',
    );
  if (kind === 'enrolment-reply') {
    const r = await importEnrolmentReply(c, envelope, now);
    return { kind, satellite: r.satellite, answer: r.answer, summary: `Satellite "${r.satellite}" enrolled; its keys are pinned.` };
  }
  if (kind === 'up') {
    const r = await importUp(c, envelope, now);
    return {
      kind,
      satellite: r.satellite,
      answer: r.answer,
      summary: `File ${r.seq} from satellite "${r.satellite}" applied: ${r.events} new events${r.released ? `, ${r.released} licenses it let go released` : ''}.`,
    };
  }
  const r = await importDown(c, envelope, now);
  return { kind, answer: null, summary: `Answer ${r.seq} from the parent applied${r.changed.length ? `: ${r.changed.join('; ')}` : ': nothing to change'}.` };
}

/** A parent's satellites: what each holds, its last synchronisation, what is pending. */
export async function satellites(c: LedgerStore): Promise<SatelliteLine[]> {
  const rows = await c.all<SatelliteRow>('SELECT * FROM satellites ORDER BY name');
  const out: SatelliteLine[] = [];
  for (const s of rows) {
    out.push({
      name: s.name,
      mode: s.mode,
      state: s.state,
      enrolledAt: s.enrolled_at === null ? null : Number(s.enrolled_at),
      lastSyncAt: s.last_sync_at === null ? null : Number(s.last_sync_at),
      filesApplied: Number(s.up_seq),
      answersWritten: Number(s.down_seq),
      answersApplied: Number(s.down_applied),
      events: Number(s.events_id),
      problem: s.problem,
      allocations: (await allocationRows(c, s.id)).map((a) => ({
        account: a.account,
        tag: a.tag,
        type: a.type,
        end: a.end,
        blocked: a.count,
        target: a.target,
      })),
      holdings: (await holdingRows(c, s.id)).map(({ start: _s, ...h }) => h),
    });
  }
  return out;
}

/** A satellite's view of its parent (null: not a satellite). */
export async function parentOf(c: LedgerStore): Promise<ParentLine | null> {
  const role = await satelliteRole(c);
  if (!role) return null;
  const { parentKeys, pendingReply, ...rest } = role;
  return { ...rest, parentKeyIds: parentKeys.map((k) => k.id), replyPending: pendingReply !== null };
}

/**
 * On a parent: the events it holds of a satellite (`show events --satellite NAME`), as the satellite logged them
 * (checked against its chain of hashes when they came), oldest first; of one virtual account and the events of none.
 */
export async function satelliteEvents(c: LedgerStore, name: string, accountName?: string, limit = 10_000): Promise<LedgerEvent[]> {
  await requireInit(c);
  const s = await findSatellite(c, name);
  const rows = await c.all<LedgerEvent>(
    'SELECT event_id AS id, at, actor, account, instance, type, message, code, hash FROM satellite_events WHERE satellite_id = ? ORDER BY at, uid, event_id',
    s.id,
  );
  // PostgreSQL gives its bigints as text.
  const events = rows.map((e) => ({ ...e, id: Number(e.id), at: Number(e.at) }));
  return (accountName === undefined ? events : events.filter((e) => e.account === null || nameKey(e.account) === nameKey(accountName))).slice(-limit);
}
