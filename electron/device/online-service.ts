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
import { isSlrError, refuse } from '../../shared/errors.ts';
import {
  afterCall,
  afterCompliance,
  afterDeregister,
  afterRegister,
  assertMayRegister,
  backingOff,
  dueCalls,
  usageToReport,
  type OnlineCall,
} from '../../shared/instance/online.ts';
import { productOf } from '../../shared/instance/status.ts';
import type { InstanceState } from '../../shared/instance/state.ts';
import { PERIODS, type Compliance } from '../../shared/registration/protocol.ts';
import { formatUdi, makeUdi } from '../../shared/udi.ts';
import type { InstanceService, Secrets } from './instance-service.ts';
import { registerDevice } from './registration-client.ts';
import { daysLeft, done, failed, routeOf, signed, signedStep, skew, UNREACHED, type OnlineOutcome, type Step } from './signed-calls.ts';
import { afterExportKeys } from '../../shared/instance/export-control.ts';
import { checkedExportKeys, exportRetry } from './export-service.ts';

export type { OnlineOutcome } from './signed-calls.ts';

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
  const nodes = state.cluster?.role === 'publisher' ? state.cluster.nodes.map((n) => n.name) : [];
  const body = { usage, trustedKeyIds: state.trustedKeys.map((k) => k.id), ...(nodes.length ? { nodes } : {}) };
  return signedStep(state, secrets, { name: 'device-usage', label: 'usage report', body, timeoutMs }, (value, seq, t) => {
    const answer = value as { compliance: Compliance; exportKeys?: unknown };
    const c = answer.compliance;
    // The export authorization keys License Central holds for it: taken as they are (checked first).
    if (answer.exportKeys !== undefined) state = afterExportKeys(state, seq, checkedExportKeys(state, answer.exportKeys), t);
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
  'export-retry': exportRetry,
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
