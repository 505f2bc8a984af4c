/**
 * The product instances as the authority's list asks for them: searched, filtered, sorted and one page at a
 * time, in the database (so the list costs the same with 100 instances or 100,000); and the lines of a set
 * of instances, with their reserved and in-transition licenses, for that page and for the full reports.
 */
import { findAnyEntitlement } from '../../../shared/catalog.ts';
import { INSTANCE_PAGE_MAX, type InstanceLine, type InstancePage, type InstanceQuery, type TermHolding } from '../../../shared/authority/views.ts';
import { termEndsAt } from '../../../shared/lifetime.ts';
import { refuse } from '../../../shared/errors.ts';
import type { SqlValue } from '../db/ledger-db.ts';
import { requireInit, findAccount, udiOf, productOf, type InstanceRow } from './lookups.ts';
import type { LedgerStore } from './store.ts';

const SORTS: Record<NonNullable<InstanceQuery['sort']>, string> = {
  sn: 'i.sn',
  account: 'a.name COLLATE NOCASE',
  product: 'i.product',
  'last-contact': 'i.last_contact',
};

/** The lines of `rows`: their licenses by short name, from one grouped query per table. */
export async function instanceLines(c: LedgerStore, rows: readonly InstanceRow[]): Promise<InstanceLine[]> {
  const ids = JSON.stringify(rows.map((r) => r.id));
  // The ids as one parameter (a JSON array), whatever their number: each engine has its way to unpack it.
  const list = c.db.engine === 'sqlite' ? 'SELECT value FROM json_each(?)' : 'SELECT value::bigint FROM json_array_elements_text(?::json)';
  const byTag = async (table: 'holdings' | 'transitions') => {
    const out = new Map<number, Record<string, number>>();
    const sql = `SELECT h.instance_id AS id, l.tag, sum(h.count) AS n FROM ${table} h JOIN lots l ON l.id = h.lot_id
      WHERE h.instance_id IN (${list}) GROUP BY h.instance_id, l.tag`;
    for (const r of await c.all<{ id: number; tag: string; n: number }>(sql, ids)) {
      const m = out.get(r.id) ?? {};
      m[findAnyEntitlement(r.tag)?.def.short ?? r.tag] = r.n;
      out.set(r.id, m);
    }
    return out;
  };
  const reserved = await byTag('holdings');
  const inTransition = await byTag('transitions');
  const terms = new Map<number, TermHolding[]>();
  const termSql = `SELECT h.instance_id AS id, l.tag, l."end" AS day, sum(h.count) AS n FROM holdings h JOIN lots l ON l.id = h.lot_id
    WHERE h.instance_id IN (${list}) AND l.type = 'TERM' GROUP BY h.instance_id, l.tag, l."end" ORDER BY l."end"`;
  for (const r of await c.all<{ id: number; tag: string; day: number; n: number }>(termSql, ids)) {
    const held = { short: findAnyEntitlement(r.tag)?.def.short ?? r.tag, count: Number(r.n), endsAt: termEndsAt(Number(r.day)) };
    terms.set(Number(r.id), [...(terms.get(Number(r.id)) ?? []), held]);
  }
  // An update (not the first code) whose confirmation code has not come back yet.
  const awaiting = new Set(
    (
      await c.all<{ id: number }>(
        `SELECT c.instance_id AS id FROM codes c WHERE c.instance_id IN (${list}) AND c.confirmed_at IS NULL
          AND c.timestamp = (SELECT max(x.timestamp) FROM codes x WHERE x.instance_id = c.instance_id)
          AND (SELECT count(*) FROM codes y WHERE y.instance_id = c.instance_id) > 1`,
        ids,
      )
    ).map((r) => Number(r.id)),
  );
  return rows.map((r) => ({
    account: r.account,
    udi: udiOf(r),
    sn: r.sn,
    product: r.product,
    productType: productOf(r).productType,
    piid: r.piid,
    state: r.state,
    lastContact: r.last_contact,
    locked: r.locked === 1,
    deviceFinding: r.device_finding ?? null,
    deviceWarning: r.device_warning ?? null,
    deviceWarningAt: r.device_warning_at === null || r.device_warning_at === undefined ? null : Number(r.device_warning_at),
    reserved: reserved.get(r.id) ?? {},
    inTransition: inTransition.get(r.id) ?? {},
    terms: terms.get(Number(r.id)) ?? [],
    awaitingConfirmation: awaiting.has(Number(r.id)),
    nodes: r.nodes ? (JSON.parse(r.nodes) as string[]) : [],
  }));
}

