// Smart Licensing online on the product instance, the pure rules (plain Node, no server): the seeds'
// statuses from a registration's answers and the injected clock, the calls due, evaluation paused and
// resumed, overage and enforcement, registration and reservation excluding each other, schema 2 to 3.
import { describe, expect, it } from 'vitest';
import { availability } from '../shared/instance/commands.ts';
import { advance } from '../shared/instance/rules.ts';
import { findAnyEntitlement } from '../shared/catalog.ts';
import {
  afterCompliance,
  afterDeregister,
  afterFailure,
  afterRegister,
  assertMayRegister,
  backingOff,
  dueCalls,
  retryDelay,
  RETRY_MAX_MS,
  usageToReport,
} from '../shared/instance/online.ts';
import { validateInstanceState } from '../shared/instance/schema.ts';
import { persistedState, type InstanceState } from '../shared/instance/state.ts';
import { deriveStatus } from '../shared/instance/status.ts';
import { makeDevice, refusal, T0 } from './helpers/world.ts';

const DAY = 86_400_000;
const UCM_BASIC = findAnyEntitlement('UCM_Basic')!.def.tag;
const SHORT = { status: 'Out of Compliance' as const, shortfalls: [{ tag: UCM_BASIC, inUse: 12, available: 10 }] };
const FP = 'AB:'.repeat(31) + 'AB';
const OK = { status: 'Authorized' as const, shortfalls: [] };

/** A device using 4 UCM_Basic, in evaluation for `evalDays`, then registered online at `at`. */
function registered(at = T0 + 10 * DAY, exportControlled = false): InstanceState {
  const d = makeDevice('UCM', T0);
  d.run({ type: 'usage', tag: 'UCM_Basic', count: 4 }, T0);
  const state = advance(d.state, at);
  return afterRegister(
    state,
    {
      instance: '7',
      udi: 'P:UCM,S:00000,U:00000000-0000-0000-0000-000000000000',
      account: 'Lab',
      registeredAt: at,
      registrationExpires: at + 365 * DAY,
      authorizationExpires: at + 90 * DAY,
      exportControlled,
      identity: { keyId: '0123456789abcdef', signature: 'c2ln' },
    },
    { server: 'https://lc.example:8443', fingerprint: FP, certificate: 'PEM', tokenId: 'fedcba9876543210' },
    at,
  );
}

