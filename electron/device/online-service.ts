/**
 * Smart Licensing online on the product instance (the seeds' other mode): register with a token, renew the
 * authorization and the registration, report usage, deregister, each a call to License Central made under
 * the state's lock, its answer applied by the pure rules of shared/instance/online.ts and saved at once. A
 * call that does not reach License Central changes nothing but the record of the failure: the device keeps
 * working until its authorization expires, and says so. Also the transport settings and the privacy setting.
 */
import { hostname as osHostname } from 'node:os';
import { fromBase64 } from '../../shared/bytes.ts';
import { findAnyEntitlement } from '../../shared/catalog.ts';
import { formatInstant } from '../../shared/codes/dates.ts';
import { isSlrError, refuse, SlrError } from '../../shared/errors.ts';
import {
  afterCall,
  afterCompliance,
  afterDeregister,
  afterFailure,
  afterRegister,
  assertMayRegister,
  backingOff,
  dueCalls,
  usageToReport,
  workingUntil,
  type OnlineCall,
} from '../../shared/instance/online.ts';
import { deriveStatus, productOf } from '../../shared/instance/status.ts';
import { event, withEvents, type InstanceState } from '../../shared/instance/state.ts';
import { PERIODS, type Compliance } from '../../shared/registration/protocol.ts';
import { formatUdi, makeUdi } from '../../shared/udi.ts';
import type { InstanceService, Secrets, Transaction } from './instance-service.ts';
import { deviceCall, registerDevice, type DeviceLink, type Route } from './registration-client.ts';
import { counted } from '../../shared/lifetime.ts';

export interface OnlineOutcome {
  readonly message: string;
  readonly warnings: readonly string[];
}

type Step = Transaction<OnlineOutcome>;
type DeviceCallName = 'device-renew-auth' | 'device-renew-id' | 'device-usage' | 'device-deregister';

/** Refusals that mean License Central was not reached, or not trusted: nothing changed there. */
const UNREACHED = new Set<string>(['server-unreachable', 'proxy-refused', 'server-untrusted', 'server-error']);
/** A clock further off License Central's than this is pointed out. */
const SKEW_MS = 5 * 60_000;

async function routeOf(state: InstanceState, secrets: Secrets): Promise<Route> {
  const t = state.transport;
  if (t.mode === 'gateway') return { gateway: t.url };
  if (t.mode === 'proxy') return { proxy: { host: t.host, port: t.port, user: t.user, password: t.password ? await secrets.unseal(t.password) : null } };
  return {};
}

/** The clock of License Central (read from an answer) against the device's: a warning when they differ. */
function skew(serverNow: number, now: number): string[] {
  const off = now - serverNow;
  if (Math.abs(off) <= SKEW_MS) return [];
  const hours = Math.round(Math.abs(off) / 3_600_000);
  return [
    `The device clock is ${counted(hours, 'hour')} ${off > 0 ? 'ahead of' : 'behind'} License Central's: the dates shown are License Central's, compared with this device's clock.`,
  ];
}

