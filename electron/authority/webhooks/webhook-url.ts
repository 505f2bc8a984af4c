/**
 * Which URLs a webhook may call (issue 30): parsed with the WHATWG URL parser, on the Node side (shared/ has no
 * URL of its own). HTTPS; plain HTTP only to this machine's loopback (a local relay).
 */
import { MAX_WEBHOOK_URL } from '../../../shared/authority/webhooks.ts';
import { stripControls } from '../../../shared/text.ts';

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Why `text` is not a URL a webhook may call, or null. HTTPS; plain HTTP only on this machine's loopback (a
 * local relay); no user name or password in it (the payload is signed instead), no fragment, no white space.
 */
export function webhookUrlProblem(text: string): string | null {
  const shown = `"${stripControls(text.slice(0, 80))}"`;
  if (!text) return 'the URL is empty';
  if (text.length > MAX_WEBHOOK_URL) return `the URL is longer than ${MAX_WEBHOOK_URL} characters`;
  if (/\s/.test(text) || !URL.canParse(text)) return `${shown} is not a URL`;
  const url = new URL(text);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${shown} is not an https:// URL`;
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) return `${shown} is plain HTTP: a webhook is called over HTTPS (plain HTTP only on 127.0.0.1)`;
  if (!url.hostname) return `${shown} names no host`;
  if (url.username || url.password) return `${shown} carries a user name or password: the payload is signed instead`;
  if (url.hash) return `${shown} has a fragment (#…), which is never sent`;
  return null;
}
