/**
 * A transaction on one PostgreSQL connection and the messages it sends (pg-db.ts runs them). What the ledger
 * need not wait for (a write whose result it does not read, a savepoint done with) waits, and goes ahead of the
 * transaction's next message in the same round trip: the simple protocol takes several statements in one message,
 * without parameters, so these are written with their values inline (pg-wire.ts).
 */
import type pg from 'pg';
import type { LockKey, Opening, SqlValue } from '../ledger-db.ts';
import { inlinePlaceholders } from './pg-wire.ts';

/** The transaction the current async context runs in: its client, savepoint depth, whether it writes, and its locks. */
export interface Tx {
  readonly client: pg.PoolClient;
  readonly depth: number;
  readonly write: boolean;
  readonly held: Set<LockKey>;
  /** What `memo` read in this transaction (a pooled write's). */
  readonly memos: Map<string, Promise<unknown>>;
  /**
   * Statements waiting to be sent, in order, shared by the connection's nested transactions: writes run soon
   * (LedgerDb.soon) and savepoints done with (the commit releases any still waiting). Each message sent takes them
   * first; a rollback drops them, since every one came after the last message and so belongs to what is undone.
   */
  readonly waiting: string[];
}

/** A new transaction's state on `client`. */
export const newTx = (client: pg.PoolClient, write: boolean, held: readonly LockKey[]): Tx => ({
  client,
  depth: 1,
  write,
  held: new Set(held),
  memos: new Map(),
  waiting: [],
});

/** `statements` (without parameters) after whatever waits, then the `opening` read, in one message: the opening's rows. */
export async function send(tx: Tx, statements: readonly string[], opening?: Opening): Promise<unknown[]> {
  const sent = [...tx.waiting.splice(0), ...statements, ...(opening ? [inlinePlaceholders(opening.sql, opening.params ?? [])] : [])];
  if (!sent.length) return [];
  const results = (await tx.client.query(sent.join('; '))) as unknown as pg.QueryResult | pg.QueryResult[];
  if (!opening) return [];
  return (Array.isArray(results) ? results[results.length - 1]! : results).rows;
}

/** What waits, then `statement` (its parameters written inline), in one message: the statement's result. */
export async function sendAfterWaiting(tx: Tx, statement: string, params: readonly SqlValue[]): Promise<pg.QueryResult> {
  const sent = [...tx.waiting.splice(0), inlinePlaceholders(statement, params)];
  const results = (await tx.client.query(sent.join('; '))) as unknown as pg.QueryResult | pg.QueryResult[];
  return Array.isArray(results) ? results[results.length - 1]! : results;
}

/** Rolls back to `savepoint`, or the whole transaction: what waits is dropped (it is part of what is undone). */
export async function rollback(tx: Tx, savepoint?: string): Promise<void> {
  tx.waiting.length = 0;
  // The transaction may be failed now: the rollback comes first in its message.
  await tx.client.query(savepoint ? `ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}` : 'ROLLBACK');
}