describe('Smart Licensing online: statuses and periods', () => {
  it('shows the seeds statuses from the last answers and the clock, and pauses evaluation while registered', () => {
    const at = T0 + 10 * DAY;
    let s = afterCompliance(registered(at), 1, OK, at, { lastUsageReport: at, reportedUsage: usageToReport(registered(at)) });
    expect(deriveStatus(s, at + DAY)).toMatchObject({ registration: 'Registered', authorization: 'Authorized', evaluation: { running: false, daysLeft: 80 } });
    expect(deriveStatus(s, at + DAY).usage[0]).toMatchObject({ short: 'UCM_Basic', inUse: 4, status: 'Authorized' });
    s = afterCompliance(s, 2, SHORT, at + DAY);
    expect(deriveStatus(s, at + DAY)).toMatchObject({ authorization: 'Out of Compliance', enforcement: { active: false } });
    expect(deriveStatus(s, at + DAY).usage[0]!.status).toBe('Out of Compliance');
    // No contact for 90 days: Authorization Expired, and enforcement.
    const expired = deriveStatus(s, at + 90 * DAY);
    expect(expired).toMatchObject({ registration: 'Registered', authorization: 'Authorization Expired', enforcement: { active: true } });
    expect(expired.enforcement.reason).toMatch(/authorization expired/);
    // A year without renewal: Registration Expired, back to evaluation with the 80 days it had left.
    const gone = deriveStatus(s, at + 365 * DAY + 5 * DAY);
    expect(gone).toMatchObject({ registration: 'Registration Expired', authorization: 'Evaluation Mode', evaluation: { running: true } });
    expect(Math.round(gone.evaluation.daysLeft)).toBe(75);
    expect(deriveStatus(s, at + 365 * DAY + 81 * DAY)).toMatchObject({ authorization: 'Evaluation Period Expired', enforcement: { active: true } });
    // No licenses in use.
    const idle = { ...s, usage: {} };
    expect(deriveStatus(idle, at + DAY).authorization).toBe('No Licenses in Use');
  });

  it('counts 90 days of overage while out of compliance, and starts again from zero once back in', () => {
    const at = T0 + 10 * DAY;
    let s = afterCompliance(registered(at), 1, SHORT, at);
    for (let day = 30; day <= 90; day += 30) {
      s = advance(s, at + day * DAY);
      s = afterCompliance(s, day, SHORT, at + day * DAY, { authorizationExpires: at + (day + 90) * DAY });
    }
    const st = deriveStatus(s, at + 91 * DAY);
    expect(Math.round(st.overage.days)).toBe(91);
    expect(st.enforcement).toMatchObject({ active: true });
    expect(st.enforcement.reason).toMatch(/virtual account's licenses for more than 90 days/);
    s = afterCompliance(advance(s, at + 91 * DAY), 100, OK, at + 91 * DAY, { lastUsageReport: at + 91 * DAY, reportedUsage: usageToReport(s) });
    expect(deriveStatus(s, at + 92 * DAY)).toMatchObject({ authorization: 'Authorized', overage: { days: 0 }, enforcement: { active: false } });
  });

  it('never shows usage as Authorized above what License Central acknowledged, and says as of when', () => {
    const at = T0 + 10 * DAY;
    // Registered, its first report never made (or failed): nothing is acknowledged.
    const fresh = registered(at);
    expect(deriveStatus(fresh, at)).toMatchObject({ authorization: 'Out of Compliance', online: { unacknowledged: [UCM_BASIC], asOf: null } });
    // Acknowledged at 4 in use: Authorized, as of the answer.
    const acked = afterCompliance(fresh, 1, OK, at, { lastUsageReport: at, reportedUsage: usageToReport(fresh) });
    expect(deriveStatus(acked, at + 60_000)).toMatchObject({ authorization: 'Authorized', online: { unacknowledged: [], asOf: at } });
    // 9,999,999 in use, not reported yet (License Central unreachable): not Authorized, at once.
    const grown = { ...acked, usage: { [UCM_BASIC]: 9_999_999 } };
    const st = deriveStatus(grown, at + 60_000);
    expect(st).toMatchObject({ authorization: 'Out of Compliance', online: { unacknowledged: [UCM_BASIC], shortTags: [UCM_BASIC] } });
    expect(st.usage[0]!.status).toBe('Out of Compliance');
    // Less than acknowledged is covered; a later answer for it, Authorized again.
    expect(deriveStatus({ ...acked, usage: { [UCM_BASIC]: 3 } }, at + 60_000).authorization).toBe('Authorized');
    const reported = afterCompliance(grown, 2, OK, at + 120_000, { lastUsageReport: at + 120_000, reportedUsage: usageToReport(grown) });
    expect(deriveStatus(reported, at + 120_000)).toMatchObject({ authorization: 'Authorized', online: { asOf: at + 120_000 } });
  });

  it('backs off automatic calls from about a minute, doubling, at most an hour, with jitter that differs between devices', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => retryDelay(n, 'device-a'));
    expect(delays[0]).toBeGreaterThanOrEqual(48_000);
    expect(delays[0]).toBeLessThanOrEqual(72_000);
    for (let i = 1; i < 6; i++) expect(delays[i]!).toBeGreaterThan(delays[i - 1]!);
    for (const d of delays) expect(d).toBeLessThanOrEqual(RETRY_MAX_MS * 1.2);
    expect(delays.at(-1)!).toBeGreaterThanOrEqual(RETRY_MAX_MS * 0.8);
    const spread = new Set(Array.from({ length: 20 }, (_, i) => retryDelay(1, `device-${i}`)));
    expect(spread.size).toBeGreaterThan(10);
    const at = T0 + 10 * DAY;
    let s = afterFailure(registered(at), 'usage report', 'unreachable', at);
    expect(backingOff(s, at + 30_000)).toBe(true);
    expect(backingOff(s, at + retryDelay(1, s.uuid))).toBe(false);
    s = afterFailure(s, 'usage report', 'unreachable', at + 2 * 60_000);
    expect(s.online!.lastFailure!.attempts).toBe(2);
    expect(backingOff(s, at + 2 * 60_000 + retryDelay(1, s.uuid))).toBe(retryDelay(2, s.uuid) > retryDelay(1, s.uuid));
    // A clock set back before the failure does not hold the calls.
    expect(backingOff(s, at)).toBe(false);
  });

  it('makes the calls when due: usage daily and on change, authorization every 30 days, registration every 180', () => {
    const at = T0 + 10 * DAY;
    let s = registered(at);
    expect(dueCalls(s, at)).toEqual(['usage-report']);
    s = afterCompliance(s, 1, OK, at, { lastUsageReport: at, reportedUsage: usageToReport(s) });
    expect(dueCalls(s, at + 60_000)).toEqual([]);
    const tag = Object.keys(s.usage)[0]!;
    expect(dueCalls({ ...s, usage: { [tag]: 5 } }, at + 60_000)).toEqual(['usage-report']);
    expect(dueCalls(s, at + DAY)).toEqual(['usage-report']);
    expect(dueCalls(s, at + 30 * DAY)).toEqual(['renew-auth', 'usage-report']);
    expect(dueCalls(s, at + 180 * DAY)).toEqual(['renew-id', 'renew-auth', 'usage-report']);
    expect(dueCalls(s, at + 365 * DAY)).toEqual([]);
    expect(dueCalls(afterDeregister(s, 'server', at), at + 30 * DAY)).toEqual([]);
  });

  it('allows export-controlled functionality only with a token that allowed it, and only while authorized', () => {
    const at = T0 + 10 * DAY;
    expect(deriveStatus(registered(at, true), at).exportControlled.allowed).toBe(true);
    expect(deriveStatus(registered(at, false), at).exportControlled.allowed).toBe(false);
    expect(deriveStatus(registered(at, true), at + 91 * DAY).exportControlled.allowed).toBe(false);
  });
});

