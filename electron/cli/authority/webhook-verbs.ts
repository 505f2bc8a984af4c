/**
 * License Central's webhooks (issue 30): `webhook add` (a receiver's URL, the events it takes, its secret shown
 * once), `webhook list`, `webhook remove`, `webhook test` (a ping sent now; exit 1 when it was not delivered)
 * and `webhook deliveries` (the delivery log). Entries of the verb table (authority-cli.ts); each runs on the
 * home's ledger or, after a login, on the server's. The server sends the deliveries while it serves.
 */
import { formatInstant } from '../../../shared/codes/dates.ts';
import { toCsv } from '../../../shared/csv.ts';
import { refuse } from '../../../shared/errors.ts';
import { WEBHOOK_EVENT_NAMES } from '../../../shared/authority/webhooks.ts';
import { count } from './args.ts';
import type { Verb } from './verb.ts';
import { table, UsageError } from '../output.ts';

const webhookId = (text: string | undefined, what = 'A webhook id') => {
  if (!text || !/^[0-9a-f]{16}$/.test(text))
    throw new UsageError(`${what} is 16 hexadecimal digits (see slr authority webhook list), not "${String(text ?? '').slice(0, 40)}".`);
  return text;
};

const when = (t: number | null) => (t === null ? '-' : formatInstant(t));

export const WEBHOOK_VERBS: readonly Verb[] = [
  {
    words: 'webhook add',
    usage: '--url URL [--account VA] [--events a,b,…] [--description TEXT]',
    summary: `Add a webhook: License Central POSTs the events it takes (all, unless --events) of a virtual account (of the whole smart account, without --account) to an https:// URL, signed with a secret shown this once; sent while slr authority serve runs, tried again for a day. Events: ${WEBHOOK_EVENT_NAMES.join(', ')}.`,
    example: 'slr authority webhook add --url https://alerts.example/slr --account Lab --events compliance,expiry-notice',
    options: ['url', 'account', 'events', 'description'],
    required: ['url'],
    run: async ({ values, ctx, say, withLedger }) => {
      const events = values.events
        ?.split(',')
        .map((e) => e.trim())
        .filter(Boolean);
      if (values.events !== undefined && !events?.length) throw new UsageError(`--events names one or more of: ${WEBHOOK_EVENT_NAMES.join(', ')}.`);
      const r = await withLedger((l) => l.addWebhook({ url: values.url!, account: values.account, events, description: values.description }, ctx.now));
      if (ctx.json) return say('', r);
      ctx.io.err(
        `Webhook ${r.id} added for ${r.account === null ? 'the whole smart account' : `virtual account "${r.account}"`}: ${r.url} is told ${r.events.join(', ')}.`,
      );
      ctx.io.err('Its secret, shown this once (the receiver checks the slr-signature header with it):');
      ctx.io.out(r.secret);
    },
  },
  {
    words: 'webhook list',
    usage: '[--account VA] [--csv]',
    summary: 'The webhooks: their URL, virtual account, events, and deliveries pending, delivered and failed (never their secrets).',
    example: 'slr authority webhook list --account Lab',
    options: ['account', 'csv'],
    run: async ({ values, ctx, say, withLedger }) => {
      const webhooks = await withLedger((l) => l.listWebhooks(values.account));
      if (ctx.json) return say('', { webhooks });
      const header = ['Webhook', 'Virtual Account', 'URL', 'Events', 'Description', 'Pending', 'Delivered', 'Failed', 'Last Attempt'];
      const rows = webhooks.map((w) => [
        w.id,
        w.account ?? '(all)',
        w.url,
        w.events.length === WEBHOOK_EVENT_NAMES.length ? 'all' : w.events.join(','),
        w.description || '-',
        w.pending,
        w.delivered,
        w.failed,
        when(w.lastAttemptAt),
      ]);
      if (values.csv) return ctx.io.out(toCsv(header, rows).trimEnd());
      ctx.io.out(rows.length ? table(header, rows) : 'No webhooks.');
    },
  },
  {
    words: 'webhook remove',
    usage: '<id>',
    summary: 'Remove a webhook: nothing more is sent to it; deliveries still pending are given up (logged).',
    example: 'slr authority webhook remove 3f2a9c0d11b4e7a5',
    options: [],
    positionals: ['id'],
    run: async ({ positionals, ctx, say, withLedger }) => {
      const id = webhookId(positionals[0]);
      const r = await withLedger((l) => l.removeWebhook({ id }, ctx.now));
      say(`Webhook ${id} removed${r.dropped ? `; ${r.dropped} pending deliveries given up` : ''}.`, r);
    },
  },
  {
    words: 'webhook test',
    usage: '<id>',
    summary: "Send a webhook a test delivery (type ping) now, once: says the receiver's HTTP status, or why none came (exit 1 when not delivered).",
    example: 'slr authority webhook test 3f2a9c0d11b4e7a5',
    options: [],
    positionals: ['id'],
    run: async ({ positionals, ctx, say, withLedger }) => {
      const id = webhookId(positionals[0]);
      const r = await withLedger((l) => l.testWebhook({ id }, ctx.now));
      if (!r.delivered)
        refuse(
          'webhook-undelivered',
          `The test delivery ${r.delivery} to ${r.url} was not delivered: ${r.error}.`,
          'Check that the receiver is up, answers 2xx to a POST at that URL, and is reachable from this License Central; see `slr authority webhook deliveries`.',
        );
      say(`Test delivery ${r.delivery} to ${r.url}: delivered (HTTP ${r.status}).`, r);
    },
  },
  {
    words: 'webhook deliveries',
    usage: '[--webhook ID] [--account VA] [--limit N] [--csv]',
    summary:
      'The delivery log, newest first (100 unless --limit, up to 1000): each delivery, its attempts, its state, when it is tried next, and the last outcome.',
    example: 'slr authority webhook deliveries --webhook 3f2a9c0d11b4e7a5 --limit 20',
    options: ['webhook', 'account', 'limit', 'csv'],
    run: async ({ values, ctx, say, withLedger }) => {
      const webhook = values.webhook === undefined ? undefined : webhookId(values.webhook, '--webhook');
      const limit = values.limit === undefined ? undefined : count(values.limit, '--limit');
      const deliveries = await withLedger((l) => l.webhookDeliveries({ webhook, account: values.account, limit }));
      if (ctx.json) return say('', { deliveries });
      const header = ['Delivery', 'Webhook', 'Type', 'Event', 'Created', 'State', 'Attempts', 'Next Attempt', 'Last Attempt', 'Last Outcome'];
      const rows = deliveries.map((d) => [
        d.id,
        d.webhook,
        d.type,
        d.eventSeq ?? '-',
        formatInstant(d.createdAt),
        d.state,
        d.attempts,
        when(d.nextAttemptAt),
        when(d.lastAttemptAt),
        d.lastError ?? (d.lastStatus === null ? '-' : `HTTP ${d.lastStatus}`),
      ]);
      if (values.csv) return ctx.io.out(toCsv(header, rows).trimEnd());
      ctx.io.out(rows.length ? table(header, rows) : 'No deliveries.');
    },
  },
];
