/**
 * Smart Licensing online on the product instance, as pure functions of its state: whether it may register
 * (reservation excludes it), what each answer of License Central changes, which calls are due (the seeds'
 * periods), and what the operator sees (the seeds' Registration and Authorization statuses). The calls
 * themselves are the Node side's (electron/device/online-service.ts); times in answers are License Central's.
 */
import { clusterUsage } from './cluster.ts';
import { formatInstant } from '../codes/dates.ts';
import { refuse } from '../errors.ts';
import { ONLINE_AUTHORIZATION, ONLINE_REGISTRATION, PERIODS, type Compliance, type OnlineAuthorization, type Registration } from '../registration/protocol.ts';
import { event, REGISTRATION, withEvents, type InstanceState, type OnlineRegistration } from './state.ts';

/** The calls of a registered instance, by their CLI names. */
export type OnlineCall = 'renew-auth' | 'renew-id' | 'usage-report' | 'export-retry';

export const DEREGISTER = '`license smart deregister`';

/** Registration and reservation exclude each other: registering is refused while reservation is on. */
export function assertMayRegister(state: InstanceState, force: boolean): void {
  const c = state.cluster;
  if (c?.role === 'subscriber')
    refuse(
      'not-allowed',
      `This product instance is a subscriber of the cluster of ${c.publisherUdi}: only its publisher (${c.publisher}) registers with License Central.`,
      'Register the publisher: its registration serves the whole cluster.',
    );
  if (state.registration !== REGISTRATION.unregistered)
    refuse(
      'not-allowed',
      `This product instance is ${state.registration}: registration and reservation exclude each other.`,
      state.registration === REGISTRATION.inProgress
        ? 'Cancel the request (`license smart reservation cancel`), disable reservation, then register.'
        : 'Return the reservation (`license smart reservation return`, the return code entered at License Central), disable reservation, then register.',
    );
  if (state.reservationEnabled)
    refuse(
      'not-allowed',
      'License reservation is enabled: registration and reservation exclude each other.',
      'Disable it first (`license smart reservation disable`), then register.',
    );
  if (state.online && !force)
    refuse(
      'not-allowed',
      `This product instance is already registered (virtual account "${state.online.account}", at ${state.online.server}).`,
      'To move it to another virtual account, register with its token and `force`; or deregister first.',
    );
}

export function afterRegister(
  state: InstanceState,
  answer: Registration,
  target: { server: string; fingerprint: string; certificate: string; tokenId: string },
  at: number,
): InstanceState {
  const moved = state.online ? ` (moved from "${state.online.account}", without its licenses)` : '';
  const online: OnlineRegistration = {
    ...target,
    instance: answer.instance,
    seq: 0,
    account: answer.account,
    registeredAt: answer.registeredAt,
    registrationExpires: answer.registrationExpires,
    authorizationExpires: answer.authorizationExpires,
    exportControlled: answer.exportControlled,
    identity: answer.identity,
    lastUsageReport: null,
    reportedUsage: {},
    compliance: null,
    lastFailure: null,
  };
  return withEvents(
    { ...state, online, overage: { usedMs: 0 } },
    event(at, 'register', `Registered with License Central ${target.server}, virtual account "${answer.account}", token ${target.tokenId}${moved}.`),
  );
}

/** After a signed call License Central answered: its sequence number used, the failure of before cleared. */
export function afterCall(state: InstanceState, seq: number, change: Partial<OnlineRegistration>): InstanceState {
  const online = state.online;
  if (!online) return state;
  return { ...state, online: { ...online, ...change, seq: Math.max(online.seq, seq), lastFailure: null } };
}

const complianceAt = (c: Compliance, at: number): OnlineRegistration['compliance'] => ({
  status: c.status as NonNullable<OnlineRegistration['compliance']>['status'],
  shortfalls: c.shortfalls,
  at,
});

/** License Central's answer on compliance; back in compliance, the overage period starts again from zero. */
export function afterCompliance(state: InstanceState, seq: number, c: Compliance, at: number, change: Partial<OnlineRegistration> = {}): InstanceState {
  const next = afterCall(state, seq, { ...change, compliance: complianceAt(c, at) });
  return c.status === ONLINE_AUTHORIZATION.outOfCompliance ? next : { ...next, overage: { usedMs: 0 } };
}

/** A call that did not reach License Central or was refused: kept, so the operator sees when and why, and counted for the back-off. */
export function afterFailure(state: InstanceState, operation: string, message: string, at: number, seq?: number): InstanceState {
  if (!state.online) return state;
  const attempts = (state.online.lastFailure?.attempts ?? 0) + 1;
  const online = { ...state.online, seq: Math.max(state.online.seq, seq ?? 0), lastFailure: { at, operation, message, attempts } };
  return withEvents({ ...state, online }, event(at, 'online-failure', `${operation}: ${message}`));
}

/**
 * Leaves Smart Licensing online: deregistered at License Central, only here (the server could not be
 * reached), or because License Central no longer knows the registration (removed or revoked there).
 */
export function afterDeregister(state: InstanceState, how: 'server' | 'local' | 'revoked', at: number, why = ''): InstanceState {
  const was = state.online;
  if (!was) return state;
  const text = {
    server: `Deregistered from License Central ${was.server}: the instance's licenses are released to the pool of "${was.account}".`,
    local: `Deregistered on this device only: License Central ${was.server} could not be reached (${why}); the instance must be removed there to free its licenses.`,
    revoked: `License Central ${was.server} no longer knows this registration (${why}): the instance is unregistered.`,
  }[how];
  return withEvents({ ...state, online: null }, event(at, `deregister-${how}`, text));
}

