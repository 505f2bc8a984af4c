/**
 * The bridge contract's part for License Central's webhooks (issue 30; shared/bridge.ts spreads it in): the
 * Webhooks tab adds one (its secret shown once), lists them with their deliveries, sends a test, shows the
 * delivery log and removes one. On the app's own ledger they are sent while `slr authority serve` runs on it;
 * connected, by the server.
 */
import { z } from 'zod';
import { MAX_WEBHOOK_URL, WEBHOOK_EVENT_NAMES, type DeliveryLine, type WebhookEvent, type WebhookLine } from './authority/webhooks.ts';

const webhookId = z.string().regex(/^[0-9a-f]{16}$/);

export const WEBHOOK_ARGS = {
  authorityWebhooks: z.tuple([]),
  authorityWebhookAdd: z.tuple([
    z.strictObject({
      account: z.string().min(1).max(200).optional(),
      url: z.string().min(1).max(MAX_WEBHOOK_URL),
      events: z.array(z.enum(WEBHOOK_EVENT_NAMES as [WebhookEvent, ...WebhookEvent[]])).max(20),
      description: z.string().max(200),
    }),
  ]),
  authorityWebhookRemove: z.tuple([webhookId]),
  authorityWebhookTest: z.tuple([webhookId]),
  authorityWebhookDeliveries: z.tuple([webhookId.nullable()]),
} as const;

export interface WebhookResults {
  authorityWebhooks: readonly WebhookLine[];
  authorityWebhookAdd: {
    readonly id: string;
    readonly secret: string;
    readonly account: string | null;
    readonly url: string;
    readonly events: readonly WebhookEvent[];
  };
  authorityWebhookRemove: { readonly id: string; readonly dropped: number };
  authorityWebhookTest: {
    readonly webhook: string;
    readonly delivery: number;
    readonly url: string;
    readonly delivered: boolean;
    readonly status: number | null;
    readonly error: string | null;
  };
  authorityWebhookDeliveries: readonly DeliveryLine[];
}