/**
 * What a search names, each part answered from an index (so a search costs about the same with 100 or 100,000
 * instances): a UDI or UUID, that instance; hex digits, serial numbers (1 to 5 digits) and UUIDs (6 or more)
 * that start with them; any part of a virtual account's name (the few accounts are searched, their instances
 * found by index); a product id.
 */
async function searchClause(c: LedgerStore, search: string): Promise<{ sql: string; params: SqlValue[] }> {
  const t = search.toLowerCase();
  const uuid = /(?:^|u:)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/.exec(t);
  if (uuid) return { sql: 'i.uuid = ?', params: [uuid[1]!] };
  const sn = /\bs:([0-9a-f]{5})\b/.exec(t);
  if (sn) return { sql: 'i.sn = ?', params: [sn[1]!] };
  const parts: string[] = [];
  const params: SqlValue[] = [];
  // Each part is its own indexed lookup, put together by UNION (an OR would let the planner scan).
  const add = (where: string, ...p: SqlValue[]) => {
    parts.push(`SELECT id FROM instances WHERE state = 'active' AND ${where}`);
    params.push(...p);
  };
  // '~' sorts after every hex digit and '-': [t, t~) is every value that starts with t.
  if (/^[0-9a-f]{1,5}$/.test(t)) add('sn >= ? AND sn < ?', t, `${t}~`);
  if (/^[0-9a-f][0-9a-f-]{5,35}$/.test(t)) add('uuid >= ? AND uuid < ?', t, `${t}~`);
  // The virtual accounts are few: their names are searched here, their instances by index.
  const accounts = (await c.all<{ id: number; name: string }>('SELECT id, name FROM accounts')).filter((a) => a.name.toLowerCase().includes(t));
  if (accounts.length > 0) add(`account_id IN (${accounts.map(() => '?').join(', ')})`, ...accounts.map((a) => a.id));
  if (/^[a-z]{3}$/.test(t)) add('product = ?', t.toUpperCase());
  return parts.length ? { sql: `i.id IN (${parts.join(' UNION ')})`, params } : { sql: '0', params: [] };
}

export async function instancePage(c: LedgerStore, q: InstanceQuery = {}): Promise<InstancePage> {
  await requireInit(c);
  const where = ["i.state = 'active'"];
  const params: SqlValue[] = [];
  const search = q.search?.trim();
  if (search) {
    const s = await searchClause(c, search);
    where.push(s.sql);
    params.push(...s.params);
  }
  if (q.account) {
    where.push('i.account_id = ?');
    params.push((await findAccount(c, q.account)).id);
  }
  if (q.product) {
    where.push('i.product = ?');
    params.push(q.product.toUpperCase());
  }
  if (q.only === 'locked') where.push('i.locked = 1');
  if (q.only === 'in-transition') where.push('EXISTS (SELECT 1 FROM transitions t WHERE t.instance_id = i.id)');
  const limit = q.limit ?? 50;
  const offset = q.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > INSTANCE_PAGE_MAX || !Number.isInteger(offset) || offset < 0)
    refuse('bad-count', `A page holds 1 to ${INSTANCE_PAGE_MAX} instances, from an offset of 0 or more.`);
  const from = `FROM instances i JOIN accounts a ON a.id = i.account_id WHERE ${where.join(' AND ')}`;
  // The whole list, or one account's: its total is kept (instance_counts), not counted over a million rows.
  const whole = !search && !q.product && !q.only;
  const total = whole
    ? Number((await c.get<{ n: number | null }>(`SELECT sum(active) AS n FROM instance_counts ${q.account ? 'WHERE account_id = ?' : ''}`, ...params))!.n ?? 0)
    : (await c.get<{ n: number }>(`SELECT count(*) AS n ${from}`, ...params))!.n;
  const order = `${SORTS[q.sort ?? 'sn']} ${q.descending ? 'DESC' : 'ASC'}, i.id`;
  const rows = await c.all<InstanceRow>(`SELECT i.*, a.name AS account ${from} ORDER BY ${order} LIMIT ? OFFSET ?`, ...params, limit, offset);
  return { total, offset, rows: await instanceLines(c, rows) };
}
