/**
 * Connected mode: the satellite's round with its parent over the network — the same signed, numbered files as
 * disconnected mode, carried by a link instead of a person. A round sends the enrolment reply if the parent
 * has not taken it yet, then the satellite's file, and applies the answer. A failed round changes nothing the
 * devices see: the satellite keeps serving from what it holds, records why, and tries again with back-off
 * (shared/authority/satellite.ts, nextRoundAt).
 */
import { isSlrError, refuse, SlrError } from '../../../shared/errors.ts';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { nextRoundAt } from '../../../shared/authority/satellite.ts';
import type { SyncEnvelope } from '../../../shared/authority/sync-file.ts';
import type { LedgerStore } from '../ledger/store.ts';
import { saveRole, type SatelliteRole } from './role.ts';
import { exportUp, requireRole } from './satellite-side.ts';
import { importDown } from './satellite-import.ts';

/** What carries a connected satellite's files to its parent and brings the answer back (HTTPS: parent-link.ts). */
export interface ParentLink {
  send(operation: 'satellite-enrol' | 'satellite-sync', file: SyncEnvelope): Promise<SyncEnvelope>;
}

export type LinkFor = (role: SatelliteRole) => ParentLink;

export interface RoundDone {
  readonly ok: true;
  /** The parent took the enrolment reply in this round. */
  readonly enrolled: boolean;
  readonly up: number;
  readonly events: number;
  readonly down: number;
  readonly changed: string[];
  readonly nextAt: number;
}
export interface RoundFailed {
  readonly ok: false;
  readonly error: SlrError;
  readonly failures: number;
  readonly nextAt: number;
}

/** One round with the parent (`slr authority sync now`, or the schedule of `slr authority serve`). */
export async function syncRound(c: LedgerStore, linkFor: LinkFor, now: number): Promise<RoundDone | RoundFailed> {
  const role = await requireRole(c);
  if (role.mode !== 'connected')
    refuse(
      'not-allowed',
      `Satellite "${role.name}" is in disconnected mode: its files are carried by hand.`,
      'Run `slr authority sync export --out FILE` and carry the file to the parent.',
    );
  try {
    const link = linkFor(role);
    const enrolment = role.pendingReply ? await sendReply(c, link, role.pendingReply, now) : null;
    const up = await exportUp(c, now, { quiet: true });
    const down = await importDown(c, await link.send('satellite-sync', up.envelope), now, { quiet: true });
    const nextAt = nextRoundAt(now, role.intervalMinutes, 0);
    await recordAttempt(c, now, null, nextAt);
    const changed = [...(enrolment?.changed ?? []), ...down.changed];
    return { ok: true, enrolled: enrolment !== null, up: up.seq, events: up.events, down: down.seq, changed, nextAt };
  } catch (e) {
    const error = isSlrError(e) ? e : new SlrError('server-error', e instanceof Error ? e.message : String(e));
    const failures = role.failures + 1;
    const nextAt = nextRoundAt(now, role.intervalMinutes, failures);
    await recordAttempt(c, now, error, nextAt);
    if (!isSlrError(e)) throw e;
    return { ok: false, error, failures, nextAt };
  }
}

/** The enrolment reply, sent until the parent has it (an answer applied; or "enrolled already": its answer was lost). */
async function sendReply(c: LedgerStore, link: ParentLink, reply: string, now: number): Promise<{ changed: string[] }> {
  try {
    return await importDown(c, await link.send('satellite-enrol', JSON.parse(reply) as SyncEnvelope), now, { quiet: true });
  } catch (e) {
    if (!isSlrError(e) || e.code !== 'sync-replayed') throw e;
    await c.write(now, async () => saveRole(c, { ...(await requireRole(c)), pendingReply: null }));
    return { changed: [] };
  }
}

/** Records a round's outcome: when to try next, and why the last failed (a failure and a recovery are events). */
async function recordAttempt(c: LedgerStore, now: number, error: SlrError | null, nextAt: number): Promise<void> {
  await c.write(now, async () => {
    const role = await requireRole(c);
    if (error && role.failures === 0)
      await c.log(
        now,
        'sync-failed',
        `Synchronising with the parent "${role.smartAccount}" failed: ${error.message} Devices are served from what this satellite holds; trying again from ${formatInstant(nextAt)}.`,
      );
    if (!error && role.failures > 0)
      await c.log(now, 'sync-resumed', `Synchronising with the parent "${role.smartAccount}" works again, after ${role.failures} failed rounds.`);
    await saveRole(c, {
      ...role,
      failures: error ? role.failures + 1 : 0,
      lastError: error ? `${error.message}${error.hint ? ` ${error.hint}` : ''}` : null,
      retryAt: nextAt,
    });
  });
}
