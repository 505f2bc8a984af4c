/**
 * The webhooks' outbox (issue 30): the events of the log each webhook takes are queued as deliveries (one per
 * webhook and event: queued twice, sent once), sent, and tried again after a failure with growing waits
 * (shared/authority/webhooks.ts) until delivered or given up; every attempt's outcome is in the delivery log.
 * A delivery is claimed for a while before it is sent, so that two processes on one ledger do not send it at
 * once; one that dies while sending leaves it to be sent again when the claim runs out (at least once: the
 * receiver drops a repeat by its slr-delivery id).
 */
import { formatInstant } from '../../../shared/codes/dates.ts';
import { refuse } from '../../../shared/errors.ts';
import { nextAttemptAt, PING, type DeliveryLine, type WebhookPayload } from '../../../shared/authority/webhooks.ts';
import type { LedgerEvent } from '../../../shared/authority/views.ts';
import { findAccount, requireInit } from '../ledger/lookups.ts';
import type { LedgerStore } from '../ledger/store.ts';
import { findWebhook, WEBHOOK_SELECT, type WebhookRow } from './webhook-admin.ts';
import { postDelivery, type Attempt, type PostDelivery } from './webhook-post.ts';

/** How long a delivery being sent is someone's (longer than a request may take). */
const CLAIM_MS = 60_000;
/** Events queued per webhook and round, and deliveries sent per round. */
const QUEUE_BATCH = 1000;
const SEND_BATCH = 50;

interface DeliveryRow {
  id: number;
  webhook_id: string;
  event_id: number | null;
  type: string;
  payload: string;
  created_at: number;
  state: DeliveryLine['state'];
  attempts: number;
  next_at: number | null;
  last_at: number | null;
  last_status: number | null;
  last_error: string | null;
}

const smartAccountOf = async (c: LedgerStore) => (await c.get<{ value: string }>("SELECT value FROM meta WHERE key = 'smart_account'"))?.value ?? '';

function payloadOf(id: number, webhook: string, smartAccount: string, now: number, e: LedgerEvent | null): string {
  const payload: WebhookPayload = {
    id: String(id),
    type: (e?.type ?? PING) as WebhookPayload['type'],
    webhook,
    smartAccount,
    createdAt: formatInstant(now),
    event: e && {
      seq: Number(e.id),
      at: formatInstant(Number(e.at)),
      type: e.type,
      account: e.account,
      instance: e.instance,
      actor: e.actor,
      message: e.message,
    },
  };
  return JSON.stringify(payload);
}

/** Queues, for every webhook, the events of the log it takes that came since it last looked. */
export async function queueEvents(c: LedgerStore, now: number): Promise<number> {
  let queued = 0;
  const smartAccount = await smartAccountOf(c);
  // Only the webhooks the log has gone past: a round with nothing new opens no write transaction (on PostgreSQL
  // each would take the ledger's write lock, after every request).
  const last = Number((await c.get<{ id: number | null }>('SELECT max(id) AS id FROM events'))?.id ?? 0);
  for (const w of await c.all<WebhookRow>(`${WEBHOOK_SELECT} WHERE w.removed_at IS NULL AND w.queued_to < ?`, last)) {
    queued += await c.transaction(async () => {
      const head = Number((await c.get<{ id: number | null }>('SELECT max(id) AS id FROM events'))?.id ?? 0);
      const types = JSON.parse(w.events) as string[];
      const own = w.account === null ? '' : 'AND account = ?';
      const events = await c.all<LedgerEvent>(
        `SELECT id, at, actor, account, instance, type, message, code FROM events WHERE id > ? AND id <= ? AND type IN (${types.map(() => '?').join(', ')}) ${own} ORDER BY id LIMIT ${QUEUE_BATCH}`,
        w.queued_to,
        head,
        ...types,
        ...(w.account === null ? [] : [w.account]),
      );
      let n = 0;
      for (const e of events) {
        const r = await c.run(
          "INSERT INTO webhook_deliveries (webhook_id, event_id, type, payload, created_at, state, attempts, next_at) VALUES (?, ?, ?, '', ?, 'pending', 0, ?) ON CONFLICT DO NOTHING",
          w.id,
          e.id,
          e.type,
          now,
          now,
        );
        if (r.changes === 0) continue;
        await c.run('UPDATE webhook_deliveries SET payload = ? WHERE id = ?', payloadOf(r.lastId, w.id, smartAccount, now, e), r.lastId);
        n++;
      }
      const to = events.length === QUEUE_BATCH ? Number(events.at(-1)!.id) : head;
      await c.run('UPDATE webhooks SET queued_to = ? WHERE id = ? AND queued_to < ?', to, w.id, to);
      return n;
    });
  }
  return queued;
}

