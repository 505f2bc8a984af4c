/**
 * The `webhooks` of the OpenAPI document (issue 30): what License Central POSTs to a webhook's URL, one entry
 * per event it may be told (shared/authority/webhooks.ts) and the test ping, with the headers that sign it and
 * what a receiver's answer means.
 */
import { z } from 'zod';
import { WEBHOOK_PAYLOAD } from '../../shared/authority/api-webhooks.ts';
import { DELIVERY_TIMEOUT_MS, PING, RETRY_AFTER_MS, SIGNATURE_TOLERANCE_S, WEBHOOK_EVENTS, WEBHOOK_HEADERS } from '../../shared/authority/webhooks.ts';

const header = (name: string, description: string, pattern?: string) => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type: 'string', ...(pattern ? { pattern } : {}) },
});

const HEADERS = [
  header(
    WEBHOOK_HEADERS.signature,
    `t=<seconds since the epoch>,v1=<hex HMAC-SHA256 of "<t>.<body as sent>" under the webhook's secret>. Check it over the raw body with a constant-time comparison, and refuse a t further than ${SIGNATURE_TOLERANCE_S} s from your clock (a replay).`,
    '^t=[0-9]{1,12},v1=[0-9a-f]{64}$',
  ),
  header(WEBHOOK_HEADERS.delivery, "The delivery's id: the same on every attempt; drop a repeat by it (deliveries are at least once)."),
  header(WEBHOOK_HEADERS.event, 'The event type (as the body says).'),
  header(WEBHOOK_HEADERS.webhook, "The webhook's id (as `slr authority webhook list` shows it)."),
];

const minutes = RETRY_AFTER_MS.map((ms) => ms / 60_000);

/** What the document's components gain: the body and the headers every delivery has, named once. */
export function webhookComponents(): { schemas: Record<string, object>; parameters: Record<string, object> } {
  return {
    schemas: { WebhookPayload: z.toJSONSchema(WEBHOOK_PAYLOAD, { io: 'output' }) },
    parameters: Object.fromEntries(HEADERS.map((h) => [h.name, h])),
  };
}

export function openApiWebhooks(): Record<string, object> {
  const payload = { $ref: '#/components/schemas/WebhookPayload' };
  const parameters = HEADERS.map((h) => ({ $ref: `#/components/parameters/${h.name}` }));
  const entries: [string, string][] = [...Object.entries(WEBHOOK_EVENTS), [PING, 'A test delivery (`slr authority webhook test`): tried once, `event` null.']];
  return Object.fromEntries(
    entries.map(([type, summary]) => [
      type,
      {
        post: {
          operationId: `webhook-${type}`,
          summary,
          description: `Sent as JSON to the URL of every webhook that takes \`${type}\`, signed with its secret. Redirects are never followed and the answer's body is never read.`,
          parameters,
          requestBody: { required: true, content: { 'application/json': { schema: payload } } },
          responses: {
            '2XX': { description: 'Delivered.' },
            default: {
              description: `Not delivered (as is no answer within ${DELIVERY_TIMEOUT_MS / 1000} s, or a redirect): tried again after ${minutes.join(', ')} minutes, then given up; each attempt is in the delivery log.`,
            },
          },
        },
      },
    ]),
  );
}
