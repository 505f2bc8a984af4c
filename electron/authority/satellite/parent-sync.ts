/**
 * The parent's half of a synchronisation round: a satellite's numbered file (up) checked and applied — its
 * events added to what the parent holds of its log, its holdings recorded, decreases it has met released — and
 * the answer (down) written: the allocations whole, what was applied.
 */
import { refuse } from '../../../shared/errors.ts';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { nameKey } from '../../../shared/text.ts';
import { ledgerEventFields } from '../../../shared/event-chain.ts';
import { arrivalOf, confirmedCount, lotKeyText, type Arrival } from '../../../shared/authority/satellite.ts';
import type { DownFile, SyncEnvelope, UpFile } from '../../../shared/authority/sync-file.ts';
import { chainHash } from '../../platform/event-chain.ts';
import { requireInit } from '../ledger/lookups.ts';
import { smartAccount } from '../ledger/reports.ts';
import type { LedgerStore } from '../ledger/store.ts';
import { digestApplied, pinnedKeysOf, recordApplied, satelliteNamed, unknownSatellite, type SatelliteRow } from './parent-records.ts';
import { allocationRows } from './allocation-rows.ts';
import { checkSyncFile, signSyncFile, type SignedFile } from './sync-crypto.ts';

const keyText = (k: { account: string; tag: string; type: string; start: number | null; end: number | null }) => lotKeyText(k, nameKey);

/** The answer to a satellite: its allocations whole (targets), what of its files and events the parent holds. */
export async function writeDown(c: LedgerStore, s: SatelliteRow, upApplied: number, now: number): Promise<SignedFile> {
  const seq = Number(s.down_seq) + 1;
  const payload: DownFile = {
    satellite: s.uid,
    seq,
    upApplied,
    sentAt: now,
    eventsHeld: { id: Number(s.events_id), hash: s.events_hash },
    allocations: (await allocationRows(c, s.id)).filter((a) => a.target > 0).map(({ lotId: _l, count: _c, ...a }) => a),
  };
  await c.run('UPDATE satellites SET down_seq = ? WHERE id = ?', seq, s.id);
  const account = await smartAccount(c);
  return signSyncFile(c, 'down', account, payload, `answer ${seq} from "${account}" to satellite "${s.name}"`);
}

export interface UpApplied {
  readonly satellite: string;
  readonly seq: number;
  readonly events: number;
  readonly released: number;
  readonly answer: SignedFile;
}

/** Applies a satellite's numbered file and writes the answer; refuses (changing nothing) a replay, a late file or a fork. */
export async function importUp(c: LedgerStore, envelope: SyncEnvelope, now: number): Promise<UpApplied> {
  await requireInit(c);
  // Who sent it is found by the name it gives, and its signature checked, before its contents are read.
  const known = await satelliteNamed(c, envelope.from);
  if (known.state !== 'enrolled') refuse('not-allowed', `Satellite "${known.name}" has not enrolled yet: import its enrolment reply first.`);
  const checked = checkSyncFile(envelope, 'up', pinnedKeysOf(known), `satellite "${known.name}"`);
  const up = checked.payload;
  const uid = known.uid;
  if (up.satellite !== uid) unknownSatellite();
  const fork = async (why: string): Promise<never> => {
    await c.write(now, async () => {
      await c.run('UPDATE satellites SET problem = ? WHERE id = ?', why, known.id);
      await c.log(now, 'satellite-forked', `Satellite "${known.name}": ${why} Nothing of its file ${up.seq} was applied.`);
    });
    return refuse(
      'sync-forked',
      `Satellite "${known.name}": ${why} Nothing was applied.`,
      `If the satellite was restored from an older backup or copied, restore its newest backup instead; if none is left, enrol it again: \`slr authority satellite add "${known.name}" --replace --out FILE\` here, then \`slr authority satellite enrol FILE\` there (its allocations stay).`,
    );
  };
  // A fork is recorded in a transaction of its own, after the round's is undone.
  const outcome = await c
    .write(now, async (): Promise<UpApplied | { fork: string }> => {
      const s = (await c.get<SatelliteRow>('SELECT * FROM satellites WHERE id = ?', known.id))!;
      const why = arrivalProblem(arrivalOf(up.seq, checked.digest, Number(s.up_seq), await digestApplied(c, uid, 'up', up.seq)), up, s);
      if (why) return { fork: why };
      const problem = await addEvents(c, s, up);
      if (problem) throw new Forked(problem);
      const released = await recordHoldings(c, s, up);
      await c.run(
        'UPDATE satellites SET up_seq = ?, down_applied = ?, last_sync_at = ?, keys = ?, problem = NULL WHERE id = ?',
        up.seq,
        up.downApplied,
        now,
        JSON.stringify(checked.keys),
        s.id,
      );
      await recordApplied(c, uid, 'up', up.seq, checked.digest, now);
      const fresh = (await c.get<SatelliteRow>('SELECT * FROM satellites WHERE id = ?', s.id))!;
      const added = Number(fresh.events_id) - Number(s.events_id);
      // A connected satellite's round is logged when it brought something (its rounds are in its last_sync_at).
      if (s.mode === 'disconnected' || added || released)
        await c.log(
          now,
          'sync-import',
          `Satellite "${s.name}": file ${up.seq} (written ${formatInstant(up.sentAt)}) applied: ${added} events, ${up.holdings.length} lots reported${released ? `, ${released} licenses it let go released here` : ''}.`,
        );
      return { satellite: s.name, seq: up.seq, events: added, released, answer: await writeDown(c, fresh, up.seq, now) };
    })
    .catch((e: unknown) => {
      if (e instanceof Forked) return { fork: e.message };
      throw e;
    });
  return 'fork' in outcome ? fork(outcome.fork) : outcome;
}

