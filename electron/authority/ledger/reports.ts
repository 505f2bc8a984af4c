/** The ledger's operations: reports. */
import { instanceLines } from './instance-query.ts';
import { findAnyEntitlement } from '../../../shared/catalog.ts';
import { isLotValid } from '../../../shared/authority/allocation.ts';
import { EVENTS_PAGE, type InstanceLine, type LedgerEvent, type LicenseLine } from '../../../shared/authority/views.ts';
import { formatIsoDate } from '../../../shared/codes/dates.ts';
import { requireInit, findAccount, type InstanceRow, type LotRow } from './lookups.ts';
import type { LedgerStore } from './store.ts';

export async function smartAccount(c: LedgerStore): Promise<string> {
  await requireInit(c);
  return (await c.get<{ value: string }>("SELECT value FROM meta WHERE key = 'smart_account'"))!.value;
}

export async function accounts(c: LedgerStore): Promise<string[]> {
  await requireInit(c);
  return (await c.all<{ name: string }>('SELECT name FROM accounts ORDER BY id')).map((r) => r.name);
}

export async function licenses(c: LedgerStore, now: number, accountName?: string): Promise<LicenseLine[]> {
  await requireInit(c);
  const account = accountName ? [(await findAccount(c, accountName)).id] : [];
  const lots = (
    await c.all<LotRow & { account: string }>(
      `SELECT l.*, a.name AS account FROM lots l JOIN accounts a ON a.id = l.account_id ${account.length ? 'WHERE l.account_id = ?' : ''} ORDER BY a.name, l.id`,
      ...account,
    )
  ).filter((l) => isLotValid(l, now));
  const transit = new Map(
    (await c.all<{ lot_id: number; n: number }>('SELECT lot_id, sum(count) AS n FROM transitions GROUP BY lot_id')).map((r) => [r.lot_id, r.n]),
  );
  const lines = new Map<string, LicenseLine & { expiresMs: number }>();
  for (const l of lots) {
    const key = `${l.account}|${l.tag}`;
    const def = findAnyEntitlement(l.tag)?.def;
    const prev = lines.get(key) ?? {
      account: l.account,
      tag: l.tag,
      short: def?.short ?? l.tag,
      displayName: def?.displayName ?? l.tag,
      level: def?.hierarchy?.level ?? null,
      purchased: 0,
      reserved: 0,
      inTransition: 0,
      available: 0,
      expires: '',
      expiresMs: Infinity,
    };
    const inTransition = transit.get(l.id) ?? 0;
    const expiresMs = l.type === 'TERM' ? Math.min(prev.expiresMs, l.end!) : prev.expiresMs;
    lines.set(key, {
      ...prev,
      purchased: prev.purchased + l.count,
      reserved: prev.reserved + l.blocked - inTransition,
      inTransition: prev.inTransition + inTransition,
      available: prev.available + l.count - l.blocked,
      expiresMs,
      expires: Number.isFinite(expiresMs) ? formatIsoDate(expiresMs) : '',
    });
  }
  return [...lines.values()].map(({ expiresMs: _e, ...line }) => line);
}

export async function instances(c: LedgerStore, accountName?: string, includeGone = false): Promise<InstanceLine[]> {
  await requireInit(c);
  const account = accountName ? [(await findAccount(c, accountName)).id] : [];
  const where = [...(account.length ? ['i.account_id = ?'] : []), ...(includeGone ? [] : ["i.state = 'active'"])];
  const rows = await c.all<InstanceRow>(
    `SELECT i.*, a.name AS account FROM instances i JOIN accounts a ON a.id = i.account_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY i.id`,
    ...account,
  );
  return instanceLines(c, rows);
}

/**
 * A page of the event log: the latest `limit` events (10,000 at most), or the latest before event `before`; or,
 * with `after`, the first `limit` events after event `after` (an export reads the log forward this way).
 */
export interface EventPage {
  readonly limit?: number;
  readonly before?: number;
  readonly after?: number;
}

/** A page of the log (of a virtual account, with those of the whole smart account), oldest first, as the log reads. */
export async function events(c: LedgerStore, accountName?: string, page: EventPage = {}): Promise<LedgerEvent[]> {
  await requireInit(c);
  const account = accountName ? [(await findAccount(c, accountName)).name] : [];
  const bounds = [
    ...(page.before === undefined ? [] : [['id < ?', page.before] as const]),
    ...(page.after === undefined ? [] : [['id > ?', page.after] as const]),
  ];
  const where = [...(account.length ? ['(account = ? OR account IS NULL)'] : []), ...bounds.map(([w]) => w)];
  const forward = page.after !== undefined;
  const rows = await c.all<LedgerEvent>(
    `SELECT id, at, actor, account, instance, type, message, code, hash FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${forward ? 'ASC' : 'DESC'} LIMIT ?`,
    ...account,
    ...bounds.map(([, v]) => v),
    page.limit ?? EVENTS_PAGE,
  );
  return forward ? rows : rows.reverse();
}
