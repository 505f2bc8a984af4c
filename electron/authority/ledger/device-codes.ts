/** The ledger's operations: the device's confirmation and return codes, under the lockout, each checking the device's state digest. */
import { verifyConfirmationCode, verifyReturnCode, type Answered, type CodeRef } from '../../../shared/authority/issue.ts';
import { formatInstant } from '../../../shared/codes/dates.ts';
import { refuse, SlrError } from '../../../shared/errors.ts';
import { udiOf, type InstanceRow } from './lookups.ts';
import { releaseAll } from './booking.ts';
import { ledgerCrypto } from './signing.ts';
import { codeRefs, withDeviceCode } from './lockout.ts';
import type { LedgerStore } from './store.ts';
import { ledgerBehindHint, observeDeviceState } from './device-state.ts';
import { parseConfirmationCode, parseReturnCode, type StateDigest } from '../../../shared/codes/device-codes.ts';
import { counted } from '../../../shared/lifetime.ts';

/** A wrong-code refusal with, as its hint, what the code's digest says of this ledger being behind (device-state.ts). */
async function hinted<T>(c: LedgerStore, instance: InstanceRow, digest: StateDigest | null, verify: () => Promise<T>): Promise<T> {
  try {
    return await verify();
  } catch (e) {
    const hint = e instanceof SlrError && e.code === 'wrong-code' ? await ledgerBehindHint(c, instance, digest) : null;
    throw hint ? new SlrError('wrong-code', (e as SlrError).message, hint) : e;
  }
}

/** The code a confirmation code answers: issued to this reservation, not confirmed yet, not older than one confirmed. */
async function matchConfirmation(c: LedgerStore, instance: InstanceRow, code: string): Promise<Answered<CodeRef>> {
  const refs = await codeRefs(c, instance);
  const answered = await hinted(c, instance, parseConfirmationCode(code).digest, async () => verifyConfirmationCode(code, refs, await ledgerCrypto(c)));
  const match = answered.ref;
  if (match.confirmedAt !== null) {
    refuse(
      'replayed-code',
      `This confirmation code was already entered on ${formatInstant(match.confirmedAt)} (for the code of ${formatInstant(match.timestamp)}); it releases nothing again.`,
      'Nothing changed. If the device installed a newer code since, enter the confirmation code it showed then.',
    );
  }
  const newer = refs.find((r) => r.confirmedAt !== null && r.timestamp > match.timestamp);
  if (newer) {
    refuse(
      'superseded-code',
      `This confirmation code answers the code of ${formatInstant(match.timestamp)}, but the confirmation of a newer code (${formatInstant(newer.timestamp)}) was already entered.`,
      'Nothing changed: the newer confirmation already released what this one would have.',
    );
  }
  return answered;
}

export async function confirm(
  c: LedgerStore,
  input: { instance: string; code: string },
  now: number,
): Promise<{ released: number; udi: string; codeOf: number; warnings: string[] }> {
  return withDeviceCode(
    c,
    input.instance,
    'confirmation code',
    now,
    (instance) => matchConfirmation(c, instance, input.code),
    async (fresh, { ref, digest }) => {
      const rows = await c.all<{ lot_id: number; count: number }>(
        'SELECT lot_id, count FROM transitions WHERE instance_id = ? AND code_timestamp <= ?',
        fresh.id,
        ref.timestamp,
      );
      await c.run('DELETE FROM transitions WHERE instance_id = ? AND code_timestamp <= ?', fresh.id, ref.timestamp);
      await c.run('UPDATE codes SET confirmed_at = ? WHERE instance_id = ? AND timestamp = ?', now, fresh.id, ref.timestamp);
      const released = rows.reduce((n, r) => n + r.count, 0);
      const udi = udiOf(fresh);
      await c.log(
        now,
        'confirm',
        `Confirmation code for the code of ${formatInstant(ref.timestamp)} entered: the device runs that code; ${released ? `${counted(released, 'license')} in transition released` : 'nothing was in transition (the update only added licenses or kept them)'}.`,
        { account: fresh.account, instance: udi, code: input.code.trim() },
      );
      const warnings = await observeDeviceState(c, fresh, digest, { kind: 'confirmation', answers: ref.timestamp, text: input.code }, now);
      return { released, udi, codeOf: ref.timestamp, warnings };
    },
  );
}

/** A return code of this reservation, or a precise refusal for one that gave back an earlier reservation. */
async function matchReturn(c: LedgerStore, instance: InstanceRow, code: string): Promise<Answered<CodeRef>> {
  try {
    const refs = await codeRefs(c, instance);
    return await hinted(c, instance, parseReturnCode(code).digest, async () => verifyReturnCode(code, refs, await ledgerCrypto(c)));
  } catch (e) {
    if (!(e instanceof SlrError) || e.code !== 'wrong-code') throw e;
    const old = await givenBackAnsweredBy(c, 'uuid', instance.uuid, code);
    if (old) {
      refuse(
        'replayed-code',
        `This return code gave back an earlier reservation of this device (${old.piid}, ${await givenBackHow(c, old)} ${formatInstant(old.last_contact)}); it does not answer the current reservation ${instance.piid}.`,
        'Nothing changed. To return the current reservation, enter the return code the device shows after `license smart reservation return`.',
      );
    }
    throw e;
  }
}