/** Undoes the round's transaction (events half added) when the file turns out to be a fork. */
class Forked extends Error {}

/** Refuses a replay or a late file (changing nothing); the reason a file is a fork; null when it applies. */
function arrivalProblem(arrival: Arrival, up: UpFile, s: SatelliteRow): string | null {
  if (arrival === 'already-applied')
    refuse(
      'sync-replayed',
      `File ${up.seq} from satellite "${s.name}" was applied already: nothing changed.`,
      'If its answer was lost, export a new file on the satellite.',
    );
  if (arrival === 'out-of-order')
    refuse(
      'sync-out-of-order',
      `File ${up.seq} from satellite "${s.name}" is older than file ${s.up_seq}, applied already (which carried all it did): nothing changed.`,
      'Nothing is lost. Use the satellite’s newest file.',
    );
  if (arrival === 'forked') return `another file numbered ${up.seq} was applied before: it was restored from an older backup or copied.`;
  if (up.downApplied > Number(s.down_seq))
    return `it says it applied answer ${up.downApplied}, but this License Central wrote ${s.down_seq}: this License Central was restored from an older backup.`;
  return null;
}

/** Adds the file's events the parent does not hold yet; a reason when they do not continue what it holds. */
async function addEvents(c: LedgerStore, s: SatelliteRow, up: UpFile): Promise<string | null> {
  let previous = up.events.previousHash;
  let expectedId = up.events.list[0]?.id ?? 0;
  for (const e of up.events.list) {
    if (e.id !== expectedId || e.hash !== chainHash(previous, ledgerEventFields(e))) return `its events do not hold together at event ${e.id}.`;
    previous = e.hash;
    expectedId = e.id + 1;
  }
  const first = up.events.list[0];
  if (!first) return null;
  const held = Number(s.events_id);
  if (first.id > held + 1)
    return `its events start at ${first.id}, but this License Central holds only up to ${held}: this License Central was restored from an older backup.`;
  const before =
    first.id === 1
      ? null
      : ((await c.get<{ hash: string }>('SELECT hash FROM satellite_events WHERE satellite_id = ? AND uid = ? AND event_id = ?', s.id, s.uid, first.id - 1))
          ?.hash ?? null);
  if (first.id > 1 && before !== up.events.previousHash)
    return `its event ${first.id - 1} is not the one this License Central holds: it was restored from an older backup or copied.`;
  for (const e of up.events.list) {
    if (e.id <= held) {
      const mine = await c.get<{ hash: string }>('SELECT hash FROM satellite_events WHERE satellite_id = ? AND uid = ? AND event_id = ?', s.id, s.uid, e.id);
      if (mine && mine.hash !== e.hash) return `its event ${e.id} is not the one this License Central holds: it was restored from an older backup or copied.`;
      continue;
    }
    await c.run(
      'INSERT INTO satellite_events (satellite_id, uid, event_id, at, actor, account, instance, type, message, code, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      s.id,
      s.uid,
      e.id,
      e.at,
      e.actor,
      e.account,
      e.instance,
      e.type,
      e.message,
      e.code,
      e.hash,
    );
  }
  const last = up.events.list[up.events.list.length - 1]!;
  if (last.id > held) await c.run('UPDATE satellites SET events_id = ?, events_hash = ? WHERE id = ?', last.id, last.hash, s.id);
  return null;
}

/**
 * Records what the satellite holds, and releases what it has let go of a decrease. Only from a file written
 * after it applied the parent's latest answer: an older answer could still raise what it holds.
 */
async function recordHoldings(c: LedgerStore, s: SatelliteRow, up: UpFile): Promise<number> {
  await c.run('DELETE FROM satellite_holdings WHERE satellite_id = ?', s.id);
  for (const h of up.holdings)
    await c.run(
      'INSERT INTO satellite_holdings (satellite_id, account, tag, type, start, "end", count, blocked) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      s.id,
      h.account,
      h.tag,
      h.type,
      h.start,
      h.end,
      h.count,
      h.blocked,
    );
  if (up.downApplied !== Number(s.down_seq)) return 0;
  const reported = new Map(up.holdings.map((h) => [keyText(h), h.count]));
  let released = 0;
  for (const a of await allocationRows(c, s.id)) {
    if (a.count <= a.target) continue;
    const count = confirmedCount(a, reported.get(keyText(a)) ?? 0);
    if (count === a.count) continue;
    released += a.count - count;
    if (count === 0) await c.run('DELETE FROM satellite_allocations WHERE satellite_id = ? AND lot_id = ?', s.id, a.lotId);
    else await c.run('UPDATE satellite_allocations SET count = ? WHERE satellite_id = ? AND lot_id = ?', count, s.id, a.lotId);
  }
  return released;
}
