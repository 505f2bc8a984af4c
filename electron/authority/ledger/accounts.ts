/** The ledger's operations: accounts. */
import { findAnyEntitlement } from '../../../shared/catalog.ts';
import { nameKey, nameProblem, stripControls } from '../../../shared/text.ts';
import { isLotValid } from '../../../shared/authority/allocation.ts';
import { formatIsoDate, MAX_DATE_YEAR, MIN_DATE_YEAR } from '../../../shared/codes/dates.ts';
import { refuse } from '../../../shared/errors.ts';
import { LIMITS } from '../../../shared/limits.ts';
import { requireInit, findAccount, findInstance, udiOf, type LotRow } from './lookups.ts';
import type { LedgerStore } from './store.ts';
import { refuseOnSatellite } from '../satellite/role.ts';

export async function addAccount(c: LedgerStore, name: string, now: number): Promise<void> {
  await requireInit(c);
  // Plain spaces around a name are dropped; anything else about it is the name rule's (shared/text.ts).
  const n = name.replace(/^ +| +$/g, '');
  const problem = nameProblem(n, 100);
  if (problem)
    refuse(
      'bad-name',
      `"${stripControls(n)}" is not a virtual account name: ${problem}.`,
      'A name is 1 to 100 letters, digits, punctuation, symbols or spaces.',
    );
  await c.write(now, async () => {
    await refuseOnSatellite(c, 'adding a virtual account');
    const same = await c.get<{ name: string }>('SELECT name FROM accounts WHERE name_key = ?', nameKey(n));
    if (same) refuse('account-exists', `The virtual account "${same.name}" already exists (names are compared without case).`);
    await c.run('INSERT INTO accounts (name, name_key, created_at) VALUES (?, ?, ?)', n, nameKey(n), now);
    await c.log(now, 'account-add', `Virtual account "${n}" created.`, { account: n });
  });
}

export async function addLicenses(
  c: LedgerStore,
  input: { account: string; tag: string; count: number; term?: { start: number; end: number } },
  now: number,
): Promise<void> {
  await requireInit(c);
  const found = findAnyEntitlement(input.tag);
  if (!found)
    refuse('unknown-license', `${input.tag} is not a license in the product catalog.`, 'Use a full entitlement tag or a short name such as UCM_Basic.');
  if (!Number.isSafeInteger(input.count) || input.count < 1 || input.count > LIMITS.maxCount)
    refuse('bad-count', `The count must be a whole number from 1 to ${LIMITS.maxCount}.`);
  if (input.term && input.term.end < input.term.start) refuse('bad-date', 'The TERM end date is before its start date.');
  const years = input.term && [new Date(input.term.start).getUTCFullYear(), new Date(input.term.end).getUTCFullYear()];
  if (years && !years.every((y) => y >= MIN_DATE_YEAR && y <= MAX_DATE_YEAR))
    refuse('bad-date', `TERM dates are between the years ${MIN_DATE_YEAR} and ${MAX_DATE_YEAR}.`);
  if (input.term && !isLotValid({ type: 'TERM', start: input.term.start, end: input.term.end }, now) && input.term.end < now) {
    refuse('bad-date', `The TERM ended on ${formatIsoDate(input.term.end)}: these licenses could never be reserved.`, 'Check the end date.');
  }
  await c.write(now, async () => {
    await refuseOnSatellite(c, 'adding licenses');
    const account = await findAccount(c, input.account);
    const lot = await findOrCreateLot(c, account.id, found.def.tag, input.term ? 'TERM' : 'PERPETUAL', input.term?.start ?? null, input.term?.end ?? null);
    await c.run('UPDATE lots SET count = count + ? WHERE id = ?', input.count, lot);
    const term = input.term ? `TERM ${formatIsoDate(input.term.start)} to ${formatIsoDate(input.term.end)}` : 'PERPETUAL';
    await c.log(now, 'license-add', `${input.count} x ${found.def.displayName} (${term}) added.`, { account: account.name });
  });
}

