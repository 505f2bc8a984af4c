/**
 * The end of the ledger's event log: events appended, each chained to the one before it, and the ledger sealed
 * (ledger-seal.ts), under the chain's lock. Its round trips are few, since on PostgreSQL every pooled write
 * queues for that lock: the lock and the read of the head (and of the lots, for the seal) in one, then one per
 * event, then the seal (with the ledger's clock), then the commit.
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
    const { lastId } = await db.run(
      'INSERT INTO events (at, actor, account, instance, type, message, code, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ...fields,
      hash,
    );
    head = { id: lastId, hash };
  }
  if (o.seal) await keepSeal(db, sealOf(head, state.lots), o.highWater);
}
