/**
 * The signed calls of a registered product instance, as steps (Smart Licensing online, online-service.ts and
 * export-service.ts): the route to License Central (the transport settings), one call signed with the device
 * key and the next sequence number, its answer applied, and a failure recorded so the device works on and
 * says until when (or learns that License Central no longer knows it).
 */
import { formatInstant } from '../../shared/codes/dates.ts';
import { isSlrError, refuse, SlrError } from '../../shared/errors.ts';
import { afterDeregister, afterFailure, workingUntil } from '../../shared/instance/online.ts';
import { deriveStatus } from '../../shared/instance/status.ts';
import { event, withEvents, type InstanceState, type Witness } from '../../shared/instance/state.ts';
import { witnessesAfterAnswer } from '../../shared/instance/witness.ts';
import type { OnlineCheckpoint } from '../../shared/registration/online-checkpoint.ts';
import { verifyingCrypto } from '../platform/crypto.ts';
import { counted } from '../../shared/lifetime.ts';
import type { Secrets, Transaction } from './instance-service.ts';
import { deviceCall, type DeviceLink, type Route } from './registration-client.ts';

export interface OnlineOutcome {
  readonly message: string;
  readonly warnings: readonly string[];
}

export type Step = Transaction<OnlineOutcome>;
type DeviceCallName = 'device-renew-auth' | 'device-renew-id' | 'device-usage' | 'device-deregister' | 'device-export-request' | 'device-export-return';

const NONE: readonly Witness[] = [];
/** The calls whose answers carry a checkpoint of License Central's log, and which name the ones this device saw. */
const WITNESSED = new Set<DeviceCallName>(['device-renew-auth', 'device-renew-id', 'device-usage']);

/** A call's body with the checkpoints this device saw (the latest per key), so License Central finds itself behind. */
function witnessed(state: InstanceState, name: DeviceCallName, body: object): object {
  const seen = state.witness ?? [];
  return WITNESSED.has(name) && seen.length ? { ...body, witness: seen.map((w) => ({ keyId: w.keyId, events: w.events, head: w.head })) } : body;
}

/** Refusals that mean License Central was not reached, or not trusted: nothing changed there. */
export const UNREACHED = new Set<string>(['server-unreachable', 'proxy-refused', 'server-untrusted', 'server-error']);
/** A clock further off License Central's than this is pointed out. */
const SKEW_MS = 5 * 60_000;

export async function routeOf(state: InstanceState, secrets: Secrets): Promise<Route> {
  const t = state.transport;
  if (t.mode === 'gateway') return { gateway: t.url };
  if (t.mode === 'proxy') return { proxy: { host: t.host, port: t.port, user: t.user, password: t.password ? await secrets.unseal(t.password) : null } };
  return {};
}

/** The clock of License Central (read from an answer) against the device's: a warning when they differ. */
export function skew(serverNow: number, now: number): string[] {
  const off = now - serverNow;
  if (Math.abs(off) <= SKEW_MS) return [];
  const hours = Math.round(Math.abs(off) / 3_600_000);
  return [
    `The device clock is ${counted(hours, 'hour')} ${off > 0 ? 'ahead of' : 'behind'} License Central's: the dates shown are License Central's, compared with this device's clock.`,
  ];
}

export function requireOnline(state: InstanceState, t: number): NonNullable<InstanceState['online']> {
  const o = state.online;
  if (!o) refuse('not-allowed', 'This product instance is not registered online.', 'Register it with a token: `license smart register idtoken TOKEN`.');
  if (o.registrationExpires <= t)
    refuse(
      'not-allowed',
      `The registration expired on ${formatInstant(o.registrationExpires)}: it can no longer be renewed.`,
      'Register again with a token (`license smart register idtoken TOKEN force`).',
    );
  return o;
}

/**
 * One signed call of this instance, with the sequence number after the last. Refused as a replay although the
 * device signed it (its state was restored from a backup, or a save was lost), License Central tells the last
 * number it saw: the device takes it up and sends the call once more, so it is never locked out.
 */
export async function signed(state: InstanceState, secrets: Secrets, name: DeviceCallName, body: object, timeoutMs: number) {
  try {
    return await signedOnce(state, secrets, name, body, timeoutMs);
  } catch (e) {
    const last = isSlrError(e) && e.code === 'replayed-code' ? e.detail?.lastSeq : undefined;
    if (last === undefined || last < state.online!.seq) throw e;
    return signedOnce({ ...state, online: { ...state.online!, seq: last } }, secrets, name, body, timeoutMs);
  }
}

async function signedOnce(state: InstanceState, secrets: Secrets, name: DeviceCallName, body: object, timeoutMs: number) {
  const o = state.online!;
  const route = await routeOf(state, secrets);
  const link: DeviceLink = {
    server: route.gateway ?? o.server,
    fingerprint: o.fingerprint,
    certificate: o.certificate,
    proxy: route.proxy ?? null,
    instance: o.instance,
    seq: o.seq,
  };
  return deviceCall(link, await secrets.deviceKey(), name, body as never, timeoutMs);
}

export const daysLeft = (state: InstanceState, t: number) => `${counted(Math.ceil(deriveStatus(state, t).evaluation.daysLeft), 'day')} of evaluation left`;

/** A call that failed: License Central not reached (recorded; the device works on), or the registration gone there. */
export function failed(state: InstanceState, operation: string, e: unknown, t: number): Step {
  if (!isSlrError(e) || !state.online) return { state, error: e };
  const seq = state.online.seq + 1;
  if (e.code === 'unauthorized') {
    const next = afterDeregister(state, 'revoked', t, e.message);
    return {
      state: next,
      error: new SlrError(
        'unauthorized',
        `License Central no longer knows this registration (removed there, or this device's identity revoked): this product instance is unregistered, ${daysLeft(next, t)}.`,
        'Register it again with a token (`license smart register idtoken TOKEN`).',
      ),
    };
  }
  const next = afterFailure(state, operation, e.message, t, seq);
  return { state: next, error: new SlrError(e.code, `${e.message} ${workingUntil(state.online)}`, e.hint) };
}

/**
 * One call of a registered instance made as a step: refused before anything is sent when not registered (or
 * the registration expired); the answer applied by `apply` (with the sequence number used and the time);
 * a failure recorded by failed().
 */
export async function signedStep(
  state: InstanceState,
  secrets: Secrets,
  call: { name: DeviceCallName; label: string; body: object; timeoutMs: number },
  apply: (value: unknown, seq: number, t: number) => Step,
): Promise<Step> {
  const t = state.clock.highWater;
  requireOnline(state, t);
  try {
    const { value, link } = await signed(state, secrets, call.name, witnessed(state, call.name, call.body), call.timeoutMs);
    // License Central's log as its answer says it is: not behind what this device saw (else the answer is not taken).
    const checkpoint = (value as { checkpoint?: OnlineCheckpoint }).checkpoint;
    const witness = witnessesAfterAnswer(state, checkpoint, { instance: link.instance, seq: link.seq }, verifyingCrypto, t);
    const step = apply(value, link.seq, t);
    return witness === (state.witness ?? NONE) ? step : { ...step, state: { ...step.state, witness } };
  } catch (e) {
    return failed(state, call.label, e, t);
  }
}

/** A step's new state, with its event logged, and what to tell the operator. */
export const done = (state: InstanceState, t: number, type: string, message: string, warnings: string[] = []): Step => ({
  state: withEvents(state, event(t, type, message)),
  value: { message, warnings },
});
