/**
 * The advisory locks of writes on PostgreSQL, as the statements that take them.
 *
 * Every write holds WRITE_LOCK, exclusive or shared (an arbitrary constant: "SLR" in ASCII; as a single bigint
 * key, the one servers before pooled writes took, so they and these exclude each other). The keys of pooled
 * writes are its pairs (WRITE_LOCK, hashtext(key)): another key space, never the same lock.
 */
import type { ObjectLockKey, WriteScope } from '../ledger-db.ts';
import { inlinePlaceholders } from './pg-wire.ts';

export const WRITE_LOCK = 0x534c52;

/** The statement that takes the write lock for `scope`. */
export const writeLockSql = (scope: WriteScope) => `SELECT ${scope === 'ledger' ? 'pg_advisory_xact_lock' : 'pg_advisory_xact_lock_shared'}(${WRITE_LOCK})`;

/**
 * The statement that takes object lock `key` (its text inline). `account-named:K` takes the lock of every virtual
 * account whose name's key is K (one; an older ledger's twins too, in the order of their ids): the very locks
 * `account:ID` names, found and taken in the statement, so that the account needs no round trip of its own first.
 */
export function objectLockSql(key: ObjectLockKey): string {
  if (key.startsWith('account-named:'))
    return inlinePlaceholders(`SELECT pg_advisory_xact_lock(${WRITE_LOCK}, hashtext('account:' || id)) FROM accounts WHERE name_key = ? ORDER BY id`, [
      key.slice('account-named:'.length),
    ]);
  return inlinePlaceholders(`SELECT pg_advisory_xact_lock(${WRITE_LOCK}, hashtext(?))`, [key]);
}
