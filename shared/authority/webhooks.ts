/**
 * Webhooks of a License Central server (issue 30): what a webhook may be told (event types of the ledger's
 * log, as data), when a failed delivery is tried again, what a delivery's body is
 * and how it is signed. Pure: the HMAC itself, the HTTP call and the delivery log are on the Node side
 * (electron/authority/webhooks/), and so is which URLs a webhook may call (webhook-url.ts).
 */

/** The events a webhook may subscribe to: types of the ledger's event log, with what each means. */
export const WEBHOOK_EVENTS = {
  compliance: "A product instance registered online changed compliance (Authorized, Out of Compliance, …): its pool's shortfalls named.",
  'expiry-notice': 'A date reached a notice (90, 60, 30, 14, 7, 3 or 1 days before): TERM licenses, tokens, authorizations, registrations, silence.',
  'usage-report': "A reserved device's offline usage report was imported (over reserved, gaps and roll-backs are said in it).",
  'device-state': "A device's code showed its state rolled back, or a code or key this License Central never issued.",
  'ledger-behind': "A device's code showed that this ledger is behind it (restored from an older backup, or a copy).",
  'satellite-forked': "A satellite's sync file came from a copy of it (two satellites under one identity).",
  'register-refused':
    'A registration of a product instance registered here, with another device key, was refused (someone holding a token tried to take it over).',
  'wrong-code': 'A wrong confirmation or return code was entered for a product instance (5 in a row lock it).',
} as const;

export type WebhookEvent = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_NAMES = Object.keys(WEBHOOK_EVENTS) as WebhookEvent[];
/** What `webhook test` sends: not an event of the log, never subscribed to. */
export const PING = 'ping';

export function isWebhookEvent(text: string): text is WebhookEvent {
  return Object.hasOwn(WEBHOOK_EVENTS, text);
}

/**
 * When a failed delivery is tried again: after 1 minute, 5, 30, 2 hours, 6, 12 and 24 (a receiver down for a
 * day still gets it); after the last, it is given up (failed, in the delivery log).
 */
export const RETRY_AFTER_MS: readonly number[] = [1, 5, 30, 120, 360, 720, 1440].map((m) => m * 60_000);
export const MAX_ATTEMPTS = RETRY_AFTER_MS.length + 1;

/** When a delivery tried `attempts` times (the last failed at `now`) is tried next; null: given up. */
export function nextAttemptAt(attempts: number, now: number): number | null {
  const wait = RETRY_AFTER_MS[attempts - 1];
  return wait === undefined ? null : now + wait;
}

/** A delivery's HTTP request waits this long for an answer. */
export const DELIVERY_TIMEOUT_MS = 10_000;
export const MAX_WEBHOOK_URL = 2000;
/** Webhooks per virtual account (and for the whole smart account). */
export const MAX_WEBHOOKS_PER_ACCOUNT = 10;

/** The headers of a delivery. */
export const WEBHOOK_HEADERS = {
  /** `t=<seconds since the epoch>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the webhook's secret>`. */
  signature: 'slr-signature',
  /** The delivery's id: the same on every attempt (a receiver drops a repeat by it). */
  delivery: 'slr-delivery',
  event: 'slr-event',
  webhook: 'slr-webhook',
} as const;

/** What is signed: the timestamp (seconds) and the body as sent, so a receiver refuses an old delivery replayed. */
export const signedText = (seconds: number, body: string) => `${seconds}.${body}`;

export const signatureHeader = (seconds: number, hexMac: string) => `t=${seconds},v1=${hexMac}`;

/** The timestamp and MAC of a signature header, or null when it is not one. */
export function parseSignatureHeader(value: string): { seconds: number; mac: string } | null {
  const m = /^t=([0-9]{1,12}),v1=([0-9a-f]{64})$/.exec(value);
  return m ? { seconds: Number(m[1]), mac: m[2]! } : null;
}

/** A receiver refuses a delivery whose timestamp is further than this from its clock (README's example does). */
export const SIGNATURE_TOLERANCE_S = 300;

/** The body of a delivery (JSON): one event of the log, or a test (`ping`, event null). */
export interface WebhookPayload {
  /** The delivery's id (as the slr-delivery header). */
  readonly id: string;
  readonly type: WebhookEvent | typeof PING;
  readonly webhook: string;
  readonly smartAccount: string;
  /** ISO 8601: when License Central queued it. */
  readonly createdAt: string;
  readonly event: {
    readonly seq: number;
    readonly at: string;
    readonly type: string;
    readonly account: string | null;
    readonly instance: string | null;
    readonly actor: string;
    readonly message: string;
  } | null;
}

/** A webhook as `webhook list` shows it (never its secret). */
export interface WebhookLine {
  readonly id: string;
  /** null: the whole smart account's events. */
  readonly account: string | null;
  readonly url: string;
  readonly events: readonly WebhookEvent[];
  readonly description: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly pending: number;
  readonly delivered: number;
  readonly failed: number;
  readonly lastAttemptAt: number | null;
}

/** One delivery in the delivery log. */
export interface DeliveryLine {
  readonly id: number;
  readonly webhook: string;
  readonly type: string;
  /** The event of the log it tells (null: a test). */
  readonly eventSeq: number | null;
  readonly createdAt: number;
  readonly state: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly nextAttemptAt: number | null;
  readonly lastAttemptAt: number | null;
  /** The HTTP status of the last attempt (null: none answered). */
  readonly lastStatus: number | null;
  /** Why the last attempt failed (null: it did not). */
  readonly lastError: string | null;
}
