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
import type { SatelliteRow } from './parent-records.ts';
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
