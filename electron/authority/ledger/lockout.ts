/**
 * The lockout of an instance after wrong codes, and the codes a device's code may answer. A confirmation
 * or return code is checked against the instance's latest issued codes; a code that is wrong, for another
 * device, replayed or superseded counts, and five in a row lock the instance until an administrator
 * unlocks it (logged).
 */
import { type CodeRef } from '../../../shared/authority/issue.ts';
import { refuse, SlrError, type RefusalCode } from '../../../shared/errors.ts';
import { makeUdi, type Udi } from '../../../shared/udi.ts';
import { findInstance, productOf, udiOf, type InstanceRow } from './lookups.ts';
import type { LedgerStore } from './store.ts';

export const MAX_WRONG_CODES = 5;
/** Refusals that count towards the lockout: a code that is wrong, for another device, replayed or superseded. */
export const COUNTED = new Set<RefusalCode>(['wrong-code', 'wrong-device', 'replayed-code', 'superseded-code']);
/** How many of an instance's latest codes a device's code is checked against. */
const CODE_CANDIDATES = 50;

/** The instance's latest issued codes, newest first, as references a device's code is checked against. */
export async function codeRefs(
  c: LedgerStore,
  instance: Pick<InstanceRow, 'id' | 'product' | 'uuid' | 'device_key' | 'piid'>,
): Promise<(CodeRef & { confirmedAt: number | null })[]> {
  const udi: Udi = makeUdi(productOf(instance), instance.uuid);
  return (
    await c.all<{ timestamp: number; key_id: string; confirmed_at: number | null }>(
      'SELECT timestamp, key_id, confirmed_at FROM codes WHERE instance_id = ? ORDER BY timestamp DESC LIMIT ?',
      instance.id,
      CODE_CANDIDATES,
    )
  ).map((r) => ({ udi, devicePublicKey: instance.device_key, piid: instance.piid, timestamp: r.timestamp, keyId: r.key_id, confirmedAt: r.confirmed_at }));
}

/**
 * Checks a device's code and applies it, in one transaction. A locked instance is refused before any
 * check. A code that is wrong, for another device, replayed or superseded is counted in that same
 * transaction (so parallel attempts cannot outrun the lockout) and locks the instance at the limit; only
 * an accepted code resets the count.
 */
export async function withDeviceCode<M, R>(
  c: LedgerStore,
  ref: string,
  what: string,
  now: number,
  check: (instance: InstanceRow) => Promise<M>,
  apply: (instance: InstanceRow, matched: M) => Promise<R>,
): Promise<R> {
  const outcome = await c.writePooled(now, async (): Promise<{ refused: SlrError } | { done: R }> => {
    const instance = await findInstance(c, ref);
    if (instance.locked) {
      refuse(
        'locked',
        `The product instance ${udiOf(instance)} is locked after ${MAX_WRONG_CODES} wrong codes in a row.`,
        'An administrator must unlock it with `slr authority unlock --instance …` (this is logged).',
      );
    }
    let matched: M;
    try {
      matched = await check(instance);
    } catch (e) {
      if (!(e instanceof SlrError) || !COUNTED.has(e.code)) throw e;
      const wrong = instance.wrong_codes + 1;
      const locked = wrong >= MAX_WRONG_CODES;
      await c.run('UPDATE instances SET wrong_codes = ?, locked = ? WHERE id = ?', wrong, locked ? 1 : 0, instance.id);
      await c.log(now, 'wrong-code', `Refused ${what} for ${udiOf(instance)} (${e.code}; ${wrong} in a row)${locked ? '; the instance is now locked' : ''}.`, {
        account: instance.account,
        instance: udiOf(instance),
      });
      return {
        refused: new SlrError(
          e.code,
          `${e.message}${locked ? ` The product instance is now locked after ${MAX_WRONG_CODES} wrong codes in a row.` : ` (${wrong} of ${MAX_WRONG_CODES} wrong codes before the instance is locked.)`}`,
          e.hint,
        ),
      };
    }
    await c.run('UPDATE instances SET wrong_codes = 0, last_contact = ? WHERE id = ?', now, instance.id);
    return { done: await apply(instance, matched) };
  });
  if ('refused' in outcome) throw outcome.refused;
  return outcome.done;
}
