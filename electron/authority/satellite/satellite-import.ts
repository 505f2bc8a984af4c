/**
 * The satellite applies its parent's answer: checked against the parent's pinned keys and against what this
 * satellite wrote (an answer to a file it never wrote, or about events it does not have, means this satellite
 * was restored from an older backup or copied: refused, never silently forked), then its allocations, whole.
 */
import { refuse } from '../../../shared/errors.ts';
import { nameKey } from '../../../shared/text.ts';
import { arrivalOf } from '../../../shared/authority/satellite.ts';
import type { DownFile, SyncEnvelope } from '../../../shared/authority/sync-file.ts';
import { findOrCreateLot } from '../ledger/accounts.ts';
import { requireInit } from '../ledger/lookups.ts';
import type { LedgerStore } from '../ledger/store.ts';
import { digestApplied, recordApplied } from './parent-records.ts';
import { saveRole, type SatelliteRole } from './role.ts';
import { meetTargets, requireRole } from './satellite-side.ts';
import { checkSyncFile } from './sync-crypto.ts';

export interface DownApplied {
  readonly seq: number;
  readonly changed: string[];
}

const RESTORED_HINT =
  'If this License Central was restored from an older backup or copied, restore its newest backup instead; if none is left, ask the parent to enrol it again (`slr authority satellite add NAME --replace`) and enrol with that file.';

export async function importDown(c: LedgerStore, envelope: SyncEnvelope, now: number, o: { quiet?: boolean } = {}): Promise<DownApplied> {
  await requireInit(c);
  const known = await requireRole(c);
  const checked = checkSyncFile(envelope, 'down', known.parentKeys, `the parent "${known.smartAccount}"`);
  const down = checked.payload;
  return c.write(now, async () => {
    const role = await requireRole(c);
    await refuseUnfitting(c, role, down, checked.digest);
    const changed = await applyAllocations(c, down.allocations, now);
    await saveRole(c, {
      ...role,
      parentKeys: checked.keys,
      downSeq: down.seq,
      upApplied: Math.max(role.upApplied, down.upApplied),
      eventsHeld: down.eventsHeld.id >= role.eventsHeld.id ? down.eventsHeld : role.eventsHeld,
      targets: down.allocations,
      lastSyncAt: now,
      lastError: null,
      retryAt: null,
      // Any answer means the parent has this enrolment's reply.
      pendingReply: null,
    });
    await recordApplied(c, role.uid, 'down', down.seq, checked.digest, now);
    // A connected round logs an answer only when it changed something.
    if (!o.quiet || changed.length)
      await c.log(
        now,
        'sync-import',
        `Answer ${down.seq} from the parent "${role.smartAccount}" applied${changed.length ? `: ${changed.join('; ')}` : ': nothing to change'}.`,
      );
    return { seq: down.seq, changed };
  });
}

/** Refuses an answer for another satellite, one applied already or late, and one that does not follow from what this satellite wrote. */
async function refuseUnfitting(c: LedgerStore, role: SatelliteRole, down: DownFile, digest: string): Promise<void> {
  if (down.satellite !== role.uid)
    refuse('wrong-sync-file', `This answer is for another satellite (or an earlier enrolment of this one), not for "${role.name}": nothing was applied.`);
  const arrival = arrivalOf(down.seq, digest, role.downSeq, await digestApplied(c, role.uid, 'down', down.seq));
  if (arrival === 'already-applied') refuse('sync-replayed', `Answer ${down.seq} from the parent was applied already: nothing changed.`);
  if (arrival === 'out-of-order')
    refuse('sync-out-of-order', `Answer ${down.seq} is older than answer ${role.downSeq}, applied already (which carried all it did): nothing changed.`);
  if (arrival === 'forked')
    refuse(
      'sync-forked',
      `Another answer numbered ${down.seq} was applied here before: the parent was restored from an older backup or copied. Nothing was applied.`,
      'Tell the parent’s administrator.',
    );
  if (down.upApplied > role.upSeq)
    refuse(
      'sync-forked',
      `The parent has applied file ${down.upApplied} from this satellite, which has written only ${role.upSeq}: nothing was applied.`,
      RESTORED_HINT,
    );
  if (down.eventsHeld.id > 0) {
    const mine = await c.get<{ hash: string }>('SELECT hash FROM events WHERE id = ?', down.eventsHeld.id);
    if (!mine || mine.hash !== down.eventsHeld.hash)
      refuse(
        'sync-forked',
        `The parent holds this satellite's events up to ${down.eventsHeld.id}, and they are not the ones here: nothing was applied.`,
        RESTORED_HINT,
      );
  }
}

/** The allocations, whole: each lot's count is its target, never below what its devices block; lots not named: target 0. */
async function applyAllocations(c: LedgerStore, allocations: DownFile['allocations'], now: number): Promise<string[]> {
  for (const name of new Set(allocations.map((a) => a.account))) {
    if (!(await c.get('SELECT id FROM accounts WHERE name_key = ?', nameKey(name))))
      await c.run('INSERT INTO accounts (name, name_key, created_at) VALUES (?, ?, ?)', name, nameKey(name), now);
  }
  for (const a of allocations) {
    const account = (await c.get<{ id: number }>('SELECT id FROM accounts WHERE name_key = ?', nameKey(a.account)))!;
    await findOrCreateLot(c, Number(account.id), a.tag, a.type, a.start, a.end);
  }
  return meetTargets(c, allocations);
}
