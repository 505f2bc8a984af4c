/**
 * The seeds' Transport Settings (Direct, Transport Gateway, HTTP/HTTPS proxy) and "Do not share my hostname
 * or IP address", on the product instance. A proxy password is kept like the device key (sealed by the OS
 * keychain in the app), never logged or shown.
 */
import { refuse } from '../../shared/errors.ts';
import { event, withEvents, type InstanceState, type Transport } from '../../shared/instance/state.ts';
import { hasControls } from '../../shared/text.ts';
import type { TransportView } from '../../shared/bridge.ts';
import { checkServerUrl } from '../net/server-url.ts';
import { describeProxy } from '../net/proxy-tunnel.ts';
import type { Secrets, Transaction } from './instance-service.ts';
import type { OnlineOutcome } from './online-service.ts';

export type TransportInput =
  | { readonly mode: 'direct' }
  | { readonly mode: 'gateway'; readonly url: string }
  | { readonly mode: 'proxy'; readonly host: string; readonly port: number; readonly user?: string | null; readonly password?: string | null };

/** The transport as the operator reads it (never the password). */
export function describeTransport(t: Transport): string {
  if (t.mode === 'gateway') return `Transport Gateway ${t.url}`;
  if (t.mode === 'proxy') return `HTTP/HTTPS proxy ${describeProxy(t)}${t.user !== null ? ` (user ${t.user}, password ${t.password ? 'set' : 'none'})` : ''}`;
  return 'Direct (the License Central URL of the registration token)';
}

/** The transport as the CLI's JSON and the app show it: whether a proxy password is set, never the password. */
export function transportView(t: Transport): TransportView {
  if (t.mode !== 'proxy') return t;
  return { mode: 'proxy', host: t.host, port: t.port, user: t.user, passwordSet: t.password !== null };
}

/**
 * The transport given, checked. A proxy password not given is the one kept for the same proxy user (the
 * app never shows it back, so saving the settings again must not lose it).
 */
async function checked(input: TransportInput, secrets: Secrets, before: Transport): Promise<Transport> {
  if (input.mode === 'direct') return { mode: 'direct' };
  if (input.mode === 'gateway') {
    checkServerUrl(input.url);
    if (input.url.length > 500) refuse('bad-request', 'The gateway URL is longer than 500 characters.');
    return { mode: 'gateway', url: input.url };
  }
  const host = input.host.trim();
  if (!host || host.length > 253 || hasControls(host) || /[\s/@]/.test(host))
    refuse('bad-request', `"${host.slice(0, 60)}" is not a proxy host name or address.`, 'Give the host as a name or an IP address, e.g. proxy.example 3128.');
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535) refuse('bad-request', `The proxy port must be a number from 1 to 65535.`);
  const user = input.user ?? null;
  const password = input.password ?? null;
  const kept = input.password === undefined && before.mode === 'proxy' && before.user === user && user !== null ? before.password : null;
  if (user !== null && (!user || user.length > 200 || hasControls(user) || user.includes(':')))
    refuse('bad-request', 'The proxy user is printable text of 1 to 200 characters, without ":".');
  if (password !== null && user === null) refuse('bad-request', 'A proxy password goes with a user (--user).');
  if (password !== null && (password.length > 1000 || /[\r\n]/.test(password)))
    refuse('bad-request', 'The proxy password is one line of at most 1000 characters.');
  return { mode: 'proxy', host, port: input.port, user, password: password === null ? kept : await secrets.seal(password) };
}

export async function setTransport(state: InstanceState, secrets: Secrets, input: TransportInput): Promise<Transaction<OnlineOutcome>> {
  const transport = await checked(input, secrets, state.transport);
  const text = `Transport set to ${describeTransport(transport)}.`;
  return { state: withEvents({ ...state, transport }, event(state.clock.highWater, 'transport', text)), value: { message: text, warnings: [] } };
}

export async function setPrivacy(state: InstanceState, hidden: boolean): Promise<Transaction<OnlineOutcome>> {
  const text = hidden
    ? 'Privacy on: the host name is not sent to License Central when registering.'
    : 'Privacy off: the host name is sent to License Central when registering.';
  const warnings = state.online ? ['Takes effect at the next registration: the current one keeps what it sent.'] : [];
  return { state: withEvents({ ...state, privacy: { hostname: hidden } }, event(state.clock.highWater, 'privacy', text)), value: { message: text, warnings } };
}
