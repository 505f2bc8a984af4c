/**
 * Retried changes are safe: every change carries an Idempotency-Key, and the operation and the record of its
 * answer are one transaction. A request with a key already recorded gets the recorded answer (the first
 * result, a refusal included), never a second change; the same key with another request is refused. An error
 * that is not a refusal (the server failed) rolls everything back and records nothing, so the retry runs.
 *
 * Nothing secret is kept for that: the key and the request's fingerprint are HMAC-SHA256 under a server
 * secret (meta 'idempotency_secret'), the fingerprint leaves out the body's secret fields (a password change's
 * passwords), and a reply that carries a secret (a new token) is not kept: its retry is told the change was
 * done and where to see it.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { API, idempotencyKey, type ApiName, type ApiOperation } from '../../shared/authority/api.ts';
import { isSlrError, refuse } from '../../shared/errors.ts';
import type { LedgerDb } from '../authority/ledger.ts';
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
  const secret = (API[change.operation as ApiName] as ApiOperation | undefined)?.secret;
  const mac = await macOf(db);
  const hash = mac(JSON.stringify([change.operation, withoutSecrets(change.body, secret?.body ?? [])]));
  const keyHash = mac(`${change.userId}\n${key.data}`);
  // No lock of its own: the operation inside takes its own (alone, or pooled); the record's key is unique. Its
  // record is read as the transaction begins (one round trip on PostgreSQL).
  const recorded = {
    sql: 'SELECT operation, request_hash, status, reply, at FROM idempotency WHERE user_id = ? AND key = ?',
    params: [change.userId, keyHash],
  };
  return db.transaction<Answer, Recorded>(
    async ([found]) => {
      let prior = found;
      // Kept longer than its days (not deleted yet): forgotten, and this is a new change.
      if (prior && Number(prior.at) < change.now - KEPT_MS) {
        await db.run('DELETE FROM idempotency WHERE user_id = ? AND key = ?', change.userId, keyHash);
        prior = undefined;
      }
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
      // Written with the commit (a key raced for by a retry sent at once fails it there, and the transaction runs again).
      await db.soon(
        'INSERT INTO idempotency (user_id, key, operation, request_hash, status, reply, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        change.userId,
        keyHash,
        change.operation,
        hash,
        ...(secret?.reply && answer.status === 200 ? [WITHHELD.status, JSON.stringify(WITHHELD.reply)] : [answer.status, JSON.stringify(answer.reply)]),
        change.now,
      );
      await purge(db, change.now);
      return answer;
    },
    null,
    recorded,
  );
}

interface Recorded {
  readonly operation: string;
  readonly request_hash: string;
  readonly status: number;
  readonly reply: string;
  readonly at: number;
}

const KEPT_MS = IDEMPOTENCY_DAYS * 86_400_000;
/** When each database's old answers were last deleted (by this process): at most once an hour, not at every change. */
const purged = new WeakMap<LedgerDb, number>();

/** Deletes the answers kept longer than IDEMPOTENCY_DAYS (an older one is never answered again, deleted or not). */
async function purge(db: LedgerDb, now: number): Promise<void> {
  const last = purged.get(db);
  if (last !== undefined && now >= last && now - last < 3_600_000) return;
  await db.run('DELETE FROM idempotency WHERE at < ?', now - KEPT_MS);
  purged.set(db, now);
}

/** What a retry of a change whose answer carried a secret is told (the secret itself is not kept). */
const WITHHELD: Answer = {
  status: 409,
  reply: {
    ok: false,
    error: {
      code: 'idempotency-key',
      message: 'This change was done when this key was first sent; its answer carried a secret, which is not kept for retries.',
      hint: 'See the result in the list (token list); if the secret was lost, revoke it and make a new one.',
    },
  },
};

/** The body with its secret fields replaced by a mark of their presence. */
function withoutSecrets(body: unknown, fields: readonly string[]): unknown {
  if (!fields.length || typeof body !== 'object' || body === null) return body;
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, fields.includes(k) ? '(secret)' : v]));
}

/** HMAC-SHA256 under the server's idempotency secret (made at its first use, kept in meta). */
/** Each database's secret, once read (it never changes once made). */
const secrets = new WeakMap<LedgerDb, Buffer>();

async function macOf(db: LedgerDb): Promise<(text: string) => string> {
  let secret = secrets.get(db);
  if (!secret) {
    await db.run("INSERT INTO meta (key, value) VALUES ('idempotency_secret', ?) ON CONFLICT (key) DO NOTHING", randomBytes(32).toString('hex'));
    const row = await db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'idempotency_secret'");
    secret = Buffer.from(row!.value, 'hex');
    secrets.set(db, secret);
  }
  return (text) => createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}
