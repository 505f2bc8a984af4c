/**
 * The webhook operations of License Central's API (issue 30) and what they answer: a part of the API table
 * (api.ts) and of its replies (api-replies.ts), kept beside each other. A virtual account's administrator
 * manages their account's webhooks; the smart account's administrators also those of the whole smart account.
 */
import { z } from 'zod';
import type { ApiOperation } from './api-operation.ts';
import { keyId, shortText } from './inputs.ts';
import { MAX_WEBHOOK_URL, WEBHOOK_EVENT_NAMES, type WebhookEvent } from './webhooks.ts';

const events = z.enum(WEBHOOK_EVENT_NAMES as [WebhookEvent, ...WebhookEvent[]]);

export const WEBHOOK_API = {
  'webhook-add': {
    summary:
      "Add a webhook: a URL told the events it takes (all, if none named) of a virtual account (of the whole smart account, if none: its administrators only), signed with a secret answered this once. See the document's webhooks for what it is sent.",
    permission: 'administer',
    changes: true,
    body: z.strictObject({
      account: shortText.optional(),
      url: z.string().min(1).max(MAX_WEBHOOK_URL),
      events: z.array(events).max(20).optional(),
      description: z.string().max(200).optional(),
    }),
    secret: { reply: true },
  },
  'webhook-list': {
    summary: 'The webhooks (of a virtual account), with their deliveries pending, delivered and failed; never their secrets.',
    permission: 'administer',
    changes: false,
    body: z.strictObject({ account: shortText.optional() }),
  },
  'webhook-remove': {
    summary: 'Remove a webhook: nothing more is sent to it (what was pending is given up).',
    permission: 'administer',
    changes: true,
    body: z.strictObject({ id: keyId }),
  },
  'webhook-test': {
    summary: "Send a webhook a test delivery (type ping) now, once; answers the receiver's HTTP status or why it got none.",
    permission: 'administer',
    changes: true,
    body: z.strictObject({ id: keyId }),
  },
  'webhook-deliveries': {
    summary: 'The delivery log, newest first (100 unless a limit up to 1,000): each delivery, its attempts and the last outcome.',
    permission: 'administer',
    changes: false,
    body: z.strictObject({ webhook: keyId.optional(), account: shortText.optional(), limit: z.number().int().min(1).max(1000).optional() }),
  },
} as const satisfies Record<string, ApiOperation>;

const int = z.number().int();
const instant = int.describe('milliseconds since the epoch');

export const WEBHOOK_REPLIES = {
  'webhook-add': z.strictObject({
    id: z.string(),
    secret: z.string().describe('shown once: the key of the HMAC-SHA256 signatures'),
    account: z.string().nullable(),
    url: z.string(),
    events: z.array(events),
  }),
  'webhook-list': z.array(
    z.strictObject({
      id: z.string(),
      account: z.string().nullable().describe('null: the whole smart account'),
      url: z.string(),
      events: z.array(events),
      description: z.string(),
      createdAt: instant,
      createdBy: z.string(),
      pending: int,
      delivered: int,
      failed: int,
      lastAttemptAt: instant.nullable(),
    }),
  ),
  'webhook-remove': z.strictObject({ id: z.string(), dropped: int.describe('deliveries still pending, given up') }),
  'webhook-test': z.strictObject({
    webhook: z.string(),
    delivery: int,
    url: z.string(),
    delivered: z.boolean(),
    status: int.nullable(),
    error: z.string().nullable(),
  }),
  'webhook-deliveries': z.array(
    z.strictObject({
      id: int,
      webhook: z.string(),
      type: z.string(),
      eventSeq: int.nullable(),
      createdAt: instant,
      state: z.enum(['pending', 'delivered', 'failed']),
      attempts: int,
      nextAttemptAt: instant.nullable(),
      lastAttemptAt: instant.nullable(),
      lastStatus: int.nullable(),
      lastError: z.string().nullable(),
    }),
  ),
};

/** The body of a delivery, as the OpenAPI document's `webhooks` describe it (shared/authority/webhooks.ts). */
export const WEBHOOK_PAYLOAD = z.strictObject({
  id: z.string().describe('the delivery id, as the slr-delivery header: the same on every attempt'),
  type: z.string().describe(`${WEBHOOK_EVENT_NAMES.join(', ')}, or ping (a test)`),
  webhook: z.string(),
  smartAccount: z.string(),
  createdAt: z.string().describe('ISO 8601'),
  event: z
    .strictObject({
      seq: int.describe("the event's number in License Central's log"),
      at: z.string().describe('ISO 8601'),
      type: z.string(),
      account: z.string().nullable(),
      instance: z.string().nullable(),
      actor: z.string(),
      message: z.string(),
    })
    .nullable(),
});