function requireOnline(state: InstanceState, t: number): NonNullable<InstanceState['online']> {
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
async function signed(state: InstanceState, secrets: Secrets, name: DeviceCallName, body: object, timeoutMs: number) {
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

const daysLeft = (state: InstanceState, t: number) => `${counted(Math.ceil(deriveStatus(state, t).evaluation.daysLeft), 'day')} of evaluation left`;

/** A call that failed: License Central not reached (recorded; the device works on), or the registration gone there. */
function failed(state: InstanceState, operation: string, e: unknown, t: number): Step {
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
async function signedStep(
  state: InstanceState,
  secrets: Secrets,
  call: { name: DeviceCallName; label: string; body: object; timeoutMs: number },
  apply: (value: unknown, seq: number, t: number) => Step,
): Promise<Step> {
  const t = state.clock.highWater;
  requireOnline(state, t);
  try {
    const { value, link } = await signed(state, secrets, call.name, call.body, call.timeoutMs);
    return apply(value, link.seq, t);
  } catch (e) {
    return failed(state, call.label, e, t);
  }
}

/** A step's new state, with its event logged, and what to tell the operator. */
const done = (state: InstanceState, t: number, type: string, message: string, warnings: string[] = []): Step => ({
  state: withEvents(state, event(t, type, message)),
  value: { message, warnings },
});

export const renewAuth = (state: InstanceState, secrets: Secrets, timeoutMs = 30_000): Promise<Step> =>
  signedStep(state, secrets, { name: 'device-renew-auth', label: 'renew auth', body: {}, timeoutMs }, (value, seq, t) => {
    const v = value as { authorizationExpires: number; compliance: Compliance };
    const text = `Authorization renewed: valid until ${formatInstant(v.authorizationExpires)}; ${v.compliance.status}.`;
    const next = afterCompliance(state, seq, v.compliance, t, { authorizationExpires: v.authorizationExpires });
    return done(next, t, 'renew-auth', text, skew(v.authorizationExpires - PERIODS.authorizationValid, t));
  });

export const renewId = (state: InstanceState, secrets: Secrets, timeoutMs = 30_000): Promise<Step> =>
  signedStep(state, secrets, { name: 'device-renew-id', label: 'renew id', body: {}, timeoutMs }, (value, seq, t) => {
    const v = value as { registrationExpires: number; compliance?: Compliance };
    const text = `Registration renewed: valid until ${formatInstant(v.registrationExpires)}.`;
    const change = { registrationExpires: v.registrationExpires };
    const next = v.compliance ? afterCompliance(state, seq, v.compliance, t, change) : afterCall(state, seq, change);
    return done(next, t, 'renew-id', text, skew(v.registrationExpires - PERIODS.registrationValid, t));
  });

/** The seeds' Update Usage Details: what is in use, reported; License Central answers the compliance. */
export function reportUsage(state: InstanceState, secrets: Secrets, timeoutMs = 30_000): Promise<Step> {
  const usage = usageToReport(state);
  return signedStep(state, secrets, { name: 'device-usage', label: 'usage report', body: { usage }, timeoutMs }, (value, seq, t) => {
    const c = (value as { compliance: Compliance }).compliance;
    const short = c.shortfalls
      .map((s) => `${findAnyEntitlement(s.tag)?.def.short ?? s.tag}: ${s.inUse} in use in the account, ${s.available} available`)
      .join('; ');
    const text = `Usage reported: ${c.status}${short ? ` (${short})` : ''}.`;
    return done(afterCompliance(state, seq, c, t, { lastUsageReport: t, reportedUsage: usage }), t, 'usage-report', text);
  });
}

export async function deregister(state: InstanceState, secrets: Secrets): Promise<Step> {
  const t = state.clock.highWater;
  const o = state.online;
  if (!o) refuse('not-allowed', 'This product instance is not registered online: there is nothing to deregister.');
  try {
    await signed(state, secrets, 'device-deregister', {}, 30_000);
    const next = afterDeregister(state, 'server', t);
    return {
      state: next,
      value: { message: `Deregistered: the instance's licenses are released to the pool of "${o.account}"; ${daysLeft(next, t)}.`, warnings: [] },
    };
  } catch (e) {
    if (!isSlrError(e) || !(UNREACHED.has(e.code) || e.code === 'unauthorized')) return failed(state, 'deregister', e, t);
    const how = e.code === 'unauthorized' ? 'revoked' : 'local';
    const next = afterDeregister(state, how, t, e.message);
    const warning =
      how === 'local'
        ? `License Central could not be reached (${e.message}). This product instance is deregistered here only: remove it at License Central (slr authority registered remove ${o.instance}) to free its licenses.`
        : 'License Central no longer knew this registration (removed there already): nothing to free.';
    return { state: next, value: { message: `Deregistered on this device; ${daysLeft(next, t)}.`, warnings: [warning] } };
  }
}

export async function register(state: InstanceState, secrets: Secrets, token: string, force: boolean): Promise<Step> {
  const t = state.clock.highWater;
  assertMayRegister(state, force);
  const product = productOf(state);
  let registered;
  try {
    registered = await registerDevice({
      token,
      trustedKeys: new Map(state.trustedKeys.map((k) => [k.id, k.publicKey])),
      udi: formatUdi(makeUdi(product, state.uuid)),
      devicePublicKey: fromBase64(state.deviceKey.publicKey)!,
      devicePrivateKeyPem: await secrets.deviceKey(),
      hostname: state.privacy.hostname ? null : osHostname(),
      force,
      route: await routeOf(state, secrets),
    });
  } catch (e) {
    return { state, error: e };
  }
  const { registration: r, link, token: payload } = registered;
  const next = afterRegister(state, r, { server: link.server, fingerprint: link.fingerprint, certificate: link.certificate, tokenId: payload.id }, t);
  const message = `Registered with License Central ${link.server}, virtual account "${r.account}": registration valid until ${formatInstant(r.registrationExpires)}, authorization until ${formatInstant(r.authorizationExpires)}.`;
  const warnings = [
    ...skew(r.registeredAt, t),
    ...(force && state.online ? [`Moved from virtual account "${state.online.account}", without its licenses.`] : []),
  ];
  const report = await reportUsage(next, secrets);
  if ('error' in report)
    return { state: report.state, value: { message, warnings: [...warnings, `The first usage report failed: ${(report.error as Error).message}`] } };
  return { state: report.state, value: { message: `${message}\n${report.value.message}`, warnings } };
}

const CALLS: Readonly<Record<OnlineCall, (s: InstanceState, secrets: Secrets, timeoutMs: number) => Promise<Step>>> = {
  'renew-id': renewId,
  'renew-auth': renewAuth,
  'usage-report': reportUsage,
};

/**
 * The calls due now (renewals, the daily usage report), made one after the other; a failure is recorded and
 * returned as a warning (it stops the rest), and automatic calls back off after one (retryDelay: about a minute,
 * doubling with each failure in a row, at most an hour; on demand, calls are made at once). `peek`, the
 * state as last loaded, tells whether anything is due without taking the lock.
 */
export async function catchUp(instances: InstanceService, now: number, peek = instances.load(), timeoutMs = 10_000): Promise<OnlineOutcome | null> {
  if (!dueCalls(peek, Math.max(now, peek.clock.highWater)).length || backingOff(peek, now)) return null;
  return instances.transact(now, async (state0, secrets) => {
    let state = state0;
    const messages: string[] = [];
    for (const call of dueCalls(state, state.clock.highWater)) {
      const step = await CALLS[call](state, secrets, timeoutMs);
      state = step.state;
      if ('error' in step) return { state, value: { message: messages.join('\n'), warnings: [(step.error as Error).message] } };
      messages.push(step.value.message);
    }
    return { state, value: { message: messages.join('\n'), warnings: [] } };
  });
}

/** Runs one operation on the state under the lock; its new state saved, its refusal thrown. */
export const onlineOperation = (instances: InstanceService, now: number, op: (s: InstanceState, secrets: Secrets) => Promise<Step>) =>
  instances.transact<OnlineOutcome>(now, op);