describe('Smart Licensing online: registration and reservation exclude each other', () => {
  it('refuses every reservation command while registered online, saying why and what to do', () => {
    const s = registered();
    const a = availability(s);
    expect(a.enable).toMatchObject({ allowed: false });
    expect(a.enable.why).toMatch(/registered with License Central online/);
    expect(a.enable.hint).toContain('license smart deregister');
    expect(a.request.allowed).toBe(false);
  });

  it('refuses to register while reservation is on, in progress or installed, and again without force', () => {
    const d = makeDevice('UCM', T0);
    d.run({ type: 'enable' }, T0);
    expect(refusal(() => assertMayRegister(d.state, false)).message).toMatch(/License reservation is enabled/);
    d.run({ type: 'request' }, T0);
    expect(refusal(() => assertMayRegister(d.state, true)).message).toMatch(/Reservation In Progress: registration and reservation exclude each other/);
    expect(refusal(() => assertMayRegister(registered(), false)).hint).toMatch(/force/);
    expect(() => assertMayRegister(registered(), true)).not.toThrow();
  });
});

describe('Smart Licensing online: the state at rest', () => {
  it('migrates a schema-2 state: not registered online, direct transport, the host name shared', () => {
    const { online: _o, transport: _t, privacy: _p, ...rest } = JSON.parse(JSON.stringify(persistedState(makeDevice().state))) as Record<string, unknown>;
    const migrated = validateInstanceState({ ...rest, schemaVersion: 2 });
    expect(migrated).toMatchObject({ schemaVersion: 3, online: null, transport: { mode: 'direct' }, privacy: { hostname: false } });
  });

  it('refuses a state that claims both an online registration and a reservation, or a damaged registration', () => {
    const s = JSON.parse(JSON.stringify(persistedState(registered()))) as Record<string, unknown> & { online: Record<string, unknown> };
    expect(validateInstanceState(s).online?.account).toBe('Lab');
    expect(refusal(() => validateInstanceState({ ...s, reservationEnabled: true })).message).toMatch(
      /online: an online registration excludes license reservation/,
    );
    expect(refusal(() => validateInstanceState({ ...s, online: { ...s.online, fingerprint: 'x' } })).message).toMatch(/online\.fingerprint/);
    expect(refusal(() => validateInstanceState({ ...s, transport: { mode: 'proxy', host: 'p', port: 0, user: null, password: null } })).message).toMatch(
      /transport\.port/,
    );
  });
});
