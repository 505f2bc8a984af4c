/**
 * The satellite's side: enrolling with a parent (from its enrolment file), writing its numbered file (what it
 * holds, its events since the last the parent acknowledged), and applying the parent's answer (its allocations,
 * whole). What it may hand out of a lot is its target, never less than its devices block
 * (shared/authority/satellite.ts).
 */
import { findAnyEntitlement } from '../../../shared/catalog.ts';
import { refuse } from '../../../shared/errors.ts';
import { nameKey } from '../../../shared/text.ts';
import { lotKeyText, satelliteCount } from '../../../shared/authority/satellite.ts';
import { parseSyncFile, type Enrolment, type SyncEnvelope, type UpFile } from '../../../shared/authority/sync-file.ts';
import { requireInit } from '../ledger/lookups.ts';
import { lotLines } from './allocation-rows.ts';
import type { LedgerStore } from '../ledger/store.ts';
import { saveRole, satelliteRole, type SatelliteRole } from './role.ts';
import { checkSyncFile, signSyncFile, type PinnedKey, type SignedFile } from './sync-crypto.ts';

export async function requireRole(c: LedgerStore): Promise<SatelliteRole> {
  const role = await satelliteRole(c);
  if (!role)
    refuse(
      'no-satellite',
      'This License Central is not a satellite: it has no parent to synchronise with.',
      'Enrol it with the file its parent made: `slr authority satellite enrol FILE`.',
    );
  return role;
}

/** Enrols this License Central as a satellite (or enrols it again, from a `--replace` file of the same parent); the reply for the parent. */
export async function enrol(c: LedgerStore, file: string | SyncEnvelope, now: number): Promise<{ role: SatelliteRole; reply: SignedFile }> {
  await requireInit(c);
  const before = await satelliteRole(c);
  const checked = checkSyncFile(
    typeof file === 'string' ? parseSyncFile(file) : file,
    'enrolment',
    before ? before.parentKeys : null,
    before ? `the parent "${before.smartAccount}"` : 'the parent',
  );
  const e = checked.payload;
  return c.write(now, async () => {
    if (before?.uid === e.satellite)
      refuse('sync-replayed', `This License Central is enrolled with this file already (as "${before.name}").`, 'Nothing changed.');
    if (before && before.name !== e.name)
      refuse('satellite-exists', `This License Central is satellite "${before.name}" of "${before.smartAccount}", not "${e.name}".`);
    if (!before) await refuseUnlessEmpty(c);
    await c.log(
      now,
      'satellite-enrol',
      `${before ? 'Enrolled again' : 'Enrolled'} as satellite "${e.name}" of "${e.smartAccount}" (${e.mode}; parent key ${checked.keys.map((k) => k.id).join(', ')} pinned).`,
    );
    const reply = await signSyncFile(
      c,
      'enrolment-reply',
      e.name,
      { satellite: e.satellite, name: e.name, nonce: e.nonce, enrolledAt: now },
      `enrolment reply of satellite "${e.name}"`,
    );
    // Connected: the reply goes to the parent at the next round (now, and again until the parent has it).
    const role = enrolledRole(e, checked.keys, before, now, e.mode === 'connected' ? JSON.stringify(reply.envelope) : null);
    await saveRole(c, role);
    return { role, reply };
  });
}

/** A satellite's record of its place as an enrolment sets it (an earlier enrolment's targets kept until the parent's first answer). */
function enrolledRole(e: Enrolment, keys: PinnedKey[], before: SatelliteRole | null, now: number, pendingReply: string | null): SatelliteRole {
  return {
    uid: e.satellite,
    name: e.name,
    smartAccount: e.smartAccount,
    mode: e.mode,
    intervalMinutes: e.intervalMinutes,
    url: e.url,
    fingerprint: e.fingerprint,
    parentKeys: keys,
    enrolledAt: now,
    upSeq: 0,
    upApplied: 0,
    downSeq: 0,
    eventsHeld: { id: 0, hash: null },
    targets: before?.targets ?? [],
    lastSyncAt: null,
    lastError: null,
    retryAt: null,
    failures: 0,
    pendingReply,
  };
}

/** A License Central becomes a satellite only as it was made: no satellites, licenses, devices or tokens of its own. */
async function refuseUnlessEmpty(c: LedgerStore): Promise<void> {
  if ((await c.get('SELECT id FROM satellites LIMIT 1')) !== undefined)
    refuse('not-allowed', 'This License Central has satellites of its own: a parent cannot be a satellite.');
  const own = await c.get<{ n: number }>(
    'SELECT (SELECT count(*) FROM lots) + (SELECT count(*) FROM instances) + (SELECT count(*) FROM registered_instances) + (SELECT count(*) FROM registration_tokens) AS n',
  );
  if (Number(own!.n) > 0)
    refuse(
      'not-allowed',
      'This License Central holds licenses, product instances or tokens of its own: a satellite’s licenses all come from its parent.',
      'Enrol a License Central made for it (`slr authority init` in a new home).',
    );
}

/** Every lot's count set to what its target allows (never below what its devices block); the lines changed. */
export async function meetTargets(c: LedgerStore, targets: SatelliteRole['targets']): Promise<string[]> {
  const wanted = new Map(targets.map((t) => [lotKeyText(t, nameKey), t.target]));
  const changed: string[] = [];
  for (const lot of await lotLines(c)) {
    const count = satelliteCount(wanted.get(lotKeyText(lot, nameKey)) ?? 0, lot.blocked);
    if (count === lot.count) continue;
    await c.run('UPDATE lots SET count = ? WHERE id = ?', count, lot.id);
    changed.push(`${findAnyEntitlement(lot.tag)?.def.short ?? lot.tag} in "${lot.account}" ${lot.count} -> ${count}`);
  }
  return changed;
}

/** The satellite's numbered file for its parent (`sync export`, or the body of a connected round). */
export async function exportUp(c: LedgerStore, now: number, o: { quiet?: boolean } = {}): Promise<SignedFile & { seq: number; events: number }> {
  await requireInit(c);
  return c.write(now, async () => {
    const role = await requireRole(c);
    await meetTargets(c, role.targets);
    const events = await c.all<UpFile['events']['list'][number]>(
      'SELECT id, at, actor, account, instance, type, message, code, hash FROM events WHERE id > ? ORDER BY id',
      role.eventsHeld.id,
    );
    const seq = role.upSeq + 1;
    const payload: UpFile = {
      satellite: role.uid,
      seq,
      downApplied: role.downSeq,
      sentAt: now,
      holdings: (await lotLines(c)).map(({ id: _id, ...l }) => l),
      events: { previousHash: role.eventsHeld.hash, list: events.map((e) => ({ ...e, id: Number(e.id), at: Number(e.at) })) },
    };
    await saveRole(c, { ...role, upSeq: seq });
    // A connected round does not log its file: the log would grow by one event a round, sent at the next.
    if (!o.quiet)
      await c.log(now, 'sync-export', `Sync file ${seq} for the parent "${role.smartAccount}" written: ${events.length} events since the last it holds.`);
    const file = await signSyncFile(c, 'up', role.name, payload, `file ${seq} from satellite "${role.name}" to "${role.smartAccount}"`);
    return { ...file, seq, events: events.length };
  });
}
