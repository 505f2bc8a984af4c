/**
 * The witness for devices registered online, License Central's side (shared/registration/online-checkpoint.ts):
 * each answer to a renewal or a usage report carries a checkpoint of this log, signed and bound to the call;
 * each call names the checkpoints its device saw. One beyond the end of this log, or with another head at that
 * position, says this ledger went back (restored from an older backup) or is a copy that went its own way: it
 * is logged once per device and finding (`ledger-behind`, a webhook's event), and the device refuses the answer.
 */
import { toBase64 } from '../../../shared/bytes.ts';
import { onlineCheckpointMessage, type OnlineCheckpoint, type SeenCheckpoint } from '../../../shared/registration/online-checkpoint.ts';
import { EMPTY_HEAD } from '../../../shared/codes/checkpoint.ts';
import { seenCheckpointsSchema } from '../../../shared/registration/online-checkpoint-schema.ts';
import { formatUdi } from '../../../shared/udi.ts';
import { ledgerCrypto, logPosition, signingKey } from './signing.ts';
import { seenFindings } from './witness-check.ts';
import type { LedgerStore } from './store.ts';

/** The checkpoints a call names (its signed body's `witness`); none when it names none, or not as the schema says. */
function seenIn(body: string): readonly SeenCheckpoint[] {
  try {
    const parsed = seenCheckpointsSchema.safeParse((JSON.parse(body) as { witness?: unknown }).witness ?? []);
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** What the log holds at the position a call names for `keyId`, before the call logs anything (an answer's echo). */
export async function echoOf(c: LedgerStore, body: string, keyId: string): Promise<OnlineCheckpoint['echo']> {
  const named = seenIn(body).find((w) => w.keyId === keyId);
  if (!named) return null;
  if (named.events === 0) return { events: 0, head: EMPTY_HEAD };
  const at = await c.get<{ hash: string | null }>('SELECT hash FROM events WHERE id = ?', named.events);
  // An event logged before the log was chained has no hash to compare: the device's is taken as it is.
  return { events: named.events, head: at ? (at.hash ?? named.head) : null };
}

/**
 * This log's checkpoint now, signed with the current key, for the answer to call `seq` of registered instance
 * `instance`, with the echo of the position the call named for that key (taken before the call logged anything).
 */
export async function onlineCheckpoint(c: LedgerStore, call: { instance: string; seq: number }, echo: OnlineCheckpoint['echo']): Promise<OnlineCheckpoint> {
  const key = await signingKey(c);
  const cp = { keyId: key.id, ...(await logPosition(c)), echo };
  return { ...cp, signature: toBase64((await ledgerCrypto(c)).sign(key.id, onlineCheckpointMessage(cp, call.instance, call.seq))) };
}

/** What the checkpoints a registered device names in its call (its signed body's `witness`) say of this ledger; each finding logged once. */
export async function checkSeen(
  c: LedgerStore,
  body: string,
  r: { id: number; account: string; product: string; sn: string; uuid: string },
  now: number,
): Promise<void> {
  const seen = seenIn(body);
  if (seen.length === 0) return;
  const instance = formatUdi({ pid: r.product, sn: r.sn, uuid: r.uuid });
  for (const finding of await seenFindings(c, `Registered instance ${r.id} (${instance})`, seen)) {
    const told = await c.get("SELECT 1 AS one FROM events WHERE type = 'ledger-behind' AND instance = ? AND message = ?", instance, finding);
    if (!told) await c.log(now, 'ledger-behind', finding, { account: r.account, instance });
  }
}
