/**
 * One delivery over HTTP: the body POSTed as JSON to the webhook's URL, signed with HMAC-SHA256 under the
 * webhook's secret over "<timestamp>.<body>" (shared/authority/webhooks.ts says the header). A 2xx answer is
 * delivered; anything else, a redirect (never followed), no answer within the timeout or a connection that
 * fails is a failure, said in a few words. The answer's body is never read: a webhook's URL must not become a
 * way to read what the server can reach.
 */
import { createHmac } from 'node:crypto';
import { DELIVERY_TIMEOUT_MS, signatureHeader, signedText, WEBHOOK_HEADERS } from '../../../shared/authority/webhooks.ts';

export interface Delivery {
  readonly url: string;
  readonly secret: string;
  readonly body: string;
  readonly deliveryId: string;
  readonly webhookId: string;
  readonly type: string;
  /** When it is sent (the signature's timestamp). */
  readonly now: number;
}

/** What became of an attempt: the HTTP status it was answered with, or why none came. */
export type Attempt = { readonly status: number; readonly error: string | null } | { readonly status: null; readonly error: string };

/** Sends a delivery (the server's; the tests give their own to see what is sent, or to fail on purpose). */
export type PostDelivery = (d: Delivery) => Promise<Attempt>;

export const hmacHex = (secret: string, text: string) => createHmac('sha256', secret).update(text, 'utf8').digest('hex');

/** The headers of a delivery, its signature made at `d.now`. */
export function deliveryHeaders(d: Delivery): Record<string, string> {
  const seconds = Math.floor(d.now / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': 'SLR-Desk-License-Central',
    [WEBHOOK_HEADERS.signature]: signatureHeader(seconds, hmacHex(d.secret, signedText(seconds, d.body))),
    [WEBHOOK_HEADERS.delivery]: d.deliveryId,
    [WEBHOOK_HEADERS.event]: d.type,
    [WEBHOOK_HEADERS.webhook]: d.webhookId,
  };
}

/** Why a request got no answer, in a few words (the cause's code where Node gives one). */
function failure(e: unknown): string {
  const err = e as { name?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return `no answer within ${DELIVERY_TIMEOUT_MS / 1000} s`;
  const code = err.cause?.code;
  if (err.cause?.message === 'bad port') return 'a port HTTP clients never call (bad port)';
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    ECONNRESET: 'connection reset',
    EAI_AGAIN: 'host name not resolved (try again)',
    CERT_HAS_EXPIRED: "the receiver's certificate has expired",
    DEPTH_ZERO_SELF_SIGNED_CERT: "the receiver's certificate is self-signed",
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the receiver's certificate is not trusted",
    ERR_TLS_CERT_ALTNAME_INVALID: "the receiver's certificate is for another host",
  };
  return code ? `${words[code] ?? 'the connection failed'} (${code})` : `the request failed (${(err.cause?.message ?? String(e)).slice(0, 120)})`;
}

/** POSTs a delivery with fetch (Node's own HTTP client). */
export const postDelivery: PostDelivery = async (d) => {
  try {
    const res = await fetch(d.url, {
      method: 'POST',
      headers: deliveryHeaders(d),
      body: d.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (res.status >= 200 && res.status < 300) return { status: res.status, error: null };
    return { status: res.status, error: res.status >= 300 && res.status < 400 ? `redirected (HTTP ${res.status}), not followed` : `HTTP ${res.status}` };
  } catch (e) {
    return { status: null, error: failure(e) };
  }
};