/** Automatic calls after a failure wait about a minute, then twice as long after each failure in a row, at most an hour. */
export const RETRY_FIRST_MS = 60_000;
export const RETRY_MAX_MS = 60 * 60_000;

/** A number in [0, 1) from `text` (FNV-1a): the same for the same device and attempt, spread across devices. */
function spread(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h / 2 ** 32;
}

/**
 * How long automatic calls wait after `attempts` failures in a row: bounded exponential back-off with a
 * jitter of ±20 % that differs between devices (`seed`), so that devices cut off together do not call back together.
 */
export function retryDelay(attempts: number, seed: string): number {
  const base = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(Math.max(attempts, 1) - 1, 16));
  return Math.round(base * (0.8 + 0.4 * spread(`${seed}/${attempts}`)));
}

/** Whether automatic calls still wait at `t` after the last failure (a clock set back does not hold them). */
export function backingOff(state: InstanceState, t: number): boolean {
  const f = state.online?.lastFailure;
  return !!f && t >= f.at && t - f.at < retryDelay(f.attempts ?? 1, state.uuid);
}

/**
 * The licenses in use above what License Central acknowledged in the last usage report it answered: not
 * authorized until a report covering them is answered (a report never made, or failed, acknowledges nothing).
 */
export function unacknowledgedTags(state: InstanceState): string[] {
  const acknowledged = state.online?.lastUsageReport === null ? {} : (state.online?.reportedUsage ?? {});
  return Object.entries(clusterUsage(state))
    .filter(([tag, n]) => n > (acknowledged[tag] ?? 0))
    .map(([tag]) => tag);
}

/** The usage a report sends: the licenses in use, by tag. */
export const usageToReport = (state: InstanceState): Record<string, number> => Object.fromEntries(Object.entries(clusterUsage(state)).filter(([, n]) => n > 0));

const sameCounts = (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>) => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => (a[k] ?? 0) + (b[k] ?? 0) > 0));
  return [...keys].every((k) => (a[k] ?? 0) === (b[k] ?? 0));
};

/**
 * The calls due at time `t`, in the order they are made: the registration renewed every six months, the
 * authorization every 30 days, usage reported every 24 hours and whenever it changed, an export request or
 * return that failed (retried with the same back-off). None once the
 * registration expired (the instance must register again).
 */
export function dueCalls(state: InstanceState, t: number): OnlineCall[] {
  const o = state.online;
  if (!o || o.registrationExpires <= t) return [];
  const due: OnlineCall[] = [];
  if (o.registrationExpires - t <= PERIODS.registrationValid - PERIODS.registrationRenew) due.push('renew-id');
  if (o.authorizationExpires - t <= PERIODS.authorizationValid - PERIODS.authorizationRenew) due.push('renew-auth');
  const reportDue = o.lastUsageReport === null || t - o.lastUsageReport >= PERIODS.usageReport || !sameCounts(o.reportedUsage, usageToReport(state));
  if (reportDue) due.push('usage-report');
  // An export request or return that did not reach License Central, until it is done or cancelled.
  if (o.exportPending) due.push('export-retry');
  return due;
}

/** What the operator sees of a registration at time `t`; null when not registered online. */
export interface OnlineView {
  readonly registration: (typeof ONLINE_REGISTRATION)['registered' | 'expired'];
  /** Null once the registration expired: the instance is back in evaluation. */
  readonly authorization: OnlineAuthorization | null;
  /** Out of compliance: the licenses the account lacks, or that are used above what License Central acknowledged, by tag. */
  readonly shortTags: readonly string[];
  /** Licenses in use above the last usage report License Central answered: never shown as Authorized. */
  readonly unacknowledged: readonly string[];
  /** When License Central last answered on compliance (the status is as of then); null: never. */
  readonly asOf: number | null;
  readonly active: boolean;
}

export function onlineView(state: InstanceState, t: number): OnlineView | null {
  const o = state.online;
  if (!o) return null;
  const asOf = o.compliance?.at ?? null;
  if (o.registrationExpires <= t)
    return { registration: ONLINE_REGISTRATION.expired, authorization: null, shortTags: [], unacknowledged: [], asOf, active: false };
  const inUse = Object.values(clusterUsage(state)).some((n) => n > 0);
  const unacknowledged = unacknowledgedTags(state);
  const short = o.compliance?.status === ONLINE_AUTHORIZATION.outOfCompliance ? o.compliance.shortfalls.map((s) => s.tag) : [];
  const authorization =
    o.authorizationExpires <= t
      ? ONLINE_AUTHORIZATION.expired
      : !inUse
        ? ONLINE_AUTHORIZATION.noLicenses
        : short.length || unacknowledged.length
          ? ONLINE_AUTHORIZATION.outOfCompliance
          : ONLINE_AUTHORIZATION.authorized;
  return {
    registration: ONLINE_REGISTRATION.registered,
    authorization,
    shortTags: authorization === ONLINE_AUTHORIZATION.outOfCompliance ? [...new Set([...short, ...unacknowledged])] : [],
    unacknowledged: authorization === ONLINE_AUTHORIZATION.expired ? [] : unacknowledged,
    asOf,
    active: authorization !== ONLINE_AUTHORIZATION.expired,
  };
}

/** When the device keeps working without reaching License Central: until its authorization expires. */
export function workingUntil(o: OnlineRegistration): string {
  return `This product instance keeps working until its authorization expires on ${formatInstant(Math.min(o.authorizationExpires, o.registrationExpires))}.`;
}
