/**
 * Retried changes are safe: every change carries an Idempotency-Key, and the operation and the record of its
 * answer are one transaction. A request with a key already recorded gets the recorded answer (the first
 * result, a refusal included), never a second change; the same key with another request is refused. An error
 * that is not a refusal (the server failed) rolls everything back and records nothing, so the retry runs.
 */
import { createHash } from 'node:crypto';
import { idempotencyKey } from '../../shared/authority/api.ts';
import { isSlrError, refuse } from '../../shared/errors.ts';
import type { LedgerDb } from '../services/authority/ledger.ts';
import { answered, refused, type Answer } from './answers.ts';

/** How long an answer is kept for retries. */
export const IDEMPOTENCY_DAYS = 7;

export interface Change {
  readonly userId: number;
  readonly key: string | undefined;
  readonly operation: string;
  readonly body: unknown;
  readonly now: number;
}

export async function onceByKey(db: LedgerDb, change: Change, go: () => Promise<unknown>): Promise<Answer> {
  const key = idempotencyKey.safeParse(change.key);
  if (!key.success)
    refuse(
      'bad-request',
      `A change (${change.operation}) needs an Idempotency-Key header of 8 to 200 printable characters: a key of your own, the same when you retry.`,
      'slr and the app send one with every change; a script sends e.g. a UUID.',
    );
  const hash = createHash('sha256')
    .update(JSON.stringify([change.operation, change.body]))
    .digest('hex');
  return db.transaction(async () => {
    const prior = await db.get<{ operation: string; request_hash: string; status: number; reply: string }>(
      'SELECT operation, request_hash, status, reply FROM idempotency WHERE user_id = ? AND key = ?',
      change.userId,
      key.data,
    );
    if (prior) {
      if (prior.request_hash !== hash)
        refuse(
          'idempotency-key',
          `This Idempotency-Key was used for another request (${prior.operation}); nothing was done.`,
          'Use a new key for a new change; the same key only to retry the very same request.',
        );
      return { status: prior.status, reply: JSON.parse(prior.reply) as Answer['reply'] };
    }
    let answer: Answer;
    try {
      answer = answered(await go());
    } catch (e) {
      if (!isSlrError(e)) throw e;
      answer = refused(e);
    }
    await db.run(
      'INSERT INTO idempotency (user_id, key, operation, request_hash, status, reply, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      change.userId,
      key.data,
      change.operation,
      hash,
      answer.status,
      JSON.stringify(answer.reply),
      change.now,
    );
    await db.run('DELETE FROM idempotency WHERE at < ?', change.now - IDEMPOTENCY_DAYS * 86_400_000);
    return answer;
  });
}
