/**
 * The parent's side of satellites: adding one (an enrolment file, one-time), taking its enrolment reply,
 * and allocating licenses to it (shared/authority/satellite.ts has the rules).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { findAnyEntitlement } from '../../../shared/catalog.ts';
import { refuse } from '../../../shared/errors.ts';
import { nameKey, nameProblem, stripControls } from '../../../shared/text.ts';
import { planAllocation, type Allocation } from '../../../shared/authority/satellite.ts';
import type { SatelliteMode, SyncEnvelope } from '../../../shared/authority/sync-file.ts';
import { findAccount, requireInit, type LotRow } from '../ledger/lookups.ts';
import { smartAccount } from '../ledger/reports.ts';
import type { LedgerStore } from '../ledger/store.ts';
import { findSatellite, refuseUnlessParent, satelliteByUid, type SatelliteRow } from './parent-records.ts';
import { checkSyncFile, signSyncFile, type SignedFile } from './sync-crypto.ts';
import { writeDown } from './parent-sync.ts';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export interface AddSatellite {
  readonly name: string;
  readonly mode: SatelliteMode;
  readonly intervalMinutes: number;
  /** Connected mode: the parent's server address and its certificate's fingerprint. */
  readonly url: string | null;
  readonly fingerprint: string | null;
  /** Enrol again a satellite already added (restored from an old backup, or rebuilt): its allocations stay. */
  readonly replace?: boolean;
}

/** Adds a satellite (or, with `replace`, invites an existing one to enrol again); the one-time enrolment file. */
export async function addSatellite(c: LedgerStore, input: AddSatellite, now: number): Promise<SignedFile & { uid: string }> {
  await requireInit(c);
  await refuseUnlessParent(c);
  const name = checkAddInput(input);
  const uid = randomUUID().replaceAll('-', '');
  const nonce = randomBytes(32).toString('hex');
  const account = await smartAccount(c);
  const server = input.mode === 'connected' ? { url: input.url, fingerprint: input.fingerprint } : { url: null, fingerprint: null };
  await c.write(now, async () => {
    const existing = await c.get<SatelliteRow>('SELECT * FROM satellites WHERE name_key = ?', nameKey(name));
    if (existing && !input.replace)
      refuse('satellite-exists', `A satellite named "${existing.name}" was added already.`, 'To enrol it again (rebuilt or restored), add it with --replace.');
    if (!existing && input.replace) await findSatellite(c, name);
    if (existing)
      await c.run(
        "UPDATE satellites SET uid = ?, mode = ?, interval_minutes = ?, state = 'invited', nonce_hash = ?, problem = NULL WHERE id = ?",
        uid,
        input.mode,
        input.intervalMinutes,
        sha256(nonce),
        existing.id,
      );
    else
      await c.run(
        "INSERT INTO satellites (uid, name, name_key, mode, interval_minutes, state, nonce_hash, created_at) VALUES (?, ?, ?, ?, ?, 'invited', ?, ?)",
        uid,
        name,
        nameKey(name),
        input.mode,
        input.intervalMinutes,
        sha256(nonce),
        now,
      );
    await c.log(
      now,
      existing ? 'satellite-replace' : 'satellite-add',
      `Satellite "${name}" ${existing ? 'invited to enrol again (its allocations stay; files from its earlier enrolment are refused from now on)' : 'added'} (${input.mode}${server.url ? `, ${server.url}` : ''}); its enrolment file was written.`,
    );
  });
  const payload = {
    satellite: uid,
    name,
    smartAccount: account,
    nonce,
    mode: input.mode,
    intervalMinutes: input.intervalMinutes,
    ...server,
    issuedAt: now,
  };
  return { ...(await signSyncFile(c, 'enrolment', account, payload, `enrolment of satellite "${name}" by "${account}"`)), uid };
}

function checkAddInput(input: AddSatellite): string {
  const name = input.name.trim();
  const problem = nameProblem(name, 100);
  if (problem)
    refuse('bad-name', `"${stripControls(name)}" is not a satellite name: ${problem}.`, 'A name is 1 to 100 letters, digits, punctuation or spaces.');
  if (!Number.isSafeInteger(input.intervalMinutes) || input.intervalMinutes < 1 || input.intervalMinutes > 10_080)
    refuse('bad-count', 'The synchronisation interval is a whole number of minutes from 1 to 10080 (a week).');
  if (input.mode === 'connected' && (!input.url || !input.fingerprint))
    refuse(
      'not-allowed',
      'A connected satellite synchronises with the parent’s server: give its address (--server https://HOST:PORT) and its certificate’s fingerprint.',
      'Or add it in disconnected mode (--mode disconnected) and carry the files.',
    );
  return name;
}

