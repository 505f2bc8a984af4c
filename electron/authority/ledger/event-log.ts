/**
 * The end of the ledger's event log: events appended, each chained to the one before it, and the ledger sealed
 * (ledger-seal.ts), under the chain's lock. Its round trips are few, since on PostgreSQL every pooled write
 * queues for that lock: the lock and the read of the head (and of the lots, for the seal) in one; the events and
 * the seal are then written soon (LedgerDb.soon), with the commit's message. So each event's id is given here:
 * the one after the head's, under the chain's lock (on PostgreSQL the id sequence is moved with it, for anything
 * that still takes its ids from there).
 */
import type { LedgerDb } from '../db/ledger-db.ts';
import type { LedgerEvent } from '../../../shared/authority/views.ts';
import { ledgerEventFields } from '../../../shared/event-chain.ts';
import { chainHash } from '../../platform/event-chain.ts';
import { CHAIN_STATE, chainState, HEAD_ONLY, keepSeal, sealOf } from './ledger-seal.ts';

/** An event as logged, before the chain gives it an id and a hash. */
export type NewEvent = Omit<LedgerEvent, 'id' | 'hash'>;

/**
 * Appends `events` after the log's head (the chain's lock taken first and held to the commit). `seal`: seals the
 * ledger after them, raising its clock to `highWater` when given (a write's last step); without it, the write
 * the events belong to seals at its end.
 */
export async function appendEvents(db: LedgerDb, events: readonly NewEvent[], o: { seal: boolean; highWater?: number }): Promise<void> {
  const state = chainState(await db.lockAndRead('chain', o.seal ? CHAIN_STATE : HEAD_ONLY));
  let head = state.head;
  for (const event of events) {
    const fields = ledgerEventFields(event);
    const hash = chainHash(head?.hash ?? null, fields);
    const id = (head?.id ?? 0) + 1;
    await db.soon('INSERT INTO events (id, at, actor, account, instance, type, message, code, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', id, ...fields, hash);
    head = { id, hash };
  }
  if (events.length && db.engine === 'postgres') await db.soon("SELECT setval(pg_get_serial_sequence('events', 'id'), ?)", head!.id);
  if (o.seal) await keepSeal((sql, ...params) => db.soon(sql, ...params), sealOf(head, state.lots), o.highWater);
}
