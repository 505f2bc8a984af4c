/**
 * Encryption and its alarms, as the seeds give them: Unity Connection's encryption (`utils cuc encryption
 * enable|disable`) and Unified CM's mixed mode (`utils ctl set-cluster mixed-mode|non-secure-mode`; Session
 * Management Edition is Unified CM). Turning it on is refused in evaluation, and allowed only while
 * export-controlled functionality is allowed: registered with a token that allows it and the export
 * authorization key requested, or the export key reserved under SLR. It stays on when that allowance ends
 * (deregistered, registration or evaluation expired, the reservation returned), as the seeds say, and an
 * alarm is raised until it is turned off or allowed again: Unified CM's SmartLicenseExportControlNotAllowed
 * (named in the seeds) and Unity Connection's EncryptionNotAllowed (the seeds describe it without a name).
 * The product's commands, alarm and words are data (SECURITY_MODES). Alarms are worked out here for every
 * condition that raises one, the cluster's ClusterPublisherUnreachable (cluster.ts) included.
 */
import { refuse } from '../errors.ts';
import { ONLINE_REGISTRATION } from '../registration/protocol.ts';
import type { ProductId } from '../catalog.ts';
import { exportFeatures } from '../export-control.ts';
import { exportKeysOf } from './export-control.ts';
import { publisherSilence, PUBLISHER_SILENCE_LIMIT_MS, PUBLISHER_SILENCE_WARNING_MS } from './cluster.ts';
import { formatInstant } from '../codes/dates.ts';
import { event, withEvents, type Alarm, type InstanceState } from './state.ts';
import { deriveStatus, productOf } from './status.ts';

export interface SecurityMode {
  /** What it is called in the operator's words. */
  readonly what: string;
  readonly enable: string;
  readonly disable: string;
  readonly alarm: string;
}

const UNIFIED_CM: SecurityMode = {
  what: 'mixed mode (secure mode)',
  enable: 'utils ctl set-cluster mixed-mode',
  disable: 'utils ctl set-cluster non-secure-mode',
  alarm: 'SmartLicenseExportControlNotAllowed',
};

export const SECURITY_MODES: Readonly<Record<ProductId, SecurityMode>> = {
  CUC: { what: 'encryption', enable: 'utils cuc encryption enable', disable: 'utils cuc encryption disable', alarm: 'EncryptionNotAllowed' },
  UCM: UNIFIED_CM,
  SME: UNIFIED_CM,
};

export type { Alarm } from './state.ts';

/** Whether export-controlled functionality is allowed at `t`, and why (not). */
export function exportAllowance(state: InstanceState, now: number): { allowed: boolean; reason: string } {
  const s = deriveStatus(state, now);
  if (s.evaluation.running) return { allowed: false, reason: 'the product instance is in Evaluation Mode' };
  // Registered (its registration not expired; an authorization out of date does not take the allowance away).
  if (s.online && s.online.registration === ONLINE_REGISTRATION.registered) {
    if (!state.online!.exportControlled) return { allowed: false, reason: 'its registration token did not allow export-controlled functionality' };
    const features = exportFeatures(productOf(state)).map((f) => f.name);
    if (!exportKeysOf(state).some((k) => features.includes(k.feature)))
      return { allowed: false, reason: `the export authorization key was not requested (license smart export request local ${features[0] ?? '<feature>'})` };
    return { allowed: true, reason: 'registered with a token that allows it, and the export authorization key installed' };
  }
  if (s.exportControlled.allowed) return { allowed: true, reason: s.exportControlled.reason };
  if (state.online) return { allowed: false, reason: `its registration is ${s.registration}` };
  if (s.evaluation.expired && !s.installed) return { allowed: false, reason: 'the Evaluation Period Expired' };
  return {
    allowed: false,
    reason: s.installed ? 'the installed reservation does not carry the export key' : 'it is not registered, and no reservation is installed',
  };
}

export const securityOn = (state: InstanceState): boolean => state.security?.enabled ?? false;