/** Takes a satellite's enrolment reply: its keys pinned, the enrolment used up; the first answer (allocations so far). */
export async function importEnrolmentReply(c: LedgerStore, envelope: SyncEnvelope, now: number): Promise<{ satellite: string; answer: SignedFile }> {
  await requireInit(c);
  const checked = checkSyncFile(envelope, 'enrolment-reply', null, 'the satellite');
  const reply = checked.payload;
  return c.write(now, async () => {
    const s = await satelliteByUid(c, reply.satellite);
    if (s.state !== 'invited' || sha256(reply.nonce) !== s.nonce_hash)
      refuse(
        'sync-replayed',
        `Satellite "${s.name}" is enrolled already: an enrolment is used once.`,
        'To enrol it again, add it with `slr authority satellite add NAME --replace`.',
      );
    await c.run(
      "UPDATE satellites SET state = 'enrolled', keys = ?, enrolled_at = ?, up_seq = 0, down_seq = 0, down_applied = 0, events_id = 0, events_hash = NULL, problem = NULL WHERE id = ?",
      JSON.stringify(checked.keys),
      now,
      s.id,
    );
    await c.log(now, 'satellite-enrol', `Satellite "${s.name}" enrolled (key ${checked.keys.map((k) => k.id).join(', ')} pinned).`);
    const fresh = (await c.get<SatelliteRow>('SELECT * FROM satellites WHERE id = ?', s.id))!;
    return { satellite: s.name, answer: await writeDown(c, fresh, 0, now) };
  });
}

/**
 * Sets what a satellite holds of each tag in a virtual account (`TAG=N`: N in all). More blocks licenses here
 * at once; less is a target the satellite meets when its devices have let them go.
 */
export async function allocate(
  c: LedgerStore,
  input: { satellite: string; account: string; licenses: Readonly<Record<string, number>> },
  now: number,
): Promise<{ lines: string[] }> {
  await requireInit(c);
  await refuseUnlessParent(c);
  if (Object.keys(input.licenses).length === 0) refuse('bad-license', 'Name what to allocate: --license TAG=N (N in all for the satellite).');
  return c.write(now, async () => {
    const s = await findSatellite(c, input.satellite);
    const account = await findAccount(c, input.account);
    const lines: string[] = [];
    for (const [tag, want] of Object.entries(input.licenses)) {
      const found = findAnyEntitlement(tag);
      if (!found) refuse('unknown-license', `${tag} is not a license in the product catalog.`, 'Use a full entitlement tag or a short name such as UCM_Basic.');
      const lots = await c.all<LotRow>('SELECT * FROM lots WHERE account_id = ? AND tag = ? ORDER BY id', account.id, found.def.tag);
      const rows = await c.all<{ lot_id: number; count: number; target: number }>(
        `SELECT a.lot_id, a.count, a.target FROM satellite_allocations a JOIN lots l ON l.id = a.lot_id WHERE a.satellite_id = ? AND l.account_id = ? AND l.tag = ?`,
        s.id,
        account.id,
        found.def.tag,
      );
      const current = new Map<number, Allocation>(rows.map((r) => [Number(r.lot_id), { count: Number(r.count), target: Number(r.target) }]));
      const before = [...current.values()].reduce((n, a) => n + a.target, 0);
      const next = planAllocation(
        lots.map((l) => ({ ...l, id: Number(l.id), count: Number(l.count), blocked: Number(l.blocked) })),
        current,
        want,
        now,
        found.def.short,
      );
      for (const [lotId, a] of next) {
        if (current.has(lotId))
          await c.run('UPDATE satellite_allocations SET count = ?, target = ? WHERE satellite_id = ? AND lot_id = ?', a.count, a.target, s.id, lotId);
        else await c.run('INSERT INTO satellite_allocations (satellite_id, lot_id, count, target) VALUES (?, ?, ?, ?)', s.id, lotId, a.count, a.target);
      }
      const held = [...next.values()].reduce((n, a) => n + a.count, 0);
      const line = `${found.def.short} ${before} -> ${want}${held > want ? ` (${held - want} stay blocked here until the satellite has let them go)` : ''}`;
      lines.push(line);
      await c.log(now, 'satellite-allocate', `Satellite "${s.name}": ${line}.`, { account: account.name });
    }
    return { lines };
  });
}
