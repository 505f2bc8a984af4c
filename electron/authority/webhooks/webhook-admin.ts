/**
 * The server's webhooks as License Central keeps them (issue 30): `webhook add` (a URL for a virtual account,
 * or for the whole smart account, the events it takes, a secret shown once), `webhook list`, `webhook
 * remove`. Every change is in the event log. A webhook is told what the log records from its creation on,
 * never what came before (deliveries.ts queues them).
 */
import { randomBytes } from 'node:crypto';
import { refuse } from '../../../shared/errors.ts';
import { textProblem } from '../../../shared/text.ts';
import { isWebhookEvent, MAX_WEBHOOKS_PER_ACCOUNT, WEBHOOK_EVENT_NAMES, type WebhookEvent, type WebhookLine } from '../../../shared/authority/webhooks.ts';
import { findAccount, mayTouch, requireInit } from '../ledger/lookups.ts';
import type { LedgerStore } from '../ledger/store.ts';
import { webhookUrlProblem } from './webhook-url.ts';

export interface WebhookRow {
  id: string;
  account_id: number | null;
  /** The virtual account's name; null: the whole smart account. */
  account: string | null;
  url: string;
  secret: string;
  events: string;
  description: string;
  created_at: number;
  created_by: string;
  queued_to: number;
  removed_at: number | null;
}

export const WEBHOOK_SELECT = 'SELECT w.*, a.name AS account FROM webhooks w LEFT JOIN accounts a ON a.id = w.account_id';

const where = (account: string | null) => (account === null ? 'the whole smart account' : `virtual account "${account}"`);

/** The events a webhook takes: those named (each once, known), or every one of the catalog. */
function eventsOf(names: readonly string[] | undefined): WebhookEvent[] {
  if (!names?.length) return [...WEBHOOK_EVENT_NAMES];
  const unknown = names.filter((n) => !isWebhookEvent(n));
  if (unknown.length)
    refuse(
      'bad-request',
      `A webhook cannot take "${unknown[0]!.slice(0, 40)}": it is not one of its events.`,
      `Its events: ${WEBHOOK_EVENT_NAMES.join(', ')}.`,
    );
  return WEBHOOK_EVENT_NAMES.filter((n) => names.includes(n));
}

/**
 * Adds a webhook: `url` told the `events` (all, if none named) of virtual account `account` (of the whole smart
 * account, if none). Answers its id and its secret, which is shown this once (the signatures are made with it).
 */
export async function addWebhook(
  c: LedgerStore,
  input: { account?: string; url: string; events?: readonly string[]; description?: string },
  now: number,
): Promise<{ id: string; secret: string; account: string | null; url: string; events: WebhookEvent[] }> {
  await requireInit(c);
  const problem = webhookUrlProblem(input.url);
  if (problem) refuse('bad-webhook-url', `Not a webhook URL: ${problem}.`, 'Give the https:// URL of the receiver, for example https://alerts.example/slr.');
  const description = (input.description ?? '').trim();
  const wrong = textProblem(description, 200);
  if (wrong) refuse('bad-text', `The description is not acceptable: ${wrong}.`, 'A description is printable text of at most 200 characters.');
  const events = eventsOf(input.events);
  return c.write(now, async () => {
    const account = input.account === undefined ? null : await findAccount(c, input.account);
    const same = account ? ['account_id = ?', account.id] : ['account_id IS NULL'];
    const n = await c.get<{ n: number }>(`SELECT count(*) AS n FROM webhooks WHERE ${same[0]} AND removed_at IS NULL`, ...same.slice(1));
    if (Number(n!.n) >= MAX_WEBHOOKS_PER_ACCOUNT)
      refuse(
        'bad-count',
        `${where(account?.name ?? null)} has ${MAX_WEBHOOKS_PER_ACCOUNT} webhooks already.`,
        'Remove one first: `slr authority webhook remove ID`.',
      );
    const id = randomBytes(8).toString('hex');
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const head = await c.get<{ id: number | null }>('SELECT max(id) AS id FROM events');
    await c.run(
      'INSERT INTO webhooks (id, account_id, url, secret, events, description, created_at, created_by, queued_to, removed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)',
      id,
      account?.id ?? null,
      input.url,
      secret,
      JSON.stringify(events),
      description,
      now,
      c.actor,
      // Told from now on: the events logged before it are not sent (this one, its own creation, neither).
      Number(head?.id ?? 0) + 1,
    );
    await c.log(now, 'webhook-add', `Webhook ${id} added for ${where(account?.name ?? null)}: ${input.url} is told ${events.join(', ')}.`, {
      account: account?.name ?? null,
    });
    return { id, secret, account: account?.name ?? null, url: input.url, events };
  });
}