export async function remove(
  c: LedgerStore,
  input: { instance: string; returnCode: string },
  now: number,
): Promise<{ released: number; udi: string; warnings: string[] }> {
  try {
    return await withDeviceCode(
      c,
      input.instance,
      'return code',
      now,
      (instance) => matchReturn(c, instance, input.returnCode),
      async (fresh, { ref, digest }) => {
        const warnings = await observeDeviceState(c, fresh, digest, { kind: 'return', answers: ref.timestamp, text: input.returnCode }, now);
        const released = await releaseAll(c, fresh.id);
        await c.run("UPDATE instances SET state = 'removed' WHERE id = ?", fresh.id);
        const udi = udiOf(fresh);
        await c.log(now, 'remove', `Product instance removed with its return code: ${counted(released, 'license')} back in the pool.`, {
          account: fresh.account,
          instance: udi,
          code: input.returnCode.trim(),
        });
        return { released, udi, warnings };
      },
    );
  } catch (e) {
    if (e instanceof SlrError && e.code === 'no-instance') await explainReturnOfRemoved(c, input.instance, input.returnCode, now);
    throw e;
  }
}

/**
 * A return code for a device with no active reservation: if it gives back a reservation already removed,
 * the device shows that reservation installed again, which only a restore of its state from before the
 * return can do. Refused, and logged so that the administrator sees it.
 */
async function explainReturnOfRemoved(c: LedgerStore, ref: string, code: string, now: number): Promise<void> {
  const key = ref.trim().toLowerCase();
  const uuid = /u:([0-9a-f-]{36})/.exec(key)?.[1];
  const old = await givenBackAnsweredBy(c, uuid ? 'uuid' : 'sn', uuid ?? key, code);
  if (old) {
    c.guard(old.account);
    const udi = udiOf(old);
    const how = await givenBackHow(c, old);
    const message =
      how === MOVED
        ? `This return code gives back reservation ${old.piid} of ${udi}, which License Central moved to a new request of the same device (${formatInstant(old.last_contact)}) after its state was restored: nothing is returned. A device that still shows that reservation runs a copy of its state from before the restore.`
        : old.state === 'failed'
          ? `This return code gives back reservation ${old.piid} of ${udi}, whose licenses were rehosted to another device (${formatInstant(old.last_contact)}) when it was declared failed: nothing is returned. The device is running after all; its licenses are now the replacement's.`
          : `This return code gives back reservation ${old.piid} of ${udi}, which was already removed (${formatInstant(old.last_contact)}). ` +
            'A device that shows that reservation installed again had its state restored from a backup taken before its return: the licenses it shows are not reserved for it.';
    await c.write(now, async () =>
      c.log(now, old.state === 'failed' ? 'failed-device-returned' : 'restored-device', message, {
        account: old.account,
        instance: udi,
        code: code.trim(),
      }),
    );
    refuse('replayed-code', message, 'Nothing changed. Check that device: restore its current state, or make a new reservation for it.');
  }
}

const MOVED = 'moved to a new request of this device';

/** A reservation of the same device made after `id` at the time given (indexed: instances_uuid). */
export const LATER_OF_DEVICE = 'SELECT id FROM instances WHERE uuid = ? AND id > ? AND created_at = ? LIMIT 1';

/** A device's latest reservations given back, by its UUID or serial number (indexed: instances_uuid, instances_sn_all). */
export const givenBackSql = (by: 'uuid' | 'sn') =>
  `SELECT i.*, a.name AS account FROM instances i JOIN accounts a ON a.id = i.account_id WHERE i.state <> 'active' AND i.${by} = ? ORDER BY i.id DESC LIMIT 10`;

/** How a reservation no longer active ended: removed, rehosted to another device, or moved to a new request of the same one. */
async function givenBackHow(c: LedgerStore, old: InstanceRow): Promise<string> {
  if (old.state !== 'failed') return 'removed';
  // The reservation a rehost makes is created in the same transaction, at the time the old one ended.
  const later = await c.get<{ id: number }>(LATER_OF_DEVICE, old.uuid, old.id, old.last_contact);
  return later ? MOVED : 'rehosted';
}

/** The latest reservation of a device given back (removed or rehosted) that `code` returns, if any. */
async function givenBackAnsweredBy(c: LedgerStore, by: 'uuid' | 'sn', value: string, code: string): Promise<InstanceRow | undefined> {
  const rows = await c.all<InstanceRow>(givenBackSql(by), value);
  const crypto = await ledgerCrypto(c);
  for (const old of rows) {
    try {
      verifyReturnCode(code, await codeRefs(c, old), crypto);
      return old;
    } catch {
      // not this reservation's
    }
  }
  return undefined;
}