export async function transfer(c: LedgerStore, input: { instance: string; to: string }, now: number): Promise<void> {
  await c.write(now, async () => {
    await refuseOnSatellite(c, 'moving a product instance and its licenses to another virtual account');
    const instance = await findInstance(c, input.instance);
    const to = await findAccount(c, input.to);
    if (to.id === instance.account_id) refuse('same-account', `The product instance is already in "${to.name}".`);
    const moved: string[] = [];
    for (const table of ['holdings', 'transitions'] as const) {
      const rows = await c.all<{ lot_id: number; count: number }>(
        `SELECT lot_id, sum(count) AS count FROM ${table} WHERE instance_id = ? GROUP BY lot_id`,
        instance.id,
      );
      for (const r of rows) {
        const lot = (await c.get<LotRow>('SELECT * FROM lots WHERE id = ?', r.lot_id))!;
        await moveLot(c, lot, to.id, r.count, (target) =>
          c.run(`UPDATE ${table} SET lot_id = ? WHERE instance_id = ? AND lot_id = ?`, target, instance.id, r.lot_id),
        );
        moved.push(`${r.count} x ${findAnyEntitlement(lot.tag)?.def.short ?? lot.tag}`);
      }
    }
    await c.run('UPDATE instances SET account_id = ? WHERE id = ?', to.id, instance.id);
    const udi = udiOf(instance);
    await c.log(
      now,
      'transfer',
      `Product instance transferred from "${instance.account}" to "${to.name}" with its reserved licenses (${moved.join(', ') || 'none'}).`,
      { account: instance.account, instance: udi },
    );
    await c.log(now, 'transfer', `Product instance transferred in from "${instance.account}".`, { account: to.name, instance: udi });
  });
}

export async function transferLicenses(c: LedgerStore, input: { from: string; to: string; tag: string; count: number }, now: number): Promise<void> {
  await requireInit(c);
  const found = findAnyEntitlement(input.tag);
  if (!found) refuse('unknown-license', `${input.tag} is not a license in the product catalog.`);
  if (!Number.isSafeInteger(input.count) || input.count < 1) refuse('bad-count', 'The count must be a whole number of at least 1.');
  await c.write(now, async () => {
    await refuseOnSatellite(c, 'moving licenses between virtual accounts');
    const from = await findAccount(c, input.from);
    const to = await findAccount(c, input.to);
    if (from.id === to.id) refuse('same-account', 'The source and the target virtual account are the same.');
    const lots = (await c.all<LotRow>('SELECT * FROM lots WHERE account_id = ? AND tag = ?', from.id, found.def.tag)).filter(
      (l) => isLotValid(l, now) && l.count > l.blocked,
    );
    const free = lots.reduce((n, l) => n + l.count - l.blocked, 0);
    if (free < input.count) {
      refuse(
        'shortfall',
        `"${from.name}" has ${free} ${found.def.short} available (valid now and not blocked); ${input.count} cannot be transferred.`,
        'Reserved licenses move only with their product instance (transfer).',
      );
    }
    let left = input.count;
    for (const lot of lots) {
      const take = Math.min(left, lot.count - lot.blocked);
      await moveLot(c, lot, to.id, take);
      left -= take;
      if (!left) break;
    }
    await c.log(now, 'transfer-licenses', `${input.count} x ${found.def.displayName} transferred to "${to.name}".`, { account: from.name });
    await c.log(now, 'transfer-licenses', `${input.count} x ${found.def.displayName} transferred in from "${from.name}".`, { account: to.name });
  });
}

export async function unlock(c: LedgerStore, input: { instance: string }, now: number): Promise<void> {
  await c.write(now, async () => {
    const instance = await findInstance(c, input.instance);
    if (!instance.locked) refuse('not-locked', `The product instance ${udiOf(instance)} is not locked.`);
    await c.run('UPDATE instances SET locked = 0, wrong_codes = 0 WHERE id = ?', instance.id);
    await c.log(now, 'unlock', 'Product instance unlocked by an administrator.', { account: instance.account, instance: udiOf(instance) });
  });
}

export async function findOrCreateLot(
  c: LedgerStore,
  accountId: number,
  tag: string,
  type: 'PERPETUAL' | 'TERM',
  start: number | null,
  end: number | null,
): Promise<number> {
  const row = await c.get<{ id: number }>(
    'SELECT id FROM lots WHERE account_id = ? AND tag = ? AND type = ? AND coalesce(start, -1) = ? AND coalesce("end", -1) = ?',
    accountId,
    tag,
    type,
    start ?? -1,
    end ?? -1,
  );
  if (row) return row.id;
  return Number(
    (await c.run('INSERT INTO lots (account_id, tag, type, start, "end", count) VALUES (?, ?, ?, ?, ?, 0)', accountId, tag, type, start, end)).lastId,
  );
}

/**
 * Moves `count` licenses of `lot` to the matching lot of another account. What blocks them (holdings,
 * transitions) moves in `moveRows`, between the target's growth and the source's shrinking, so that neither
 * lot ever blocks more than it holds.
 */
async function moveLot(c: LedgerStore, lot: LotRow, toAccount: number, count: number, moveRows?: (target: number) => Promise<unknown>): Promise<number> {
  const target = await findOrCreateLot(c, toAccount, lot.tag, lot.type, lot.start, lot.end);
  await c.run('UPDATE lots SET count = count + ? WHERE id = ?', count, target);
  await moveRows?.(target);
  await c.run('UPDATE lots SET count = count - ? WHERE id = ?', count, lot.id);
  return target;
}