/** Records what became of an attempt: delivered, tried again later, or (the last attempt, or a test) given up. */
async function record(c: LedgerStore, d: DeliveryRow, a: Attempt, now: number, retry: boolean): Promise<DeliveryRow['state']> {
  const attempts = d.attempts + 1;
  const next = a.error === null || !retry ? null : nextAttemptAt(attempts, now);
  const state = a.error === null ? 'delivered' : next === null ? 'failed' : 'pending';
  await c.run(
    'UPDATE webhook_deliveries SET state = ?, attempts = ?, next_at = ?, last_at = ?, last_status = ?, last_error = ? WHERE id = ?',
    state,
    attempts,
    next,
    now,
    a.status,
    a.error,
    d.id,
  );
  return state;
}

/** Sends one claimed delivery and records the outcome. */
async function send(c: LedgerStore, d: DeliveryRow & { url: string; secret: string }, now: number, post: PostDelivery, retry = true) {
  const attempt = await post({ url: d.url, secret: d.secret, body: d.payload, deliveryId: String(d.id), webhookId: d.webhook_id, type: d.type, now });
  return { attempt, state: await c.transaction(() => record(c, d, attempt, now, retry)) };
}

/**
 * One round of the outbox: queues what is new, then sends what is due (claimed first). Answers how many were
 * queued, delivered and failed for good. The server runs it after each change and every few seconds.
 */
export async function deliverWebhooks(c: LedgerStore, now: number, post: PostDelivery = postDelivery) {
  const queued = await queueEvents(c, now);
  const due = await c.all<DeliveryRow & { url: string; secret: string }>(
    `SELECT d.*, w.url, w.secret FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
     WHERE d.state = 'pending' AND d.next_at <= ? AND w.removed_at IS NULL ORDER BY d.next_at, d.id LIMIT ${SEND_BATCH}`,
    now,
  );
  const result = { queued, delivered: 0, retrying: 0, failed: 0 };
  for (const d of due) {
    const claimed = await c.run(
      "UPDATE webhook_deliveries SET next_at = ? WHERE id = ? AND state = 'pending' AND next_at = ?",
      now + CLAIM_MS,
      d.id,
      d.next_at,
    );
    if (claimed.changes === 0) continue; // another process has it
    const { state } = await send(c, d, now, post);
    result[state === 'delivered' ? 'delivered' : state === 'failed' ? 'failed' : 'retrying']++;
  }
  return result;
}

/** `webhook test`: a `ping` sent at once and tried once, in the delivery log like any other; answers what came of it. */
export async function testWebhook(c: LedgerStore, input: { id: string; scope?: string }, now: number, post: PostDelivery = postDelivery) {
  await requireInit(c);
  const w = await c.db.read(() => findWebhook(c, input.id, input.scope));
  const d = await c.transaction(async () => {
    const r = await c.run(
      "INSERT INTO webhook_deliveries (webhook_id, event_id, type, payload, created_at, state, attempts, next_at) VALUES (?, NULL, ?, '', ?, 'pending', 0, ?)",
      w.id,
      PING,
      now,
      now + CLAIM_MS,
    );
    const payload = payloadOf(r.lastId, w.id, await smartAccountOf(c), now, null);
    await c.run('UPDATE webhook_deliveries SET payload = ? WHERE id = ?', payload, r.lastId);
    return (await c.get<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE id = ?', r.lastId))!;
  });
  const { attempt } = await send(c, { ...d, url: w.url, secret: w.secret }, now, post, false);
  return { webhook: w.id, delivery: d.id, url: w.url, delivered: attempt.error === null, status: attempt.status, error: attempt.error };
}

/** The delivery log, newest first: of one webhook, or of those the caller may see (`scope`: a virtual account's user's). */
export async function webhookDeliveries(
  c: LedgerStore,
  input: { webhook?: string; account?: string; scope?: string; limit?: number },
): Promise<DeliveryLine[]> {
  await requireInit(c);
  const limit = input.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) refuse('bad-count', `The delivery log shows 1 to 1,000 deliveries at a time, not ${limit}.`);
  const filter: string[] = [];
  const params: (string | number)[] = [];
  if (input.webhook !== undefined) {
    filter.push('d.webhook_id = ?');
    params.push((await findWebhook(c, input.webhook, input.scope, true)).id);
  }
  const account = input.account ?? input.scope;
  if (account !== undefined) {
    filter.push('w.account_id = ?');
    params.push((await findAccount(c, account)).id);
  }
  const rows = await c.all<DeliveryRow>(
    `SELECT d.* FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id ${filter.length ? `WHERE ${filter.join(' AND ')}` : ''} ORDER BY d.id DESC LIMIT ${limit}`,
    ...params,
  );
  return rows.map((d) => ({
    id: Number(d.id),
    webhook: d.webhook_id,
    type: d.type,
    eventSeq: d.event_id === null ? null : Number(d.event_id),
    createdAt: Number(d.created_at),
    state: d.state,
    attempts: Number(d.attempts),
    nextAttemptAt: d.state === 'pending' && d.next_at !== null ? Number(d.next_at) : null,
    lastAttemptAt: d.last_at === null ? null : Number(d.last_at),
    lastStatus: d.last_status === null ? null : Number(d.last_status),
    lastError: d.last_error,
  }));
}