/** `utils cuc encryption enable|disable`, `utils ctl set-cluster mixed-mode|non-secure-mode`. */
export function setSecurity(state: InstanceState, on: boolean, now: number): { state: InstanceState; message: string } {
  const mode = SECURITY_MODES[state.product];
  const t = state.clock.highWater;
  if (on === securityOn(state)) return { state, message: `${capital(mode.what)} is already ${on ? 'enabled' : 'disabled'}.` };
  if (on) {
    const allowance = exportAllowance(state, now);
    if (!allowance.allowed)
      refuse(
        'not-allowed',
        `${capital(mode.what)} cannot be enabled: ${allowance.reason}. It needs export-controlled functionality.`,
        'Register with a token that allows export-controlled functionality and request the export authorization key (license smart export request local <feature>), or install a reservation that carries the export key.',
      );
  }
  const next = { ...state, security: { enabled: on, since: t } };
  const message = `${capital(mode.what)} ${on ? 'enabled' : 'disabled'}.`;
  return { state: withAlarms(withEvents(next, event(t, on ? 'security-enable' : 'security-disable', message)), t), message };
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Each alarm's condition at `t`: whether it holds, and its severity and text. */
function conditions(state: InstanceState, t: number): { name: string; active: boolean; severity: Alarm['severity']; text: string }[] {
  const mode = SECURITY_MODES[state.product];
  // Secure SIP trunks (sip-trunks.ts) need the same allowance: one deployed raises the same alarm when it ends.
  const trunks = (state.sipTrunks ?? []).filter((x) => x.secure).map((x) => `"${x.name}"`);
  const needs = securityOn(state) || trunks.length > 0;
  const allowance = needs ? exportAllowance(state, t) : { allowed: true, reason: '' };
  const silence = publisherSilence(state, t);
  const c = state.cluster;
  return [
    {
      name: mode.alarm,
      active: needs && !allowance.allowed,
      severity: 'Critical',
      text: securityOn(state)
        ? `${capital(mode.what)} is enabled but export-controlled functionality is not allowed (${allowance.reason}): disable it (\`slr ${mode.disable}\`), or register with a token that allows export-controlled functionality again.`
        : `Secure SIP trunks ${trunks.join(', ')} are deployed but export-controlled functionality is not allowed (${allowance.reason}): remove them (\`slr sip-trunk remove NAME\`), or register with a token that allows export-controlled functionality again.`,
    },
    {
      name: 'ClusterPublisherUnreachable',
      active: silence !== null && silence > PUBLISHER_SILENCE_WARNING_MS,
      severity: silence !== null && silence > PUBLISHER_SILENCE_LIMIT_MS ? 'Critical' : 'Warning',
      text:
        c?.role === 'subscriber'
          ? `This subscriber has not reached its publisher (${c.publisher}) since ${formatInstant(c.lastContact)}: 90 days after that, new users are not provisioned here. Bring the publisher back, then \`slr cluster sync\`.`
          : '',
    },
  ];
}

/** The alarms brought up to time `t`: each raised when its condition starts to hold and cleared when it ends; each change logged. */
export function withAlarms(state: InstanceState, t: number): InstanceState {
  let next = state;
  for (const cond of conditions(state, t)) {
    const alarms = next.alarms ?? [];
    const open = alarms.find((a) => a.name === cond.name && a.clearedAt === null);
    // Still raised, for another cause (mixed mode turned off, a secure trunk left): its text says what to do now.
    if (cond.active && open && open.text !== cond.text) next = { ...next, alarms: alarms.map((a) => (a === open ? { ...a, text: cond.text } : a)) };
    if (cond.active === !!open) continue;
    if (cond.active) {
      const alarm: Alarm = { name: cond.name, severity: cond.severity, text: cond.text, raisedAt: t, clearedAt: null };
      next = withEvents({ ...next, alarms: [...alarms, alarm].slice(-50) }, event(t, 'alarm-raised', `${cond.name}: ${cond.text}`));
    } else {
      const cleared = alarms.map((a) => (a === open ? { ...a, clearedAt: t } : a));
      next = withEvents({ ...next, alarms: cleared }, event(t, 'alarm-cleared', `${cond.name} cleared.`));
    }
  }
  return next;
}
