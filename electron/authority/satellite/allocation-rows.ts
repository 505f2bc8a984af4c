/**
 * The rows every side of a synchronisation reads, numbers made numbers (PostgreSQL returns its bigints as
 * text): a parent's allocations to one satellite, and a License Central's lots, each with its lot's identity.
 */
import type { LotKey } from '../../../shared/authority/sync-file.ts';
import type { LedgerStore } from '../ledger/store.ts';

const orNull = (v: number | string | null): number | null => (v === null ? null : Number(v));
/** A lot's identity from a row of either engine. */
const lotKeyOf = (r: Raw<LotKey>): LotKey => ({ account: r.account, tag: r.tag, type: r.type, start: orNull(r.start), end: orNull(r.end) });

type Raw<T> = { [K in keyof T]: T[K] extends number ? number | string : T[K] extends number | null ? number | string | null : T[K] };

/** What a parent allocated to a satellite of one lot: `count` blocked here, `target` what the satellite may hand out. */
export type AllocationRow = LotKey & { lotId: number; count: number; target: number };

export async function allocationRows(c: LedgerStore, satelliteId: number): Promise<AllocationRow[]> {
  const rows = await c.all<Raw<Omit<AllocationRow, 'lotId'>> & { lot_id: number | string }>(
    `SELECT a.lot_id, ac.name AS account, l.tag, l.type, l.start, l."end", a.count, a.target FROM satellite_allocations a
     JOIN lots l ON l.id = a.lot_id JOIN accounts ac ON ac.id = l.account_id WHERE a.satellite_id = ? ORDER BY ac.name, l.tag, l.id`,
    satelliteId,
  );
  return rows.map((r) => ({
    lotId: Number(r.lot_id),
    ...lotKeyOf(r),
    count: Number(r.count),
    target: Number(r.target),
  }));
}

/** A lot of this License Central: `count` what it may hand out, `blocked` what its devices hold. */
export type LotLine = LotKey & { id: number; count: number; blocked: number };

export async function lotLines(c: LedgerStore): Promise<LotLine[]> {
  const rows = await c.all<Raw<LotLine>>(
    'SELECT l.id, a.name AS account, l.tag, l.type, l.start, l."end", l.count, l.blocked FROM lots l JOIN accounts a ON a.id = l.account_id ORDER BY l.id',
  );
  return rows.map((r) => ({
    id: Number(r.id),
    ...lotKeyOf(r),
    count: Number(r.count),
    blocked: Number(r.blocked),
  }));
}

/** What a satellite reported it holds of each lot, as the parent recorded it. */
export type HoldingRow = Omit<LotLine, 'id'>;

export async function holdingRows(c: LedgerStore, satelliteId: number): Promise<HoldingRow[]> {
  const rows = await c.all<Raw<HoldingRow>>(
    'SELECT account, tag, type, start, "end", count, blocked FROM satellite_holdings WHERE satellite_id = ? ORDER BY account, tag',
    satelliteId,
  );
  return rows.map((r) => ({ ...lotKeyOf(r), count: Number(r.count), blocked: Number(r.blocked) }));
}