/**
 * The webhook `id`, if the caller may see it: `scope` is the virtual account a virtual account's user is
 * limited to (a webhook of another account, or of the whole smart account, is not theirs: not found). A removed
 * one is found only for its delivery log (`removedToo`).
 */
export async function findWebhook(c: LedgerStore, id: string, scope?: string, removedToo = false): Promise<WebhookRow> {
  const row = await c.get<WebhookRow>(`${WEBHOOK_SELECT} WHERE w.id = ?`, id);
  const theirs = row && (scope === undefined || (row.account !== null && (await findAccount(c, scope)).id === row.account_id));
  if (!row || !theirs || (row.removed_at !== null && !removedToo))
    refuse('no-webhook', `There is no webhook ${id}${row?.removed_at ? ' (it was removed)' : ''}.`, 'See `slr authority webhook list`.');
  if (row.account !== null) c.guard(row.account);
  return row;
}

/** The webhooks (of virtual account `account`; else the whole smart account's first, then by account), never their secrets. */
export async function listWebhooks(c: LedgerStore, account?: string): Promise<WebhookLine[]> {
  await requireInit(c);
  const only = account === undefined ? null : await findAccount(c, account);
  const rows = await c.all<WebhookRow & { pending: number; delivered: number; failed: number; last_at: number | null }>(
    `SELECT w.*, a.name AS account,
       (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.state = 'pending') AS pending,
       (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.state = 'delivered') AS delivered,
       (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.state = 'failed') AS failed,
       (SELECT max(d.last_at) FROM webhook_deliveries d WHERE d.webhook_id = w.id) AS last_at
     FROM webhooks w LEFT JOIN accounts a ON a.id = w.account_id
     WHERE w.removed_at IS NULL ${only ? 'AND w.account_id = ?' : ''} ORDER BY CASE WHEN w.account_id IS NULL THEN 0 ELSE 1 END, a.name, w.created_at, w.id`,
    ...(only ? [only.id] : []),
  );
  return rows
    .filter((r) => r.account === null || mayTouch(c, r.account))
    .map((r) => ({
      id: r.id,
      account: r.account,
      url: r.url,
      events: JSON.parse(r.events) as WebhookEvent[],
      description: r.description,
      createdAt: Number(r.created_at),
      createdBy: r.created_by,
      pending: Number(r.pending),
      delivered: Number(r.delivered),
      failed: Number(r.failed),
      lastAttemptAt: r.last_at === null ? null : Number(r.last_at),
    }));
}

/** Removes a webhook: nothing more is sent to it; what was still to be sent is given up (failed, in the log). */
export async function removeWebhook(c: LedgerStore, input: { id: string; scope?: string }, now: number): Promise<{ id: string; dropped: number }> {
  await requireInit(c);
  return c.write(now, async () => {
    const row = await findWebhook(c, input.id, input.scope);
    await c.run('UPDATE webhooks SET removed_at = ? WHERE id = ?', now, row.id);
    const dropped = await c.run(
      "UPDATE webhook_deliveries SET state = 'failed', next_at = NULL, last_error = 'the webhook was removed' WHERE webhook_id = ? AND state = 'pending'",
      row.id,
    );
    await c.log(now, 'webhook-remove', `Webhook ${row.id} (${row.url}) removed: nothing more is sent to it.`, { account: row.account });
    return { id: row.id, dropped: dropped.changes };
  });
}
